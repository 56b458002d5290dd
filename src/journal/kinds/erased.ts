// Kind `erased` (type 6, critical: a reader that skipped it would show what was deleted):
// executions deleted by id or by filter (docs/lifecycle.md#erasure). Queries hide them at once;
// `exec-wal compact` replaces their records' bytes with `redacted` frames. Counts in stats stay.
import { opt, req } from '../field-table.js';
import { matchesFilter } from '../erasure-set.js';
import type { ErasedEntry } from '../history-entry.js';
import { type ErasedPayload, RecordType } from '../journal-records.js';
import type { ActionExecutionRecord } from '../journal-types.js';
import { noContext, type RecordKind } from '../record-kind.js';

export const erasedKind: RecordKind<ErasedPayload> = {
  name: 'erased',
  type: RecordType.executionsErased,
  summary: 'executions were deleted (by id, or every ended one matching a filter)',
  maskPrefix: 'erase',
  fields: [
    req('erasedAt', 'time'),
    opt('executionIds', 'ids'),
    opt('actionId', 'id'),
    opt('before', 'time'),
    opt('attributes', 'attributes'),
    opt('reason', 'text'),
  ],
  executionIdOf: () => undefined,
  eventOf: () => 'erase',
  timeOf: (p) => p.erasedAt,

  fold(state, lsn, p) {
    state.counters.erasures += 1;
    state.erased.add(lsn, p);
    const ids = p.executionIds === undefined ? undefined : new Set(p.executionIds);
    const filter = { actionId: p.actionId, before: p.before, attributes: p.attributes };
    const hides = (subject: Parameters<typeof matchesFilter>[1]) =>
      ids ? ids.has(subject.executionId) : matchesFilter(filter, subject);
    // Everything in the rings and the ended map ended before this record.
    state.dropErasedFromRings((record: ActionExecutionRecord) =>
      hides({
        executionId: record.executionId,
        actionId: record.actionId,
        firstLsn: record.lsn,
        firstAt: record.queuedAt ?? record.startedAt ?? record.completedAt,
        attributes: record.attributes,
      }),
    );
    for (const ended of state.table.ended.values()) {
      if (ended.status === 'erased') continue;
      if (hides({ ...ended, firstLsn: ended.firstLsn })) {
        ended.status = 'erased';
        state.idempotency.forgetExecution(ended.executionId);
      }
    }
    for (const id of ids ?? []) state.idempotency.forgetExecution(id);
  },

  entry(lsn, p): ErasedEntry {
    const entry: ErasedEntry = { lsn, kind: 'erased', at: p.erasedAt, erasedAt: p.erasedAt };
    if (p.executionIds !== undefined) entry.executionIds = p.executionIds;
    if (p.actionId !== undefined) entry.actionId = p.actionId;
    if (p.before !== undefined) entry.before = p.before;
    if (p.attributes !== undefined) entry.attributes = p.attributes;
    if (p.reason !== undefined) entry.reason = p.reason;
    return entry;
  },

  join: noContext,
  detail(entry) {
    const e = entry as ErasedEntry;
    const what = e.executionIds
      ? e.executionIds.join(' ')
      : `every ended execution${e.actionId ? ` of ${e.actionId}` : ''}${e.before !== undefined ? ` before ${new Date(e.before).toISOString()}` : ''}`;
    return `${what}${e.reason ? ` (${e.reason})` : ''}`;
  },
};
