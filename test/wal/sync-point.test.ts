// Sync points (docs/format.md#flags): the first frame a writer writes after an fdatasync that
// covered every earlier byte of the segment carries FrameFlag.syncPoint. In the last segment,
// damage is a torn tail unless a sync point follows it. This is what lets a power loss that kept
// a later page of an in-flight group write, but not an earlier one, still open.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FrameFlag } from '../../src/format/constants.js';
import { ErrorCode, WalCorruptionError, WalWriter } from '../../src/index.js';
import {
  overwrite,
  readAll,
  readUntilError,
  recordOf,
  segmentFrames,
  segmentNames,
  writeLog,
} from '../support/byte-poke.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const isSyncPoint = (flags: number) => (flags & FrameFlag.syncPoint) !== 0;

describe('sync points', () => {
  it("mode 'fsync': the first frame of every group write is a sync point, no other frame is", async () => {
    const dir = join(tempDir('sync-fsync'), 'log');
    await writeLog(dir, [recordOf(1), [recordOf(2), recordOf(3), recordOf(4)], recordOf(5)]);
    const frames = segmentFrames(dir, segmentNames(dir)[0]!);
    expect(frames.map((f) => isSyncPoint(f.flags))).toEqual([true, true, false, false, true]);
  });

  it("mode 'none': only the first frame after open or a sync() is a sync point", async () => {
    const dir = join(tempDir('sync-none'), 'log');
    const writer = await WalWriter.open(dir, { durability: 'none' });
    await writer.append([recordOf(1)]);
    await writer.append([recordOf(2)]);
    await writer.sync();
    await writer.append([recordOf(3)]);
    await writer.append([recordOf(4)]);
    await writer.close();
    const frames = segmentFrames(dir, segmentNames(dir)[0]!);
    expect(frames.map((f) => isSyncPoint(f.flags))).toEqual([true, false, true, false]);
  });

  it('damage in an unsynced group followed by more of that group is a torn tail, and the writer cuts it', async () => {
    // One group write of several batches: records 2..5 were written together after record 1's sync.
    const dir = join(tempDir('sync-torn'), 'log');
    const writer = await WalWriter.open(dir);
    await writer.append([recordOf(1, 40)]);
    await Promise.all([2, 3, 4, 5].map((n) => writer.append([recordOf(n, 40)])));
    await writer.close();
    const name = segmentNames(dir)[0]!;
    const frames = segmentFrames(dir, name);
    expect(frames.map((f) => isSyncPoint(f.flags))).toEqual([true, true, false, false, false]);
    // A power loss kept the pages of records 4 and 5 but not record 3's: zero it.
    const third = frames[2]!;
    overwrite(join(dir, name), third.offset, Buffer.alloc(third.frameBytes));
    const reopened = await WalWriter.open(dir);
    expect(reopened.openReport.scan.tail).toMatchObject({ status: 'torn', lastLsn: 2 });
    expect(reopened.nextLsn).toBe(3);
    await reopened.close();
    expect(readAll(dir).records.map((r) => r.lsn)).toEqual([1, 2]);
  });

  it('damage followed by a sync point is corruption: the damaged bytes had been made durable', async () => {
    const dir = join(tempDir('sync-mid'), 'log');
    await writeLog(dir, [recordOf(1), recordOf(2), recordOf(3)]);
    const name = segmentNames(dir)[0]!;
    const second = segmentFrames(dir, name)[1]!;
    overwrite(join(dir, name), second.offset + 24, Buffer.from([0xff, 0xff]));
    const { records, error } = readUntilError(dir);
    expect(records.map((r) => r.lsn)).toEqual([1]);
    expect(error).toBeInstanceOf(WalCorruptionError);
    expect((error as WalCorruptionError).code).toBe(ErrorCode.corrupt);
    expect((error as WalCorruptionError).location).toMatchObject({
      segment: name,
      offset: second.offset,
      expectedLsn: 2,
    });
  });
});
