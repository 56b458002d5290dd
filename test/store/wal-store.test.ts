import { afterAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  RecordType,
  WalClosedError,
  WalError,
  WalStore,
  WalValidationError,
  WalWriter,
} from '../../src/index.js';
import { flat } from '../support/flat-entry.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

async function expectValidation(
  promise: Promise<unknown>,
  code: string,
  text: RegExp,
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WalValidationError);
  expect((error as WalValidationError).code).toBe(code);
  expect((error as Error).message).toMatch(text);
}

describe('WalStore calls', () => {
  it('rejects bad input with a named error, writes nothing and stays usable', async () => {
    const dir = tempDir('validation');
    const store = await WalStore.open(dir);
    const inv = ErrorCode.invalidArgument;
    const big = ErrorCode.limitExceeded;
    await expectValidation(store.actionExecutionStarted(''), inv, /actionId/);
    await expectValidation(
      store.actionExecutionStarted('x'.repeat(300)),
      big,
      /actionId is 300 bytes/,
    );
    await expectValidation(store.actionExecutionStarted('a', { attempt: 0 }), inv, /attempt/);
    await expectValidation(
      store.actionExecutionStarted('a', { attributes: { k: 1 as never } }),
      inv,
      /attributes\.k/,
    );
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v']));
    await expectValidation(
      store.actionExecutionStarted('a', { attributes: many }),
      big,
      /40 entries/,
    );
    await expectValidation(
      // A JavaScript caller (the types require success or status).
      store.actionExecutionCompleted('a', { durationMs: 1 } as never),
      inv,
      /success or status/,
    );
    await expectValidation(
      store.actionExecutionCompleted('a', { success: true, durationMs: -1 }),
      inv,
      /durationMs/,
    );
    await expectValidation(
      store.actionExecutionCompleted('a', { success: true, durationMs: Number.NaN }),
      inv,
      /durationMs/,
    );
    await expectValidation(
      store.actionExecutionCompleted('a', { status: 'exploded' as never, durationMs: 1 }),
      inv,
      /status must be one of/,
    );
    await expectValidation(
      store.actionExecutionCompleted('a', { success: true, status: 'failed', durationMs: 1 }),
      inv,
      /contradicts/,
    );
    await expectValidation(
      store.actionExecutionCompleted('a', {
        success: true,
        output: 'o'.repeat(70_000),
        durationMs: 1,
      }),
      big,
      /output is 70000 bytes/,
    );
    await expectValidation(
      store.actionExecutionCompleted('a', { success: true }),
      inv,
      /durationMs is required/,
    );
    await expectValidation(
      store.actionExecutionCompleted('a', {
        success: true,
        durationMs: 1,
        metrics: { cost: Number.POSITIVE_INFINITY },
      }),
      inv,
      /metrics\.cost/,
    );
    await expectValidation(
      store.cleanupExecuted('s', { resourceId: '', action: 'release', success: true }),
      inv,
      /resourceId/,
    );
    await expectValidation(
      store.cleanupExecuted('s', { resourceId: 'r', action: 'release', success: 'yes' as never }),
      inv,
      /success/,
    );
    expect(() => store.recentActionExecutions(-1)).toThrow(WalValidationError);
    expect(store.lastLsn).toBe(0);
    await store.actionExecutionCompleted('a', { success: true, durationMs: 1 });
    expect(store.lastLsn).toBe(1);
    await store.close();
    const reopened = await WalStore.open(dir, { readOnly: true });
    expect(reopened.recoveryReport.records).toBe(1);
  });

  it('matches completions by executionId, else the oldest start of the action', async () => {
    const store = WalStore.openInMemory();
    const first = await store.actionExecutionStarted('deploy', {
      source: 'cron',
      executionType: 'command',
      startedAt: 1000,
    });
    const second = await store.actionExecutionStarted('deploy', {
      source: 'api',
      executionType: 'http',
      startedAt: 2000,
    });
    const byId = await store.actionExecutionCompleted('deploy', {
      executionId: second.executionId,
      success: true,
      durationMs: 5,
    });
    expect(byId.executionId).toBe(second.executionId);
    const oldest = await store.actionExecutionCompleted('deploy', {
      success: false,
      error: 'boom',
      completedAt: 4000,
    });
    expect(oldest.executionId).toBe(first.executionId);
    expect(oldest.durationMs).toBeGreaterThanOrEqual(0);
    const [latest, earlier] = store.recentActionExecutions(2);
    expect(latest).toMatchObject({
      source: 'cron',
      executionType: 'command',
      startedAt: 1000,
      success: false,
      error: 'boom',
    });
    expect(earlier).toMatchObject({
      source: 'api',
      executionType: 'http',
      startedAt: 2000,
      success: true,
    });
    expect(store.inFlight()).toEqual([]);
    const unmatched = await store.actionExecutionCompleted('deploy', {
      success: true,
      durationMs: 7,
    });
    expect(store.recentActionExecutions(1)[0]).toMatchObject({
      executionId: unmatched.executionId,
      source: '',
      executionType: '',
    });
    expect(store.counters.unmatchedCompletions).toBe(1);
    await expectValidation(
      store.actionExecutionCompleted('other', {
        executionId: (await store.actionExecutionStarted('deploy')).executionId,
        success: true,
      }),
      ErrorCode.invalidArgument,
      /belongs to action 'deploy'/,
    );
  });

  it('keeps source and executionType of a one-shot completion across reopen; a start wins', async () => {
    const dir = tempDir('one-shot');
    const store = await WalStore.open(dir);
    await store.actionExecutionCompleted('backup', {
      success: true,
      durationMs: 12,
      source: 'cron:nightly',
      executionType: 'command',
    });
    await store.actionExecutionStarted('backup', { source: 'api', executionType: 'http' });
    await store.actionExecutionCompleted('backup', {
      success: true,
      source: 'ignored',
      executionType: 'ignored',
    });
    await expectValidation(
      store.actionExecutionCompleted('backup', {
        success: true,
        durationMs: 1,
        source: 7 as never,
      }),
      ErrorCode.invalidArgument,
      /source must be a string/,
    );
    await store.close();
    const reopened = await WalStore.open(dir, { readOnly: true });
    expect(reopened.recentActionExecutions(2).map((r) => [r.source, r.executionType])).toEqual([
      ['api', 'http'],
      ['cron:nightly', 'command'],
    ]);
    const history = [];
    for await (const entry of reopened.history({ kinds: ['completed'] }))
      history.push(flat(entry).source);
    expect(history).toEqual(['cron:nightly', 'api']);
    await reopened.close();
  });

  it('measures the duration from the matching start when omitted (wall clock across reopen)', async () => {
    const dir = tempDir('duration');
    const store = await WalStore.open(dir);
    await store.actionExecutionStarted('job', { startedAt: Date.now() - 60_000 });
    await store.close();
    const reopened = await WalStore.open(dir);
    const { durationMs } = await reopened.actionExecutionCompleted('job', { success: true });
    expect(durationMs).toBeGreaterThanOrEqual(60_000);
    expect(durationMs).toBeLessThan(120_000);
    await reopened.close();
  });

  it('reports starts never completed as interrupted after reopen, and does not retry them', async () => {
    const dir = tempDir('interrupted');
    const store = await WalStore.open(dir);
    const lost = await store.actionExecutionStarted('backup', { source: 'cron:nightly' });
    await store.actionExecutionStarted('notify');
    await store.actionExecutionCompleted('notify', { success: true, durationMs: 3 });
    expect(store.inFlight().map((e) => e.state)).toEqual(['running']);
    await store.close();
    const reopened = await WalStore.open(dir);
    expect(reopened.recoveryReport.interruptedCount).toBe(1);
    expect(reopened.recoveryReport.interrupted[0]).toMatchObject({
      executionId: lost.executionId,
      actionId: 'backup',
      state: 'interrupted',
    });
    expect(reopened.inFlight()).toHaveLength(1);
    const fresh = await reopened.actionExecutionStarted('backup');
    expect(reopened.inFlight().map((e) => [e.executionId, e.state])).toEqual([
      [lost.executionId, 'interrupted'],
      [fresh.executionId, 'running'],
    ]);
    expect(reopened.counters.starts).toBe(3);
    await reopened.close();
  });

  it('a read-only store works beside a live writer and refuses to record', async () => {
    const dir = tempDir('readonly');
    const writer = await WalStore.open(dir);
    await writer.actionExecutionStarted('long-job');
    await writer.actionExecutionCompleted('notify', { success: true, durationMs: 1 });
    const reader = await WalStore.open(dir, { readOnly: true });
    expect(reader.recentActionExecutions(10)).toHaveLength(1);
    expect(reader.inFlight()[0]?.state).toBe('running');
    const refused = await reader.actionExecutionStarted('x').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WalError);
    expect((refused as WalError).code).toBe(ErrorCode.readOnly);
    await writer.actionExecutionCompleted('notify', { success: true, durationMs: 2 });
    await reader.close();
    await writer.close();
  });

  it('refuses a new action or start past its cap (nothing written)', async () => {
    const store = WalStore.openInMemory({ maxActions: 2, maxInFlight: 2 });
    await store.actionExecutionStarted('a');
    await store.actionExecutionStarted('b');
    await expectValidation(
      store.actionExecutionStarted('a'),
      ErrorCode.limitExceeded,
      /maxInFlight/,
    );
    await store.actionExecutionCompleted('a', { success: true });
    await expectValidation(
      store.actionExecutionCompleted('c', { success: true, durationMs: 1 }),
      ErrorCode.limitExceeded,
      /maxActions/,
    );
    expect(store.lastLsn).toBe(3);
  });

  it('skips ancillary record types it does not know and refuses unknown critical ones', async () => {
    const dir = tempDir('types');
    const writer = await WalWriter.open(dir);
    await writer.append([
      {
        type: RecordType.cleanupExecuted,
        value: { scannerId: 's', resourceId: 'r', action: 'a', success: true, executedAt: 1 },
      },
    ]);
    await writer.append([{ type: 200, value: { progress: 0.5 } }]);
    await writer.close();
    const store = await WalStore.open(dir, { readOnly: true });
    expect(store.counters.ignoredRecords).toBe(1);
    expect(store.recentCleanupOperations(5)).toHaveLength(1);
    const writer2 = await WalWriter.open(dir);
    await writer2.append([{ type: 42, value: { fromTheFuture: true } }]);
    await writer2.close();
    const refused = await WalStore.open(dir, { readOnly: true }).catch((e: unknown) => e);
    expect((refused as WalError).code).toBe(ErrorCode.unsupported);
    expect((refused as Error).message).toMatch(/lsn 3 has type 42/);
  });

  it('refuses calls after close', async () => {
    const store = WalStore.openInMemory();
    await store.close();
    await expect(store.actionExecutionStarted('a')).rejects.toBeInstanceOf(WalClosedError);
  });

  it('returns copies: mutating a result does not change state', async () => {
    const store = WalStore.openInMemory();
    await store.actionExecutionCompleted('a', { success: true, durationMs: 1 });
    const [record] = store.recentActionExecutions(1);
    record!.actionId = 'mutated';
    expect(store.recentActionExecutions(1)[0]?.actionId).toBe('a');
  });
});
