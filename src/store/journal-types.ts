// The public shapes WalStore returns (docs/api.md). Times are epoch milliseconds.
import type { ExecutionStatus } from './journal-records.js';

export interface ActionExecutionRecord {
  /** LSN of the completion record. */
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
   * 'interrupted': started before the last crash or restart and never completed.
   */
  state: 'running' | 'interrupted';
}

/** Cumulative over the whole log (not only the ring buffers). Durations in ms. */
export interface ActionStats {
  actionId: string;
  totalExecutions: number;
  successes: number;
  failures: number;
  /** successes / totalExecutions, 0 when there were none. */
  successRate: number;
  byStatus: Record<ExecutionStatus, number>;
  /** Completions whose attempt was > 1. */
  retries: number;
  /**
   * Outcome per execution after retries: a failed attempt is final until a later start of the
   * same action with a higher attempt number arrives (then it counts as retried).
   */
  finalOutcomes: { succeeded: number; failed: number };
  started: number;
  avgDurationMs: number;
  minDurationMs: number;
  maxDurationMs: number;
  /** Within 1% of the exact percentile (QuantileSketch); 0 when there were none. */
  p50DurationMs: number;
  p95DurationMs: number;
  p99DurationMs: number;
  lastStartedAt: number | undefined;
  lastCompletedAt: number | undefined;
  lastError: string | undefined;
  /** Sums of the numeric `metrics` given on completion. */
  metricsTotals: Record<string, number>;
}
