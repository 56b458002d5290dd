// Idempotency keys and erasure (docs/lifecycle.md#idempotency, #erasure) on real files: a key
// seen in its window returns its execution and writes nothing, scoped by tenant, across reopen
// and checkpoints; a deleted execution is hidden from every query at once and after a reopen,
// while the counts in stats stay.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, WalError, WalStateError } from '../../src/errors.js';
import { WalStore } from '../../src/store/wal-store.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

async function refusal(promise: Promise<unknown>): Promise<WalError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WalError);
    return error as WalError;
  }
  throw new Error('expected a refusal');
}

async function historyIds(store: WalStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const entry of store.history())
    if ('executionId' in entry) ids.push(entry.executionId);
  return ids;
}

describe('idempotency keys', () => {
  it('return the execution a key made, with its state, and write nothing', async () => {
    const dir = tempDir('idem');
    const store = await WalStore.open(dir);
    const first = await store.actionExecutionQueued('deploy', {
      idempotencyKey: 'k1',
      attributes: { org: 'acme' },
    });
    const lsn = store.lastLsn;
    const again = await store.actionExecutionQueued('deploy', {
      idempotencyKey: 'k1',
      attributes: { org: 'acme' },
    });
    expect(again).toMatchObject({
      executionId: first.executionId,
      deduplicated: true,
      status: 'queued',
      lsn: first.lsn,
    });
    expect(again.execution).toMatchObject({ executionId: first.executionId, status: 'queued' });
    expect(store.lastLsn).toBe(lsn);
    // Another tenant may use the same key.
    const other = await store.actionExecutionQueued('deploy', {
      idempotencyKey: 'k1',
      attributes: { org: 'globex' },
    });
    expect(other.deduplicated).toBe(false);
    expect(other.executionId).not.toBe(first.executionId);
    // A start carrying a key seen returns it too, with the result.
    await store.actionExecutionStarted('deploy', { executionId: first.executionId });
    await store.actionExecutionCompleted('deploy', {
      executionId: first.executionId,
      success: true,
      output: 'done',
    });
    const viaStart = await store.actionExecutionStarted('deploy', {
      idempotencyKey: 'k1',
      attributes: { org: 'acme' },
    });
    expect(viaStart).toMatchObject({
      executionId: first.executionId,
      deduplicated: true,
      status: 'succeeded',
    });
    expect(viaStart.execution?.outcome).toMatchObject({ status: 'succeeded', output: 'done' });
    await store.checkpoint();
    await store.close();
    // Durable: after a reopen (from the checkpoint) the key still finds its execution.
    const reopened = await WalStore.open(dir);
    expect(reopened.recoveryReport.checkpoint).toBeDefined();
    expect(
      await reopened.actionExecutionQueued('deploy', {
        idempotencyKey: 'k1',
        attributes: { org: 'acme' },
      }),
    ).toMatchObject({
      executionId: first.executionId,
      deduplicated: true,
    });
    await reopened.close();
  });

  it('let a failed execution be retried under its key only when asked, and expire after the window', async () => {
    const store = await WalStore.open(tempDir('idem-retry'), { idempotencyWindowMs: 60_000 });
    const first = await store.actionExecutionQueued('sync', { idempotencyKey: 'nightly' });
    await store.actionExecutionStarted('sync', { executionId: first.executionId });
    await store.actionExecutionCompleted('sync', {
      executionId: first.executionId,
      success: false,
      error: 'x',
    });
    expect(
      (await store.actionExecutionQueued('sync', { idempotencyKey: 'nightly' })).deduplicated,
    ).toBe(true);
    const retried = await store.actionExecutionQueued('sync', {
      idempotencyKey: 'nightly',
      onDuplicateKey: 'retry-if-failed',
    });
    expect(retried.deduplicated).toBe(false);
    // The key now names the new execution.
    expect(
      (await store.actionExecutionQueued('sync', { idempotencyKey: 'nightly' })).executionId,
    ).toBe(retried.executionId);
    // Outside the window (a key recorded more than 60 s ago) it is a new execution.
    const old = await store.actionExecutionQueued('sync', {
      idempotencyKey: 'old',
      queuedAt: Date.now() - 120_000,
    });
    const fresh = await store.actionExecutionQueued('sync', { idempotencyKey: 'old' });
    expect(fresh.executionId).not.toBe(old.executionId);
    await expect(
      store.actionExecutionQueued('sync', {
        idempotencyKey: 'x',
        onDuplicateKey: 'sometimes' as never,
      }),
    ).rejects.toThrow(/onDuplicateKey/);
    await store.close();
  });

  it('dedupe concurrent calls with the same key: one record, every caller the same id', async () => {
    const store = await WalStore.open(tempDir('idem-concurrent'));
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.actionExecutionQueued('a', { idempotencyKey: 'same' })),
    );
    expect(new Set(results.map((r) => r.executionId)).size).toBe(1);
    expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
    expect(store.lastLsn).toBe(1);
    await store.close();
  });
});

