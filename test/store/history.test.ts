// Audit history (WalStore.history, src/store/journal-history.ts): every record still on disk,
// in LSN order, as flat entries; completions joined to their starts; starts never completed
// last, as 'interrupted' (no writer alive) or 'in-flight' (beside a live writer); the filters
// AND together. The expected entries come from an independent fold of the records written
// (`expectedHistory` in test/support/journal-workload.ts), never from the code under test. Then: beside a writer in another
// process, after retention, and with memory that does not grow with the log.
import { setTimeout as delay } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, WalError } from '../../src/errors.js';
import type { HistoryEntry, HistoryFilter, HistoryKind } from '../../src/journal/history-filter.js';
import { type ExecutionStatus, RecordType } from '../../src/journal/journal-records.js';
import { WalStore } from '../../src/store/wal-store.js';
import { flat } from '../support/flat-entry.js';
import { type RecordInput, WalWriter } from '../../src/wal/wal-writer.js';
import { killChildren, spawnChild } from '../support/child-process.js';
import { applyOp, expectedHistory, journalOps, opRecord, T0 } from '../support/journal-workload.js';
import { randomInt, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterEach(killChildren);
afterAll(removeTempDirs);

/** The filter semantics as documented: each given field must hold; `until` drops the unfinished. */
function applyFilter(entries: HistoryEntry[], f: HistoryFilter): HistoryEntry[] {
  return entries.filter((entry) => {
    const e = flat(entry);
    return (
      (f.until === undefined || (e.kind !== 'interrupted' && e.kind !== 'in-flight')) &&
      (f.fromLsn === undefined || e.lsn >= f.fromLsn) &&
      (f.since === undefined || e.at >= f.since) &&
      (f.until === undefined || e.at < f.until) &&
      (f.actionId === undefined || e.actionId === f.actionId) &&
      (f.status === undefined || e.status === f.status) &&
      (f.source === undefined || e.source === f.source) &&
      (f.kinds === undefined || f.kinds.includes(e.kind))
    );
  });
}

async function collect(store: WalStore, filter?: HistoryFilter): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  for await (const entry of store.history(filter)) out.push(entry);
  return out;
}

/** A closed journal of ops 0..count-1 of `seed` over small segments; returns its records. */
async function buildJournal(dir: string, seed: number, count: number): Promise<RecordInput[]> {
  const ops = journalOps(seed, count);
  const store = await WalStore.open(dir, { maxSegmentBytes: 4096, durability: 'none' });
  for (const op of ops) await applyOp(store, op);
  await store.close();
  return ops.map(opRecord);
}

