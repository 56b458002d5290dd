// Queries and events of the lifecycle (docs/api.md#queries, #events): listExecutions pages that
// stay correct while a writer appends, grouped stats, in-process events after durability, and
// the checks every call's input gets (unknown keys, ranges, Unicode, caps under concurrency).
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, type WalError, WalValidationError } from '../../src/errors.js';
import type { HistoryEntry } from '../../src/journal/history-entry.js';
import { WalStore } from '../../src/store/wal-store.js';
import { randomInt, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

async function validation(
  promise: Promise<unknown> | (() => unknown),
  message: RegExp,
): Promise<void> {
  let caught: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    caught = error;
  }
  expect(caught, String(message)).toBeInstanceOf(WalValidationError);
  expect((caught as WalError).message).toMatch(message);
}

describe('listExecutions', () => {
  it('pages newest first and oldest first with a cursor that holds while the writer appends', async () => {
    await withSeed('list pages', async (random) => {
      const store = await WalStore.open(tempDir('list'));
      const made: string[] = [];
      const add = async () => {
        const actionId = random() < 0.5 ? 'a' : 'b';
        const attributes = { org: random() < 0.5 ? 'acme' : 'globex' };
        const { executionId } = await store.actionExecutionQueued(actionId, { attributes });
        if (random() < 0.7) {
          await store.actionExecutionStarted(actionId, { executionId });
          if (random() < 0.8)
            await store.actionExecutionCompleted(actionId, {
              executionId,
              success: random() < 0.7,
            });
        }
        made.push(executionId);
      };
      for (let i = 0; i < 60; i++) await add();
      for (const order of ['asc', 'desc'] as const) {
        const existing = [...made];
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const limit = randomInt(random, 1, 9);
          const page = await store.listExecutions({ order, limit, ...(cursor ? { cursor } : {}) });
          expect(page.items.length).toBeLessThanOrEqual(limit);
          seen.push(...page.items.map((i) => i.executionId));
          cursor = page.nextCursor;
          // The writer appends between pages: later executions come after the cursor (asc) or
          // never show (desc), and no page repeats or skips one made before.
          if (random() < 0.5) await add();
        } while (cursor);
        if (order === 'asc') expect(seen).toEqual(made.slice(0, seen.length));
        else expect(seen).toEqual(existing.reverse());
        expect(seen.length).toBeGreaterThanOrEqual(existing.length);
      }
      await store.close();
    });
  });

  it('filters by status, action, source, attributes and request id, all at once', async () => {
    const store = await WalStore.open(tempDir('list-filter'));
    const q = await store.actionExecutionQueued('deploy', {
      source: 'hitl',
      requestId: 'r-1',
      attributes: { org: 'acme', user: 'u-1' },
    });
    await store.actionExecutionQueued('deploy', { source: 'auto', attributes: { org: 'acme' } });
    const s = await store.actionExecutionStarted('scan', {
      source: 'hitl',
      attributes: { org: 'globex' },
    });
    await store.actionExecutionCompleted('scan', { executionId: s.executionId, success: false });
    const ids = async (filter: Parameters<WalStore['listExecutions']>[0]) =>
      (await store.listExecutions(filter)).items.map((i) => i.executionId);
    expect(await ids({ status: 'failed' })).toEqual([s.executionId]);
    expect(await ids({ status: 'queued', source: 'hitl' })).toEqual([q.executionId]);
    expect(await ids({ attributes: { org: 'acme', user: 'u-1' } })).toEqual([q.executionId]);
    expect(await ids({ requestId: 'r-1' })).toEqual([q.executionId]);
    expect(await ids({ actionId: 'scan' })).toEqual([s.executionId]);
    await validation(
      store.listExecutions({ limit: 5000 }),
      /limit must be an integer from 1 to 1000/,
    );
    await validation(
      store.listExecutions({ cursor: 'garbage' }),
      /cursor is not one listExecutions returned/,
    );
    await validation(store.listExecutions({ status: 'bogus' as never }), /status must be one of/);
    await validation(store.listExecutions({ stauts: 'failed' } as never), /did you mean 'status'/);
    await store.close();
  });
});

