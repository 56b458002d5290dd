// Stats survive reopen and agree exactly with a brute-force recomputation over a seeded random
// workload; percentiles stay within the sketch's documented relative error.
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ActionStats,
  type ExecutionStatus,
  executionStatuses,
  SKETCH_RELATIVE_ACCURACY,
  WalStore,
} from '../../src/index.js';
import { randomInt, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

interface Done {
  actionId: string;
  status: ExecutionStatus;
  durationMs: number;
  error?: string;
  metrics?: Record<string, number>;
}

function exactPercentile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

function expectWithin(actual: number, exact: number): void {
  const bound = exact * SKETCH_RELATIVE_ACCURACY + 1e-9;
  expect(Math.abs(actual - exact), `sketch ${actual} vs exact ${exact}`).toBeLessThanOrEqual(bound);
}

function checkAgainstBruteForce(stats: ActionStats, done: Done[]): void {
  const mine = done.filter((d) => d.actionId === stats.actionId);
  const durations = mine.map((d) => d.durationMs).sort((a, b) => a - b);
  const successes = mine.filter((d) => d.status === 'succeeded').length;
  expect(stats.totalExecutions).toBe(mine.length);
  expect(stats.successes).toBe(successes);
  expect(stats.failures).toBe(mine.length - successes);
  for (const status of executionStatuses) {
    expect(stats.byStatus[status]).toBe(mine.filter((d) => d.status === status).length);
  }
  expect(stats.minDurationMs).toBe(durations[0]);
  expect(stats.maxDurationMs).toBe(durations.at(-1));
  expect(stats.avgDurationMs).toBeCloseTo(
    durations.reduce((a, b) => a + b, 0) / durations.length,
    6,
  );
  expectWithin(stats.p50DurationMs, exactPercentile(durations, 0.5));
  expectWithin(stats.p95DurationMs, exactPercentile(durations, 0.95));
  expectWithin(stats.p99DurationMs, exactPercentile(durations, 0.99));
  const lastFailure = mine.filter((d) => d.status !== 'succeeded').at(-1);
  expect(stats.lastError).toBe(lastFailure ? (lastFailure.error ?? lastFailure.status) : undefined);
  const tokens = mine.reduce((sum, d) => sum + (d.metrics?.tokens ?? 0), 0);
  expect(stats.metricsTotals.tokens ?? 0).toBeCloseTo(tokens, 6);
}

describe('stats against a brute-force oracle', () => {
  it('agree exactly (percentiles within 1%) before and after reopen', async () => {
    await withSeed('stats-oracle', async (random) => {
      const dir = tempDir('stats');
      const store = await WalStore.open(dir, { maxSegmentBytes: 64 * 1024 });
      const actions = Array.from({ length: 12 }, (_, i) => `action-${i}`);
      const done: Done[] = [];
      for (let i = 0; i < 3000; i++) {
        const actionId = actions[randomInt(random, 0, actions.length - 1)]!;
        const status = executionStatuses[random() < 0.7 ? 0 : randomInt(random, 1, 3)]!;
        // Log-normal-ish durations across four orders of magnitude, some zeros.
        const durationMs = random() < 0.02 ? 0 : Math.round(Math.exp(random() * 9) * 100) / 100;
        const entry: Done = { actionId, status, durationMs };
        if (status !== 'succeeded' && random() < 0.8) entry.error = `error ${i}`;
        if (random() < 0.5) entry.metrics = { tokens: randomInt(random, 1, 1000) };
        const { executionId } = await store.actionExecutionStarted(actionId, { source: 'oracle' });
        const { actionId: _action, ...outcome } = entry;
        await store.actionExecutionCompleted(actionId, { executionId, ...outcome });
        done.push(entry);
      }
      for (const actionId of actions) checkAgainstBruteForce(store.actionStats(actionId), done);
      const before = store.allActionStats();
      await store.close();

      const reopened = await WalStore.open(dir);
      expect(reopened.allActionStats()).toEqual(before);
      for (const actionId of actions) checkAgainstBruteForce(reopened.actionStats(actionId), done);
      await reopened.close();
    });
  });

  it('an unknown action has zero counts, not an error', () => {
    const store = WalStore.openInMemory();
    expect(store.actionStats('never-ran')).toMatchObject({
      actionId: 'never-ran',
      totalExecutions: 0,
      successes: 0,
      failures: 0,
      successRate: 0,
      p99DurationMs: 0,
      lastError: undefined,
    });
  });

  it('counts retries per attempt and the final outcome per execution', async () => {
    const store = WalStore.openInMemory();
    // Execution 1: fails, retried, succeeds on attempt 2.
    await store.actionExecutionStarted('sync', { attempt: 1 });
    await store.actionExecutionCompleted('sync', { status: 'failed', durationMs: 10 });
    await store.actionExecutionStarted('sync', { attempt: 2 });
    await store.actionExecutionCompleted('sync', { status: 'succeeded', durationMs: 20 });
    // Execution 2: times out twice, gives up.
    await store.actionExecutionStarted('sync', { attempt: 1 });
    await store.actionExecutionCompleted('sync', { status: 'timed_out', durationMs: 30 });
    await store.actionExecutionStarted('sync', { attempt: 2 });
    await store.actionExecutionCompleted('sync', { status: 'timed_out', durationMs: 40 });
    const stats = store.actionStats('sync');
    expect(stats.totalExecutions).toBe(4);
    expect(stats.failures).toBe(3);
    expect(stats.byStatus).toEqual({
      succeeded: 1,
      failed: 1,
      timed_out: 2,
      cancelled: 0,
      interrupted: 0,
    });
    expect(stats.retries).toBe(2);
    expect(stats.finalOutcomes).toEqual({ succeeded: 1, failed: 1 });
    expect(store.recentActionExecutions(10).map((r) => r.attempt)).toEqual([2, 1, 2, 1]);
  });
});