describe('history()', () => {
  it('yields every record in LSN order, then the starts never completed', async () => {
    await withSeed('history all', async (_random, seed) => {
      const dir = tempDir('history');
      const records = await buildJournal(dir, seed, 2000);
      const reader = await WalStore.open(dir, { readOnly: true });
      try {
        const entries = await collect(reader);
        expect(entries).toEqual(expectedHistory(records, 'interrupted'));
        const interrupted = entries.filter((e) => e.kind === 'interrupted');
        expect(interrupted.length, 'the workload leaves starts open').toBeGreaterThan(0);
        expect(interrupted.map((e) => flat(e).executionId)).toEqual(
          reader.inFlight().map((e) => e.executionId),
        );
      } finally {
        await reader.close();
      }
      // The writer itself is alive: its open starts are in flight, not interrupted.
      const writer = await WalStore.open(dir);
      try {
        expect(await collect(writer)).toEqual(expectedHistory(records, 'in-flight'));
      } finally {
        await writer.close();
      }
    });
  });

  it('filters fromLsn, since, until, actionId, status, source and kinds, combined with AND', async () => {
    await withSeed('history filters', async (random, seed) => {
      const dir = tempDir('history-filters');
      const records = await buildJournal(dir, seed, 1500);
      const all = expectedHistory(records, 'interrupted');
      const reader = await WalStore.open(dir, { readOnly: true });
      const statuses: ExecutionStatus[] = ['succeeded', 'failed', 'timed_out', 'cancelled'];
      const kinds: HistoryKind[] = ['started', 'completed', 'cleanup', 'interrupted'];
      const at = (op: number) => T0 + op * 1000;
      try {
        // Each filter alone, with a hand-checked count that is neither 0 nor everything.
        const single: HistoryFilter[] = [
          { fromLsn: 700 },
          { since: at(400) },
          { until: at(900) },
          { actionId: 'action-3' },
          { status: 'failed' },
          { source: 'cron:nightly' },
          { kinds: ['cleanup', 'interrupted'] },
        ];
        for (const filter of single) {
          const expected = applyFilter(all, filter);
          expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0);
          expect(expected.length, JSON.stringify(filter)).toBeLessThan(all.length);
          expect(await collect(reader, filter), JSON.stringify(filter)).toEqual(expected);
        }
        // Random combinations.
        for (let round = 0; round < 40; round++) {
          const filter: HistoryFilter = {};
          if (random() < 0.4) filter.fromLsn = randomInt(random, 1, 1600);
          if (random() < 0.4) filter.since = at(randomInt(random, 0, 1500));
          if (random() < 0.3) filter.until = at(randomInt(random, 0, 1600));
          if (random() < 0.4) filter.actionId = `action-${randomInt(random, 0, 8)}`;
          if (random() < 0.3) filter.status = statuses[randomInt(random, 0, 3)]!;
          if (random() < 0.3)
            filter.source = ['cron:nightly', 'api', '', 'nope'][randomInt(random, 0, 3)]!;
          if (random() < 0.3) filter.kinds = kinds.filter(() => random() < 0.5);
          expect(await collect(reader, filter), JSON.stringify(filter)).toEqual(
            applyFilter(all, filter),
          );
        }
        // A combination that leaves a known, small set.
        const narrow: HistoryFilter = {
          fromLsn: 300,
          until: at(1200),
          actionId: 'action-1',
          status: 'succeeded',
        };
        const got = await collect(reader, narrow);
        expect(got.length).toBeGreaterThan(0);
        for (const e of got) {
          expect(e).toMatchObject({ kind: 'completed', actionId: 'action-1', status: 'succeeded' });
          expect(e.lsn).toBeGreaterThanOrEqual(300);
          expect(e.at).toBeLessThan(at(1200));
        }
      } finally {
        await reader.close();
      }
    });
  });

  it("completions carry the start's source, type, attempt, attributes and startedAt", async () => {
    const dir = tempDir('history-join');
    const store = await WalStore.open(dir);
    await store.actionExecutionStarted('deploy', {
      executionId: 'x1',
      source: 'cron:nightly',
      executionType: 'command',
      attempt: 2,
      attributes: { host: 'web-1' },
      startedAt: T0,
    });
    await store.cleanupExecuted('scanner', {
      resourceId: 'lock:1',
      action: 'release',
      success: false,
      error: 'busy',
      executedAt: T0 + 1,
    });
    await store.actionExecutionCompleted('deploy', {
      executionId: 'x1',
      status: 'timed_out',
      durationMs: 1500,
      error: 'too slow',
      metrics: { tokens: 3 },
      completedAt: T0 + 2,
    });
    await store.actionExecutionCompleted('deploy', {
      executionId: 'never-started',
      success: true,
      durationMs: 5,
      completedAt: T0 + 3,
    });
    await store.close();
    const reader = await WalStore.open(dir, { readOnly: true });
    const entries = await collect(reader);
    await reader.close();
    expect(entries.map((e) => [e.lsn, e.kind])).toEqual([
      [1, 'started'],
      [2, 'cleanup'],
      [3, 'completed'],
      [4, 'completed'],
    ]);
    expect(entries[2]).toEqual({
      lsn: 3,
      kind: 'completed',
      at: T0 + 2,
      executionId: 'x1',
      actionId: 'deploy',
      source: 'cron:nightly',
      executionType: 'command',
      attempt: 2,
      attributes: { host: 'web-1' },
      startedAt: T0,
      status: 'timed_out',
      success: false,
      durationMs: 1500,
      error: 'too slow',
      metrics: { tokens: 3 },
      completedAt: T0 + 2,
    });
    expect(entries[3]).toMatchObject({ source: '', executionType: '', attempt: 1 });
    expect(flat(entries[3]!).startedAt).toBeUndefined();
    expect(entries[1]).toMatchObject({ scannerId: 'scanner', success: false, error: 'busy' });
  });

  it('after retention: starts at the oldest segment on disk; a completion whose start is gone has no source', async () => {
    await withSeed('history after retention', async (_random, seed) => {
      const dir = tempDir('history-retention');
      const ops = journalOps(seed, 1500);
      const store = await WalStore.open(dir, {
        maxSegmentBytes: 4096,
        durability: 'none',
        retention: { maxSegments: 3 },
        checkpointEveryBytes: 0,
      });
      for (const op of ops) await applyOp(store, op);
      await store.checkpoint();
      const firstLsn = store.diskUsage().oldestLsn!;
      expect(firstLsn).toBeGreaterThan(1);
      const expected = expectedHistory(ops.map(opRecord), 'in-flight', firstLsn);
      expect(await collect(store)).toEqual(expected);
      expect(
        expected.some(
          (e) =>
            e.kind === 'completed' &&
            e.startedAt === undefined &&
            e.source === '' &&
            !e.executionId?.includes('-u'),
        ),
        'some completion lost its start to retention',
      ).toBe(true);
      await store.close();
    });
  });

  it('beside a live writer in another process: consistent prefixes, starts in flight', async () => {
    await withSeed('history beside a writer', async (_random, seed) => {
      const dir = tempDir('history-live');
      const count = 3000;
      const child = spawnChild('journal-writer', [
        dir,
        JSON.stringify({ seed, count, maxSegmentBytes: 4096, durability: 'none' }),
      ]);
      await child.waitFor('ready line', () => child.lines.find((l) => l.startsWith('ready ')));
      expect(child.lines.find((l) => l.startsWith('ready '))).toBe('ready 1');
      const records = journalOps(seed, count).map(opRecord);
      const reader = await WalStore.open(dir, { readOnly: true });
      try {
        let seen = 0;
        let passes = 0;
        const deadline = Date.now() + 30_000;
        while (!child.exit || passes === 0) {
          if (Date.now() > deadline) throw new Error(`${child.describe()} did not finish in 30 s`);
          const entries = await collect(reader);
          const last = entries.filter((e) => e.kind !== 'in-flight').at(-1)?.lsn ?? 0;
          expect(last, 'never fewer records than a pass before').toBeGreaterThanOrEqual(seen);
          expect(entries).toEqual(expectedHistory(records.slice(0, last), 'in-flight'));
          seen = last;
          passes += 1;
          // history() yields to the event loop only every 10,000 records: wait a macrotask, or
          // the child's output and exit would never be seen.
          await delay(5);
        }
        expect((await child.exited).code, child.describe()).toBe(0);
        const entries = await collect(reader);
        expect(entries).toEqual(expectedHistory(records, 'in-flight'));
        console.info(`history beside a writer: ${passes} passes saw growing prefixes`);
      } finally {
        await reader.close();
      }
      // The writer is gone now: a new read-only store calls the same starts interrupted.
      const after = await WalStore.open(dir, { readOnly: true });
      expect(await collect(after)).toEqual(expectedHistory(records, 'interrupted'));
      await after.close();
    });
  });

  it('streams 200k records without heap growing with the log', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const dir = tempDir('history-memory');
    const total = 200_000;
    const output = 'x'.repeat(300);
    // Start/complete pairs with a 300-byte output, two cleanups in 20: a ~80 MB log.
    const recordAt = (i: number): RecordInput => {
      const r = i % 20;
      const n = ((i - r) / 20) * 9 + (r >> 1);
      if (r >= 18) {
        return {
          type: RecordType.cleanupExecuted,
          value: { scannerId: 's', resourceId: `r${i}`, action: 'a', success: true, executedAt: i },
        };
      }
      return r % 2 === 0
        ? {
            type: RecordType.actionStarted,
            value: {
              executionId: `e${n}`,
              actionId: `a${n % 50}`,
              source: 'src',
              executionType: 't',
              attempt: 1,
              startedAt: i,
              attributes: { k: 'v' },
            },
          }
        : {
            type: RecordType.actionCompleted,
            value: {
              executionId: `e${n}`,
              actionId: `a${n % 50}`,
              status: 'succeeded',
              durationMs: n % 1000,
              completedAt: i,
              output,
            },
          };
    };
    const writer = await WalWriter.open(dir, { durability: 'none' });
    for (let i = 0; i < total; i += 1000) {
      await writer.append(Array.from({ length: 1000 }, (_, k) => recordAt(i + k)));
    }
    await writer.close();
    const reader = await WalStore.open(dir, { readOnly: true, maxHistoryEntries: 10 });
    gc();
    const heapAt: number[] = [];
    let count = 0;
    let lastLsn = 0;
    for await (const entry of reader.history()) {
      if (entry.lsn <= lastLsn) throw new Error(`lsn ${entry.lsn} after ${lastLsn}`);
      lastLsn = entry.lsn;
      count += 1;
      if (count % 40_000 === 0) {
        gc();
        heapAt.push(process.memoryUsage().heapUsed);
      }
    }
    await reader.close();
    expect(count).toBe(total);
    const growthMb = (Math.max(...heapAt) - heapAt[0]!) / 2 ** 20;
    console.info(
      `history of ${total} records: heapUsed ${heapAt.map((b) => (b / 2 ** 20).toFixed(1)).join(', ')} MiB (growth ${growthMb.toFixed(1)} MiB)`,
    );
    // Holding the entries would take well over 100 MiB; the bound is generous for GC noise.
    expect(growthMb).toBeLessThan(24);
  });

  it('is refused on an in-memory store', async () => {
    const store = WalStore.openInMemory();
    const error = await collect(store).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WalError);
    expect((error as WalError).code).toBe(ErrorCode.invalidArgument);
  });
});
