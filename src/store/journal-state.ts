// The in-memory state of a journal and the one fold that builds it: `applyRecord(state, record)`
// is deterministic (no clock, no I/O, no randomness), so the same log always replays to the same
// state, whether in open(), a read-only open or the CLI. Every collection is bounded
// (docs/api.md#limits); what a bound pushes out is counted, never silently dropped.
import { ErrorCode, WalError } from '../errors.js';
import type { WalRecord } from '../wal/segment-reader.js';
import { ActionStatsAccumulator } from './action-stats.js';
import {
  type CleanupPayload,
  type CompletedPayload,
  isSuccess,
  RecordType,
  type StartedPayload,
} from './journal-records.js';
import type { ActionExecutionRecord, CleanupRecord } from './journal-types.js';
import { readCleanup, readCompleted, readStarted } from './record-codec.js';
import { RingBuffer } from './ring-buffer.js';

export interface JournalLimits {
  maxHistoryEntries: number;
  maxInFlight: number;
  maxActions: number;
}

/** A start not yet completed, as kept in state (its running/interrupted view is the store's). */
export interface OpenExecution {
  lsn: number;
  start: StartedPayload;
}

export interface JournalCounters {
  records: number;
  starts: number;
  completions: number;
  cleanups: number;
  /** Completions whose executionId matched no start in flight. */
  unmatchedCompletions: number;
  /** Ancillary records of types this version does not know (skipped by the format rule). */
  ignoredRecords: number;
  /** In-flight starts evicted (oldest first) by replay of a log written with a larger cap. */
  inFlightEvicted: number;
  /** Records of actions beyond maxActions during replay: in the histories, not in stats. */
  untrackedActionRecords: number;
}

export class JournalState {
  readonly limits: JournalLimits;
  readonly executions: RingBuffer<ActionExecutionRecord>;
  readonly failures: RingBuffer<ActionExecutionRecord>;
  readonly cleanups: RingBuffer<CleanupRecord>;
  /** Insertion order is start order, so the first entry is the oldest start. */
  readonly inFlight = new Map<string, OpenExecution>();
  readonly actions = new Map<string, ActionStatsAccumulator>();
  readonly counters: JournalCounters = {
    records: 0,
    starts: 0,
    completions: 0,
    cleanups: 0,
    unmatchedCompletions: 0,
    ignoredRecords: 0,
    inFlightEvicted: 0,
    untrackedActionRecords: 0,
  };
  lastLsn = 0;

  constructor(limits: JournalLimits) {
    this.limits = limits;
    this.executions = new RingBuffer(limits.maxHistoryEntries);
    this.failures = new RingBuffer(limits.maxHistoryEntries);
    this.cleanups = new RingBuffer(limits.maxHistoryEntries);
  }

  /** The stats accumulator of `actionId`, made on first sight unless maxActions is reached. */
  statsFor(actionId: string): ActionStatsAccumulator | undefined {
    let stats = this.actions.get(actionId);
    if (!stats && this.actions.size < this.limits.maxActions) {
      stats = new ActionStatsAccumulator(actionId);
      this.actions.set(actionId, stats);
    }
    if (!stats) this.counters.untrackedActionRecords += 1;
    return stats;
  }
}

/** Folds one record into `state`. Throws WAL_UNSUPPORTED for an unknown critical type. */
export function applyRecord(state: JournalState, record: WalRecord): void {
  switch (record.type) {
    case RecordType.actionStarted:
      applyPayload(state, record.lsn, { type: record.type, value: readStarted(record) });
      return;
    case RecordType.actionCompleted:
      applyPayload(state, record.lsn, { type: record.type, value: readCompleted(record) });
      return;
    case RecordType.cleanupExecuted:
      applyPayload(state, record.lsn, { type: record.type, value: readCleanup(record) });
      return;
    default:
      state.counters.records += 1;
      state.lastLsn = record.lsn;
      if (record.type >= 128) {
        state.counters.ignoredRecords += 1;
        return;
      }
      throw new WalError(
        ErrorCode.unsupported,
        `record at lsn ${record.lsn} has type ${record.type}, which this exec-wal does not know; ` +
          'it was written by a newer version: upgrade exec-wal',
      );
  }
}

/** A journal payload, checked: what the store builds from a call, or what replay decoded. */
export type CheckedPayload =
  | { type: typeof RecordType.actionStarted; value: StartedPayload }
  | { type: typeof RecordType.actionCompleted; value: CompletedPayload }
  | { type: typeof RecordType.cleanupExecuted; value: CleanupPayload };

/**
 * The fold of applyRecord once the payload is checked: the store applies the payloads it built
 * itself this way, without decoding them back.
 */
export function applyPayload(state: JournalState, lsn: number, payload: CheckedPayload): void {
  state.counters.records += 1;
  state.lastLsn = lsn;
  switch (payload.type) {
    case RecordType.actionStarted:
      applyStart(state, lsn, payload.value);
      return;
    case RecordType.actionCompleted:
      applyCompletion(state, lsn, payload.value);
      return;
    case RecordType.cleanupExecuted:
      applyCleanup(state, lsn, payload.value);
      return;
  }
}

function applyStart(state: JournalState, lsn: number, start: StartedPayload): void {
  state.counters.starts += 1;
  state.inFlight.delete(start.executionId);
  if (state.inFlight.size >= state.limits.maxInFlight) {
    const oldest = state.inFlight.keys().next().value as string;
    state.inFlight.delete(oldest);
    state.counters.inFlightEvicted += 1;
  }
  state.inFlight.set(start.executionId, { lsn, start });
  state.statsFor(start.actionId)?.recordStart(start.attempt, start.startedAt);
}

function applyCompletion(state: JournalState, lsn: number, done: CompletedPayload): void {
  state.counters.completions += 1;
  const open = state.inFlight.get(done.executionId);
  if (open) state.inFlight.delete(done.executionId);
  else state.counters.unmatchedCompletions += 1;
  const start = open?.start;
  const record: ActionExecutionRecord = {
    lsn,
    executionId: done.executionId,
    actionId: done.actionId,
    source: start?.source ?? done.source ?? '',
    executionType: start?.executionType ?? done.executionType ?? '',
    success: isSuccess(done.status),
    status: done.status,
    durationMs: done.durationMs,
    attempt: start?.attempt ?? 1,
    completedAt: done.completedAt,
  };
  if (done.output !== undefined) record.output = done.output;
  if (done.error !== undefined) record.error = done.error;
  if (start?.attributes) record.attributes = start.attributes;
  if (done.metrics) record.metrics = done.metrics;
  if (start) record.startedAt = start.startedAt;
  state.executions.push(record);
  if (!record.success) state.failures.push(record);
  state
    .statsFor(done.actionId)
    ?.recordCompletion(
      done.status,
      done.durationMs,
      record.attempt,
      done.completedAt,
      done.error,
      done.metrics,
    );
}

function applyCleanup(state: JournalState, lsn: number, cleanup: CleanupPayload): void {
  state.counters.cleanups += 1;
  const record: CleanupRecord = {
    lsn,
    scannerId: cleanup.scannerId,
    resourceId: cleanup.resourceId,
    action: cleanup.action,
    success: cleanup.success,
    executedAt: cleanup.executedAt,
  };
  if (cleanup.error !== undefined) record.error = cleanup.error;
  state.cleanups.push(record);
}