describe('erasure', () => {
  it('hides a deleted execution from every query at once and after a reopen; stats keep counting it', async () => {
    const dir = tempDir('erase');
    const store = await WalStore.open(dir);
    const keep = await store.actionExecutionStarted('deploy', { attributes: { user: 'u-2' } });
    await store.actionExecutionCompleted('deploy', {
      executionId: keep.executionId,
      success: true,
      output: 'kept',
    });
    const gone = await store.actionExecutionStarted('deploy', { attributes: { user: 'u-1' } });
    await store.actionExecutionCompleted('deploy', {
      executionId: gone.executionId,
      success: false,
      error: 'secret-ish detail',
    });
    const before = store.actionStats('deploy');
    await store.deleteExecution(gone.executionId, { reason: 'user asked' });
    const check = async (s: WalStore) => {
      expect(s.recentActionExecutions(10).map((r) => r.executionId)).toEqual([keep.executionId]);
      expect(s.recentFailures(10)).toEqual([]);
      expect(await s.getExecution(gone.executionId)).toBeUndefined();
      expect(await s.getExecution(keep.executionId)).toBeDefined();
      expect((await s.listExecutions()).items.map((i) => i.executionId)).toEqual([
        keep.executionId,
      ]);
      expect(await historyIds(s)).not.toContain(gone.executionId);
      expect(s.actionStats('deploy')).toEqual(before);
      expect(s.executionState(gone.executionId)).toBe('erased');
    };
    await check(store);
    await expect(store.deleteExecution(gone.executionId)).rejects.toBeInstanceOf(WalStateError);
    await store.close();
    const reopened = await WalStore.open(dir);
    await check(reopened);
    await reopened.close();
  });

  it('deletes every ended execution matching a filter, never a live one', async () => {
    const store = await WalStore.open(tempDir('erase-filter'));
    const ids: string[] = [];
    for (const user of ['u-1', 'u-1', 'u-2']) {
      const { executionId } = await store.actionExecutionStarted('report', {
        attributes: { user },
      });
      await store.actionExecutionCompleted('report', { executionId, success: true });
      ids.push(executionId);
    }
    const live = await store.actionExecutionQueued('report', { attributes: { user: 'u-1' } });
    const refused = await refusal(store.deleteExecutions({ attributes: { user: 'u-1' } }));
    expect(refused).toBeInstanceOf(WalStateError);
    expect((refused as WalStateError).executionId).toBe(live.executionId);
    await store.actionExecutionCancelled(live.executionId, {
      actor: 'ops',
      reason: 'erasure request',
    });
    await store.deleteExecutions({ attributes: { user: 'u-1' }, reason: 'gdpr' });
    expect(store.recentActionExecutions(10).map((r) => r.executionId)).toEqual([ids[2]]);
    expect(await historyIds(store)).toEqual([ids[2], ids[2]]);
    // Executions made after the filter are not hidden by it.
    const later = await store.actionExecutionStarted('report', { attributes: { user: 'u-1' } });
    expect((await store.getExecution(later.executionId))?.status).toBe('running');
    await expect(store.deleteExecution(later.executionId)).rejects.toBeInstanceOf(WalStateError);
    await store.close();
  });

  it('refuses unknown ids: nothing on disk to delete', async () => {
    const store = await WalStore.open(tempDir('erase-unknown'));
    const error = await refusal(store.deleteExecution('never-was'));
    expect(error.code).toBe(ErrorCode.unknownExecution);
    await store.close();
  });

  it('the erase record itself names ids, never the erased content', async () => {
    const dir = tempDir('erase-bytes');
    const store = await WalStore.open(dir);
    const { executionId } = await store.actionExecutionStarted('a');
    await store.actionExecutionCompleted('a', {
      executionId,
      success: true,
      output: 'payload-XYZZY',
    });
    await store.deleteExecution(executionId);
    await store.close();
    const bytes = readdirSync(dir)
      .filter((n) => n.endsWith('.wal'))
      .map((n) => readFileSync(join(dir, n)).toString('latin1'))
      .join('');
    // Until compaction the original record is still there (documented); exactly once.
    expect(bytes.split('payload-XYZZY').length - 1).toBe(1);
  });
});

