// Per-action statistics, cumulative over the whole log: counts by status, duration moments and
// a bounded quantile sketch, metric sums. O(1) memory per action apart from the sketch.
import { type ExecutionStatus, executionStatuses, isSuccess } from './journal-records.js';
import type { ActionStats } from './journal-types.js';
import { QuantileSketch, type SketchState } from './quantile-sketch.js';

export interface ActionStatsState {
  actionId: string;
  started: number;
  byStatus: Record<ExecutionStatus, number>;
  retries: number;
  finalSucceeded: number;
  finalFailed: number;
  durationSumMs: number;
  minDurationMs: number;
  maxDurationMs: number;
  sketch: SketchState;
  lastStartedAt: number | undefined;
  lastCompletedAt: number | undefined;
  lastError: string | undefined;
  metricsTotals: Record<string, number>;
}

function zeroByStatus(): Record<ExecutionStatus, number> {
  return Object.fromEntries(executionStatuses.map((s) => [s, 0])) as Record<
    ExecutionStatus,
    number
  >;
}

export class ActionStatsAccumulator {
  readonly actionId: string;
  #started = 0;
  #byStatus = zeroByStatus();
  #retries = 0;
  #finalSucceeded = 0;
  #finalFailed = 0;
  #durationSumMs = 0;
  #minDurationMs = Number.POSITIVE_INFINITY;
  #maxDurationMs = 0;
  #sketch = new QuantileSketch();
  #lastStartedAt: number | undefined;
  #lastCompletedAt: number | undefined;
  #lastError: string | undefined;
  #metricsTotals: Record<string, number> = {};

  constructor(actionId: string) {
    this.actionId = actionId;
  }

  static fromState(state: ActionStatsState): ActionStatsAccumulator {
    const acc = new ActionStatsAccumulator(state.actionId);
    acc.#started = state.started;
    acc.#byStatus = { ...state.byStatus };
    acc.#retries = state.retries;
    acc.#finalSucceeded = state.finalSucceeded;
    acc.#finalFailed = state.finalFailed;
    acc.#durationSumMs = state.durationSumMs;
    acc.#minDurationMs = state.minDurationMs;
    acc.#maxDurationMs = state.maxDurationMs;
    acc.#sketch = QuantileSketch.fromState(state.sketch);
    acc.#lastStartedAt = state.lastStartedAt;
    acc.#lastCompletedAt = state.lastCompletedAt;
    acc.#lastError = state.lastError;
    acc.#metricsTotals = { ...state.metricsTotals };
    return acc;
  }

  toState(): ActionStatsState {
    return {
      actionId: this.actionId,
      started: this.#started,
      byStatus: { ...this.#byStatus },
      retries: this.#retries,
      finalSucceeded: this.#finalSucceeded,
      finalFailed: this.#finalFailed,
      durationSumMs: this.#durationSumMs,
      minDurationMs: this.#minDurationMs,
      maxDurationMs: this.#maxDurationMs,
      sketch: this.#sketch.toState(),
      lastStartedAt: this.#lastStartedAt,
      lastCompletedAt: this.#lastCompletedAt,
      lastError: this.#lastError,
      metricsTotals: { ...this.#metricsTotals },
    };
  }

  recordStart(attempt: number, startedAt: number): void {
    this.#started += 1;
    this.#lastStartedAt = Math.max(this.#lastStartedAt ?? startedAt, startedAt);
    // A retry means the previous attempt's failure was not the execution's final outcome.
    if (attempt > 1 && this.#finalFailed > 0) this.#finalFailed -= 1;
  }

  recordCompletion(
    status: ExecutionStatus,
    durationMs: number,
    attempt: number,
    completedAt: number,
    error: string | undefined,
    metrics: Record<string, number> | undefined,
  ): void {
    this.#byStatus[status] += 1;
    if (attempt > 1) this.#retries += 1;
    if (isSuccess(status)) this.#finalSucceeded += 1;
    else {
      this.#finalFailed += 1;
      this.#lastError = error ?? status;
    }
    this.#durationSumMs += durationMs;
    this.#minDurationMs = Math.min(this.#minDurationMs, durationMs);
    this.#maxDurationMs = Math.max(this.#maxDurationMs, durationMs);
    this.#sketch.add(durationMs);
    this.#lastCompletedAt = Math.max(this.#lastCompletedAt ?? completedAt, completedAt);
    if (metrics) {
      for (const [name, value] of Object.entries(metrics)) {
        this.#metricsTotals[name] = (this.#metricsTotals[name] ?? 0) + value;
      }
    }
  }

  /** A sketch quantile, clamped to the exact min and max (which only brings it closer). */
  #quantile(q: number): number {
    const value = this.#sketch.quantile(q);
    if (value === undefined) return 0;
    return Math.min(this.#maxDurationMs, Math.max(this.#minDurationMs, value));
  }

  snapshot(): ActionStats {
    const total = executionStatuses.reduce((sum, s) => sum + this.#byStatus[s], 0);
    const successes = this.#byStatus.succeeded;
    return {
      actionId: this.actionId,
      totalExecutions: total,
      successes,
      failures: total - successes,
      successRate: total === 0 ? 0 : successes / total,
      byStatus: { ...this.#byStatus },
      retries: this.#retries,
      finalOutcomes: { succeeded: this.#finalSucceeded, failed: this.#finalFailed },
      started: this.#started,
      avgDurationMs: total === 0 ? 0 : this.#durationSumMs / total,
      minDurationMs: total === 0 ? 0 : this.#minDurationMs,
      maxDurationMs: this.#maxDurationMs,
      p50DurationMs: this.#quantile(0.5),
      p95DurationMs: this.#quantile(0.95),
      p99DurationMs: this.#quantile(0.99),
      lastStartedAt: this.#lastStartedAt,
      lastCompletedAt: this.#lastCompletedAt,
      lastError: this.#lastError,
      metricsTotals: { ...this.#metricsTotals },
    };
  }
}

/** The stats of an action never seen: zero counts, not an error. */
export function emptyActionStats(actionId: string): ActionStats {
  return new ActionStatsAccumulator(actionId).snapshot();
}