describe('grouped stats', () => {
  it('by source and by an attribute, all-time from memory and windowed from disk', async () => {
    const store = await WalStore.open(tempDir('groups'), { statsAttributes: ['org'] });
    const T = Date.now();
    for (const [source, org, ok, at] of [
      ['hitl', 'acme', true, T - 3_600_000 * 5],
      ['hitl', 'acme', false, T - 1000],
      ['auto', 'globex', true, T - 500],
    ] as const) {
      const { executionId } = await store.actionExecutionStarted('deploy', {
        source,
        attributes: { org, user: 'u' },
        startedAt: at,
      });
      await store.actionExecutionCompleted('deploy', {
        executionId,
        success: ok,
        durationMs: 10,
        completedAt: at + 10,
        metrics: { cost: 1 },
      });
    }
    const bySource = await store.groupStats({ by: 'source' });
    expect(bySource.map((g) => [g.group, g.totalExecutions, g.successRate])).toEqual([
      ['hitl', 2, 0.5],
      ['auto', 1, 1],
    ]);
    const byOrg = await store.groupStats({ by: { attribute: 'org' } });
    expect(byOrg.map((g) => [g.group, g.totalExecutions, g.metricsTotals.cost])).toEqual([
      ['acme', 2, 2],
      ['globex', 1, 1],
    ]);
    // Not kept in memory: computed from the history on disk, the same answer.
    const byUser = await store.groupStats({ by: { attribute: 'user' } });
    expect(byUser.map((g) => [g.group, g.totalExecutions])).toEqual([['u', 3]]);
    const lastHour = await store.groupStats({ by: 'source', since: T - 3_600_000 });
    expect(lastHour.map((g) => [g.group, g.totalExecutions])).toEqual([
      ['hitl', 1],
      ['auto', 1],
    ]);
    await store.close();
  });
});

describe('events', () => {
  it('announce each record after it is durable, with its history entry; a throwing listener breaks nothing', async () => {
    const errors: unknown[] = [];
    const store = await WalStore.open(tempDir('events'), {
      onListenerError: (error) => errors.push(error),
    });
    const seen: [string, HistoryEntry][] = [];
    for (const event of [
      'queued',
      'started',
      'progress',
      'step',
      'completed',
      'timed_out',
      'retry',
      'cancelled',
      'cleanup',
      'erased',
    ] as const) {
      store.on(event, (entry) => {
        // Durable and folded: the state already shows it.
        expect(store.lastLsn).toBeGreaterThanOrEqual(entry.lsn);
        seen.push([event, entry]);
      });
    }
    store.on('completed', () => {
      throw new Error('listener bug');
    });
    const { executionId } = await store.actionExecutionQueued('a', {
      maxAttempts: 2,
      source: 'api',
    });
    await store.actionExecutionStarted('a', { executionId });
    await store.actionExecutionProgress(executionId, { percent: 5 });
    await store.executionStepStarted(executionId, 's');
    await store.actionExecutionCompleted('a', { executionId, success: false, retryAt: 0 });
    await store.actionExecutionStarted('a', { executionId });
    await store.actionExecutionCompleted('a', { executionId, status: 'timed_out' });
    const other = await store.actionExecutionStarted('a');
    await store.actionExecutionCompleted('a', { executionId: other.executionId, success: true });
    const third = await store.actionExecutionQueued('a');
    await store.actionExecutionCancelled(third.executionId, { actor: 'me', reason: 'r' });
    await store.cleanupExecuted('sc', { resourceId: 'r', action: 'rm', success: true });
    await store.deleteExecution(other.executionId);
    expect(seen.map(([event, entry]) => `${event}:${entry.kind}`)).toEqual([
      'queued:queued',
      'started:started',
      'progress:progress',
      'step:step-started',
      'retry:completed',
      'started:started',
      'timed_out:completed',
      'started:started',
      'completed:completed',
      'queued:queued',
      'cancelled:cancelled',
      'cleanup:cleanup',
      'erased:erased',
    ]);
    // Entries carry what history knows: the source of the queue record on the start.
    expect(seen[1]![1]).toMatchObject({ executionId, source: 'api', attempt: 1 });
    expect(errors).toHaveLength(1);
    await validation(() => store.on('nope' as never, () => {}), /unknown event 'nope'/);
    await store.close();
  });
});

