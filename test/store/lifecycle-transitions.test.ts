// Every (state × event) pair of the state machine (docs/lifecycle.md), through the real store on
// real files: an execution is brought into each state with the API, each event is tried with
// the API, and the outcome must be what the one transition table says — legal: one record
// written, the new state, the same state after a reopen; illegal: WalStateError (or
// WAL_UNKNOWN_EXECUTION), nothing written, the state unchanged. Then random sequences of calls
// against a pure model of the table (seeded; SEED=<n> replays).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, WalError, WalStateError } from '../../src/errors.js';
import {
  type LifecycleEvent,
  lifecycleEvents,
  type LifecyclePlace,
  lifecyclePlaces,
  nextState,
} from '../../src/journal/execution-lifecycle.js';
import { WalStore } from '../../src/store/wal-store.js';
import { randomInt, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const X = 'exec-x';
const ACTION = 'deploy';

/** Brings X into `place`; returns the store (a writer). */
async function storeWith(place: LifecyclePlace): Promise<{ store: WalStore; dir: string }> {
  const dir = tempDir(`place-${place}`);
  let store = await WalStore.open(dir);
  const queue = () => store.actionExecutionQueued(ACTION, { executionId: X, maxAttempts: 3 });
  const start = () => store.actionExecutionStarted(ACTION, { executionId: X });
  const end = (options: object) =>
    store.actionExecutionCompleted(ACTION, { executionId: X, durationMs: 3, ...options } as never);
  switch (place) {
    case 'unknown':
      break;
    case 'queued':
      await queue();
      break;
    case 'running':
      await queue();
      await start();
      break;
    case 'interrupted':
      await queue();
      await start();
      await store.close();
      store = await WalStore.open(dir);
      break;
    case 'succeeded':
      await queue();
      await start();
      await end({ success: true });
      break;
    case 'failed':
      await queue();
      await start();
      await end({ success: false, error: 'boom' });
      break;
    case 'timed_out':
      await queue();
      await start();
      await end({ status: 'timed_out', timedOut: 'execution' });
      break;
    case 'cancelled':
      await queue();
      await store.actionExecutionCancelled(X, { actor: 'alice', reason: 'test' });
      break;
    case 'erased':
      await queue();
      await start();
      await end({ success: true });
      await store.deleteExecution(X);
      break;
  }
  expect(store.executionState(X), `setup of ${place}`).toBe(place);
  return { store, dir };
}

/** Tries `event` on X through the API. */
function attempt(store: WalStore, event: LifecycleEvent): Promise<unknown> {
  const end = (options: object) =>
    store.actionExecutionCompleted(ACTION, { executionId: X, durationMs: 4, ...options } as never);
  switch (event) {
    case 'queue':
      return store.actionExecutionQueued(ACTION, { executionId: X, maxAttempts: 3 });
    case 'start':
      return store.actionExecutionStarted(ACTION, { executionId: X });
    case 'progress':
      return store.actionExecutionProgress(X, { percent: 10, message: 'going' });
    case 'step':
      return store.executionStepStarted(X, 'fetch');
    case 'succeed':
      return end({ success: true });
    case 'fail':
      return end({ success: false, error: 'no' });
    case 'time-out':
      return end({ status: 'timed_out', timedOut: 'execution' });
    case 'end-cancelled':
      return end({ status: 'cancelled' });
    case 'retry':
      return end({ success: false, error: 'again', retryAt: Date.now() + 1000 });
    case 'queue-timeout':
      return end({ status: 'timed_out', timedOut: 'queue' });
    case 'cancel':
      return store.actionExecutionCancelled(X, { actor: 'bob', reason: 'why not' });
    case 'erase':
      return store.deleteExecution(X);
  }
}

const pairs = lifecyclePlaces.flatMap((place) =>
  lifecycleEvents.map((event) => [place, event] as const),
);

describe('the state machine, every (state × event) pair through the store', () => {
  it.each(pairs)('%s × %s', async (place, event) => {
    const { store, dir } = await storeWith(place);
    const lsnBefore = store.lastLsn;
    const to = nextState(place, event);
    let caught: unknown;
    try {
      await attempt(store, event);
    } catch (error) {
      caught = error;
    }
    if (to === undefined) {
      expect(caught, `${place} × ${event} must be refused`).toBeInstanceOf(WalStateError);
      const error = caught as WalStateError;
      expect(error.code).toBe(
        place === 'unknown' ? ErrorCode.unknownExecution : ErrorCode.illegalTransition,
      );
      expect(error.executionId).toBe(X);
      expect(error.message).toMatch(/docs\/lifecycle\.md/);
      expect(store.lastLsn, 'nothing written').toBe(lsnBefore);
      expect(store.executionState(X)).toBe(place);
      await store.close();
      return;
    }
    expect(caught, `${place} × ${event} is legal`).toBeUndefined();
    expect(store.lastLsn, 'one record written').toBe(lsnBefore + 1);
    expect(store.executionState(X)).toBe(to);
    await store.close();
    // The log says the same after a reopen (a running execution is interrupted then).
    const reopened = await WalStore.open(dir, { readOnly: true });
    const after = to === 'running' ? 'interrupted' : to;
    expect(reopened.executionState(X)).toBe(after);
    await reopened.close();
  });
});

describe('random call sequences against a pure model of the table', () => {
  it('agree on every step, and after a reopen', async () => {
    await withSeed('lifecycle model', async (random) => {
      const dir = tempDir('lifecycle-model');
      let store = await WalStore.open(dir);
      const ids = ['a', 'b', 'c', 'd'];
      const model = new Map<string, LifecyclePlace>(ids.map((id) => [id, 'unknown']));
      const events = lifecycleEvents.filter((e) => e !== 'erase');
      for (let step = 0; step < 400; step++) {
        const id = ids[randomInt(random, 0, ids.length - 1)]!;
        const event = events[randomInt(random, 0, events.length - 1)]!;
        const from = model.get(id)!;
        const to = nextState(from, event);
        const budget = budgets.get(id) ?? { starts: 0, max: 1 };
        // A retry with no attempt left (maxAttempts) is refused as a limit, not by the table.
        const overBudget = event === 'retry' && to !== undefined && budget.starts >= budget.max;
        let caught: unknown;
        try {
          await attemptOn(store, id, event);
        } catch (error) {
          caught = error;
        }
        if (to === undefined || overBudget) {
          expect(caught, `step ${step}: ${from} × ${event} refused`).toBeInstanceOf(WalError);
        } else {
          expect(caught, `step ${step}: ${from} × ${event}`).toBeUndefined();
          model.set(id, to);
          if (event === 'queue') budgets.set(id, { starts: 0, max: 3 });
          if (event === 'start') budgets.set(id, { ...budget, starts: budget.starts + 1 });
        }
        expect(store.executionState(id), `step ${step}`).toBe(model.get(id));
        if (random() < 0.05) {
          // Reopen: running executions come back interrupted.
          await store.close();
          store = await WalStore.open(dir);
          for (const [key, place] of model) if (place === 'running') model.set(key, 'interrupted');
        }
        // Fresh ids once an execution ended, so the sequence keeps exercising transitions.
        for (const [key, place] of model) {
          if (['succeeded', 'failed', 'timed_out', 'cancelled'].includes(place) && random() < 0.3) {
            const fresh = `${key}-${step}`;
            model.delete(key);
            model.set(fresh, 'unknown');
            ids[ids.indexOf(key)] = fresh;
          }
        }
      }
      await store.close();
    });
  });
});

/** Attempts started and allowed per id (3 when queued, 1 when started without a queue record). */
const budgets = new Map<string, { starts: number; max: number }>();

function attemptOn(store: WalStore, id: string, event: LifecycleEvent): Promise<unknown> {
  const end = (options: object) =>
    store.actionExecutionCompleted(ACTION, { executionId: id, durationMs: 2, ...options } as never);
  switch (event) {
    case 'queue':
      return store.actionExecutionQueued(ACTION, { executionId: id, maxAttempts: 3 });
    case 'start':
      return store.actionExecutionStarted(ACTION, { executionId: id });
    case 'progress':
      return store.actionExecutionProgress(id, { percent: 50 });
    case 'step':
      return store.executionStepCompleted(id, 'build', { success: true, durationMs: 1 });
    case 'succeed':
      return end({ success: true });
    case 'fail':
      return end({ success: false });
    case 'time-out':
      return end({ status: 'timed_out', timedOut: 'execution' });
    case 'end-cancelled':
      return end({ status: 'cancelled' });
    case 'retry':
      return end({ success: false, retryAt: 1 });
    case 'queue-timeout':
      return end({ status: 'timed_out', timedOut: 'queue' });
    case 'cancel':
      return store.actionExecutionCancelled(id, { actor: 'model' });
    case 'erase':
      return store.deleteExecution(id);
  }
}

describe('docs/lifecycle.md', () => {
  it('shows exactly the transition table of src/journal/execution-lifecycle.ts', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'lifecycle.md'), 'utf8');
    const block = /<!-- transitions: [^>]+ -->\n([\s\S]*?)<!-- \/transitions -->/.exec(doc)?.[1];
    expect(block, 'the transitions block').toBeDefined();
    const rows = block!
      .trim()
      .split('\n')
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim().replace(/`/g, '')),
      );
    const header = rows[0]!.slice(1);
    expect(header).toEqual([...lifecycleEvents]);
    const table = rows.slice(2);
    expect(table.map((r) => r[0])).toEqual([...lifecyclePlaces]);
    for (const row of table) {
      const from = row[0] as LifecyclePlace;
      header.forEach((event, i) => {
        expect(row[i + 1], `${from} × ${event}`).toBe(
          nextState(from, event as LifecycleEvent) ?? '·',
        );
      });
    }
  });
});
