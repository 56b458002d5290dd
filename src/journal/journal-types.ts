// The public shapes the journal answers with (docs/api.md). Times are epoch milliseconds.
import type { LifecycleState } from './execution-lifecycle.js';
import type { DocumentValue, ExecutionStatus, StepStatus, TimeoutKind } from './journal-records.js';

/** One ended attempt (or an execution that ended while queued), as the history rings hold it. */
export interface ActionExecutionRecord {
  /** LSN of the record that ended it. */
  lsn: number;
  executionId: string;
  actionId: string;
  /** Empty when the completion matched no start. */
  source: string;
  executionType: string;
  success: boolean;
  status: ExecutionStatus;
  durationMs: number;
  attempt: number;
  output?: string;
  error?: string;
  attributes?: Record<string, string>;
  metrics?: Record<string, number>;
  startedAt?: number;
  completedAt: number;
  requestId?: string;
  approvalId?: string;
  queuedAt?: number;
  timedOut?: TimeoutKind;
  /** The execution was queued again: its next attempt may start at this time. */
  retryAt?: number;
  cancelledBy?: string;
  cancelReason?: string;
}

export interface CleanupRecord {
  lsn: number;
  scannerId: string;
  resourceId: string;
  action: string;
  success: boolean;
  error?: string;
  executedAt: number;
}

export interface ProgressUpdate {
  lsn: number;
  at: number;
  percent: number;
  message?: string;
  stepId?: string;
}

export interface StepRecord {
  stepId: string;
  startedAt: number;
  status: StepStatus | 'running' | 'interrupted';
  completedAt?: number;
  durationMs?: number;
  error?: string;
}

/** An execution started and not ended ('running', or 'interrupted' by a crash or restart). */
export interface InFlightExecution {
  /** LSN of the start record. */
  lsn: number;
  executionId: string;
  actionId: string;
  source: string;
  executionType: string;
  attempt: number;
  attributes?: Record<string, string>;
  startedAt: number;
  /**
   * 'running': started by this process (or, read-only, while a writer holds the lock);
   * 'interrupted': started before the last crash or restart and never ended.
   */
  state: 'running' | 'interrupted';
  percent?: number;
  progressMessage?: string;
  queuedAt?: number;
  requestId?: string;
}

/** An execution waiting to start (first attempt or a retry). */
export interface QueuedExecution {
  /** LSN of its first record. */
  lsn: number;
  executionId: string;
  actionId: string;
  source: string;
  executionType: string;
  priority: number;
  queuedAt: number;
  /** When it may start (a retry's backoff). */
  readyAt: number;
  /** Attempts made so far. */
  attempts: number;
  maxAttempts: number;
  attributes?: Record<string, string>;
  requestId?: string;
  approvalId?: string;
  queueTimeoutMs?: number;
  executionTimeoutMs?: number;
  lastError?: string;
}

export interface AttemptDetail {
  attempt: number;
  startedAt: number;
  /** 'running' (or 'interrupted') while not ended. */
  status: ExecutionStatus | 'running';
  completedAt?: number;
  durationMs?: number;
  output?: string;
  error?: string;
  metrics?: Record<string, number>;
  timedOut?: TimeoutKind;
  retryAt?: number;
}

/** Everything the journal on disk says about one execution (getExecution). */
export interface ExecutionDetail {
  executionId: string;
  actionId: string;
  status: LifecycleState;
  source: string;
  executionType: string;
  requestId?: string;
  approvalId?: string;
  priority?: number;
  attributes?: Record<string, string>;
  idempotencyKey?: string;
  maxAttempts?: number;
  queueTimeoutMs?: number;
  executionTimeoutMs?: number;
  requeuedFrom?: string;
  request?: DocumentValue;
  queuedAt?: number;
  /** LSN of its first and newest records. */
  firstLsn: number;
  lastLsn: number;
  attempts: AttemptDetail[];
  steps: StepRecord[];
  progress: ProgressUpdate[];
  percent?: number;
  /** The final attempt's outcome, once ended. */
  outcome?: {
    status: ExecutionStatus;
    at: number;
    output?: string;
    error?: string;
    durationMs?: number;
  };
  cancelledBy?: string;
  cancelReason?: string;
  cancelledAt?: number;
  timedOut?: TimeoutKind;
}

/** One row of listExecutions. */
export interface ExecutionSummary {
  executionId: string;
  actionId: string;
  status: LifecycleState;
  source: string;
  firstLsn: number;
  lastLsn: number;
  /** When it was queued, or first started. */
  createdAt: number;
  /** When it last changed state. */
  updatedAt: number;
  attempts: number;
  requestId?: string;
  approvalId?: string;
  attributes?: Record<string, string>;
  durationMs?: number;
  error?: string;
}

export interface QueueWaitStats {
  /** Starts that had waited in a queue. */
  count: number;
  avgMs: number;
  maxMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** Cumulative over the whole log (not only the ring buffers). Durations in ms. */
export interface ActionStats {
  actionId: string;
  /** Ends recorded: attempts that ended, and executions that ended while queued. */
  totalExecutions: number;
  successes: number;
  failures: number;
  /** successes / totalExecutions, 0 when there were none. */
  successRate: number;
  byStatus: Record<ExecutionStatus, number>;
  /** Ends of attempts numbered > 1. */
  retries: number;
  /** Final outcome per execution: failed counts every final outcome but success. */
  finalOutcomes: { succeeded: number; failed: number };
  finalByStatus: Record<'succeeded' | 'failed' | 'timed_out' | 'cancelled', number>;
  /** Executions that needed more than one attempt, and the share of them that succeeded. */
  retriedExecutions: number;
  retrySuccessRate: number;
  queued: number;
  started: number;
  /** Over attempts that ran (not executions that ended while queued). */
  avgDurationMs: number;
  minDurationMs: number;
  maxDurationMs: number;
  /** Within 1% of the exact percentile (QuantileSketch); 0 when there were none. */
  p50DurationMs: number;
  p95DurationMs: number;
  p99DurationMs: number;
  /** From becoming ready (queued, or a retry's retryAt) to starting. */
  queueWait: QueueWaitStats;
  lastStartedAt: number | undefined;
  lastCompletedAt: number | undefined;
  lastError: string | undefined;
  /** Sums of the numeric `metrics` given on completion (tokens, cost, ...). */
  metricsTotals: Record<string, number>;
}

/** Stats of one group (a source, or one value of an attribute). */
export interface GroupStats extends Omit<ActionStats, 'actionId'> {
  /** The group's value; '(other)' collects values past maxGroups; '' when absent. */
  group: string;
}
