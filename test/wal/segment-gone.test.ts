// A read-only scan (iterateLog, history(), diskUsage()) beside a writer whose retention deletes
// segments: a segment that vanishes between the listing and its open, or while an earlier one is
// being read, is WAL_SEGMENT_GONE (a WalIoError naming the segment, the LSN range lost and what
// to do, with the ENOENT as cause), never a raw WAL_IO or ENOENT. First deterministically,
// through the seam (test/support/faulty-fs.ts runs the unlink right after the listing or the
// read), then against a real writer process doing retention while this one scans many times.
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, WalError, WalIoError } from '../../src/errors.js';
import { parseSegmentName } from '../../src/format/segment-name.js';
import { WalStore } from '../../src/store/wal-store.js';
import { iterateLog } from '../../src/wal/log-replay.js';
import { segmentNames } from '../support/byte-poke.js';
import { killChildren, spawnChild } from '../support/child-process.js';
import { FaultyFileSystem } from '../support/faulty-fs.js';
import { applyOp, journalOps } from '../support/journal-workload.js';
import { tier, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterEach(killChildren);
afterAll(removeTempDirs);

async function journal(name: string): Promise<string> {
  const dir = tempDir(name);
  const store = await WalStore.open(dir, { maxSegmentBytes: 4096, checkpointEveryBytes: 0 });
  for (const op of journalOps(11, 300, { completionsOnly: true })) await applyOp(store, op);
  await store.close();
  expect(segmentNames(dir).length).toBeGreaterThan(4);
  return dir;
}

/** Deletes the `n` oldest segments, as retention does (oldest first). */
const removeOldest = (dir: string, n: number) => () => {
  for (const name of segmentNames(dir).slice(0, n)) unlinkSync(join(dir, name));
};

function expectGone(error: unknown, dir: string, segment: string, lost: string): void {
  expect(error).toBeInstanceOf(WalIoError);
  const gone = error as WalIoError;
  expect(gone.code).toBe(ErrorCode.segmentGone);
  expect(gone.path).toBe(join(dir, segment));
  expect(gone.operation).toBe('opening');
  expect(gone.errno).toBe('ENOENT');
  expect((gone.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  expect(gone.message).toContain(`${segment} in ${dir} (${lost}) was removed`);
  expect(gone.message).toContain('read again');
}

describe('a segment removed under a read-only scan', () => {
  it('between the listing and its open: WAL_SEGMENT_GONE with the lsn range lost', () => {
    return (async () => {
      const dir = await journal('gone-listing');
      const names = segmentNames(dir);
      const fs = new FaultyFileSystem([
        { call: 'readdir', nth: 1, afterward: removeOldest(dir, 2) },
      ]);
      let error: unknown;
      try {
        for (const _ of iterateLog(dir, { fs }));
      } catch (e) {
        error = e;
      }
      const second = parseSegmentName(names[1]!)!;
      expectGone(error, dir, names[0]!, `lsn 1..${second - 1}`);
    })();
  });

  it('while an earlier segment is read: WAL_SEGMENT_GONE for the next one', async () => {
    const dir = await journal('gone-reading');
    const names = segmentNames(dir);
    // The first read is of segment 1, through a descriptor already open: then 1 and 2 go.
    const fs = new FaultyFileSystem([{ call: 'read', nth: 1, afterward: removeOldest(dir, 2) }]);
    const lsns: number[] = [];
    let error: unknown;
    try {
      for (const record of iterateLog(dir, { fs })) lsns.push(record.lsn);
    } catch (e) {
      error = e;
    }
    const [second, third] = [names[1]!, names[2]!].map((n) => parseSegmentName(n)!);
    expectGone(error, dir, names[1]!, `lsn ${second}..${third! - 1}`);
    expect(lsns).toEqual(Array.from({ length: second! - 1 }, (_, i) => i + 1));
  });

  it('history() of a read-only store: the same named error; diskUsage() leaves the segment out', async () => {
    const dir = await journal('gone-history');
    const fs = new FaultyFileSystem();
    const store = await WalStore.open(dir, { readOnly: true, fs });
    try {
      const names = segmentNames(dir);
      fs.failNext('readdir', { afterward: removeOldest(dir, 1) });
      const error = await (async () => {
        for await (const _ of store.history());
      })().catch((e: unknown) => e);
      expect((error as WalError).code).toBe(ErrorCode.segmentGone);
      expect((error as WalIoError).path).toBe(join(dir, names[0]!));

      const before = store.diskUsage();
      fs.failNext('readdir', { afterward: removeOldest(dir, 1) });
      const usage = store.diskUsage();
      expect(usage.segments).toBe(before.segments - 1);
      expect(usage.oldestLsn).toBe(parseSegmentName(names[2]!));
    } finally {
      await store.close();
    }
  });

  it('beside a real writer doing retention: scans end whole or with WAL_SEGMENT_GONE, never WAL_IO', async () => {
    await withSeed('history racing retention', async (_random, seed) => {
      const dir = tempDir('gone-live');
      const child = spawnChild('journal-writer', [
        dir,
        JSON.stringify({
          seed,
          count: tier === 'torture' ? 200_000 : 20_000,
          maxSegmentBytes: 4096,
          completionsOnly: true,
          durability: 'none',
          retention: { maxSegments: 8 },
          checkpointEveryOps: 10,
        }),
      ]);
      await child.waitFor('ready line', () => child.lines.find((l) => l.startsWith('ready ')));
      // Only once retention has removed something: before that, a scan cannot race it.
      await child.waitFor('retention', () =>
        child.lines.find((l) => /^checkpoint \d+ [1-9]/.test(l)),
      );
      const outcomes = { whole: 0, gone: 0 };
      const other: string[] = [];
      const scans = tier === 'torture' ? 50_000 : 1_000;
      const store = await WalStore.open(dir, { readOnly: true }).catch((error: unknown) => error);
      expect(store, 'the read-only open retries past a removed segment').toBeInstanceOf(WalStore);
      const reader = store as WalStore;
      try {
        for (let i = 0; i < scans && !child.exit; i++) {
          try {
            if (i % 2 === 0) {
              for (const _ of iterateLog(dir, { recovery: 'point-in-time' }));
            } else {
              for await (const _ of reader.history());
            }
            reader.diskUsage();
            outcomes.whole += 1;
          } catch (error) {
            if (error instanceof WalError && error.code === ErrorCode.segmentGone) outcomes.gone++;
            else other.push(`${(error as WalError).code}: ${(error as Error).message}`);
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
      } finally {
        await reader.close();
      }
      console.info(
        `history racing retention: ${outcomes.whole} whole scans, ${outcomes.gone} WAL_SEGMENT_GONE`,
      );
      expect(other).toEqual([]);
      expect(outcomes.whole + outcomes.gone).toBeGreaterThan(0);
    });
  });
});
