// Kind `cancelled` (type 5, critical): a queued, running or interrupted execution was
// cancelled, with who did it and why (docs/lifecycle.md#cancel). Kept in the failures ring, so
// bounded history views do not push an audit-relevant cancellation out of sight sooner.
import { closeAttempt, countIllegal, endExecution, endRecord, pushEnd } from '../execution-fold.js';
import { opt, req } from '../field-table.js';
import type { CancelledEntry } from '../history-entry.js';
import { type CancelledPayload, RecordType } from '../journal-records.js';
import type { RecordKind } from '../record-kind.js';

export const cancelledKind: RecordKind<CancelledPayload> = {
  name: 'cancelled',
  type: RecordType.executionCancelled,
  summary: 'an execution was cancelled (queued or running), by whom and why',
  maskPrefix: 'cancel',
  fields: [
    req('executionId', 'id'),
    req('actionId', 'id'),
    req('cancelledAt', 'time'),
    opt('actor', 'label'),
    opt('reason', 'text'),
    opt('durationMs', 'duration'),
  ],
  executionIdOf: (p) => p.executionId,
  eventOf: () => 'cancel',
  timeOf: (p) => p.cancelledAt,

  fold(state, lsn, p) {
    state.counters.cancellations += 1;
    const live = state.table.live.get(p.executionId);
    if (!live) {
      countIllegal(state);
      return;
    }
    const ran = live.status === 'running';
    const record = endRecord(lsn, live, {
      executionId: p.executionId,
      actionId: live.actionId,
      status: 'cancelled',
      durationMs: p.durationMs ?? 0,
      at: p.cancelledAt,
    });
    if (p.actor !== undefined) record.cancelledBy = p.actor;
    if (p.reason !== undefined) record.cancelReason = p.reason;
    pushEnd(state, record);
    const targets = state.statsTargets(live.actionId, live.source, live.attributes);
    for (const acc of targets) {
      acc.recordEnd(
        'cancelled',
        ran ? (p.durationMs ?? 0) : undefined,
        live.attempt,
        p.cancelledAt,
        p.reason,
        undefined,
      );
    }
    if (ran) closeAttempt(live, 'cancelled', p.cancelledAt, p.durationMs, p.reason);
    endExecution(state, live, 'cancelled', { lsn, ms: p.cancelledAt }, targets);
  },

  entry(lsn, p, known): CancelledEntry {
    const entry: CancelledEntry = {
      lsn,
      kind: 'cancelled',
      at: p.cancelledAt,
      executionId: p.executionId,
      actionId: p.actionId,
      status: 'cancelled',
      success: false,
      cancelledAt: p.cancelledAt,
    };
    if (known?.source !== undefined) entry.source = known.source;
    if (known?.attributes !== undefined) entry.attributes = known.attributes;
    if (p.actor !== undefined) entry.actor = p.actor;
    if (p.reason !== undefined) entry.reason = p.reason;
    if (p.durationMs !== undefined) entry.durationMs = p.durationMs;
    return entry;
  },

  join: () => undefined,
  detail(entry) {
    const e = entry as CancelledEntry;
    return `by ${e.actor ?? 'unknown'}${e.reason ? `: ${e.reason}` : ''}`;
  },
};
