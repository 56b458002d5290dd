// Kind `queued` (type 4, critical): an execution waiting to start, with everything a restarted
// process needs to run it and to enforce its deadlines (docs/lifecycle.md#queued).
import { defaults } from '../../limits.js';
import { countIllegal } from '../execution-fold.js';
import { newLiveExecution } from '../execution-table.js';
import { opt, req } from '../field-table.js';
import type { QueuedEntry } from '../history-entry.js';
import { type QueuedPayload, RecordType } from '../journal-records.js';
import type { RecordKind } from '../record-kind.js';

export const queuedKind: RecordKind<QueuedPayload> = {
  name: 'queued',
  type: RecordType.executionQueued,
  summary: 'an execution was queued: it waits to start, with its deadlines and retry budget',
  fields: [
    req('executionId', 'id'),
    req('actionId', 'id'),
    req('queuedAt', 'time'),
    req('source', 'label'),
    opt('requestId', 'id'),
    opt('approvalId', 'id'),
    opt('priority', 'integer', { min: -defaults.maxPriority, max: defaults.maxPriority }),
    opt('attributes', 'attributes'),
    opt('maxAttempts', 'integer', { min: 1, max: defaults.maxAttempts }),
    opt('queueTimeoutMs', 'duration'),
    opt('executionTimeoutMs', 'duration'),
    opt('idempotencyKey', 'id'),
    opt('executionType', 'label'),
    opt('requeuedFrom', 'id'),
    opt('request', 'document'),
  ],
  executionIdOf: (p) => p.executionId,
  eventOf: () => 'queue',
  timeOf: (p) => p.queuedAt,

  fold(state, lsn, p) {
    state.counters.queued += 1;
    const { table } = state;
    if (table.live.has(p.executionId) || table.ended.has(p.executionId)) countIllegal(state);
    table.ended.delete(p.executionId);
    const live = newLiveExecution(
      {
        executionId: p.executionId,
        actionId: p.actionId,
        status: 'queued',
        firstLsn: lsn,
        firstAt: p.queuedAt,
        source: p.source,
        executionType: p.executionType ?? '',
      },
      state.limits.maxProgressEntries,
    );
    live.queuedAt = p.queuedAt;
    live.priority = p.priority ?? 0;
    live.maxAttempts = p.maxAttempts ?? 1;
    if (p.attributes !== undefined) live.attributes = p.attributes;
    if (p.requestId !== undefined) live.requestId = p.requestId;
    if (p.approvalId !== undefined) live.approvalId = p.approvalId;
    if (p.queueTimeoutMs !== undefined) live.queueTimeoutMs = p.queueTimeoutMs;
    if (p.executionTimeoutMs !== undefined) live.executionTimeoutMs = p.executionTimeoutMs;
    if (p.idempotencyKey !== undefined) live.idempotencyKey = p.idempotencyKey;
    if (p.requeuedFrom !== undefined) live.requeuedFrom = p.requeuedFrom;
    if (p.request !== undefined) live.request = p.request;
    table.setLive(live);
    state.counters.inFlightEvicted = table.evictedLive;
    if (p.idempotencyKey !== undefined) {
      state.idempotency.record(
        state.tenantOf(p.attributes),
        p.idempotencyKey,
        p.executionId,
        p.queuedAt,
      );
    }
    for (const acc of state.statsTargets(p.actionId, p.source, p.attributes)) acc.recordQueued();
  },

  entry(lsn, p): QueuedEntry {
    const entry: QueuedEntry = {
      lsn,
      kind: 'queued',
      at: p.queuedAt,
      executionId: p.executionId,
      actionId: p.actionId,
      source: p.source,
      executionType: p.executionType ?? '',
      queuedAt: p.queuedAt,
      priority: p.priority ?? 0,
      maxAttempts: p.maxAttempts ?? 1,
    };
    if (p.attributes !== undefined) entry.attributes = p.attributes;
    if (p.requestId !== undefined) entry.requestId = p.requestId;
    if (p.approvalId !== undefined) entry.approvalId = p.approvalId;
    if (p.queueTimeoutMs !== undefined) entry.queueTimeoutMs = p.queueTimeoutMs;
    if (p.executionTimeoutMs !== undefined) entry.executionTimeoutMs = p.executionTimeoutMs;
    if (p.idempotencyKey !== undefined) entry.idempotencyKey = p.idempotencyKey;
    if (p.requeuedFrom !== undefined) entry.requeuedFrom = p.requeuedFrom;
    if (p.request !== undefined) entry.request = p.request;
    return entry;
  },

  join(lsn, p) {
    const known = {
      executionId: p.executionId,
      actionId: p.actionId,
      source: p.source,
      executionType: p.executionType ?? '',
      firstLsn: lsn,
      firstAt: p.queuedAt,
      queuedAt: p.queuedAt,
      attempt: 0,
    };
    return p.attributes === undefined ? known : { ...known, attributes: p.attributes };
  },
  detail(entry) {
    const e = entry as QueuedEntry;
    const parts = [
      `priority ${e.priority}`,
      `${e.maxAttempts} attempt${e.maxAttempts === 1 ? '' : 's'}`,
    ];
    if (e.source) parts.push(`from ${e.source}`);
    if (e.requestId !== undefined) parts.push(`request ${e.requestId}`);
    return parts.join(', ');
  },
};
