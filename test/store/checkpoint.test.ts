// Checkpoints (src/store/journal-checkpoints.ts, src/wal/checkpoint-files.ts): the state loaded
// from a checkpoint plus the replayed suffix equals a full replay of the same records, on seeded
// random workloads with rotation, checkpoints and reopens at random points, with and without
// retention. Then one test per way a checkpoint can be wrong: damaged (fall back, or full
// replay, or WAL_CHECKPOINT_MISSING), beyond the end of the log or of another log
// (WAL_CHECKPOINT_MISMATCH), a partial temp file (never loaded); automatic checkpoints; and
// checkpoints in the non-fsync durability modes.
import { copyFileSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, WalClosedError, WalError } from '../../src/errors.js';
import {
  checkpointName,
  decodeCheckpoint,
  parseCheckpointName,
} from '../../src/format/checkpoint-codec.js';
import { decodePayload } from '../../src/format/payload-codec.js';
import { parseSegmentName } from '../../src/format/segment-name.js';
import { WalStore, type WalStoreOptions } from '../../src/store/wal-store.js';
import type { RetentionPolicy } from '../../src/wal/segment-retention.js';
import type { Durability } from '../../src/wal/wal-writer.js';
import { segmentNames } from '../support/byte-poke.js';
import {
  applyOp,
  type JournalOp,
  type JournalView,
  journalOps,
  journalView,
  opRecord,
  referenceStore,
  withoutInFlightState,
} from '../support/journal-workload.js';
import { randomInt, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const SEGMENT_BYTES = 4096;

/** Checkpoint file names in `dir`, newest first. */
function checkpointFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => parseCheckpointName(name) !== undefined)
    .sort((a, b) => parseCheckpointName(b)! - parseCheckpointName(a)!);
}

async function expectWalError(promise: Promise<unknown>, code: string, text?: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(WalError);
  expect((error as WalError).code, (error as Error).message).toBe(code);
  if (text) expect((error as Error).message).toMatch(text);
  return error as WalError;
}

/** The full-replay view of ops[0..count) under `limits` (a fresh directory each call). */
async function referenceView(
  ops: readonly JournalOp[],
  count: number,
  limits: Partial<Pick<WalStoreOptions, 'maxHistoryEntries' | 'maxInFlight' | 'maxActions'>> = {},
): Promise<JournalView> {
  const reference = await referenceStore(
    tempDir('reference'),
    ops.slice(0, count).map(opRecord),
    limits,
  );
  try {
    return journalView(reference);
  } finally {
    await reference.close();
  }
}

/** Records ops[from..to) one at a time; each must get LSN index + 1. */
async function record(store: WalStore, ops: readonly JournalOp[], from: number, to: number) {
  for (let i = from; i < to; i++) {
    const lsn = await applyOp(store, ops[i]!);
    if (lsn !== i + 1) throw new Error(`op ${i} got lsn ${lsn}`);
  }
}

/**
 * A closed journal in `dir` holding ops[0..count) with a checkpoint after each op count in
 * `checkpointsAt`; returns the checkpoint names, oldest first.
 */
async function buildJournal(
  dir: string,
  ops: readonly JournalOp[],
  count: number,
  checkpointsAt: number[],
  options: WalStoreOptions = {},
): Promise<string[]> {
  const store = await WalStore.open(dir, {
    maxSegmentBytes: SEGMENT_BYTES,
    durability: 'none',
    checkpointEveryBytes: 0,
    ...options,
  });
  const names: string[] = [];
  let done = 0;
  for (const at of checkpointsAt) {
    await record(store, ops, done, at);
    done = at;
    names.push((await store.checkpoint()).name);
  }
  await record(store, ops, done, count);
  await store.close();
  return names;
}

/** The LSN a replay starting after checkpoint `lsn` reads from: the base of its first segment. */
function replayStart(dir: string, lsn: number): number {
  const bases = segmentNames(dir).map((name) => parseSegmentName(name)!);
  return bases.filter((base) => base <= lsn + 1).at(-1) ?? bases[0]!;
}