describe('erasure compaction', () => {
  it('replaces every record of an erased execution with a redacted one: bytes gone, verify passes, counts stay', async () => {
    const dir = tempDir('compact-erased');
    const store = await WalStore.open(dir, { maxSegmentBytes: 4096 });
    const kept: string[] = [];
    let gone = '';
    for (let i = 0; i < 40; i++) {
      const secret = i === 7 ? 'private-ZQXJ-detail' : 'ordinary';
      const { executionId } = await store.actionExecutionQueued('job', {
        attributes: { user: i === 7 ? 'u-7' : 'u-x' },
      });
      await store.actionExecutionStarted('job', { executionId });
      await store.actionExecutionProgress(executionId, {
        percent: 50,
        message: `${secret} progress`,
      });
      await store.actionExecutionCompleted('job', {
        executionId,
        success: i % 3 !== 0,
        output: secret,
        durationMs: 10 + i,
      });
      if (i === 7) gone = executionId;
      else kept.push(executionId);
    }
    const stats = store.actionStats('job');
    await store.deleteExecution(gone);
    const scanBytes = () =>
      readdirSync(dir)
        .filter((n) => n.endsWith('.wal'))
        .map((n) => readFileSync(join(dir, n)).toString('latin1'))
        .join('');
    expect(scanBytes()).toContain('private-ZQXJ-detail');
    const result = await store.compactErased();
    expect(result.recordsRedacted).toBe(4);
    expect(scanBytes()).not.toContain('private-ZQXJ-detail');
    // The id stays in one place: the erase record that names it.
    expect(scanBytes().split(gone).length - 1).toBe(1);
    expect(store.actionStats('job')).toEqual(stats);
    // Appends go on after compaction.
    await store.actionExecutionStarted('job');
    await store.close();
    // A full replay (no checkpoint) of the compacted log gives the same per-action counts.
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.ckpt'))) rmSync(join(dir, name));
    const replayed = await WalStore.open(dir, { readOnly: true });
    const after = replayed.actionStats('job');
    expect([after.totalExecutions, after.successes, after.byStatus, after.avgDurationMs]).toEqual([
      stats.totalExecutions,
      stats.successes,
      stats.byStatus,
      stats.avgDurationMs,
    ]);
    expect(replayed.counters.redacted).toBe(4);
    expect(await replayed.getExecution(gone)).toBeUndefined();
    expect(
      (await replayed.listExecutions({ limit: 100 })).items.map((i) => i.executionId),
    ).not.toContain(gone);
    expect((await replayed.getExecution(kept[0]!))?.status).toBeDefined();
    await replayed.close();
    const { verifyJournal } = await import('../../src/store/journal-verify.js');
    const verdict = verifyJournal(dir);
    expect(verdict.corrupt).toBe(false);
    expect(verdict.segments.every((s) => s.verdict === 'pass')).toBe(true);
  });
});

describe('erasure limits', () => {
  it('frees the room of waiting erasures once compaction redacted them', async () => {
    const { defaults } = await import('../../src/limits.js');
    const store = await WalStore.open(tempDir('erase-room'), { maxSegmentBytes: 4096 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { executionId } = await store.actionExecutionStarted('a');
      await store.actionExecutionCompleted('a', { executionId, success: true });
      ids.push(executionId);
    }
    await store.deleteExecution(ids[0]!);
    await store.deleteExecutions({ actionId: 'a' });
    expect(store.executionState(ids[1]!)).toBe('erased');
    const result = await store.compactErased();
    expect(result.recordsRedacted).toBe(6);
    expect(await store.getExecution(ids[1]!)).toBeUndefined();
    expect(defaults.maxEraseFilters).toBeGreaterThan(0);
    // A later execution of the action is not hidden by the compacted filter.
    const later = await store.actionExecutionStarted('a');
    expect((await store.getExecution(later.executionId))?.status).toBe('running');
    await store.close();
  });
});
