// Kind `started` (type 1, critical): an attempt of an execution started (docs/lifecycle.md).
// Of a queued execution (the same id), or of one never queued (reported only from its start).
import { defaults } from '../../limits.js';
import { countIllegal, openAttempt } from '../execution-fold.js';
import { newLiveExecution } from '../execution-table.js';
import { opt, req } from '../field-table.js';
import type { StartedEntry } from '../history-entry.js';
import { RecordType, type StartedPayload } from '../journal-records.js';
import type { ExecutionContext, RecordKind } from '../record-kind.js';

export const startedKind: RecordKind<StartedPayload> = {
  name: 'started',
  type: RecordType.actionStarted,
  summary: 'an attempt of an execution started running',
  fields: [
    req('executionId', 'id'),
    req('actionId', 'id'),
    req('source', 'label'),
    req('executionType', 'label'),
    req('attempt', 'integer', { min: 1, max: defaults.maxAttempts }),
    req('startedAt', 'time'),
    opt('attributes', 'attributes'),
    opt('idempotencyKey', 'id'),
    opt('requestId', 'id'),
  ],
  executionIdOf: (p) => p.executionId,
  eventOf: () => 'start',
  timeOf: (p) => p.startedAt,

  fold(state, lsn, p) {
    state.counters.starts += 1;
    const { table } = state;
    let live = table.live.get(p.executionId);
    let queueWaitMs: number | undefined;
    if (live?.status === 'queued') queueWaitMs = p.startedAt - live.readyAt;
    if (!live) {
      if (table.ended.has(p.executionId)) countIllegal(state);
      table.ended.delete(p.executionId);
      live = newLiveExecution(
        {
          executionId: p.executionId,
          actionId: p.actionId,
          status: 'running',
          firstLsn: lsn,
          firstAt: p.startedAt,
          source: p.source,
          executionType: p.executionType,
        },
        state.limits.maxProgressEntries,
      );
      if (p.idempotencyKey !== undefined) live.idempotencyKey = p.idempotencyKey;
      if (p.requestId !== undefined) live.requestId = p.requestId;
      if (p.idempotencyKey !== undefined) {
        const tenant = state.tenantOf(p.attributes);
        state.idempotency.record(tenant, p.idempotencyKey, p.executionId, p.startedAt);
      }
    }
    if (p.source !== '') live.source = p.source;
    if (p.executionType !== '') live.executionType = p.executionType;
    if (p.attributes !== undefined) live.attributes = p.attributes;
    openAttempt(live, p.attempt, lsn, p.startedAt);
    live.attempt = p.attempt;
    live.startLsn = lsn;
    live.startedAt = p.startedAt;
    live.lastLsn = lsn;
    live.steps = [];
    if (live.status === 'running') table.setLive(live);
    else table.setStatus(live, 'running');
    state.counters.inFlightEvicted = table.evictedLive;
    const targets = state.statsTargets(p.actionId, live.source, live.attributes);
    for (const acc of targets) {
      acc.recordStart(p.startedAt, queueWaitMs);
      // A retry reported as a new execution (before the lifecycle records existed).
      if (p.attempt > 1 && live.firstLsn === lsn) acc.recordSeparateRetry();
    }
  },

  entry(lsn, p, known): StartedEntry {
    const entry: StartedEntry = {
      lsn,
      kind: 'started',
      at: p.startedAt,
      executionId: p.executionId,
      actionId: p.actionId,
      source: p.source || (known?.source ?? ''),
      executionType: p.executionType || (known?.executionType ?? ''),
      attempt: p.attempt,
      startedAt: p.startedAt,
    };
    const attributes = p.attributes ?? known?.attributes;
    if (attributes !== undefined) entry.attributes = attributes;
    if (known?.queuedAt !== undefined) entry.queuedAt = known.queuedAt;
    if (p.requestId !== undefined) entry.requestId = p.requestId;
    if (p.idempotencyKey !== undefined) entry.idempotencyKey = p.idempotencyKey;
    return entry;
  },

  join(lsn, p, known): ExecutionContext {
    const base: ExecutionContext = known ?? {
      executionId: p.executionId,
      actionId: p.actionId,
      source: p.source,
      executionType: p.executionType,
      firstLsn: lsn,
      firstAt: p.startedAt,
      attempt: 0,
    };
    const next: ExecutionContext = {
      ...base,
      source: p.source || base.source,
      executionType: p.executionType || base.executionType,
      attempt: p.attempt,
      startedAt: p.startedAt,
      startLsn: lsn,
    };
    if (p.attributes !== undefined) next.attributes = p.attributes;
    return next;
  },
  detail(entry) {
    const e = entry as StartedEntry;
    return `attempt ${e.attempt}${e.source ? ` from ${e.source}` : ''}`;
  },
};