describe('checkpoint + suffix replay equals a full replay', () => {
  const cases: { name: string; retention?: (segmentBytes: number) => RetentionPolicy }[] = [
    { name: 'no retention' },
    { name: 'retention.maxSegments', retention: () => ({ maxSegments: 3 }) },
    { name: 'retention.maxBytes', retention: (segmentBytes) => ({ maxBytes: 3 * segmentBytes }) },
  ];
  it.each(cases)('seeded workload, $name', async ({ name, retention }) => {
    await withSeed(`checkpoint ${name}`, async (random, seed) => {
      const count = 2500;
      const ops = journalOps(seed, count, { oldestRule: true });
      const segmentBytes = [4096, 6144, 8192][randomInt(random, 0, 2)]!;
      const limits = { maxHistoryEntries: randomInt(random, 5, 120) };
      const durability = (['none', 'interval', 'fsync'] as const)[randomInt(random, 0, 2)]!;
      const options: WalStoreOptions = {
        ...limits,
        maxSegmentBytes: segmentBytes,
        durability,
        // Sometimes automatic checkpoints too, in the background of the appends.
        checkpointEveryBytes: random() < 0.5 ? 0 : randomInt(random, 2, 16) * 1024,
        retention: retention?.(segmentBytes),
      };
      const dir = tempDir('checkpoint');
      let store = await WalStore.open(dir, options);
      let checkpoints = 0;
      let reopens = 0;
      let i = 0;
      while (i < count) {
        const roll = random();
        if (roll < 0.015) {
          const result = await store.checkpoint();
          expect(result.lsn, 'a checkpoint between awaited ops holds them all').toBe(i);
          expect(result.name).toBe(checkpointName(i));
          expect(statSync(join(dir, result.name)).size).toBe(result.bytes);
          checkpoints += 1;
        } else if (roll < 0.02) {
          const before = journalView(store, { inFlightState: false });
          await store.close();
          store = await WalStore.open(dir, options);
          reopens += 1;
          expect(journalView(store, { inFlightState: false })).toEqual(before);
          expect(store.inFlight().every((e) => e.state === 'interrupted')).toBe(true);
        } else if (roll < 0.1) {
          // A burst of concurrent calls (group commit, folds racing background checkpoints).
          // Oldest-rule completions are resolved at call time, so they run alone.
          const burst: Promise<number>[] = [];
          const end = Math.min(count, i + randomInt(random, 2, 12));
          for (; i < end; i++) {
            const op = ops[i]!;
            if (op.kind === 'complete' && op.options.executionId === undefined) break;
            const expected = i + 1;
            burst.push(applyOp(store, op).then((lsn) => (lsn === expected ? lsn : -lsn)));
          }
          const lsns = await Promise.all(burst);
          expect(
            lsns.every((lsn) => lsn > 0),
            'burst LSNs in call order',
          ).toBe(true);
        } else {
          await record(store, ops, i, i + 1);
          i += 1;
        }
      }
      const reference = await referenceView(ops, count, limits);
      expect(journalView(store, { inFlightState: false })).toEqual(withoutInFlightState(reference));
      await store.close();

      const reopened = await WalStore.open(dir, options);
      try {
        const report = reopened.recoveryReport;
        const newest = checkpointFiles(dir)[0];
        expect(report.checkpoint?.name).toBe(newest);
        expect(report.rejectedCheckpoints).toEqual([]);
        if (report.checkpoint) {
          // Only the suffix was read: from the resume point the checkpoint recorded (where the
          // record after it starts), else from the first frame of the segment holding it.
          const { resumeOffset } = decodePayloadOf(join(dir, newest!)) as { resumeOffset?: number };
          expect(report.records).toBe(
            resumeOffset === undefined
              ? count - replayStart(dir, report.checkpoint.lsn) + 1
              : count - report.checkpoint.lsn,
          );
        }
        expect(journalView(reopened)).toEqual(reference);
        expect(reopened.counters.records, 'every record folded exactly once').toBe(count);
        if (retention) {
          expect(reopened.diskUsage().oldestLsn, 'retention removed segments').toBeGreaterThan(1);
        }
      } finally {
        await reopened.close();
      }
      console.info(
        `checkpoint ${name}: ${durability}, ${segmentBytes} B segments, ${checkpoints} checkpoints, ` +
          `${reopens} reopens, ${segmentNames(dir).length} segments left`,
      );
    });
  });

  it('holds under a smaller maxHistoryEntries on reopen (the rings keep their newest)', async () => {
    await withSeed('checkpoint smaller rings', async (_random, seed) => {
      const ops = journalOps(seed, 800);
      const dir = tempDir('checkpoint-rings');
      await buildJournal(dir, ops, 800, [500], { maxHistoryEntries: 200 });
      const store = await WalStore.open(dir, { maxHistoryEntries: 7 });
      try {
        expect(store.recoveryReport.checkpoint?.lsn).toBe(500);
        expect(journalView(store)).toEqual(await referenceView(ops, 800, { maxHistoryEntries: 7 }));
      } finally {
        await store.close();
      }
    });
  });

  it('an empty journal checkpoints at lsn 0 and reopens from it', async () => {
    const dir = tempDir('checkpoint-empty');
    const store = await WalStore.open(dir, { checkpointEveryBytes: 0 });
    const result = await store.checkpoint();
    expect(result).toMatchObject({ lsn: 0, name: checkpointName(0), removedSegments: [] });
    await store.close();
    const reopened = await WalStore.open(dir);
    expect(reopened.recoveryReport.checkpoint).toEqual({ name: checkpointName(0), lsn: 0 });
    await reopened.actionExecutionStarted('a', { executionId: 'x', startedAt: 1 });
    expect(reopened.lastLsn).toBe(1);
    await reopened.close();
  });
});

