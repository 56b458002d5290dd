// follow() (WalStore.follow, src/wal/log-follower.ts): every record exactly once, in LSN order,
// while a writer in another process appends and rotates; it ends cleanly on its AbortSignal and
// on close(); and it throws WAL_SEGMENT_GONE, never skips or hangs, when retention removed
// records it still needed.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, WalError } from '../../src/errors.js';
import type { HistoryEntry } from '../../src/journal/history-filter.js';
import { WalStore } from '../../src/store/wal-store.js';
import { segmentNames } from '../support/byte-poke.js';
import { type Child, killChildren, spawnChild } from '../support/child-process.js';
import { applyOp, expectedHistory, journalOps, opRecord } from '../support/journal-workload.js';
import { withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterEach(killChildren);
afterAll(removeTempDirs);

/**
 * Follows `store` from `fromLsn` until an entry with lsn `untilLsn` arrived (then aborts), or
 * until `deadlineMs` passed (then aborts too, so a test fails on what it got, never hangs).
 */
async function followUntil(
  store: WalStore,
  fromLsn: number | undefined,
  untilLsn: number,
  deadlineMs = 30_000,
): Promise<HistoryEntry[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deadlineMs);
  const entries: HistoryEntry[] = [];
  try {
    for await (const entry of store.follow({ fromLsn, signal: controller.signal, pollMs: 5 })) {
      entries.push(entry);
      if (entry.lsn >= untilLsn) controller.abort();
    }
  } finally {
    clearTimeout(timer);
  }
  return entries;
}

function spawnWriter(dir: string, options: Record<string, unknown>): Child {
  return spawnChild('journal-writer', [dir, JSON.stringify(options)]);
}

const readyLsn = (child: Child) =>
  child.waitFor('ready line', () => {
    const line = child.lines.find((l) => l.startsWith('ready '));
    return line === undefined ? undefined : Number(line.slice(6));
  });

