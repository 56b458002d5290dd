// Seeded random round trips (records of 10 B to 1 MiB over many small segments, sequential and
// concurrent appends, atomic batches, reopen), the durability modes, and the writer's contract
// for bad input, closed writers and read-only recovery modes.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, WalClosedError, WalLockedError, WalValidationError } from '../../src/errors.js';
import { iterateLog, replayLog } from '../../src/wal/log-replay.js';
import { type RecoveryMode, recoveryModes } from '../../src/wal/recovery-policy.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import {
  type Durability,
  type RecordInput,
  WalWriter,
  type WalWriterOptions,
} from '../../src/wal/wal-writer.js';
import {
  dirBytes,
  frameOffsets,
  readAll,
  readSegment,
  recordOf,
  segmentNames,
  writeLog,
} from '../support/byte-poke.js';
import { FaultyFileSystem } from '../support/faulty-fs.js';
import { randomInt, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const MiB = 1024 * 1024;

/** `length` seeded bytes, filled a word at a time (xorshift32 seeded from `random`). */
function seededBytes(random: () => number, length: number): Buffer {
  const words = new Uint32Array(Math.ceil(length / 4));
  let x = (random() * 0xffffffff) | 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return Buffer.from(words.buffer, 0, length);
}

/** A record carrying `dataBytes` seeded bytes. */
function randomRecord(random: () => number, n: number, dataBytes: number): RecordInput {
  return { type: randomInt(random, 1, 255), value: { n, data: seededBytes(random, dataBytes) } };
}

/**
 * expect(actual).toEqual(expected) for many megabytes of records: node's deep equality compares
 * Buffers natively, and vitest's diff runs only to explain a mismatch.
 */
function expectSameRecords(actual: WalRecord[], expected: WalRecord[]): void {
  if (isDeepStrictEqual(actual, expected)) return;
  expect(actual.length).toBe(expected.length);
  const at = actual.findIndex((record, i) => !isDeepStrictEqual(record, expected[i]));
  expect(actual[at], `first difference at index ${at}`).toEqual(expected[at]);
}

/** 10 B .. 1 MiB, log-uniform, so most records are small and a few are large. */
function randomSize(random: () => number): number {
  return Math.round(Math.exp(Math.log(10) + random() * (Math.log(MiB) - Math.log(10))));
}

function replayAll(dir: string): WalRecord[] {
  return readAll(dir).records;
}

/** Every segment holds one batch, or fits in maxSegmentBytes; each starts at its base LSN. */
function checkSegmentLayout(dir: string, maxSegmentBytes: number): number {
  const names = segmentNames(dir);
  for (const name of names) {
    const bytes = readSegment(dir, name);
    const frames = frameOffsets(bytes);
    expect(frames[0]?.lsn, name).toBe(Number.parseInt(name, 16));
    const batches = frames.filter((f) => f.flags === 0).length;
    if (batches > 1) expect(bytes.length, name).toBeLessThanOrEqual(maxSegmentBytes);
  }
  return names.length;
}

describe('random round trips', () => {
  it('records of 10 B to 1 MiB, sequential and concurrent appends, batches, reopen', async () => {
    await withSeed('round trip', async (random) => {
      const dir = tempDir('round-trip');
      const options: WalWriterOptions = { maxSegmentBytes: 256 * 1024, maxRecordBytes: 2 * MiB };
      const expected: WalRecord[] = [];
      let n = 0;

      const session = async (appendCalls: number): Promise<void> => {
        const replayed: WalRecord[] = [];
        const writer = await WalWriter.open(dir, options, (record) => replayed.push(record));
        try {
          expectSameRecords(replayed, expected);
          expect(writer.nextLsn).toBe(expected.length + 1);
          let calls = 0;
          while (calls < appendCalls) {
            const concurrent = random() < 0.4 ? randomInt(random, 2, 8) : 1;
            const batches: RecordInput[][] = [];
            for (let c = 0; c < concurrent; c++) {
              const size = random() < 0.25 ? randomInt(random, 2, 5) : 1;
              batches.push(
                Array.from({ length: size }, () => randomRecord(random, ++n, randomSize(random))),
              );
            }
            const results = await Promise.all(batches.map((batch) => writer.append(batch)));
            results.forEach((result, i) => {
              const batch = batches[i]!;
              expect(result).toEqual({
                firstLsn: expected.length + 1,
                lastLsn: expected.length + batch.length,
              });
              for (const record of batch) expected.push({ lsn: expected.length + 1, ...record });
            });
            calls += concurrent;
          }
        } finally {
          await writer.close();
        }
      };

      await session(50);
      await session(30);
      expectSameRecords(replayAll(dir), expected);
      const segments = checkSegmentLayout(dir, options.maxSegmentBytes!);
      expect(segments).toBeGreaterThan(10);

      const streamed: WalRecord[] = [];
      const iterator = iterateLog(dir);
      let step = iterator.next();
      for (; !step.done; step = iterator.next()) streamed.push(step.value);
      expectSameRecords(streamed, expected);
      expect(step.value).toMatchObject({
        firstLsn: 1,
        lastLsn: expected.length,
        records: expected.length,
        tail: { status: 'clean' },
        damage: [],
      });
      expect(step.value.segments.every((s) => s.status === 'ok')).toBe(true);
    });
  });

  it('replay from an LSN skips whole segments below it and yields the rest', async () => {
    const dir = tempDir('round-trip-from');
    const appends = Array.from({ length: 120 }, (_, i) => recordOf(i + 1, 100));
    const { records } = await writeLog(dir, appends, { maxSegmentBytes: 4096 });
    const bases = segmentNames(dir).map((name) => Number.parseInt(name, 16));
    expect(bases.length).toBeGreaterThan(3);
    for (const fromLsn of [bases[2]!, bases[2]! + 1]) {
      const read: WalRecord[] = [];
      const report = replayLog(dir, { fromLsn }, (record) => read.push(record));
      expect(read).toEqual(records.filter((r) => r.lsn >= fromLsn));
      // Exactly the segments that end before fromLsn are skipped unread.
      const skipped = 2;
      expect(report.segments.map((s) => s.status)).toEqual(
        bases.map((_, i) => (i < skipped ? 'skipped' : 'ok')),
      );
      expect(report.segments[1]!.lastLsn).toBe(bases[2]! - 1);
      expect(report.lastLsn).toBe(120);
    }
  });

  it('an open and close without appends leaves no segment; the next writer starts at LSN 1', async () => {
    const dir = tempDir('round-trip-empty');
    await (await WalWriter.open(dir)).close();
    expect(segmentNames(dir)).toEqual([]);
    const writer = await WalWriter.open(dir);
    expect(writer.nextLsn).toBe(1);
    expect(await writer.append([recordOf(1)])).toEqual({ firstLsn: 1, lastLsn: 1 });
    await writer.close();
    expect(segmentNames(dir)).toEqual(['0000000000000001.wal']);
  });
});

describe('durability modes', () => {
  for (const durability of ['fsync', 'interval', 'none'] as const satisfies Durability[]) {
    it(`'${durability}' round-trips after close`, async () => {
      await withSeed(`durability ${durability}`, async (random) => {
        const dir = tempDir(`durability-${durability}`);
        const writer = await WalWriter.open(dir, {
          durability,
          syncIntervalMs: 5,
          maxSegmentBytes: 8192,
        });
        const expected: WalRecord[] = [];
        const pending = [];
        for (let i = 1; i <= 60; i++) {
          const record = randomRecord(random, i, randomInt(random, 10, 600));
          expected.push({ lsn: i, ...record });
          pending.push(writer.append([record]));
          if (i % 7 === 0) await Promise.all(pending.splice(0));
        }
        await Promise.all(pending);
        await writer.close();
        expectSameRecords(replayAll(dir), expected);
        expect(segmentNames(dir).length).toBeGreaterThan(1);
      });
    });
  }

  it("'fsync' syncs before each acknowledgement; 'none' only at rotation and close", async () => {
    const syncs = async (durability: Durability): Promise<number[]> => {
      const fs = new FaultyFileSystem();
      const writer = await WalWriter.open(tempDir('syncs'), { durability, fs });
      const counts = [];
      await writer.append([recordOf(0)]); // creates the segment: 1 sync of its header
      counts.push(fs.calls.fdatasync);
      for (let i = 1; i <= 3; i++) {
        await writer.append([recordOf(i)]);
        counts.push(fs.calls.fdatasync);
      }
      await writer.close();
      counts.push(fs.calls.fdatasync);
      return counts;
    };
    // close: the zeros written ahead (preallocation) are cut, and that cut is synced.
    expect(await syncs('fsync')).toEqual([2, 3, 4, 5, 6]);
    expect(await syncs('none')).toEqual([1, 1, 1, 1, 2]);
  });

  it("'interval' syncs within syncIntervalMs of a write, and sync() syncs at once", async () => {
    const fs = new FaultyFileSystem();
    const writer = await WalWriter.open(tempDir('interval'), {
      durability: 'interval',
      syncIntervalMs: 20,
      fs,
    });
    await writer.append([recordOf(1)]);
    const afterWrite = fs.calls.fdatasync;
    for (let waited = 0; fs.calls.fdatasync === afterWrite && waited < 2_000; waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(fs.calls.fdatasync).toBe(afterWrite + 1);
    await writer.append([recordOf(2)]);
    await writer.sync();
    expect(fs.calls.fdatasync).toBe(afterWrite + 2);
    await writer.close();
  });

  it('group commit: concurrent appends share writes and syncs, LSNs in call order', async () => {
    const fs = new FaultyFileSystem();
    const dir = tempDir('group-commit');
    const writer = await WalWriter.open(dir, { fs });
    await writer.append([recordOf(0)]);
    const before = fs.calls.fdatasync;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => writer.append([recordOf(i + 1)])),
    );
    expect(results.map((r) => r.firstLsn)).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));
    expect(fs.calls.fdatasync - before).toBeLessThanOrEqual(2);
    await writer.close();
    expect(replayAll(dir).map((r) => r.lsn)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
  });
  it('concurrent appends rotate at maxSegmentBytes, even when they start a fresh segment', async () => {
    const dir = tempDir('group-rotate');
    const writer = await WalWriter.open(dir, { maxSegmentBytes: 4096 });
    const appends = Array.from({ length: 100 }, (_, i) => writer.append([recordOf(i + 1, 100)]));
    await Promise.all(appends);
    await writer.close();
    expect(checkSegmentLayout(dir, 4096)).toBeGreaterThanOrEqual(3);
    for (const name of segmentNames(dir))
      expect(readSegment(dir, name).length).toBeLessThanOrEqual(4096);
    expect(replayAll(dir).map((r) => r.value)).toEqual(
      Array.from({ length: 100 }, (_, i) => recordOf(i + 1, 100).value),
    );
  });
});