describe('damaged checkpoints', () => {
  const damages: { name: string; damage: (path: string) => void; reason: RegExp }[] = [
    {
      name: 'a payload byte flipped',
      damage: (path) => {
        const bytes = readFileSync(path);
        bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x10;
        writeFileSync(path, bytes);
      },
      reason: /checksum mismatch/,
    },
    {
      name: 'its lsn field flipped',
      damage: (path) => {
        const bytes = readFileSync(path);
        bytes[16] = bytes[16]! ^ 0x01;
        writeFileSync(path, bytes);
      },
      reason: /checksum mismatch/,
    },
    {
      name: 'truncated to half',
      damage: (path) =>
        writeFileSync(path, readFileSync(path).subarray(0, statSync(path).size >> 1)),
      reason: /its header says/,
    },
    {
      name: 'truncated inside the header',
      damage: (path) => writeFileSync(path, readFileSync(path).subarray(0, 20)),
      reason: /truncated checkpoint header/,
    },
    {
      name: 'zeroed',
      damage: (path) => writeFileSync(path, Buffer.alloc(statSync(path).size)),
      reason: /bad checkpoint magic/,
    },
  ];

  it.each(damages)('newest $name: falls back to the older one and names it', async (c) => {
    await withSeed(`damaged newest ${c.name}`, async (_random, seed) => {
      const ops = journalOps(seed, 900);
      const dir = tempDir('checkpoint-damaged');
      const [older, newest] = await buildJournal(dir, ops, 900, [300, 700]);
      c.damage(join(dir, newest!));
      const reference = await referenceView(ops, 900);
      for (const readOnly of [true, false]) {
        const store = await WalStore.open(dir, { readOnly });
        try {
          expect(store.recoveryReport.checkpoint).toEqual({ name: older, lsn: 300 });
          expect(store.recoveryReport.rejectedCheckpoints).toEqual([
            { name: newest, reason: expect.stringMatching(c.reason) },
          ]);
          expect(journalView(store)).toEqual(reference);
        } finally {
          await store.close();
        }
      }
    });
  });

  it('all damaged and the log starts at lsn 1: a full replay', async () => {
    await withSeed('all damaged, full log', async (_random, seed) => {
      const ops = journalOps(seed, 600);
      const dir = tempDir('checkpoint-all-damaged');
      const names = await buildJournal(dir, ops, 600, [200, 400]);
      for (const name of names) writeFileSync(join(dir, name), Buffer.alloc(64));
      const store = await WalStore.open(dir);
      try {
        expect(store.recoveryReport.checkpoint).toBeUndefined();
        expect(store.recoveryReport.rejectedCheckpoints.map((r) => r.name)).toEqual(
          [...names].reverse(),
        );
        expect(store.recoveryReport.records).toBe(600);
        expect(journalView(store)).toEqual(await referenceView(ops, 600));
      } finally {
        await store.close();
      }
    });
  });

  it('all damaged after retention removed the log start: WAL_CHECKPOINT_MISSING', async () => {
    await withSeed('all damaged, retention', async (_random, seed) => {
      const ops = journalOps(seed, 900);
      const dir = tempDir('checkpoint-missing');
      const names = await buildJournal(dir, ops, 900, [600, 900], {
        retention: { maxSegments: 2 },
      });
      expect(parseSegmentName(segmentNames(dir)[0]!)).toBeGreaterThan(1);
      for (const name of names) {
        const bytes = readFileSync(join(dir, name));
        bytes[40] = bytes[40]! ^ 0xff;
        writeFileSync(join(dir, name), bytes);
      }
      for (const readOnly of [false, true]) {
        const error = await expectWalError(
          WalStore.open(dir, { readOnly }),
          ErrorCode.checkpointMissing,
          /earlier segments were removed.*every checkpoint is damaged/,
        );
        for (const name of names) expect(error.message).toContain(name);
      }
      // Without any checkpoint file at all, the same code, another reason.
      for (const name of names) rmSync(join(dir, name));
      await expectWalError(
        WalStore.open(dir),
        ErrorCode.checkpointMissing,
        /there is no checkpoint/,
      );
    });
  });

  it('newest damaged, the older one past what retention kept: WAL_CHECKPOINT_MISMATCH', async () => {
    // Retention deletes what the *newest* checkpoint covers, so the fallback can be unusable.
    await withSeed('fallback past retention', async (_random, seed) => {
      const ops = journalOps(seed, 900);
      const dir = tempDir('checkpoint-fallback-gone');
      const [older, newest] = await buildJournal(dir, ops, 900, [100, 900], {
        retention: { maxSegments: 2 },
      });
      expect(parseSegmentName(segmentNames(dir)[0]!)).toBeGreaterThan(101);
      writeFileSync(join(dir, newest!), Buffer.alloc(10));
      const error = await expectWalError(
        WalStore.open(dir),
        ErrorCode.checkpointMismatch,
        /checkpoint at lsn 100 but the log starts at lsn \d+: records in between are missing/,
      );
      expect(older).toBe(checkpointName(100));
      expect(error.message).toContain('exec-wal verify');
    });
  });
});