describe('every call checks its input before writing', () => {
  it('names unknown option keys with the nearest valid one', async () => {
    await validation(
      WalStore.open(tempDir('keys'), { maxHistoryEntrys: 5 } as never),
      /'maxHistoryEntrys'; did you mean 'maxHistoryEntries'/,
    );
    const store = WalStore.openInMemory();
    await validation(
      store.actionExecutionStarted('a', { atempt: 2 } as never),
      /did you mean 'attempt'/,
    );
    await validation(
      store.actionExecutionQueued('a', { priorty: 1 } as never),
      /did you mean 'priority'/,
    );
    await validation(
      () => WalStore.openInMemory({ durability: 'none' } as never),
      /has no option 'durability'/,
    );
    expect(store.lastLsn).toBe(0);
  });

  it('refuses lone surrogates, out-of-range numbers and __proto__ keys (nothing written)', async () => {
    const store = WalStore.openInMemory();
    await validation(store.actionExecutionStarted('bad\ud800id'), /lone UTF-16 surrogate/);
    const { executionId } = await store.actionExecutionStarted('a');
    await validation(
      store.actionExecutionCompleted('a', { executionId, success: true, durationMs: 1e300 }),
      /durationMs must be milliseconds from 0 to/,
    );
    await validation(
      store.actionExecutionCompleted('a', { executionId, success: true, completedAt: -1 }),
      /completedAt must be epoch milliseconds/,
    );
    await validation(
      store.actionExecutionProgress(executionId, { percent: 101 }),
      /percent must be a percentage from 0 to 100/,
    );
    const attributes = JSON.parse('{"__proto__": "x", "ok": "y"}');
    await validation(store.actionExecutionStarted('b', { attributes }), /'__proto__' is reserved/);
    await validation(
      store.actionExecutionQueued('c', { request: { when: new Date() } as never }),
      /plain data/,
    );
    expect(store.lastLsn).toBe(1);
  });

  it('validates history filters', async () => {
    const store = await WalStore.open(tempDir('history-filter'));
    const drain = async (filter: object) => {
      for await (const _ of store.history(filter as never)) void _;
    };
    await validation(drain({ fromLsn: Number.NaN }), /fromLsn must be an integer/);
    await validation(drain({ since: 'yesterday' }), /since must be epoch milliseconds/);
    await validation(drain({ status: 'bogus' }), /status must be one of/);
    await validation(drain({ kind: ['started'] }), /did you mean 'kinds'/);
    await store.close();
  });

  it('counts calls in flight toward maxActions: 20 concurrent new actions, cap 10', async () => {
    const store = await WalStore.open(tempDir('max-actions'), { maxActions: 10 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => store.actionExecutionStarted(`action-${i}`)),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(10);
    expect(
      refused.every((r) => (r as PromiseRejectedResult).reason.code === ErrorCode.limitExceeded),
    ).toBe(true);
    expect(store.allActionStats()).toHaveLength(10);
    await store.close();
  });

  it('closes itself at the end of an `await using` scope', async () => {
    const dir = tempDir('dispose');
    {
      await using store = await WalStore.open(dir);
      await store.actionExecutionStarted('a');
    }
    // The lock is free again: a second writer opens.
    const again = await WalStore.open(dir);
    expect(again.lastLsn).toBe(1);
    await again.close();
  });
});