describe('follow()', () => {
  it('sees every record exactly once, in order, while another process appends and rotates', async () => {
    await withSeed('follow another process', async (_random, seed) => {
      const dir = tempDir('follow');
      const count = 2500;
      const child = spawnWriter(dir, {
        seed,
        count,
        maxSegmentBytes: 4096,
        completionsOnly: true,
        durability: 'fsync',
      });
      expect(await readyLsn(child)).toBe(1);
      const reader = await WalStore.open(dir, { readOnly: true });
      try {
        // From the start (no fromLsn), from lsn 1, and from the middle, all at once.
        const [fromStart, fromOne, fromMiddle] = await Promise.all([
          followUntil(reader, undefined, count),
          followUntil(reader, 1, count),
          followUntil(reader, 1234, count),
        ]);
        expect((await child.exited).code, child.describe()).toBe(0);
        expect(child.lines.at(-1)).toBe(`done ${count}`);
        const expected = expectedHistory(
          journalOps(seed, count, { completionsOnly: true }).map(opRecord),
          'in-flight',
        );
        expect(fromStart).toEqual(expected);
        expect(fromOne).toEqual(expected);
        expect(fromMiddle).toEqual(expected.slice(1233));
        const acked = child.lines
          .filter((l) => l.startsWith('ack '))
          .map((l) => Number(l.slice(4)));
        expect(acked).toEqual(expected.map((e) => e.lsn));
        expect(segmentNames(dir).length, 'the writer rotated').toBeGreaterThan(20);
      } finally {
        await reader.close();
      }
    });
  });

  it('joins completions to starts and follows a writer that checkpoints and rotates', async () => {
    await withSeed('follow mixed', async (_random, seed) => {
      const dir = tempDir('follow-mixed');
      const count = 1500;
      const child = spawnWriter(dir, {
        seed,
        count,
        maxSegmentBytes: 4096,
        durability: 'none',
        checkpointEveryOps: 300,
        concurrency: 4,
      });
      expect(await readyLsn(child)).toBe(1);
      const reader = await WalStore.open(dir, { readOnly: true });
      try {
        const entries = await followUntil(reader, 1, count);
        expect((await child.exited).code, child.describe()).toBe(0);
        // follow() never reports unfinished starts: only the records.
        const expected = expectedHistory(journalOps(seed, count).map(opRecord), 'in-flight');
        expect(entries).toEqual(expected.filter((e) => e.kind !== 'in-flight'));
      } finally {
        await reader.close();
      }
    });
  });

  it('ends cleanly when its AbortSignal aborts, even while waiting a long poll', async () => {
    await withSeed('follow abort', async (_random, seed) => {
      const dir = tempDir('follow-abort');
      const store = await WalStore.open(dir, { maxSegmentBytes: 4096, durability: 'none' });
      const ops = journalOps(seed, 300);
      for (const op of ops) await applyOp(store, op);
      const controller = new AbortController();
      const seen: number[] = [];
      let abortedAt = 0;
      for await (const entry of store.follow({ signal: controller.signal, pollMs: 60_000 })) {
        seen.push(entry.lsn);
        if (entry.lsn === 300) {
          // Caught up: the follower now waits a 60 s poll; abort it from a timer.
          setTimeout(() => {
            abortedAt = performance.now();
            controller.abort();
          }, 50);
        }
      }
      const endedAfterMs = performance.now() - abortedAt;
      expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(abortedAt).toBeGreaterThan(0);
      expect(endedAfterMs, 'ended promptly after the abort').toBeLessThan(1000);

      // An already aborted signal yields nothing.
      const none: HistoryEntry[] = [];
      for await (const entry of store.follow({ signal: AbortSignal.abort() })) none.push(entry);
      expect(none).toEqual([]);
      await store.close();
    });
  });

  it('ends cleanly when the store is closed (read-only and writer)', async () => {
    await withSeed('follow close', async (_random, seed) => {
      const dir = tempDir('follow-close');
      const writer = await WalStore.open(dir, { maxSegmentBytes: 4096, durability: 'none' });
      const ops = journalOps(seed, 400);
      for (const op of ops.slice(0, 200)) await applyOp(writer, op);
      const reader = await WalStore.open(dir, { readOnly: true });

      const drain = async (store: WalStore, closeAt: number, pollMs: number) => {
        const seen: number[] = [];
        for await (const entry of store.follow({ pollMs })) {
          seen.push(entry.lsn);
          if (entry.lsn === closeAt) setTimeout(() => void store.close(), 20);
        }
        return seen;
      };
      const fromReader = drain(reader, 300, 5);
      for (const op of ops.slice(200)) await applyOp(writer, op);
      // Caught up at 400, it waits a 60 s poll: close() must end that wait.
      const fromWriter = drain(writer, 400, 60_000);
      const began = performance.now();
      // The reader may see a few more before close() takes effect, never a gap.
      const read = await fromReader;
      expect(read.length).toBeGreaterThanOrEqual(300);
      expect(read).toEqual(Array.from({ length: read.length }, (_, i) => i + 1));
      expect(await fromWriter).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
      expect(performance.now() - began).toBeLessThan(5000);
      // Closed for real: recording after close is refused.
      await expect(applyOp(writer, ops[0]!)).rejects.toMatchObject({ code: ErrorCode.closed });
    });
  });

  it('from an lsn retention removed: WAL_SEGMENT_GONE', async () => {
    await withSeed('follow gone', async (_random, seed) => {
      const dir = tempDir('follow-gone');
      const store = await WalStore.open(dir, {
        maxSegmentBytes: 4096,
        durability: 'none',
        retention: { maxSegments: 2 },
        checkpointEveryBytes: 0,
      });
      for (const op of journalOps(seed, 600)) await applyOp(store, op);
      await store.checkpoint();
      const oldest = store.diskUsage().oldestLsn!;
      expect(oldest).toBeGreaterThan(1);
      for (const fromLsn of [1, oldest - 1]) {
        const error = await store
          .follow({ fromLsn })
          .next()
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error, `fromLsn ${fromLsn}`).toBeInstanceOf(WalError);
        expect((error as WalError).code).toBe(ErrorCode.segmentGone);
        expect((error as Error).message).toContain(`the log now starts at lsn ${oldest}`);
      }
      // From the oldest on disk (the default), it works.
      for (const follower of [store.follow({ fromLsn: oldest }), store.follow()]) {
        expect((await follower.next()).value?.lsn).toBe(oldest);
        await follower.return(undefined);
      }
      await store.close();
    });
  });

  it('a follower that fell behind while retention removed its next segments: WAL_SEGMENT_GONE', async () => {
    await withSeed('follow overtaken', async (_random, seed) => {
      const dir = tempDir('follow-overtaken');
      const store = await WalStore.open(dir, {
        maxSegmentBytes: 4096,
        durability: 'none',
        retention: { maxSegments: 2 },
        checkpointEveryBytes: 0,
      });
      const ops = journalOps(seed, 1000);
      for (const op of ops.slice(0, 100)) await applyOp(store, op);
      const follower = store.follow({ fromLsn: 1, pollMs: 5 });
      for (let lsn = 1; lsn <= 10; lsn++) expect((await follower.next()).value?.lsn).toBe(lsn);
      // The follower pauses (holding segment 1 open) while the log moves on and retention
      // deletes segment 1 and those after it.
      for (const op of ops.slice(100)) await applyOp(store, op);
      await store.checkpoint();
      expect(store.diskUsage().oldestLsn).toBeGreaterThan(200);
      let last = 10;
      const outcome = await Promise.race([
        (async () => {
          try {
            for (;;) {
              const step = await follower.next();
              if (step.done) return 'ended';
              if (step.value.lsn !== last + 1) return `skipped from ${last} to ${step.value.lsn}`;
              last = step.value.lsn;
            }
          } catch (error) {
            return error;
          }
        })(),
        new Promise((resolve) => setTimeout(() => resolve('hung'), 3000)),
      ]);
      expect(outcome, `after lsn ${last}`).toBeInstanceOf(WalError);
      expect((outcome as WalError).code).toBe(ErrorCode.segmentGone);
      await store.close();
    });
  });

  it('is refused on an in-memory store', async () => {
    const error = await WalStore.openInMemory()
      .follow()
      .next()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(WalError);
    expect((error as WalError).code).toBe(ErrorCode.invalidArgument);
  });
});