describe('validation', () => {
  async function rejection(promise: Promise<unknown>): Promise<WalValidationError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WalValidationError);
    return error as WalValidationError;
  }

  it('a record over maxRecordBytes: WAL_LIMIT_EXCEEDED, nothing written, log still usable', async () => {
    const dir = tempDir('validation-large');
    const writer = await WalWriter.open(dir, { maxRecordBytes: 1000 });
    await writer.append([recordOf(1, 500)]);
    const before = dirBytes(dir);

    const tooLarge = await rejection(writer.append([recordOf(2, 1200)]));
    expect(tooLarge.code).toBe(ErrorCode.limitExceeded);
    expect(tooLarge.message).toMatch(
      /^record 0 encodes to \d+ bytes, more than maxRecordBytes \(1000\); nothing was written$/,
    );
    const inBatch = await rejection(writer.append([recordOf(3), recordOf(4, 5000), recordOf(5)]));
    expect(inBatch.code).toBe(ErrorCode.limitExceeded);
    expect(inBatch.message).toMatch(/^record 1 encodes to/);
    expect(dirBytes(dir)).toEqual(before);
    expect(writer.nextLsn).toBe(2);
    expect(writer.failure).toBeUndefined();

    expect(await writer.append([recordOf(6)])).toEqual({ firstLsn: 2, lastLsn: 2 });
    await writer.close();
    expect(replayAll(dir)).toEqual([
      { lsn: 1, ...recordOf(1, 500) },
      { lsn: 2, ...recordOf(6) },
    ]);
  });

  it('a batch over maxBatchBytes or over 10,000 records: WAL_LIMIT_EXCEEDED', async () => {
    const dir = tempDir('validation-batch');
    const writer = await WalWriter.open(dir, { maxBatchBytes: 1024 });
    const big = await rejection(
      writer.append(Array.from({ length: 20 }, (_, i) => recordOf(i, 60))),
    );
    expect(big.code).toBe(ErrorCode.limitExceeded);
    expect(big.message).toMatch(/^batch of \d+ bytes exceeds maxBatchBytes \(1024\)$/);
    const many = await rejection(
      writer.append(Array.from({ length: 10_001 }, () => recordOf(0, 1))),
    );
    expect(many.code).toBe(ErrorCode.limitExceeded);
    expect(writer.nextLsn).toBe(1);
    await writer.close();
    expect(segmentNames(dir)).toEqual([]);
  });

  it('an empty batch or a non-array: WAL_INVALID_ARGUMENT', async () => {
    const writer = await WalWriter.open(tempDir('validation-empty'));
    for (const input of [[], undefined, 'records', { type: 1, value: 1 }]) {
      const error = await rejection(writer.append(input as unknown as RecordInput[]));
      expect(error.code).toBe(ErrorCode.invalidArgument);
      expect(error.message).toBe('append needs a non-empty array of records');
    }
    expect(writer.nextLsn).toBe(1);
    await writer.close();
  });

  it('a bad frame type (0, 256, 1.5, a string, missing): WAL_INVALID_ARGUMENT', async () => {
    const dir = tempDir('validation-type');
    const writer = await WalWriter.open(dir);
    for (const type of [0, 256, -1, 1.5, '7', undefined]) {
      const error = await rejection(
        writer.append([recordOf(1), { type, value: 'x' } as unknown as RecordInput]),
      );
      expect(error.code).toBe(ErrorCode.invalidArgument);
      expect(error.message).toBe(
        `record 1: type must be an integer from 1 to 255, got ${String(type)}`,
      );
    }
    const error = await rejection(writer.append([null as unknown as RecordInput]));
    expect(error.message).toBe('record 0: type must be an integer from 1 to 255, got undefined');
    expect(await writer.append([{ type: 255, value: 'edge' }])).toEqual({
      firstLsn: 1,
      lastLsn: 1,
    });
    await writer.close();
    expect(replayAll(dir)).toEqual([{ lsn: 1, type: 255, value: 'edge' }]);
  });

  it('bad options are refused at open with WAL_INVALID_ARGUMENT', async () => {
    const dir = tempDir('validation-options');
    const bad: WalWriterOptions[] = [
      { maxSegmentBytes: 4095 },
      { maxRecordBytes: 16 * MiB + 1 },
      { maxRecordBytes: 0 },
      { maxBatchBytes: 64 * MiB + 1 },
      { syncIntervalMs: 0 },
      { durability: 'sometimes' as Durability },
      { recovery: 'lenient' as RecoveryMode },
    ];
    for (const options of bad) {
      const error = await WalWriter.open(dir, options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(options)).toBeInstanceOf(WalValidationError);
      expect((error as WalValidationError).code).toBe(ErrorCode.invalidArgument);
    }
    // None of them left the lock behind.
    await (await WalWriter.open(dir)).close();
  });
});

