// Retention (src/wal/segment-retention.ts and its use by WalStore). planRetention is a pure
// function: one test per rule, their combinations, and the two things it must never do (delete
// the last segment, delete a segment the checkpoint does not wholly cover), then a seeded
// property check. With a real store: disk use stays bounded over a long run while the state
// equals a full replay of every record written, diskUsage() agrees with the files, and the
// maxBytes cap is measured against its bound.
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, WalValidationError } from '../../src/errors.js';
import { parseCheckpointName } from '../../src/format/checkpoint-codec.js';
import { frameBytesFor } from '../../src/format/frame-codec.js';
import { encodePayload } from '../../src/format/payload-codec.js';
import { SEGMENT_HEADER_BYTES } from '../../src/format/constants.js';
import { parseSegmentName, segmentName } from '../../src/format/segment-name.js';
import { WalStore, type WalStoreOptions } from '../../src/store/wal-store.js';
import {
  planRetention,
  type RetentionPolicy,
  type SegmentOnDisk,
} from '../../src/wal/segment-retention.js';
import type { RecordInput } from '../../src/wal/wal-writer.js';
import { segmentNames } from '../support/byte-poke.js';
import {
  applyOp,
  journalOps,
  journalView,
  opRecord,
  referenceStore,
} from '../support/journal-workload.js';
import { randomInt, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const NOW = 1_800_000_000_000;

/** Segments of 10 records each (bases 1, 11, 21, ...), with the given sizes and ages. */
function segments(sizes: number[], agesMs: number[] = sizes.map(() => 0)): SegmentOnDisk[] {
  return sizes.map((bytes, i) => ({
    name: segmentName(1 + 10 * i),
    baseLsn: 1 + 10 * i,
    bytes,
    modifiedMs: NOW - agesMs[i]!,
  }));
}

const names = (list: SegmentOnDisk[], count: number) => list.slice(0, count).map((s) => s.name);

describe('planRetention (pure)', () => {
  const six = segments([100, 100, 100, 100, 100, 100]);
  const all = 60; // every record of `six` is covered

  it('maxSegments: the oldest go until at most N remain', () => {
    expect(planRetention(six, all, { maxSegments: 4 }, NOW)).toEqual(names(six, 2));
    expect(planRetention(six, all, { maxSegments: 6 }, NOW)).toEqual([]);
    expect(planRetention(six, all, { maxSegments: 100 }, NOW)).toEqual([]);
  });

  it('maxBytes: the oldest go until the rest fit', () => {
    const sized = segments([100, 200, 300, 400, 500]);
    expect(planRetention(sized, 50, { maxBytes: 1000 }, NOW)).toEqual(names(sized, 3));
    expect(planRetention(sized, 50, { maxBytes: 1200 }, NOW)).toEqual(names(sized, 2));
    expect(planRetention(sized, 50, { maxBytes: 1500 }, NOW)).toEqual([]);
    expect(planRetention(sized, 50, { maxBytes: 1499 }, NOW)).toEqual(names(sized, 1));
  });

  it('maxAgeMs: segments last written longer ago go, oldest first, stopping at a young one', () => {
    const aged = segments([100, 100, 100, 100, 100], [5000, 4000, 2000, 3000, 0]);
    expect(planRetention(aged, 50, { maxAgeMs: 1999 }, NOW)).toEqual(names(aged, 4));
    // Exactly maxAgeMs old is not older than maxAgeMs; the old one after it stays too.
    expect(planRetention(aged, 50, { maxAgeMs: 2000 }, NOW)).toEqual(names(aged, 2));
    expect(planRetention(aged, 50, { maxAgeMs: 2500 }, NOW)).toEqual(names(aged, 2));
    expect(planRetention(aged, 50, { maxAgeMs: 4000 }, NOW)).toEqual(names(aged, 1));
    expect(planRetention(aged, 50, { maxAgeMs: 6000 }, NOW)).toEqual([]);
    // The clock is an argument: later, more is old.
    expect(planRetention(aged, 50, { maxAgeMs: 4000 }, NOW + 2001)).toEqual(names(aged, 4));
  });

  it('combined rules: a segment goes while any rule asks for it', () => {
    const aged = segments([100, 100, 100, 100, 100, 100], [900, 800, 700, 600, 500, 0]);
    expect(planRetention(aged, all, { maxSegments: 4, maxBytes: 300 }, NOW)).toEqual(
      names(aged, 3),
    );
    expect(planRetention(aged, all, { maxSegments: 2, maxBytes: 500 }, NOW)).toEqual(
      names(aged, 4),
    );
    expect(planRetention(aged, all, { maxSegments: 5, maxAgeMs: 650 }, NOW)).toEqual(
      names(aged, 3),
    );
    expect(
      planRetention(aged, all, { maxSegments: 6, maxBytes: 600, maxAgeMs: 1000 }, NOW),
    ).toEqual([]);
    expect(planRetention(aged, all, {}, NOW)).toEqual([]);
  });

  it('never deletes the last segment', () => {
    expect(planRetention(six, all, { maxSegments: 1 }, NOW)).toEqual(names(six, 5));
    expect(planRetention(six, 1e9, { maxBytes: 1, maxAgeMs: 1 }, NOW - 1e6)).toEqual(names(six, 5));
    const one = segments([1e9], [1e9]);
    expect(planRetention(one, 1e9, { maxSegments: 1, maxBytes: 1, maxAgeMs: 1 }, NOW)).toEqual([]);
    expect(planRetention([], 1e9, { maxSegments: 1 }, NOW)).toEqual([]);
  });

  it('never deletes a segment the checkpoint does not wholly cover', () => {
    const greedy: RetentionPolicy = { maxSegments: 1, maxBytes: 1 };
    // Segment i holds lsns 10i+1 .. 10i+10.
    expect(planRetention(six, 0, greedy, NOW)).toEqual([]);
    expect(planRetention(six, 9, greedy, NOW)).toEqual([]);
    expect(planRetention(six, 10, greedy, NOW)).toEqual(names(six, 1));
    expect(planRetention(six, 25, greedy, NOW)).toEqual(names(six, 2));
    expect(planRetention(six, 30, greedy, NOW)).toEqual(names(six, 3));
    // The last segment's records being covered does not make it deletable.
    expect(planRetention(six, 60, greedy, NOW)).toEqual(names(six, 5));
  });

  it('is pure: same answer twice, the input untouched', () => {
    const input = Object.freeze(
      segments([5, 6, 7, 8], [40, 30, 20, 10]).map((s) => Object.freeze(s)),
    );
    const policy = Object.freeze({ maxSegments: 2, maxBytes: 15, maxAgeMs: 25 });
    const first = planRetention(input, 35, policy, NOW);
    expect(planRetention(input, 35, policy, NOW)).toEqual(first);
    expect(first).toEqual(names([...input], 2));
    expect(input).toEqual(segments([5, 6, 7, 8], [40, 30, 20, 10]));
  });

  it('seeded property: a minimal prefix of covered, non-last segments that satisfies every rule', async () => {
    await withSeed('planRetention property', (random) => {
      for (let round = 0; round < 2000; round++) {
        const count = randomInt(random, 0, 10);
        const list: SegmentOnDisk[] = [];
        let base = randomInt(random, 1, 1000);
        let age = randomInt(random, 0, 100_000);
        for (let i = 0; i < count; i++) {
          list.push({
            name: segmentName(base),
            baseLsn: base,
            bytes: randomInt(random, 32, 5000),
            modifiedMs: NOW - age,
          });
          base += randomInt(random, 1, 50);
          age = Math.max(0, age - randomInt(random, 0, 20_000));
        }
        const policy: RetentionPolicy = {};
        if (random() < 0.6) policy.maxSegments = randomInt(random, 1, 8);
        if (random() < 0.6) policy.maxBytes = randomInt(random, 1, 30_000);
        if (random() < 0.4) policy.maxAgeMs = randomInt(random, 1, 100_000);
        const covered = randomInt(random, 0, base + 10);
        const doomed = planRetention(list, covered, policy, NOW);
        const context = JSON.stringify({ round, list, policy, covered, doomed });

        expect(doomed, context).toEqual(names(list, doomed.length));
        const violated = (from: number) => {
          const rest = list.slice(from);
          const bytes = rest.reduce((sum, s) => sum + s.bytes, 0);
          return (
            (policy.maxSegments !== undefined && rest.length > policy.maxSegments) ||
            (policy.maxBytes !== undefined && bytes > policy.maxBytes) ||
            (policy.maxAgeMs !== undefined && list[from]!.modifiedMs < NOW - policy.maxAgeMs)
          );
        };
        const deletable = (i: number) => i < list.length - 1 && list[i + 1]!.baseLsn - 1 <= covered;
        for (let i = 0; i < doomed.length; i++) {
          expect(deletable(i), context).toBe(true);
          expect(violated(i), `${context}: segment ${i} deleted with no rule asking`).toBe(true);
        }
        const next = doomed.length;
        const stoppedRightly = next >= list.length || !deletable(next) || !violated(next);
        expect(stoppedRightly, `${context}: stopped early`).toBe(true);
      }
    });
  });
});

/** Segment and checkpoint files of `dir` as diskUsage() should report them. */
function filesOnDisk(dir: string) {
  const segs = segmentNames(dir).map((name) => ({ name, ...statOf(join(dir, name)) }));
  const ckpts = readdirSync(dir)
    .filter((name) => parseCheckpointName(name) !== undefined)
    .map((name) => ({ lsn: parseCheckpointName(name)!, ...statOf(join(dir, name)) }))
    .sort((a, b) => b.lsn - a.lsn);
  return {
    segments: segs.length,
    bytes: segs.reduce((sum, s) => sum + s.bytes, 0),
    checkpointBytes: ckpts.reduce((sum, c) => sum + c.bytes, 0),
    oldestLsn: segs[0] ? parseSegmentName(segs[0].name) : undefined,
    oldestSegmentAt: segs[0]?.mtimeMs,
    newestSegmentAt: segs.at(-1)?.mtimeMs,
    checkpointLsn: ckpts[0]?.lsn,
  };
}

function statOf(path: string) {
  const stats = statSync(path);
  return { bytes: stats.size, mtimeMs: stats.mtimeMs };
}

interface RunResult {
  maxSegments: number;
  maxBytes: number;
  maxCheckpointBytes: number;
  largestFrame: number;
  /** Segment files and checkpoint files seen over the run (sampled after every op). */
  segmentsMade: number;
  checkpointsMade: number;
  ms: number;
}

/**
 * Records ops 0..count-1 (`lanes` calls in flight at once), checking after every acknowledged
 * op that diskUsage() matches the files and that no segment is on disk uncovered by a
 * checkpoint; then that the state equals a full replay of every record written.
 */
async function longRun(
  seed: number,
  count: number,
  options: WalStoreOptions,
  lanes = 1,
): Promise<RunResult> {
  const began = performance.now();
  const ops = journalOps(seed, count, { actions: 6 });
  const dir = tempDir('retention');
  const store = await WalStore.open(dir, options);
  const result: RunResult = {
    maxSegments: 0,
    maxBytes: 0,
    maxCheckpointBytes: 0,
    largestFrame: 0,
    segmentsMade: 0,
    checkpointsMade: 0,
    ms: 0,
  };
  const segmentsSeen = new Set<string>();
  const checkpointsSeen = new Set<string>();
  let next = 0;
  // What each LSN holds. With calls in flight and maxBytes, a call that waits for room may be
  // overtaken, so LSN order need not be call order; one at a time it is.
  const records: RecordInput[] = [];
  const lane = async () => {
    while (next < count) {
      const index = next++;
      const lsn = await applyOp(store, ops[index]!);
      if (lanes === 1 && lsn !== index + 1) throw new Error(`op ${index} got lsn ${lsn}`);
      records[lsn - 1] = opRecord(ops[index]!);
      const frame = frameBytesFor(encodePayload(records[lsn - 1]!.value).length);
      result.largestFrame = Math.max(result.largestFrame, frame);
      for (const name of readdirSync(dir)) {
        if (parseSegmentName(name) !== undefined) segmentsSeen.add(name);
        else if (parseCheckpointName(name) !== undefined) checkpointsSeen.add(name);
      }
      if (index % 7 === 0 || lanes > 1) {
        const usage = store.diskUsage();
        result.maxSegments = Math.max(result.maxSegments, usage.segments);
        result.maxBytes = Math.max(result.maxBytes, usage.bytes);
        result.maxCheckpointBytes = Math.max(result.maxCheckpointBytes, usage.checkpointBytes);
        if ((usage.oldestLsn ?? 1) > 1) {
          expect(usage.checkpointLsn, 'a checkpoint covers every removed record').toBeDefined();
          expect(usage.oldestLsn).toBeLessThanOrEqual(usage.checkpointLsn! + 1);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  // diskUsage() against the files themselves (nothing in flight now).
  const usage = store.diskUsage();
  expect(usage).toEqual({ ...filesOnDisk(dir), newestLsn: count });
  const live = journalView(store, { inFlightState: false });
  await store.close();

  expect(records.length).toBe(count);
  const reference = await referenceStore(tempDir('retention-ref'), records, {
    maxHistoryEntries: options.maxHistoryEntries,
  });
  try {
    const expected = journalView(reference, { inFlightState: false });
    expect(live).toEqual(expected);
    const reopened = await WalStore.open(dir, options);
    try {
      expect(reopened.recoveryReport.firstLsn, 'retention removed the start').toBeGreaterThan(1);
      expect(journalView(reopened, { inFlightState: false })).toEqual(expected);
    } finally {
      await reopened.close();
    }
  } finally {
    await reference.close();
  }
  result.segmentsMade = segmentsSeen.size;
  result.checkpointsMade = checkpointsSeen.size;
  result.ms = Math.round(performance.now() - began);
  return result;
}

describe('retention in a real store', () => {
  const segmentBytes = 4096;
  const base: WalStoreOptions = {
    durability: 'none',
    maxSegmentBytes: segmentBytes,
    maxHistoryEntries: 25,
    checkpointEveryBytes: 4096,
  };

  it('maxSegments keeps the segment count bounded over 20k records', async () => {
    await withSeed('retention maxSegments', async (_random, seed) => {
      const run = await longRun(seed, 20_000, {
        ...base,
        checkpointEveryBytes: 2 * segmentBytes,
        retention: { maxSegments: 4 },
      });
      console.info(`retention maxSegments 4: ${JSON.stringify(run)}`);
      // maxSegments is applied by each checkpoint: above it pile up the segments filled
      // since the last one (checkpointEveryBytes: two here) and while it runs (its fsyncs);
      // measured 7 or 8, never growing with the log (over 400 segments were made with v2 payloads).
      expect(run.segmentsMade).toBeGreaterThan(350);
      expect(run.maxSegments).toBeLessThanOrEqual(4 + 8);
      expect(run.maxBytes).toBeLessThanOrEqual(12 * (segmentBytes + run.largestFrame));
    });
  });

  it('maxBytes caps segment bytes over 20k records (sequential calls)', async () => {
    await withSeed('retention maxBytes', async (_random, seed) => {
      const maxBytes = 3 * segmentBytes;
      const run = await longRun(seed, 20_000, {
        ...base,
        checkpointEveryBytes: 0,
        retention: { maxBytes },
      });
      const overshoot = Math.max(0, run.maxBytes - maxBytes);
      console.info(
        `retention maxBytes ${maxBytes}, sequential: worst ${run.maxBytes} B on disk ` +
          `(overshoot ${overshoot} B, largest frame ${run.largestFrame} B), ${JSON.stringify(run)}`,
      );
      // Measured bound: the cap is checked before each write, so at most the one record being
      // written (plus a new segment's header) is over it.
      expect(overshoot).toBeLessThanOrEqual(run.largestFrame + SEGMENT_HEADER_BYTES);
      // The cap's checkpoints free room each time: about one per segment filled, not one per
      // write once past the watermark.
      expect(run.checkpointsMade).toBeLessThanOrEqual(2 * run.segmentsMade);
    });
  });

  it('maxBytes with 8 calls in flight: over the cap by at most the calls in flight', async () => {
    await withSeed('retention maxBytes concurrent', async (_random, seed) => {
      const maxBytes = 3 * segmentBytes;
      const lanes = 8;
      const options = { ...base, checkpointEveryBytes: 0, retention: { maxBytes } };
      const run = await longRun(seed, 6000, options, lanes);
      const overshoot = Math.max(0, run.maxBytes - maxBytes);
      console.info(
        `retention maxBytes ${maxBytes}, ${lanes} in flight: worst ${run.maxBytes} B on disk ` +
          `(overshoot ${overshoot} B, largest frame ${run.largestFrame} B), ${JSON.stringify(run)}`,
      );
      expect(overshoot).toBeLessThanOrEqual(lanes * (run.largestFrame + SEGMENT_HEADER_BYTES));
    });
  });

  it('maxAgeMs removes covered segments last written longer ago', async () => {
    await withSeed('retention maxAgeMs', async (_random, seed) => {
      const ops = journalOps(seed, 400);
      const dir = tempDir('retention-age');
      const options = { ...base, checkpointEveryBytes: 0, retention: { maxAgeMs: 60_000 } };
      const store = await WalStore.open(dir, options);
      for (let i = 0; i < 400; i++) await applyOp(store, ops[i]!);
      const before = segmentNames(dir);
      expect(before.length).toBeGreaterThan(5);
      // Nothing is old yet: a checkpoint removes nothing.
      expect((await store.checkpoint()).removedSegments).toEqual([]);
      const old = Date.now() / 1000 - 3600;
      for (const name of before.slice(0, 3)) utimesSync(join(dir, name), old, old);
      const result = await store.checkpoint();
      expect(result.removedSegments).toEqual(before.slice(0, 3));
      expect(segmentNames(dir)).toEqual(before.slice(3));
      await store.close();
    });
  });

  it('diskUsage() of a read-only and an in-memory store', async () => {
    await withSeed('diskUsage', async (_random, seed) => {
      const ops = journalOps(seed, 500);
      const dir = tempDir('retention-usage');
      const store = await WalStore.open(dir, { ...base, retention: { maxSegments: 3 } });
      for (let i = 0; i < 500; i++) await applyOp(store, ops[i]!);
      await store.checkpoint();
      await store.close();
      const reader = await WalStore.open(dir, { readOnly: true });
      expect(reader.diskUsage()).toEqual({ ...filesOnDisk(dir), newestLsn: 500 });
      expect(reader.diskUsage()).toMatchObject({ segments: 3, checkpointLsn: 500 });
      await reader.close();
      expect(WalStore.openInMemory().diskUsage()).toEqual({
        segments: 0,
        bytes: 0,
        checkpointBytes: 0,
        oldestLsn: undefined,
        newestLsn: 0,
        oldestSegmentAt: undefined,
        newestSegmentAt: undefined,
        checkpointLsn: undefined,
      });
    });
  });
});

describe('retention options', () => {
  it('refuses maxBytes smaller than twice maxSegmentBytes, and bad numbers', async () => {
    const refused: { options: WalStoreOptions; text: RegExp }[] = [
      {
        options: { maxSegmentBytes: 4096, retention: { maxBytes: 8191 } },
        text: /retention\.maxBytes \(8191\) must be at least twice maxSegmentBytes \(4096\)/,
      },
      {
        // The default segment size is 64 MiB.
        options: { retention: { maxBytes: 100 * 1024 * 1024 } },
        text: /at least twice maxSegmentBytes \(67108864\)/,
      },
      { options: { retention: { maxSegments: 0 } }, text: /retention\.maxSegments/ },
      { options: { retention: { maxAgeMs: -5 } }, text: /retention\.maxAgeMs/ },
      {
        options: { maxSegmentBytes: 4096, retention: { maxBytes: Number.NaN } },
        text: /retention\.maxBytes/,
      },
    ];
    const root = tempDir('retention-refused');
    for (const [i, { options, text }] of refused.entries()) {
      const dir = join(root, `log-${i}`);
      const error = await WalStore.open(dir, options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(options)).toBeInstanceOf(WalValidationError);
      expect((error as WalValidationError).code).toBe(ErrorCode.invalidArgument);
      expect((error as Error).message).toMatch(text);
      // Refused without keeping the lock: a good open of the same directory works.
      if (existsSync(dir)) await (await WalStore.open(dir)).close();
    }
    const dir = join(root, 'exactly-twice');
    const store = await WalStore.open(dir, {
      maxSegmentBytes: 4096,
      retention: { maxBytes: 8192 },
    });
    await store.close();
  });
});
