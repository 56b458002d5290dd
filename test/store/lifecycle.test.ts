// The execution lifecycle through WalStore on real files (docs/lifecycle.md): queue, start,
// progress, steps, retries, cancel with who and why, timeouts, interrupted attempts, and the
// whole lifecycle read back from disk after a reopen.
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, WalError, WalStateError } from '../../src/errors.js';
import { WalStore } from '../../src/store/wal-store.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const T0 = 1_700_000_000_000;

async function expectCode(
  promise: Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<WalError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(WalError);
  expect((caught as WalError).code).toBe(code);
  if (message) expect((caught as WalError).message).toMatch(message);
  return caught as WalError;
}

describe('an execution from queue to outcome', () => {
  it('records every step and reads the whole lifecycle back from disk after a reopen', async () => {
    const dir = tempDir('lifecycle');
    const store = await WalStore.open(dir);
    const queued = await store.actionExecutionQueued('deploy', {
      requestId: 'req-1',
      source: 'hitl',
      approvalId: 'ap-9',
      priority: 5,
      attributes: { org: 'acme', agent: 'a-7', user: 'u-1' },
      maxAttempts: 3,
      queueTimeoutMs: 30 * 60_000,
      executionTimeoutMs: 5 * 60_000,
      request: { target: 'web-1', dryRun: false },
      queuedAt: T0,
    });
    expect(queued).toMatchObject({ status: 'queued', deduplicated: false, lsn: 1 });
    const { executionId } = queued;
    expect(store.queued().map((q) => q.executionId)).toEqual([executionId]);
    const started = await store.actionExecutionStarted('deploy', {
      executionId,
      startedAt: T0 + 1000,
    });
    expect(started).toMatchObject({ attempt: 1, status: 'running' });
    await store.executionStepStarted(executionId, 'fetch', { at: T0 + 1001 });
    await store.actionExecutionProgress(executionId, {
      percent: 25,
      message: 'fetched',
      stepId: 'fetch',
      at: T0 + 1100,
    });
    await store.executionStepCompleted(executionId, 'fetch', {
      success: true,
      durationMs: 120,
      at: T0 + 1121,
    });
    await store.actionExecutionProgress(executionId, {
      percent: 80,
      message: 'applying',
      at: T0 + 1500,
    });
    expect(store.inFlight()).toEqual([
      expect.objectContaining({
        executionId,
        state: 'running',
        percent: 80,
        progressMessage: 'applying',
        queuedAt: T0,
        requestId: 'req-1',
      }),
    ]);
    await store.actionExecutionCompleted('deploy', {
      executionId,
      success: true,
      output: 'deployed',
      durationMs: 900,
      metrics: { tokens: 40, cost: 0.25 },
      completedAt: T0 + 1900,
    });
    expect(store.executionState(executionId)).toBe('succeeded');
    const stats = store.actionStats('deploy');
    expect(stats).toMatchObject({
      totalExecutions: 1,
      successes: 1,
      queued: 1,
      started: 1,
      finalByStatus: { succeeded: 1 },
    });
    expect(stats.queueWait).toMatchObject({ count: 1, avgMs: 1000, maxMs: 1000 });
    expect(stats.metricsTotals).toEqual({ tokens: 40, cost: 0.25 });
    await store.close();

    const reader = await WalStore.open(dir, { readOnly: true });
    const detail = await reader.getExecution(executionId);
    expect(detail).toEqual({
      executionId,
      actionId: 'deploy',
      status: 'succeeded',
      source: 'hitl',
      executionType: '',
      requestId: 'req-1',
      approvalId: 'ap-9',
      priority: 5,
      attributes: { org: 'acme', agent: 'a-7', user: 'u-1' },
      maxAttempts: 3,
      queueTimeoutMs: 1_800_000,
      executionTimeoutMs: 300_000,
      request: { target: 'web-1', dryRun: false },
      queuedAt: T0,
      firstLsn: 1,
      lastLsn: 7,
      attempts: [
        {
          attempt: 1,
          startedAt: T0 + 1000,
          status: 'succeeded',
          completedAt: T0 + 1900,
          durationMs: 900,
          output: 'deployed',
          metrics: { tokens: 40, cost: 0.25 },
        },
      ],
      steps: [
        {
          stepId: 'fetch',
          startedAt: T0 + 1001,
          status: 'succeeded',
          completedAt: T0 + 1121,
          durationMs: 120,
        },
      ],
      progress: [
        { lsn: 4, at: T0 + 1100, percent: 25, message: 'fetched', stepId: 'fetch' },
        { lsn: 6, at: T0 + 1500, percent: 80, message: 'applying' },
      ],
      percent: 80,
      outcome: { status: 'succeeded', at: T0 + 1900, durationMs: 900, output: 'deployed' },
    });
    expect(reader.actionStats('deploy')).toEqual(stats);
    expect(await reader.getExecution('nope')).toBeUndefined();
    await reader.close();
  });

  it('retries with backoff: attempts chained under one id, the budget enforced, stats per attempt and per execution', async () => {
    const store = await WalStore.open(tempDir('retries'));
    const { executionId } = await store.actionExecutionQueued('sync', {
      maxAttempts: 2,
      queuedAt: T0,
    });
    await store.actionExecutionStarted('sync', { executionId, startedAt: T0 + 10 });
    await store.actionExecutionCompleted('sync', {
      executionId,
      success: false,
      error: 'net',
      durationMs: 5,
      retryAt: T0 + 1000,
      completedAt: T0 + 15,
    });
    expect(store.executionState(executionId)).toBe('queued');
    expect(store.queued()).toEqual([
      expect.objectContaining({ executionId, attempts: 1, readyAt: T0 + 1000, lastError: 'net' }),
    ]);
    await expectCode(
      store.actionExecutionStarted('sync', { executionId, attempt: 3 }),
      ErrorCode.invalidArgument,
      /must be 2/,
    );
    await store.actionExecutionStarted('sync', { executionId, startedAt: T0 + 1200 });
    // The budget: 2 attempts in all.
    await expectCode(
      store.actionExecutionCompleted('sync', {
        executionId,
        success: false,
        durationMs: 1,
        retryAt: T0 + 5000,
      }),
      ErrorCode.limitExceeded,
      /used 2 of its 2 attempts/,
    );
    await store.actionExecutionCompleted('sync', {
      executionId,
      success: true,
      durationMs: 7,
      completedAt: T0 + 1207,
    });
    const stats = store.actionStats('sync');
    expect(stats).toMatchObject({
      totalExecutions: 2,
      byStatus: { succeeded: 1, failed: 1 },
      retries: 1,
      finalOutcomes: { succeeded: 1, failed: 0 },
      retriedExecutions: 1,
      retrySuccessRate: 1,
    });
    expect(stats.queueWait).toMatchObject({ count: 2, maxMs: 200 });
    const detail = await store.getExecution(executionId);
    expect(detail?.attempts.map((a) => [a.attempt, a.status, a.retryAt])).toEqual([
      [1, 'failed', T0 + 1000],
      [2, 'succeeded', undefined],
    ]);
    expect(store.recentActionExecutions(5).map((r) => [r.attempt, r.status, r.retryAt])).toEqual([
      [2, 'succeeded', undefined],
      [1, 'failed', T0 + 1000],
    ]);
    await store.close();
  });

  it('cancels queued and running executions with who and why, kept in the failures ring', async () => {
    const dir = tempDir('cancel');
    const store = await WalStore.open(dir);
    const queued = await store.actionExecutionQueued('deploy', { queuedAt: T0 });
    const running = await store.actionExecutionQueued('deploy', { queuedAt: T0 });
    await store.actionExecutionStarted('deploy', {
      executionId: running.executionId,
      startedAt: T0 + 5,
    });
    await store.actionExecutionCancelled(queued.executionId, {
      actor: 'alice',
      reason: 'wrong target',
      cancelledAt: T0 + 10,
    });
    await store.actionExecutionCancelled(running.executionId, {
      actor: 'bob',
      reason: 'change freeze',
      cancelledAt: T0 + 20,
    });
    await expectCode(
      store.actionExecutionCompleted('deploy', { executionId: running.executionId, success: true }),
      ErrorCode.illegalTransition,
      /cancelled/,
    );
    expect(
      store
        .recentFailures(10)
        .map((r) => [r.executionId, r.status, r.cancelledBy, r.cancelReason, r.attempt]),
    ).toEqual([
      [running.executionId, 'cancelled', 'bob', 'change freeze', 1],
      [queued.executionId, 'cancelled', 'alice', 'wrong target', 0],
    ]);
    const stats = store.actionStats('deploy');
    expect(stats).toMatchObject({ byStatus: { cancelled: 2 }, finalByStatus: { cancelled: 2 } });
    // Only the one that ran has a duration.
    expect(stats.maxDurationMs).toBeGreaterThanOrEqual(0);
    await store.close();
    const reader = await WalStore.open(dir, { readOnly: true });
    expect(await reader.getExecution(running.executionId)).toMatchObject({
      status: 'cancelled',
      cancelledBy: 'bob',
      cancelReason: 'change freeze',
      cancelledAt: T0 + 20,
      attempts: [{ attempt: 1, status: 'cancelled' }],
    });
    expect(await reader.getExecution(queued.executionId)).toMatchObject({
      status: 'cancelled',
      cancelledBy: 'alice',
      attempts: [],
    });
    await reader.close();
  });

  it('records which deadline a timed-out execution missed', async () => {
    const store = await WalStore.open(tempDir('timeouts'));
    const waiting = await store.actionExecutionQueued('job', {
      queueTimeoutMs: 1000,
      queuedAt: T0,
    });
    await store.actionExecutionCompleted('job', {
      executionId: waiting.executionId,
      status: 'timed_out',
      completedAt: T0 + 1000,
    });
    const running = await store.actionExecutionQueued('job', {
      executionTimeoutMs: 500,
      queuedAt: T0,
    });
    await store.actionExecutionStarted('job', {
      executionId: running.executionId,
      startedAt: T0 + 1,
    });
    await store.actionExecutionCompleted('job', {
      executionId: running.executionId,
      status: 'timed_out',
      timedOut: 'execution',
      durationMs: 500,
    });
    expect(store.recentFailures(5).map((r) => [r.status, r.timedOut, r.durationMs])).toEqual([
      ['timed_out', 'execution', 500],
      ['timed_out', 'queue', 0],
    ]);
    await expectCode(
      store.actionExecutionCompleted('job', {
        executionId: 'nope',
        status: 'failed',
        timedOut: 'queue',
        durationMs: 1,
      }),
      ErrorCode.invalidArgument,
      /timedOut is only for status 'timed_out'/,
    );
    const stats = store.actionStats('job');
    expect(stats).toMatchObject({ byStatus: { timed_out: 2 }, finalByStatus: { timed_out: 2 } });
    // The queue timeout never ran: only one duration.
    expect(stats.avgDurationMs).toBe(500);
    expect((await store.getExecution(waiting.executionId))?.timedOut).toBe('queue');
    await store.close();
  });

  it('names attempts interrupted by a crash and lets the next attempt, a retry or an end follow', async () => {
    const dir = tempDir('interrupted');
    let store = await WalStore.open(dir);
    const a = await store.actionExecutionQueued('backup', { maxAttempts: 3, queuedAt: T0 });
    const b = await store.actionExecutionQueued('backup', { maxAttempts: 3, queuedAt: T0 });
    const c = await store.actionExecutionQueued('backup', { maxAttempts: 3, queuedAt: T0 });
    for (const id of [a, b, c])
      await store.actionExecutionStarted('backup', {
        executionId: id.executionId,
        startedAt: T0 + 1,
      });
    await store.actionExecutionProgress(a.executionId, { percent: 40, message: 'copying' });
    await store.executionStepStarted(a.executionId, 'copy');
    await store.close();
    store = await WalStore.open(dir);
    expect(store.recoveryReport.interruptedCount).toBe(3);
    expect(store.inFlight().map((e) => e.state)).toEqual([
      'interrupted',
      'interrupted',
      'interrupted',
    ]);
    await expectCode(
      store.actionExecutionProgress(a.executionId, { percent: 50 }),
      ErrorCode.illegalTransition,
      /interrupted/,
    );
    await store.actionExecutionStarted('backup', { executionId: a.executionId, attempt: 2 });
    await store.actionExecutionCompleted('backup', {
      executionId: b.executionId,
      status: 'interrupted',
      retryAt: T0 + 100,
      durationMs: 0,
    });
    await store.actionExecutionCompleted('backup', {
      executionId: c.executionId,
      success: false,
      error: 'interrupted by restart',
    });
    expect([a, b, c].map((x) => store.executionState(x.executionId))).toEqual([
      'running',
      'queued',
      'failed',
    ]);
    const detail = await store.getExecution(a.executionId);
    expect(detail?.attempts.map((x) => [x.attempt, x.status])).toEqual([
      [1, 'interrupted'],
      [2, 'running'],
    ]);
    expect(detail?.steps).toEqual([
      expect.objectContaining({ stepId: 'copy', status: 'interrupted' }),
    ]);
    expect(detail?.progress.map((p) => p.message)).toEqual(['copying']);
    await store.close();
  });

  it('refuses a second completion, a reused ended id and a completion of a cancelled one (nothing written)', async () => {
    const store = await WalStore.open(tempDir('illegal'));
    const { executionId } = await store.actionExecutionStarted('x');
    const done = store.actionExecutionCompleted('x', { executionId, success: true });
    // Issued before the first is folded: judged against the state the first leads to.
    const again = expectCode(
      store.actionExecutionCompleted('x', { executionId, success: false }),
      ErrorCode.illegalTransition,
    );
    await done;
    const error = await again;
    expect(error).toBeInstanceOf(WalStateError);
    const lsn = store.lastLsn;
    await expectCode(
      store.actionExecutionStarted('x', { executionId }),
      ErrorCode.illegalTransition,
      /succeeded/,
    );
    await expectCode(store.actionExecutionCancelled('unknown-id'), ErrorCode.unknownExecution);
    expect(store.lastLsn).toBe(lsn);
    expect(store.actionStats('x').totalExecutions).toBe(1);
    await store.close();
  });
});
