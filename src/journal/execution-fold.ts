// The parts of the fold the execution kinds share: ending an attempt, ending an execution, the
// history ring entry of an end. Kinds call these from their `fold` (src/journal/kinds/*.ts).
import type { ActionStatsAccumulator, FinalStatus } from './action-stats.js';
import type { LiveExecution } from './execution-table.js';
import { ATTEMPTS_KEPT } from './execution-table.js';
import type { ExecutionStatus } from './journal-records.js';
import { isSuccess } from './journal-records.js';
import type { JournalState } from './journal-state.js';
import type { ActionExecutionRecord } from './journal-types.js';

/** The final state an attempt's status gives its execution when no retry follows. */
export function finalOf(status: ExecutionStatus): FinalStatus {
  return status === 'interrupted' ? 'failed' : status;
}

/** The ring entry of an end of `live` (or of a one-shot completion when `live` is undefined). */
export function endRecord(
  lsn: number,
  live: LiveExecution | undefined,
  end: {
    executionId: string;
    actionId: string;
    status: ExecutionStatus;
    durationMs: number;
    at: number;
    source?: string;
    executionType?: string;
  },
): ActionExecutionRecord {
  const record: ActionExecutionRecord = {
    lsn,
    executionId: end.executionId,
    actionId: end.actionId,
    source: live?.source ?? end.source ?? '',
    executionType: live?.executionType ?? end.executionType ?? '',
    success: isSuccess(end.status),
    status: end.status,
    durationMs: end.durationMs,
    attempt: live ? live.attempt : 1,
    completedAt: end.at,
  };
  if (live?.attributes) record.attributes = live.attributes;
  if (live?.startedAt !== undefined) record.startedAt = live.startedAt;
  if (live?.queuedAt !== undefined) record.queuedAt = live.queuedAt;
  if (live?.requestId !== undefined) record.requestId = live.requestId;
  if (live?.approvalId !== undefined) record.approvalId = live.approvalId;
  return record;
}

export function pushEnd(state: JournalState, record: ActionExecutionRecord): void {
  state.executions.push(record);
  if (!record.success) state.failures.push(record);
}

/** Records the end of the running attempt of `live` in its attempt list. */
export function closeAttempt(
  live: LiveExecution,
  status: ExecutionStatus,
  at: number,
  durationMs: number | undefined,
  error: string | undefined,
): void {
  const attempt = live.attempts.at(-1);
  if (!attempt || attempt.status !== undefined) return;
  attempt.status = status;
  attempt.completedAt = at;
  if (durationMs !== undefined) attempt.durationMs = durationMs;
  if (error !== undefined) attempt.error = error;
}

/** A new attempt of `live` started (the previous one, if never ended, was interrupted). */
export function openAttempt(
  live: LiveExecution,
  attempt: number,
  lsn: number,
  startedAt: number,
): void {
  closeAttempt(live, 'interrupted', startedAt, undefined, undefined);
  live.attempts.push({ attempt, startLsn: lsn, startedAt });
  if (live.attempts.length > ATTEMPTS_KEPT) live.attempts.shift();
}

/** `live` reached its final state: out of the live table, into the ended map, stats counted. */
export function endExecution(
  state: JournalState,
  live: LiveExecution,
  final: FinalStatus,
  at: { lsn: number; ms: number },
  targets: readonly ActionStatsAccumulator[],
): void {
  state.table.deleteLive(live.executionId);
  state.table.addEnded({
    executionId: live.executionId,
    actionId: live.actionId,
    status: final,
    firstLsn: live.firstLsn,
    firstAt: live.firstAt,
    endLsn: at.lsn,
    endedAt: at.ms,
    attempts: live.attempt,
    ...(live.idempotencyKey === undefined ? {} : { idempotencyKey: live.idempotencyKey }),
    ...(live.attributes === undefined ? {} : { attributes: live.attributes }),
  });
  for (const acc of targets) acc.recordFinal(final, live.attempt);
}

/** Counts a record the state machine would not have allowed (an old or foreign log). */
export function countIllegal(state: JournalState): void {
  state.counters.illegalTransitions += 1;
}
