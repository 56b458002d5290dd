// The executions the journal holds in memory: every live one (queued or running), and the
// recently ended ones by id (so a second completion or a reused id is refused). Both bounded
// (docs/api.md#limits): a live map past its cap evicts its oldest entry during replay of a log
// written with a larger cap (counted), and the recorder refuses a new one at the cap; the ended
// map forgets its oldest entry (a documented eviction: such an id reads as 'unknown').
import { RingBuffer } from './ring-buffer.js';
import type { DocumentValue, ExecutionStatus, StepStatus } from './journal-records.js';
import type { LifecycleState } from './execution-lifecycle.js';

export interface ProgressPoint {
  lsn: number;
  at: number;
  percent: number;
  message?: string;
  stepId?: string;
}

export interface StepState {
  stepId: string;
  startedAt: number;
  status: StepStatus | 'running';
  completedAt?: number;
  durationMs?: number;
  error?: string;
}

export interface AttemptSummary {
  attempt: number;
  startLsn: number;
  startedAt: number;
  /** Ended attempts only. 'interrupted': a newer attempt started without its end recorded. */
  status?: ExecutionStatus;
  completedAt?: number;
  durationMs?: number;
  error?: string;
}

/** A queued or running execution, as the fold keeps it. */
export interface LiveExecution {
  executionId: string;
  actionId: string;
  status: 'queued' | 'running';
  /** LSN and time of its first record (queued, or the start of one that was never queued). */
  firstLsn: number;
  firstAt: number;
  lastLsn: number;
  source: string;
  executionType: string;
  attributes?: Record<string, string>;
  queuedAt?: number;
  requestId?: string;
  approvalId?: string;
  priority: number;
  maxAttempts: number;
  queueTimeoutMs?: number;
  executionTimeoutMs?: number;
  idempotencyKey?: string;
  requeuedFrom?: string;
  request?: DocumentValue;
  /** Attempts started so far (0 while waiting for its first). */
  attempt: number;
  /** When it may start: queuedAt, or the retryAt of the attempt before. */
  readyAt: number;
  /** The running attempt's start (status 'running'). */
  startLsn?: number;
  startedAt?: number;
  /** The newest attempts (at most ATTEMPTS_KEPT; `attempt` says how many there were). */
  attempts: AttemptSummary[];
  progress: RingBuffer<ProgressPoint>;
  percent?: number;
  steps: StepState[];
  lastError?: string;
}

/** Attempts kept per live execution (the rest are on disk). */
export const ATTEMPTS_KEPT = 20;

export interface EndedExecution {
  executionId: string;
  actionId: string;
  status: LifecycleState | 'erased';
  firstLsn: number;
  firstAt: number;
  endLsn: number;
  endedAt: number;
  attempts: number;
  idempotencyKey?: string;
  attributes?: Record<string, string>;
}

export interface ExecutionTableLimits {
  maxInFlight: number;
  maxQueued: number;
  maxEndedTracked: number;
}

export class ExecutionTable {
  readonly limits: ExecutionTableLimits;
  /** Insertion order is first-record order, so the first entry is the oldest. */
  readonly live = new Map<string, LiveExecution>();
  readonly ended = new Map<string, EndedExecution>();
  #running = 0;
  /** Live entries pushed out by a cap during replay, and ended ids forgotten. */
  evictedLive = 0;
  forgottenEnded = 0;

  constructor(limits: ExecutionTableLimits) {
    this.limits = limits;
  }

  get runningCount(): number {
    return this.#running;
  }

  get queuedCount(): number {
    return this.live.size - this.#running;
  }

  /** Adds or replaces a live execution, evicting the oldest of its status past its cap. */
  setLive(entry: LiveExecution): void {
    const before = this.live.get(entry.executionId);
    if (before) this.deleteLive(entry.executionId);
    const cap = entry.status === 'running' ? this.limits.maxInFlight : this.limits.maxQueued;
    const count = entry.status === 'running' ? this.#running : this.queuedCount;
    if (count >= cap) this.#evictOldest(entry.status);
    this.live.set(entry.executionId, entry);
    if (entry.status === 'running') this.#running += 1;
  }

  /** Moves a live execution between queued and running, within the caps. */
  setStatus(entry: LiveExecution, status: 'queued' | 'running'): void {
    if (entry.status === status) return;
    this.deleteLive(entry.executionId);
    entry.status = status;
    this.setLive(entry);
  }

  deleteLive(executionId: string): LiveExecution | undefined {
    const entry = this.live.get(executionId);
    if (!entry) return undefined;
    this.live.delete(executionId);
    if (entry.status === 'running') this.#running -= 1;
    return entry;
  }

  #evictOldest(status: 'queued' | 'running'): void {
    for (const [id, entry] of this.live) {
      if (entry.status !== status) continue;
      this.deleteLive(id);
      this.evictedLive += 1;
      return;
    }
  }

  addEnded(entry: EndedExecution): void {
    this.ended.delete(entry.executionId);
    if (this.ended.size >= this.limits.maxEndedTracked) {
      this.ended.delete(this.ended.keys().next().value as string);
      this.forgottenEnded += 1;
    }
    this.ended.set(entry.executionId, entry);
  }
}

/** A fresh live entry for an execution first seen by `firstLsn` at `firstAt`. */
export function newLiveExecution(
  fields: Pick<
    LiveExecution,
    'executionId' | 'actionId' | 'status' | 'firstLsn' | 'firstAt' | 'source' | 'executionType'
  >,
  progressEntries: number,
): LiveExecution {
  return {
    ...fields,
    lastLsn: fields.firstLsn,
    priority: 0,
    maxAttempts: 1,
    attempt: 0,
    readyAt: fields.firstAt,
    attempts: [],
    progress: new RingBuffer<ProgressPoint>(progressEntries),
    steps: [],
  };
}
