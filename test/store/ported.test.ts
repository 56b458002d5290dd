// The tests of the Rust original, ported as written (issue: WalStore).
import { afterAll, describe, expect, it } from 'vitest';
import { WalStore } from '../../src/index.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

describe('ported from the original', () => {
  it('records an action execution', async () => {
    const store = WalStore.openInMemory();
    await store.actionExecutionStarted('notify', { source: 'test', executionType: 'command' });
    await store.actionExecutionCompleted('notify', {
      success: true,
      output: 'notified',
      durationMs: 150,
    });
    const recent = store.recentActionExecutions(10);
    expect(recent).toHaveLength(1);
    expect(recent[0]?.actionId).toBe('notify');
    expect(recent[0]?.success).toBe(true);
    expect(recent[0]?.durationMs).toBe(150);
    expect(recent[0]?.output).toBe('notified');
  });

  it('records a failed action in stats', async () => {
    const store = WalStore.openInMemory();
    await store.actionExecutionCompleted('deploy', {
      success: false,
      error: 'connection refused',
      durationMs: 5000,
    });
    const stats = store.actionStats('deploy');
    expect(stats.totalExecutions).toBe(1);
    expect(stats.failures).toBe(1);
    expect(stats.lastError).toBe('connection refused');
  });

  it('records a cleanup', async () => {
    const store = WalStore.openInMemory();
    await store.cleanupExecuted('stale-locks', {
      resourceId: 'lock:deploy',
      action: 'release',
      success: true,
    });
    const cleanups = store.recentCleanupOperations(10);
    expect(cleanups).toHaveLength(1);
    expect(cleanups[0]).toMatchObject({
      scannerId: 'stale-locks',
      resourceId: 'lock:deploy',
      action: 'release',
      success: true,
    });
  });

  it('operations survive replay', async () => {
    const dir = tempDir('ported');
    const store = await WalStore.open(dir);
    await store.actionExecutionStarted('notify');
    await store.actionExecutionCompleted('notify', { success: true, durationMs: 150 });
    await store.close();
    const reopened = await WalStore.open(dir);
    const recent = reopened.recentActionExecutions(10);
    expect(recent).toHaveLength(1);
    expect(recent[0]?.success).toBe(true);
    expect(recent[0]?.actionId).toBe('notify');
    await reopened.close();
  });

  it('history is bounded', async () => {
    const store = WalStore.openInMemory({ maxHistoryEntries: 5 });
    for (let i = 0; i < 10; i++) {
      await store.actionExecutionCompleted(`action-${i}`, { success: true, durationMs: i });
    }
    const recent = store.recentActionExecutions(100);
    expect(recent).toHaveLength(5);
    expect(recent[0]?.actionId).toBe('action-9');
    expect(recent.map((r) => r.actionId)).toEqual([
      'action-9',
      'action-8',
      'action-7',
      'action-6',
      'action-5',
    ]);
  });
});