describe('a checkpoint that does not belong to the log', () => {
  it('beyond the end of the log (copied from a longer one): WAL_CHECKPOINT_MISMATCH', async () => {
    await withSeed('checkpoint beyond end, copied', async (_random, seed) => {
      const ops = journalOps(seed, 600);
      const longer = tempDir('checkpoint-longer');
      const [name] = await buildJournal(longer, ops, 600, [600]);
      const shorter = tempDir('checkpoint-shorter');
      await buildJournal(shorter, ops, 250, []);
      copyFileSync(join(longer, name!), join(shorter, name!));
      for (const readOnly of [false, true]) {
        await expectWalError(
          WalStore.open(shorter, { readOnly }),
          ErrorCode.checkpointMismatch,
          /checkpoint at lsn 600 is beyond the end of the log \(last lsn 250\)/,
        );
      }
    });
  });

  it('beyond the end of the log (its last segments deleted): WAL_CHECKPOINT_MISMATCH', async () => {
    await withSeed('checkpoint beyond end, cut', async (_random, seed) => {
      const ops = journalOps(seed, 600);
      const dir = tempDir('checkpoint-cut');
      await buildJournal(dir, ops, 600, [600]);
      const segments = segmentNames(dir);
      expect(segments.length).toBeGreaterThan(3);
      for (const name of segments.slice(-2)) rmSync(join(dir, name));
      await expectWalError(
        WalStore.open(dir),
        ErrorCode.checkpointMismatch,
        /checkpoint at lsn 600 is beyond the end of the log/,
      );
    });
  });

  it('of another log with the same segments (other salts): WAL_CHECKPOINT_MISMATCH', async () => {
    await withSeed('checkpoint of another log', async (_random, seed) => {
      const ops = journalOps(seed, 600);
      const mine = tempDir('checkpoint-mine');
      const theirs = tempDir('checkpoint-theirs');
      await buildJournal(mine, ops, 600, []);
      const [name] = await buildJournal(theirs, ops, 600, [450]);
      expect(segmentNames(theirs), 'same records, same segment names').toEqual(segmentNames(mine));
      copyFileSync(join(theirs, name!), join(mine, name!));
      for (const readOnly of [false, true]) {
        await expectWalError(
          WalStore.open(mine, { readOnly }),
          ErrorCode.checkpointMismatch,
          /checkpoint was taken of another log/,
        );
      }
    });
  });

  it('of another log with other segment boundaries: WAL_CHECKPOINT_MISMATCH', async () => {
    await withSeed('checkpoint of another layout', async (_random, seed) => {
      const mine = tempDir('checkpoint-mine');
      const theirs = tempDir('checkpoint-theirs');
      await buildJournal(mine, journalOps(seed, 600), 600, []);
      // Their segments must not share the name of the one holding the checkpoint's lsn with
      // mine (that is the other test, "same segments, other salts"): boundaries depend on record
      // sizes, so try segment sizes until they differ there.
      let name: string | undefined;
      let holder: string | undefined;
      for (const factor of [3, 5, 7, 11, 13]) {
        rmSync(theirs, { recursive: true, force: true });
        [name] = await buildJournal(theirs, journalOps(seed + 1, 600), 600, [450], {
          maxSegmentBytes: factor * SEGMENT_BYTES,
        });
        holder = (decodePayloadOf(join(theirs, name!)) as { segment: string }).segment;
        if (!segmentNames(mine).includes(holder)) break;
      }
      expect(segmentNames(mine)).not.toContain(holder);
      copyFileSync(join(theirs, name!), join(mine, name!));
      for (const readOnly of [false, true]) {
        await expectWalError(
          WalStore.open(mine, { readOnly }),
          ErrorCode.checkpointMismatch,
          /another log/,
        );
      }
    });
  });
});

