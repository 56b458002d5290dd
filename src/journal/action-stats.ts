// Statistics of one action (or one group: a source, an attribute value), cumulative over the
// whole log: ends by status, durations of attempts that ran, queue waits, final outcomes per
// execution, retries, metric sums. O(1) memory apart from two bounded quantile sketches.
import { type ExecutionStatus, executionStatuses, isSuccess } from './journal-records.js';
import type { ActionStats, QueueWaitStats } from './journal-types.js';
import { QuantileSketch, type SketchState } from './quantile-sketch.js';

/** The final state of an execution, counted once per execution. */
export type FinalStatus = 'succeeded' | 'failed' | 'timed_out' | 'cancelled';
const finalStatuses: readonly FinalStatus[] = ['succeeded', 'failed', 'timed_out', 'cancelled'];

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
  // Added with the lifecycle records (absent in checkpoints written before).
  durationCount?: number;
  queued?: number;
  finalByStatus?: Record<FinalStatus, number>;
  retriedExecutions?: number;
  retriedSucceeded?: number;
  queueWaitSumMs?: number;
  queueWaitCount?: number;
  queueWaitMaxMs?: number;
  queueWaitSketch?: SketchState;
}

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

export class ActionStatsAccumulator {
  readonly actionId: string;
  #s: Required<ActionStatsState>;
  #sketch = new QuantileSketch();
  #waitSketch = new QuantileSketch();

