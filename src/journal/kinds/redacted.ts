// Kind `redacted` (type 132, ancillary): what `exec-wal compact` leaves of a record of an erased
// execution — the LSN, the replaced record's type and SHA-256, and only what stats count (action,
// status, duration), so a replay from the log keeps the same per-action counts
// (docs/lifecycle.md#erasure). Never shown in history.
import { executionStatuses, RecordType, type RedactedPayload } from '../journal-records.js';
import { opt, req } from '../field-table.js';
import { noContext, type RecordKind } from '../record-kind.js';

export const redactedKind: RecordKind<RedactedPayload> = {
  name: 'redacted',
  type: RecordType.recordRedacted,
  summary: 'what compaction left of a record of an erased execution (type, digest, counts)',
  fields: [
    req('originalType', 'integer', { min: 1, max: 255 }),
    req('digest', 'bytes'),
    opt('actionId', 'id'),
    opt('status', 'code', { codes: executionStatuses }),
    opt('durationMs', 'duration'),
    opt('at', 'time'),
  ],
  executionIdOf: () => undefined,
  eventOf: () => undefined,
  timeOf: (p) => p.at ?? 0,

  fold(state, _lsn, p) {
    state.counters.redacted += 1;
    if (p.actionId === undefined) return;
    const acc = state.statsFor(p.actionId);
    if (!acc) return;
    if (p.originalType === RecordType.executionQueued) acc.recordQueued();
    else if (p.originalType === RecordType.actionStarted) acc.recordStart(p.at ?? 0, undefined);
    else if (p.status !== undefined) {
      acc.recordEnd(p.status, p.durationMs, 1, p.at ?? 0, undefined, undefined);
    }
  },

  entry: () => undefined,
  join: noContext,
  detail: () => '',
};