function decodePayloadOf(path: string): unknown {
  const verdict = decodeCheckpoint(readFileSync(path));
  if (!verdict.ok) throw new Error(`${path}: ${verdict.reason}`);
  return decodePayload(verdict.payload);
}

describe('checkpoint temp files', () => {
  it('a complete, valid checkpoint left as .ckpt.tmp is never loaded', async () => {
    await withSeed('checkpoint temp file', async (_random, seed) => {
      const ops = journalOps(seed, 500);
      const dir = tempDir('checkpoint-tmp');
      const [older] = await buildJournal(dir, ops, 500, [200]);
      // A valid checkpoint of *another* log at lsn 480: loading it would be visible.
      const other = tempDir('checkpoint-tmp-other');
      const [foreign] = await buildJournal(other, journalOps(seed + 7, 480), 480, [480]);
      const tmp = `${foreign!}.tmp`;
      copyFileSync(join(other, foreign!), join(dir, tmp));
      const reference = await referenceView(ops, 500);
      for (const readOnly of [true, false]) {
        const store = await WalStore.open(dir, { readOnly });
        try {
          expect(store.recoveryReport.checkpoint).toEqual({ name: older, lsn: 200 });
          expect(store.recoveryReport.rejectedCheckpoints).toEqual([]);
          expect(journalView(store)).toEqual(reference);
          if (!readOnly) {
            // The next checkpoint removes the leftover.
            await store.checkpoint();
            expect(readdirSync(dir)).not.toContain(tmp);
          }
        } finally {
          await store.close();
        }
      }
      expect(readdirSync(dir).filter((n) => n.includes('.ckpt'))).toEqual(
        [checkpointName(200), checkpointName(500)].sort(),
      );
    });
  });
});

