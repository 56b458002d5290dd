// Fault injection through the file-system seam (test/support/faulty-fs.ts): a failed fdatasync
// or write fails the writer for good (every pending and later append rejects until reopen, a
// sync is never retried and then acknowledged); short writes are looped; a full disk has its own
// code; and whatever happened, a reopened log is a clean prefix of what was appended.
import { appendFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, WalFailedError, WalIoError } from '../../src/errors.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import { type AppendResult, WalWriter, type WalWriterOptions } from '../../src/wal/wal-writer.js';
import { readAll, recordOf, segmentNames } from '../support/byte-poke.js';
import { FaultyFileSystem } from '../support/faulty-fs.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

interface Session {
  dir: string;
  fs: FaultyFileSystem;
  writer: WalWriter;
  /** Records whose append resolved. */
  acked: WalRecord[];
}

/** A writer on a faulty fs with `count` acknowledged single-record appends. */
async function session(count: number, options: WalWriterOptions = {}): Promise<Session> {
  const dir = tempDir('fsync-failure');
  const fs = new FaultyFileSystem();
  const writer = await WalWriter.open(dir, { maxSegmentBytes: 4096, ...options, fs });
  const acked: WalRecord[] = [];
  for (let n = 1; n <= count; n++) {
    const result = await writer.append([recordOf(n, 50)]);
    acked.push({ lsn: result.firstLsn, ...recordOf(n, 50) });
  }
  return { dir, fs, writer, acked };
}

async function failureOf(promise: Promise<unknown>): Promise<WalFailedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WalFailedError);
  return error as WalFailedError;
}

/** Reopens with the real file system: the log must be `acked` plus, at most, `maybe` after it. */
async function expectCleanPrefix(s: Session, maybe: WalRecord[] = []): Promise<WalRecord[]> {
  const replayed: WalRecord[] = [];
  const writer = await WalWriter.open(s.dir, { maxSegmentBytes: 4096 }, (r) => replayed.push(r));
  try {
    expect(replayed.slice(0, s.acked.length)).toEqual(s.acked);
    const extra = replayed.slice(s.acked.length);
    expect(extra).toEqual(maybe.slice(0, extra.length));
    // The reopened writer works and continues the sequence.
    const next = replayed.length + 1;
    expect(await writer.append([recordOf(777)])).toEqual({ firstLsn: next, lastLsn: next });
  } finally {
    await writer.close();
  }
  const { records, report } = readAll(s.dir);
  expect(records).toEqual([...replayed, { lsn: replayed.length + 1, ...recordOf(777) }]);
  expect(report.tail).toEqual({ status: 'clean' });
  return replayed;
}

