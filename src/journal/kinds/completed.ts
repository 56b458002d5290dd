// Kind `completed` (type 2, critical): an attempt ended (succeeded, failed, timed out,
// cancelled by its runner, or interrupted and retried), or a queued execution missed its queue
// deadline. With `retryAt` the execution is queued again for its next attempt
// (docs/lifecycle.md). A completion that matches nothing in flight is a one-shot report.
import {
  closeAttempt,
  countIllegal,
  endExecution,
  endRecord,
  finalOf,
  pushEnd,
} from '../execution-fold.js';
import { opt, req } from '../field-table.js';
import type { CompletedEntry } from '../history-entry.js';
import type { LifecycleEvent } from '../execution-lifecycle.js';
import {
  type CompletedPayload,
  executionStatuses,
  isSuccess,
  RecordType,
  timeoutKinds,
} from '../journal-records.js';
import type { ExecutionContext, RecordKind } from '../record-kind.js';

function eventOf(p: CompletedPayload): LifecycleEvent | undefined {
  if (p.retryAt !== undefined) return 'retry';
  switch (p.status) {
    case 'succeeded':
      return 'succeed';
    case 'failed':
      return 'fail';
    case 'timed_out':
      return p.timedOut === 'queue' ? 'queue-timeout' : 'time-out';
    case 'cancelled':
      return 'end-cancelled';
    case 'interrupted':
      return undefined; // only with retryAt
  }
}

export const completedKind: RecordKind<CompletedPayload> = {
  name: 'completed',
  type: RecordType.actionCompleted,
  summary:
    'an attempt ended (or a queued execution missed its queue deadline); with retryAt it is queued again',
  fields: [
    req('executionId', 'id'),
    req('actionId', 'id'),
    req('status', 'code', { codes: executionStatuses }),
    req('durationMs', 'duration'),
    req('completedAt', 'time'),
    opt('output', 'text'),
    opt('error', 'text'),
    opt('metrics', 'metrics'),
    opt('source', 'label'),
    opt('executionType', 'label'),
    opt('timedOut', 'code', { codes: timeoutKinds }),
    opt('retryAt', 'time'),
  ],
  executionIdOf: (p) => p.executionId,
  eventOf,
  timeOf: (p) => p.completedAt,

  fold(state, lsn, p) {
    state.counters.completions += 1;
    const { table } = state;
    const live = table.live.get(p.executionId);
    const at = { lsn, ms: p.completedAt };
    if (!live) {
      // A one-shot report (no start in flight), or a second end of an execution (illegal).
      state.counters.unmatchedCompletions += 1;
      const ended = table.ended.get(p.executionId);
      if (ended) countIllegal(state);
      const record = endRecord(lsn, undefined, {
        ...p,
        at: p.completedAt,
        durationMs: p.durationMs,
      });
      if (p.timedOut !== undefined) record.timedOut = p.timedOut;
      addDetail(record, p);
      pushEnd(state, record);
      const targets = state.statsTargets(p.actionId, record.source, undefined);
      for (const acc of targets) {
        acc.recordEnd(p.status, p.durationMs, 1, p.completedAt, p.error, p.metrics);
        if (!ended) acc.recordFinal(finalOf(p.status), 1);
      }
      if (!ended) {
        table.addEnded({
          executionId: p.executionId,
          actionId: p.actionId,
          status: finalOf(p.status),
          firstLsn: lsn,
          firstAt: p.completedAt,
          endLsn: lsn,
          endedAt: p.completedAt,
          attempts: 1,
        });
      }
      return;
    }
    live.lastLsn = lsn;
    const ran = live.status === 'running';
    // An end of a queued execution that is not its queue deadline is not a legal step.
    if (!ran && !(p.status === 'timed_out' && p.timedOut === 'queue')) countIllegal(state);
    const record = endRecord(lsn, live, {
      ...p,
      at: p.completedAt,
      durationMs: ran ? p.durationMs : 0,
    });
    if (!ran) record.attempt = live.attempt;
    addDetail(record, p);
    pushEnd(state, record);
    const targets = state.statsTargets(live.actionId, live.source, live.attributes);
    for (const acc of targets) {
      acc.recordEnd(
        p.status,
        ran ? p.durationMs : undefined,
        live.attempt,
        p.completedAt,
        p.error,
        p.metrics,
      );
    }
    if (ran) closeAttempt(live, p.status, p.completedAt, p.durationMs, p.error);
    if (p.error !== undefined) live.lastError = p.error;
    if (p.retryAt !== undefined && ran) {
      live.readyAt = p.retryAt;
      delete live.startLsn;
      delete live.startedAt;
      table.setStatus(live, 'queued');
      return;
    }
    endExecution(state, live, finalOf(p.status), at, targets);
  },

  entry(lsn, p, known): CompletedEntry {
    const entry: CompletedEntry = {
      lsn,
      kind: 'completed',
      at: p.completedAt,
      executionId: p.executionId,
      actionId: p.actionId,
      source: known?.source ?? p.source ?? '',
      executionType: known?.executionType ?? p.executionType ?? '',
      attempt: known && known.attempt > 0 ? known.attempt : 1,
      status: p.status,
      success: isSuccess(p.status),
      durationMs: p.durationMs,
      completedAt: p.completedAt,
    };
    if (known?.attributes !== undefined) entry.attributes = known.attributes;
    if (known?.startedAt !== undefined) entry.startedAt = known.startedAt;
    if (p.output !== undefined) entry.output = p.output;
    if (p.error !== undefined) entry.error = p.error;
    if (p.metrics !== undefined) entry.metrics = p.metrics;
    if (p.timedOut !== undefined) entry.timedOut = p.timedOut;
    if (p.retryAt !== undefined) entry.retryAt = p.retryAt;
    return entry;
  },

  join(_lsn, p, known): ExecutionContext | undefined {
    if (p.retryAt === undefined || !known) return undefined;
    const { startedAt: _s, startLsn: _l, ...waiting } = known;
    return waiting;
  },
  detail(entry) {
    const e = entry as CompletedEntry;
    const text = e.error ?? e.output ?? '';
    const retry = e.retryAt !== undefined ? `retry at ${new Date(e.retryAt).toISOString()}` : '';
    const deadline = e.timedOut !== undefined ? `${e.timedOut} deadline` : '';
    return [text, deadline, retry].filter((s) => s !== '').join('; ');
  },
};

function addDetail(record: ReturnType<typeof endRecord>, p: CompletedPayload): void {
  if (p.output !== undefined) record.output = p.output;
  if (p.error !== undefined) record.error = p.error;
  if (p.metrics !== undefined) record.metrics = p.metrics;
  if (p.timedOut !== undefined) record.timedOut = p.timedOut;
  if (p.retryAt !== undefined) record.retryAt = p.retryAt;
}