describe('writing checkpoints', () => {
  it('happen automatically every checkpointEveryBytes, and open loads them', async () => {
    await withSeed('automatic checkpoints', async (_random, seed) => {
      const ops = journalOps(seed, 700);
      const dir = tempDir('checkpoint-auto');
      const options = { maxSegmentBytes: SEGMENT_BYTES, checkpointEveryBytes: 8192 };
      const store = await WalStore.open(dir, { ...options, durability: 'none' });
      await record(store, ops, 0, 700);
      await store.close();
      const files = checkpointFiles(dir);
      expect(files.length, 'automatic checkpoints were written (two kept)').toBe(2);
      const newest = parseCheckpointName(files[0]!)!;
      expect(newest).toBeGreaterThan(0);
      expect(newest).toBeLessThanOrEqual(700);
      const reopened = await WalStore.open(dir, options);
      try {
        expect(reopened.recoveryReport.checkpoint).toEqual({ name: files[0], lsn: newest });
        expect(journalView(reopened)).toEqual(await referenceView(ops, 700));
      } finally {
        await reopened.close();
      }

      // The negative space: checkpointEveryBytes 0 never writes one by itself.
      const manual = tempDir('checkpoint-manual');
      const quiet = await WalStore.open(manual, { ...options, checkpointEveryBytes: 0 });
      await record(quiet, ops, 0, 700);
      await quiet.close();
      expect(checkpointFiles(manual)).toEqual([]);
    });
  });

  it('keeps the two newest checkpoint files', async () => {
    await withSeed('two newest', async (_random, seed) => {
      const ops = journalOps(seed, 400);
      const dir = tempDir('checkpoint-keep');
      await buildJournal(dir, ops, 400, [100, 200, 300, 400]);
      expect(checkpointFiles(dir)).toEqual([checkpointName(400), checkpointName(300)]);
    });
  });

  it.each(['none', 'interval'] as Durability[])(
    "durability '%s': a checkpoint is of synced records, at the store's lastLsn",
    async (durability) => {
      await withSeed(`checkpoint ${durability}`, async (_random, seed) => {
        const ops = journalOps(seed, 600);
        const dir = tempDir(`checkpoint-${durability}`);
        const options = {
          durability,
          syncIntervalMs: 60_000,
          maxSegmentBytes: SEGMENT_BYTES,
          checkpointEveryBytes: 0,
        };
        const store = await WalStore.open(dir, options);
        await record(store, ops, 0, 300);
        const result = await store.checkpoint();
        expect(result.lsn).toBe(store.lastLsn);
        const bytes = readFileSync(join(dir, result.name));
        expect(decodeCheckpoint(bytes)).toMatchObject({ ok: true, lsn: store.lastLsn });
        expect(store.diskUsage().checkpointLsn).toBe(store.lastLsn);

        // With calls in flight: the checkpoint holds what was folded when it began, never less
        // than what had resolved before it was asked for, never more than what resolved by its end.
        const pending = ops.slice(300, 600).map((op) => applyOp(store, op));
        const before = store.lastLsn;
        const during = await store.checkpoint();
        expect(during.lsn).toBeGreaterThanOrEqual(before);
        expect(during.lsn).toBeLessThanOrEqual(store.lastLsn);
        expect(await Promise.all(pending)).toEqual(ops.slice(300, 600).map((_, k) => 301 + k));
        await store.close();
        const reopened = await WalStore.open(dir, options);
        try {
          expect(reopened.recoveryReport.checkpoint?.lsn).toBe(during.lsn);
          expect(journalView(reopened)).toEqual(await referenceView(ops, 600));
        } finally {
          await reopened.close();
        }
      });
    },
  );

  it('is refused on a read-only or in-memory store, and after close', async () => {
    const dir = tempDir('checkpoint-refused');
    const writer = await WalStore.open(dir);
    await writer.actionExecutionStarted('a', { executionId: 'x' });
    const reader = await WalStore.open(dir, { readOnly: true });
    await expectWalError(reader.checkpoint(), ErrorCode.readOnly);
    await expectWalError(WalStore.openInMemory().checkpoint(), ErrorCode.readOnly);
    await reader.close();
    await writer.close();
    await expect(writer.checkpoint()).rejects.toBeInstanceOf(WalClosedError);
    expect(checkpointFiles(dir)).toEqual([]);
  });

  it('sizes: a checkpoint is bounded by the state, not by the log', async () => {
    await withSeed('checkpoint sizes', async (_random, seed) => {
      const dir = tempDir('checkpoint-size');
      // Every bound of the state is reached by 6000 ops (the ended ids too).
      const store = await WalStore.open(dir, {
        durability: 'none',
        checkpointEveryBytes: 0,
        maxEndedTracked: 1000,
      });
      const sizes: string[] = [];
      let done = 0;
      const ops = journalOps(seed, 12_000, { actions: 50 });
      let previous = 0;
      for (const count of [3000, 6000, 12_000]) {
        for (; done < count; done++) await applyOp(store, ops[done]!);
        const { bytes } = await store.checkpoint();
        sizes.push(`${count} ops: ${bytes} B`);
        // Once the rings are full, the checkpoint stops growing with the log.
        if (count === 12_000) expect(bytes).toBeLessThan(previous * 1.1);
        previous = bytes;
      }
      await store.close();
      console.info(
        `checkpoint sizes (50 actions, rings of 1000, 1000 ended ids): ${sizes.join(', ')}`,
      );
    });
  });
});