  constructor(actionId: string) {
    this.actionId = actionId;
    this.#s = {
      actionId,
      started: 0,
      byStatus: zeros(executionStatuses),
      retries: 0,
      finalSucceeded: 0,
      finalFailed: 0,
      durationSumMs: 0,
      minDurationMs: Number.POSITIVE_INFINITY,
      maxDurationMs: 0,
      sketch: this.#sketch.toState(),
      lastStartedAt: undefined,
      lastCompletedAt: undefined,
      lastError: undefined,
      metricsTotals: {},
      durationCount: 0,
      queued: 0,
      finalByStatus: zeros(finalStatuses),
      retriedExecutions: 0,
      retriedSucceeded: 0,
      queueWaitSumMs: 0,
      queueWaitCount: 0,
      queueWaitMaxMs: 0,
      queueWaitSketch: this.#waitSketch.toState(),
    };
  }

  static fromState(state: ActionStatsState): ActionStatsAccumulator {
    const acc = new ActionStatsAccumulator(state.actionId);
    const fresh = acc.#s;
    acc.#s = {
      ...fresh,
      ...state,
      byStatus: { ...fresh.byStatus, ...state.byStatus },
      metricsTotals: { ...state.metricsTotals },
      // Checkpoints from before the lifecycle: every end had a duration.
      durationCount:
        state.durationCount ?? executionStatuses.reduce((n, s) => n + (state.byStatus[s] ?? 0), 0),
      finalByStatus: { ...fresh.finalByStatus, ...state.finalByStatus },
    } as Required<ActionStatsState>;
    acc.#sketch = QuantileSketch.fromState(state.sketch);
    if (state.queueWaitSketch) acc.#waitSketch = QuantileSketch.fromState(state.queueWaitSketch);
    return acc;
  }

  toState(): ActionStatsState {
    const s = this.#s;
    return {
      ...s,
      byStatus: { ...s.byStatus },
      metricsTotals: { ...s.metricsTotals },
      finalByStatus: { ...s.finalByStatus },
      sketch: this.#sketch.toState(),
      queueWaitSketch: this.#waitSketch.toState(),
    };
  }

  recordQueued(): void {
    this.#s.queued += 1;
  }

  /** An attempt started; `queueWaitMs` when it had waited in the queue. */
  recordStart(startedAt: number, queueWaitMs: number | undefined): void {
    const s = this.#s;
    s.started += 1;
    s.lastStartedAt = Math.max(s.lastStartedAt ?? startedAt, startedAt);
    if (queueWaitMs !== undefined) {
      const wait = Math.max(0, queueWaitMs);
      s.queueWaitSumMs += wait;
      s.queueWaitCount += 1;
      s.queueWaitMaxMs = Math.max(s.queueWaitMaxMs, wait);
      this.#waitSketch.add(wait);
    }
  }

  /**
   * A start of a new id with attempt > 1 (retries reported as separate executions, before the
   * lifecycle records): the failure before it was not the execution's final outcome.
   */
  recordSeparateRetry(): void {
    const s = this.#s;
    if (s.finalFailed > 0) {
      s.finalFailed -= 1;
      const moved = finalStatuses.find((f) => f !== 'succeeded' && s.finalByStatus[f] > 0);
      if (moved) s.finalByStatus[moved] -= 1;
    }
  }

  /**
   * An attempt ended (or a queued execution ended without running: `durationMs` undefined).
   * `attempt` is its number (> 1 counts as a retry).
   */
  recordEnd(
    status: ExecutionStatus,
    durationMs: number | undefined,
    attempt: number,
    at: number,
    error: string | undefined,
    metrics: Record<string, number> | undefined,
  ): void {
    const s = this.#s;
    s.byStatus[status] += 1;
    if (attempt > 1) s.retries += 1;
    if (!isSuccess(status)) s.lastError = error ?? status;
    if (durationMs !== undefined) {
      s.durationCount += 1;
      s.durationSumMs += durationMs;
      s.minDurationMs = Math.min(s.minDurationMs, durationMs);
      s.maxDurationMs = Math.max(s.maxDurationMs, durationMs);
      this.#sketch.add(durationMs);
    }
    s.lastCompletedAt = Math.max(s.lastCompletedAt ?? at, at);
    if (metrics) {
      for (const [name, value] of Object.entries(metrics)) {
        s.metricsTotals[name] = (s.metricsTotals[name] ?? 0) + value;
      }
    }
  }

  /** An execution reached its final state after `attempts` attempts. */
  recordFinal(status: FinalStatus, attempts: number): void {
    const s = this.#s;
    s.finalByStatus[status] += 1;
    if (status === 'succeeded') s.finalSucceeded += 1;
    else s.finalFailed += 1;
    if (attempts > 1) {
      s.retriedExecutions += 1;
      if (status === 'succeeded') s.retriedSucceeded += 1;
    }
  }

  /** A sketch quantile, clamped to the exact min and max (which only brings it closer). */
  #quantile(sketch: QuantileSketch, q: number, min: number, max: number): number {
    const value = sketch.quantile(q);
    if (value === undefined) return 0;
    return Math.min(max, Math.max(min, value));
  }

  #queueWait(): QueueWaitStats {
    const s = this.#s;
    const n = s.queueWaitCount;
    const q = (p: number) => this.#quantile(this.#waitSketch, p, 0, s.queueWaitMaxMs);
    return {
      count: n,
      avgMs: n === 0 ? 0 : s.queueWaitSumMs / n,
      maxMs: s.queueWaitMaxMs,
      p50Ms: q(0.5),
      p95Ms: q(0.95),
      p99Ms: q(0.99),
    };
  }

  snapshot(): ActionStats {
    const s = this.#s;
    const total = executionStatuses.reduce((sum, status) => sum + s.byStatus[status], 0);
    const successes = s.byStatus.succeeded;
    const ran = s.durationCount;
    const q = (p: number) => this.#quantile(this.#sketch, p, s.minDurationMs, s.maxDurationMs);
    return {
      actionId: this.actionId,
      totalExecutions: total,
      successes,
      failures: total - successes,
      successRate: total === 0 ? 0 : successes / total,
      byStatus: { ...s.byStatus },
      retries: s.retries,
      finalOutcomes: { succeeded: s.finalSucceeded, failed: s.finalFailed },
      finalByStatus: { ...s.finalByStatus },
      retriedExecutions: s.retriedExecutions,
      retrySuccessRate: s.retriedExecutions === 0 ? 0 : s.retriedSucceeded / s.retriedExecutions,
      queued: s.queued,
      started: s.started,
      avgDurationMs: ran === 0 ? 0 : s.durationSumMs / ran,
      minDurationMs: ran === 0 ? 0 : s.minDurationMs,
      maxDurationMs: s.maxDurationMs,
      p50DurationMs: ran === 0 ? 0 : q(0.5),
      p95DurationMs: ran === 0 ? 0 : q(0.95),
      p99DurationMs: ran === 0 ? 0 : q(0.99),
      queueWait: this.#queueWait(),
      lastStartedAt: s.lastStartedAt,
      lastCompletedAt: s.lastCompletedAt,
      lastError: s.lastError,
      metricsTotals: { ...s.metricsTotals },
    };
  }
}

/** The stats of an action never seen: zero counts, not an error. */
export function emptyActionStats(actionId: string): ActionStats {
  return new ActionStatsAccumulator(actionId).snapshot();
}