describe('a failed fdatasync', () => {
  it('rejects that batch and everything queued behind it with WAL_FAILED', async () => {
    const s = await session(5);
    s.fs.failNext('fdatasync', { error: 'EIO' });
    const failing = s.writer.append([recordOf(6, 50)]);
    // While that sync is in flight, more appends queue up behind it.
    await new Promise((resolve) => setImmediate(resolve));
    const queued = [s.writer.append([recordOf(7, 50)]), s.writer.append([recordOf(8, 50)])];

    const error = await failureOf(failing);
    expect(error.code).toBe(ErrorCode.failed);
    expect(error.message).toBe(
      `write or sync of 0000000000000001.wal in ${s.dir} failed: EIO: injected fdatasync ` +
        'failure; reopen the log',
    );
    expect((error.cause as NodeJS.ErrnoException).code).toBe('EIO');
    for (const p of queued) expect(await failureOf(p)).toBe(error);
    expect(s.writer.failure).toBe(error);
    expect(s.fs.fired).toEqual(['fdatasync#7']);
  });

  it('makes every later append and sync reject until reopen; close does not retry the sync', async () => {
    const s = await session(3);
    s.fs.failNext('fdatasync', { error: 'EIO' });
    const first = await failureOf(s.writer.append([recordOf(4, 50)]));
    const writesBefore = s.fs.calls.write;
    for (let i = 0; i < 3; i++) {
      const later = await failureOf(s.writer.append([recordOf(10 + i, 50)]));
      expect(later.code).toBe(ErrorCode.failed);
      expect(later.cause).toBe(first);
      expect(later.message).toBe(
        `the log at ${s.dir} failed earlier and refuses appends until reopened: ${first.message}`,
      );
    }
    await expect(s.writer.sync()).rejects.toBeInstanceOf(WalFailedError);
    const syncsBefore = s.fs.calls.fdatasync;
    await s.writer.close();
    expect(s.fs.calls.fdatasync).toBe(syncsBefore);
    expect(s.fs.calls.write).toBe(writesBefore);
    // The rejected record reached the page cache; it may come back, but nothing after it does.
    await expectCleanPrefix(s, [{ lsn: 4, ...recordOf(4, 50) }]);
  });

  it("in 'interval' mode fails the writer from the timer; the next append rejects", async () => {
    // No zeros ahead: close would cut them and sync once more (preallocation.test.ts).
    const s = await session(0, { durability: 'interval', syncIntervalMs: 5, preallocateBytes: 0 });
    s.fs.failNext('fdatasync', { error: 'EIO' }, 2); // 1: the new segment's header, 2: the timer
    const acked = await s.writer.append([recordOf(1, 50)]);
    expect(acked).toEqual({ firstLsn: 1, lastLsn: 1 });
    for (let waited = 0; !s.writer.failure && waited < 2_000; waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(s.writer.failure?.code).toBe(ErrorCode.failed);
    const later = await failureOf(s.writer.append([recordOf(2, 50)]));
    expect(later.cause).toBe(s.writer.failure);
    await s.writer.close();
    await expectCleanPrefix(s, [{ lsn: 1, ...recordOf(1, 50) }]);
  });

  it("from sync() in 'none' mode: WAL_FAILED, and the writer refuses appends from then on", async () => {
    const s = await session(0, { durability: 'none' });
    await s.writer.append([recordOf(1, 50)]);
    s.fs.failNext('fdatasync', { error: 'EIO' });
    const error = await failureOf(s.writer.sync());
    expect(error.code).toBe(ErrorCode.failed);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('EIO');
    expect(s.writer.failure).toBe(error);
    // A later sync must not succeed as if the lost pages were on disk.
    await expect(s.writer.sync()).rejects.toBeInstanceOf(WalFailedError);
    expect((await failureOf(s.writer.append([recordOf(2, 50)]))).cause).toBe(error);
    await s.writer.close();
    await expectCleanPrefix(s, [{ lsn: 1, ...recordOf(1, 50) }]);
  });

  it('while creating a new segment: WAL_FAILED, and the failed step removes its temp file', async () => {
    const s = await session(0);
    s.fs.failNext('fdatasync', { error: 'EIO' });
    const error = await failureOf(s.writer.append([recordOf(1, 50)]));
    expect(error.code).toBe(ErrorCode.failed);
    await s.writer.close();
    expect(readdirSync(s.dir)).toEqual([]);
    // One a crash left (the process died before it could remove it) goes at the next open.
    writeFileSync(join(s.dir, '0000000000000001.wal.tmp'), 'partial header');
    const reopened = await WalWriter.open(s.dir);
    expect(reopened.openReport.removedTempFiles).toEqual(['0000000000000001.wal.tmp']);
    await reopened.close();
    expect(readdirSync(s.dir)).toEqual([]);
  });

  it('during tail repair at open: the open fails with WAL_IO, the partial backup is removed, and a later open repairs', async () => {
    const s = await session(4);
    await s.writer.close();
    const last = segmentNames(s.dir).at(-1)!;
    appendFileSync(join(s.dir, last), Buffer.alloc(100, 0xee));
    const fs = new FaultyFileSystem([{ call: 'fdatasync', nth: 1, error: 'EIO' }]);
    const error = await WalWriter.open(s.dir, { fs }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WalIoError);
    expect((error as WalIoError).code).toBe(ErrorCode.io);
    expect((error as WalIoError).path).toBe(join(s.dir, `${last}.broken-5`));
    expect((error as WalIoError).message).toMatch(/^syncing .*\.broken-5 failed: .*\(EIO\)/);
    // The backup that did not become durable is gone; the segment was not cut.
    expect(existsSync(join(s.dir, `${last}.broken-5`))).toBe(false);
    // The lock was released; the repair writes its backup under the same name.
    const writer = await WalWriter.open(s.dir);
    expect(writer.openReport.repair).toMatchObject({
      backup: `${last}.broken-5`,
      droppedBytes: 100,
    });
    await writer.close();
    expect(existsSync(join(s.dir, `${last}.broken-5.1`))).toBe(false);
    await expectCleanPrefix(s);
  });
});

describe('a failed write', () => {
  it('EIO: rejects with WAL_FAILED, nothing of the batch reaches the log', async () => {
    const s = await session(6);
    s.fs.failNext('write', { error: 'EIO' });
    const error = await failureOf(s.writer.append([recordOf(7, 50), recordOf(8, 50)]));
    expect(error.code).toBe(ErrorCode.failed);
    expect(error.message).toMatch(/failed: EIO: injected write failure; reopen the log$/);
    expect((await failureOf(s.writer.append([recordOf(9, 50)]))).code).toBe(ErrorCode.failed);
    await s.writer.close();
    expect(await expectCleanPrefix(s)).toEqual(s.acked);
  });

  it('torn by a short write then EIO: the reopened log drops the torn batch', async () => {
    // No zeros ahead, so that the cut is exactly the torn frame (preallocation.test.ts has them).
    const s = await session(6, { preallocateBytes: 0 });
    s.fs.failNext('write', { shortBytes: 30 });
    s.fs.failNext('write', { error: 'EIO' }, 2);
    await failureOf(s.writer.append([recordOf(7, 50), recordOf(8, 50)]));
    await s.writer.close();
    const writer = await WalWriter.open(s.dir, { maxSegmentBytes: 4096 });
    expect(writer.openReport.repair).toMatchObject({ droppedBytes: 30, action: 'truncated' });
    await writer.close();
    expect(await expectCleanPrefix(s)).toEqual(s.acked);
  });

  it('ENOSPC: WAL_DISK_FULL, for that append and every later one', async () => {
    const s = await session(2);
    s.fs.failNext('write', { error: 'ENOSPC' }, 1, true);
    const error = await failureOf(s.writer.append([recordOf(3, 50)]));
    expect(error.code).toBe(ErrorCode.diskFull);
    expect(error.message).toBe(
      `disk full while writing 0000000000000001.wal in ${s.dir}: ENOSPC: injected write ` +
        'failure; free space and reopen the log',
    );
    const later = await failureOf(s.writer.append([recordOf(4, 50)]));
    expect(later.code).toBe(ErrorCode.diskFull);
    await s.writer.close();
    expect(await expectCleanPrefix(s)).toEqual(s.acked);
  });

  it('EDQUOT and EFBIG also count as a full disk', async () => {
    for (const code of ['EDQUOT', 'EFBIG']) {
      const s = await session(1);
      s.fs.failNext('write', { error: code });
      expect((await failureOf(s.writer.append([recordOf(2, 50)]))).code).toBe(ErrorCode.diskFull);
      await s.writer.close();
    }
  });
});

describe('short writes', () => {
  it('are looped until every byte is written: records intact across rotations', async () => {
    const dir = tempDir('short-writes');
    const fs = new FaultyFileSystem([{ call: 'write', nth: 1, shortBytes: 7, sticky: true }]);
    const writer = await WalWriter.open(dir, { maxSegmentBytes: 4096, fs });
    const expected: WalRecord[] = [];
    const results: Promise<AppendResult>[] = [];
    for (let n = 1; n <= 60; n++) {
      const batch = n % 5 === 0 ? [recordOf(n, 90), recordOf(1000 + n, 13)] : [recordOf(n, 90)];
      results.push(writer.append(batch));
      if (n % 4 === 0) await Promise.all(results);
    }
    await Promise.all(results);
    await writer.close();
    let lsn = 1;
    for (let n = 1; n <= 60; n++) {
      expected.push({ lsn: lsn++, ...recordOf(n, 90) });
      if (n % 5 === 0) expected.push({ lsn: lsn++, ...recordOf(1000 + n, 13) });
    }
    expect(writer.failure).toBeUndefined();
    expect(fs.calls.write).toBeGreaterThan(fs.bytesWritten / 7);
    expect(segmentNames(dir).length).toBeGreaterThan(1);
    expect(readAll(dir).records).toEqual(expected);
  });

  it('a write that returns 0 bytes fails the writer (never an endless loop)', async () => {
    const s = await session(2);
    s.fs.failNext('write', { shortBytes: 0 });
    const error = await failureOf(s.writer.append([recordOf(3, 50)]));
    expect(error.code).toBe(ErrorCode.failed);
    expect(error.message).toMatch(/write returned 0 bytes; reopen the log$/);
    await s.writer.close();
    expect(await expectCleanPrefix(s)).toEqual(s.acked);
  });
});

describe('a slow fdatasync', () => {
  it("in 'interval' mode: close waits for the timer's sync in flight, then closes", async () => {
    // No zeros ahead: close would cut them and sync once more (preallocation.test.ts).
    const s = await session(0, { durability: 'interval', syncIntervalMs: 5, preallocateBytes: 0 });
    s.fs.failNext('fdatasync', { delayMs: 50 }, 2); // 1: the new segment's header, 2: the timer
    await s.writer.append([recordOf(1, 50)]);
    for (let waited = 0; s.fs.calls.fdatasync < 2 && waited < 2_000; waited += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(s.fs.calls.fdatasync).toBe(2);
    await s.writer.close();
    expect(s.fs.syncsDone).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(s.writer.failure).toBeUndefined();
    expect(s.fs.syncsDone).toBe(2);
  });

  it('sync() and close() together: both resolve, the sync is not cut short', async () => {
    const s = await session(0, { durability: 'none' });
    await s.writer.append([recordOf(1, 50)]);
    s.fs.failNext('fdatasync', { delayMs: 30 });
    await expect(Promise.all([s.writer.sync(), s.writer.close()])).resolves.toEqual([
      undefined,
      undefined,
    ]);
    expect(s.fs.syncsDone).toBe(s.fs.calls.fdatasync);
    expect(s.writer.failure).toBeUndefined();
  });
});
