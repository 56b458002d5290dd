// A full disk in the steps around appends, through the seam (test/support/faulty-fs.ts): the
// k-th write, fdatasync, rename, directory sync, mkdir or unlink of a tail repair, a checkpoint
// or the creation of a journal fails with ENOSPC (or EDQUOT, EFBIG). Each is WAL_DISK_FULL, a
// WalIoError naming the file and the operation with the errno as cause (one code per cause);
// the failed step leaves no file behind (no `.broken-*` backup, no `.tmp`); and once the disk
// has room again the same open, repair or checkpoint succeeds with every acknowledged record.
// The real-process version (ulimit -f) is test/reliability/disk-full.test.ts.
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointName } from '../../src/format/checkpoint-codec.js';
import { ErrorCode, WalIoError } from '../../src/errors.js';
import { WalStore } from '../../src/store/wal-store.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import { recordOf, segmentNames, writeLog } from '../support/byte-poke.js';
import { FaultyFileSystem, type FsCall } from '../support/faulty-fs.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

function expectDiskFull(error: unknown, path: string, errno = 'ENOSPC'): WalIoError {
  expect(error).toBeInstanceOf(WalIoError);
  const full = error as WalIoError;
  expect(full.code).toBe(ErrorCode.diskFull);
  expect(full.path).toBe(path);
  expect(full.errno).toBe(errno);
  expect((full.cause as NodeJS.ErrnoException).code).toBe(errno);
  expect(full.message).toContain(path);
  return full;
}

const leftovers = (dir: string) =>
  readdirSync(dir).filter((name) => name.includes('.broken-') || name.endsWith('.tmp'));

/** A 30-record log in 4 KiB segments whose last segment ends in 3,000 bytes of garbage. */
async function tornLog(name: string): Promise<{ dir: string; records: WalRecord[]; last: string }> {
  const dir = tempDir(name);
  const appends = Array.from({ length: 30 }, (_, i) => recordOf(i + 1, 200));
  const { records } = await writeLog(dir, appends, { maxSegmentBytes: 4096 });
  const last = segmentNames(dir).at(-1)!;
  appendFileSync(join(dir, last), Buffer.alloc(3000, 0xee));
  return { dir, records, last };
}

describe('a full disk during tail repair', () => {
  for (const [call, errno, failedPath] of [
    ['write', 'ENOSPC', 'backup'],
    ['write', 'EDQUOT', 'backup'],
    ['write', 'EFBIG', 'backup'],
    ['fdatasync', 'ENOSPC', 'backup'],
    ['syncDir', 'ENOSPC', 'dir'],
    ['open', 'ENOSPC', 'backup'],
  ] as const) {
    it(`${errno} on ${call}: WAL_DISK_FULL, no backup left, repaired once there is room`, async () => {
      const { dir, records, last } = await tornLog(`full-repair-${call}`);
      const backup = join(dir, `${last}.broken-31`);
      for (let attempt = 0; attempt < 3; attempt++) {
        const fs = new FaultyFileSystem();
        // Aimed at the backup (the directory, for its sync): the disk is full from then on.
        fs.failNext(
          call,
          { error: errno },
          1,
          true,
          failedPath === 'backup' ? '.broken-' : undefined,
        );
        const error = await WalWriter.open(dir, { fs }).catch((e: unknown) => e);
        expectDiskFull(error, failedPath === 'backup' ? backup : dir, errno);
        expect(leftovers(dir)).toEqual([]);
      }
      const seen: WalRecord[] = [];
      const writer = await WalWriter.open(dir, {}, (r) => seen.push(r));
      expect(writer.openReport.repair?.backup).toBe(`${last}.broken-31`);
      await writer.close();
      expect(seen).toEqual(records);
      expect(readFileSync(backup).equals(Buffer.alloc(3000, 0xee))).toBe(true);
      expect(leftovers(dir)).toEqual([`${last}.broken-31`]);
    });
  }
});

describe('a full disk during checkpoint()', () => {
  for (const call of ['write', 'fdatasync', 'rename', 'open'] as const satisfies FsCall[]) {
    it(`ENOSPC on the checkpoint's ${call}: WAL_DISK_FULL with its path, no .tmp, and the log goes on`, async () => {
      const dir = tempDir(`full-checkpoint-${call}`);
      const fs = new FaultyFileSystem();
      const store = await WalStore.open(dir, { fs, checkpointEveryBytes: 0 });
      for (let i = 0; i < 20; i++) {
        await store.actionExecutionCompleted('a', {
          status: 'succeeded',
          durationMs: i,
          output: 'x',
        });
      }
      fs.failNext(call, { error: 'ENOSPC' }, 1, true, '.ckpt.tmp');
      const error = await store.checkpoint().catch((e: unknown) => e);
      expectDiskFull(error, join(dir, `${checkpointName(20)}.tmp`));
      expect(leftovers(dir)).toEqual([]);
      fs.clearFaults();
      await store.actionExecutionCompleted('a', { status: 'succeeded', durationMs: 1 });
      expect((await store.checkpoint()).lsn).toBe(21);
      await store.close();
      const reopened = await WalStore.open(dir, { checkpointEveryBytes: 0 });
      expect(reopened.lastLsn).toBe(21);
      expect(reopened.recoveryReport.checkpoint?.lsn).toBe(21);
      await reopened.close();
    });
  }

  it("a crash's checkpoint .tmp does not survive the next open", async () => {
    const dir = tempDir('full-checkpoint-crash');
    const store = await WalStore.open(dir, { checkpointEveryBytes: 0 });
    await store.actionExecutionCompleted('a', { status: 'succeeded', durationMs: 1 });
    await store.close();
    const temp = `${checkpointName(1)}.tmp`;
    writeFileSync(join(dir, temp), 'half a checkpoint');
    const reopened = await WalStore.open(dir);
    expect(reopened.recoveryReport.removedTempFiles).toEqual([temp]);
    await reopened.close();
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('a full disk creating a journal', () => {
  it('ENOSPC on mkdir: WAL_DISK_FULL naming the directory', async () => {
    const dir = join(tempDir('full-mkdir'), 'journal');
    const fs = new FaultyFileSystem([{ call: 'mkdir', nth: 1, error: 'ENOSPC' }]);
    const error = await WalWriter.open(dir, { fs }).catch((e: unknown) => e);
    expectDiskFull(error, dir);
  });
});