describe('writer lifecycle', () => {
  it('a closed writer rejects appends and sync with WalClosedError; close is idempotent', async () => {
    const dir = tempDir('closed');
    const writer = await WalWriter.open(dir);
    const beforeClose = writer.append([recordOf(1)]);
    const closing = writer.close();
    const afterClose = await writer.append([recordOf(2)]).catch((e: unknown) => e);
    expect(afterClose).toBeInstanceOf(WalClosedError);
    expect((afterClose as WalClosedError).code).toBe(ErrorCode.closed);
    expect((afterClose as WalClosedError).message).toBe(`the log at ${dir} is closed`);
    await expect(beforeClose).resolves.toEqual({ firstLsn: 1, lastLsn: 1 });
    await closing;
    await expect(writer.sync()).rejects.toBeInstanceOf(WalClosedError);
    await expect(writer.close()).resolves.toBeUndefined();
    expect(replayAll(dir)).toEqual([{ lsn: 1, ...recordOf(1) }]);
  });

  it('a second writer on the same directory is refused with WalLockedError', async () => {
    const dir = tempDir('locked');
    const first = await WalWriter.open(dir);
    const error = await WalWriter.open(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WalLockedError);
    expect((error as WalLockedError).code).toBe(ErrorCode.locked);
    expect((error as WalLockedError).holder?.pid).toBe(process.pid);
    await first.close();
    await (await WalWriter.open(dir)).close();
  });

  it("recovery modes 'point-in-time' and 'salvage' are refused for writers, work for replay", async () => {
    const dir = tempDir('read-modes');
    const { records } = await writeLog(dir, [recordOf(1), [recordOf(2), recordOf(3)]]);
    const before = dirBytes(dir);
    expect(recoveryModes).toEqual(['tolerate-tail', 'strict', 'point-in-time', 'salvage']);
    for (const recovery of ['point-in-time', 'salvage'] as const) {
      const error = await WalWriter.open(dir, { recovery }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WalValidationError);
      expect((error as WalValidationError).code).toBe(ErrorCode.invalidArgument);
      expect((error as WalValidationError).message).toBe(
        `recovery mode '${recovery}' never changes the disk, so it is for read-only opens; ` +
          `to rewrite the log run \`exec-wal repair ${dir} --mode ${recovery}\``,
      );
      const { records: read, report } = readAll(dir, { recovery });
      expect(read).toEqual(records);
      expect(report.mode).toBe(recovery);
    }
    expect(dirBytes(dir)).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['0000000000000001.wal']);
    for (const recovery of ['tolerate-tail', 'strict'] as const) {
      await (await WalWriter.open(dir, { recovery })).close();
    }
    expect(readFileSync(join(dir, '0000000000000001.wal'))).toEqual(
      before.get('0000000000000001.wal'),
    );
  });
});
