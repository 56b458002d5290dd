// One short test per reader error path (LevelDB log_test style): build a small known log, poke
// exact bytes, and check the records read, the report (bytes dropped, offsets) and the error.
//
// The log (maxSegmentBytes 4096), LSN: frames per segment:
//   0000000000000001.wal  1 | 2 3 (batch) | 4          sealed
//   0000000000000005.wal  5 (4 KiB record)             sealed
//   0000000000000006.wal  6 | 7 | 8 9 (batch) | 10     last
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FORMAT_VERSION, FrameOffset } from '../../src/format/constants.js';
import { ErrorCode, WalCorruptionError, WalError } from '../../src/errors.js';
import type { ScanReport } from '../../src/wal/log-reader.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import {
  type FrameInfo,
  copyDir,
  fixFrameChecksum,
  fixHeaderChecksum,
  flipBit,
  overwrite,
  readAll,
  readUntilError,
  recordOf,
  segmentFrames,
  segmentNames,
  truncateFile,
  writeLog,
  writeU32,
  writeU64,
} from '../support/byte-poke.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const SEG1 = '0000000000000001.wal';
const SEG2 = '0000000000000005.wal';
const SEG3 = '0000000000000006.wal';

interface Log {
  dir: string;
  records: WalRecord[];
  /** Frames by LSN. */
  frame: (lsn: number) => FrameInfo;
  path: (segment: string) => string;
}

async function smallLog(): Promise<Log> {
  const dir = tempDir('reader-errors');
  const { records } = await writeLog(
    dir,
    [
      recordOf(1),
      [recordOf(2), recordOf(3)],
      recordOf(4),
      recordOf(5, 4100),
      recordOf(6),
      recordOf(7),
      [recordOf(8), recordOf(9)],
      recordOf(10),
    ],
    { maxSegmentBytes: 4096 },
  );
  expect(segmentNames(dir)).toEqual([SEG1, SEG2, SEG3]);
  const frames = new Map<number, FrameInfo>();
  for (const name of [SEG1, SEG2, SEG3]) {
    for (const frame of segmentFrames(dir, name)) frames.set(frame.lsn, frame);
  }
  expect([...frames.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  return { dir, records, frame: (lsn) => frames.get(lsn)!, path: (name) => join(dir, name) };
}

function upTo(log: Log, lastLsn: number): WalRecord[] {
  return log.records.filter((r) => r.lsn <= lastLsn);
}

/** Replays, expecting WalCorruptionError at exactly `where`; returns the records yielded first. */
function expectCorruption(
  log: Log,
  where: { segment: string; offset: number; expectedLsn: number; reason: string },
): WalRecord[] {
  const { records, error } = readUntilError(log.dir);
  expect(error).toBeInstanceOf(WalCorruptionError);
  const corruption = error as WalCorruptionError;
  expect(corruption.code).toBe(ErrorCode.corrupt);
  expect(corruption.location).toEqual({ dir: log.dir, ...where });
  expect(corruption.message).toBe(
    `${where.reason} in ${where.segment} at offset ${where.offset} ` +
      `(expected lsn ${where.expectedLsn}); run \`exec-wal verify ${log.dir}\``,
  );
  return records;
}

function expectTornTail(
  report: ScanReport,
  tail: { segment: string; offset: number; droppedBytes: number; lastLsn: number; reason: string },
  damageOffset = tail.offset,
): void {
  expect(report.tail).toEqual({ status: 'torn', headerDamaged: tail.offset === 0, ...tail });
  expect(report.damage).toEqual([
    {
      kind: 'torn-tail',
      action: 'stop-at-tail',
      segment: tail.segment,
      offset: damageOffset,
      expectedLsn: tail.lastLsn + 1,
      reason: tail.reason,
      droppedBytes: tail.droppedBytes,
    },
  ]);
  expect(report.lastLsn).toBe(tail.lastLsn);
}

describe('frame damage', () => {
  it('bad CRC in the last frame: torn tail, dropped and reported; a writer cuts it', async () => {
    const log = await smallLog();
    const last = log.frame(10);
    flipBit(log.path(SEG3), last.offset + FrameOffset.payload + 2, 3);
    const damaged = readFileSync(log.path(SEG3));
    const { records, report } = readAll(log.dir);
    expect(records).toEqual(upTo(log, 9));
    const tail = {
      segment: SEG3,
      offset: last.offset,
      droppedBytes: last.frameBytes,
      lastLsn: 9,
      reason: 'checksum mismatch',
    };
    expectTornTail(report, tail);

    const writer = await WalWriter.open(log.dir);
    expect(writer.openReport.repair).toEqual({
      segment: SEG3,
      backup: `${SEG3}.broken-10`,
      droppedBytes: last.frameBytes,
      action: 'truncated',
    });
    expect(writer.nextLsn).toBe(10);
    await writer.close();
    expect(readFileSync(join(log.dir, `${SEG3}.broken-10`))).toEqual(damaged.subarray(last.offset));
    expect(readFileSync(log.path(SEG3))).toEqual(damaged.subarray(0, last.offset));
  });

  it('bad CRC followed by valid frames: WalCorruptionError with segment, offset, expected LSN', async () => {
    const log = await smallLog();
    flipBit(log.path(SEG3), log.frame(7).offset + FrameOffset.payload, 0);
    const before = expectCorruption(log, {
      segment: SEG3,
      offset: log.frame(7).offset,
      expectedLsn: 7,
      reason: 'checksum mismatch',
    });
    expect(before).toEqual(upTo(log, 6));
    await expect(WalWriter.open(log.dir)).rejects.toBeInstanceOf(WalCorruptionError);
  });

  it('bad CRC inside a batch of a sealed segment: nothing of that batch is returned', async () => {
    const log = await smallLog();
    flipBit(log.path(SEG1), log.frame(3).offset + FrameOffset.lsn, 1);
    const before = expectCorruption(log, {
      segment: SEG1,
      offset: log.frame(3).offset,
      expectedLsn: 2,
      reason: 'checksum mismatch',
    });
    expect(before).toEqual(upTo(log, 1));
  });

  it('length 0', async () => {
    const log = await smallLog();
    writeU32(log.path(SEG3), log.frame(7).offset + FrameOffset.payloadBytes, 0);
    const before = expectCorruption(log, {
      segment: SEG3,
      offset: log.frame(7).offset,
      expectedLsn: 7,
      reason: 'frame length 0',
    });
    expect(before).toEqual(upTo(log, 6));
  });

  it('length over the 16 MiB format limit', async () => {
    const log = await smallLog();
    writeU32(log.path(SEG3), log.frame(7).offset + FrameOffset.payloadBytes, 16 * 1024 * 1024 + 1);
    expectCorruption(log, {
      segment: SEG3,
      offset: log.frame(7).offset,
      expectedLsn: 7,
      reason: 'frame length 16777217 exceeds the format limit',
    });
  });

  it('length past the end of the last segment: torn tail', async () => {
    const log = await smallLog();
    const last = log.frame(10);
    writeU32(log.path(SEG3), last.offset + FrameOffset.payloadBytes, 1000);
    const { records, report } = readAll(log.dir);
    expect(records).toEqual(upTo(log, 9));
    expectTornTail(report, {
      segment: SEG3,
      offset: last.offset,
      droppedBytes: last.frameBytes,
      lastLsn: 9,
      reason: 'frame length 1000 runs past the end of the segment',
    });
  });

  it('length past the end of a sealed segment: corruption', async () => {
    const log = await smallLog();
    writeU32(log.path(SEG1), log.frame(4).offset + FrameOffset.payloadBytes, 1000);
    const before = expectCorruption(log, {
      segment: SEG1,
      offset: log.frame(4).offset,
      expectedLsn: 4,
      reason: 'frame length 1000 runs past the end of the segment',
    });
    expect(before).toEqual(upTo(log, 3));
  });

  it('a CRC-valid frame with a skipped LSN (gap): corruption, even as the last frame', async () => {
    const log = await smallLog();
    writeU64(log.path(SEG3), log.frame(7).offset + FrameOffset.lsn, 8);
    fixFrameChecksum(log.path(SEG3), log.frame(7).offset);
    expectCorruption(log, {
      segment: SEG3,
      offset: log.frame(7).offset,
      expectedLsn: 7,
      reason: 'sequence gap: lsn 8 (expected 7)',
    });

    const tail = await smallLog();
    writeU64(tail.path(SEG3), tail.frame(10).offset + FrameOffset.lsn, 11);
    fixFrameChecksum(tail.path(SEG3), tail.frame(10).offset);
    const before = expectCorruption(tail, {
      segment: SEG3,
      offset: tail.frame(10).offset,
      expectedLsn: 10,
      reason: 'sequence gap: lsn 11 (expected 10)',
    });
    expect(before).toEqual(upTo(tail, 9));
    await expect(WalWriter.open(tail.dir)).rejects.toBeInstanceOf(WalCorruptionError);
  });

  it('a CRC-valid frame with a repeated LSN (duplicate): corruption', async () => {
    const log = await smallLog();
    writeU64(log.path(SEG3), log.frame(10).offset + FrameOffset.lsn, 9);
    fixFrameChecksum(log.path(SEG3), log.frame(10).offset);
    expectCorruption(log, {
      segment: SEG3,
      offset: log.frame(10).offset,
      expectedLsn: 10,
      reason: 'duplicate or stale lsn 9 (expected 10)',
    });
  });

  it('a CRC-valid frame whose payload is not msgpack: corruption', async () => {
    const log = await smallLog();
    overwrite(log.path(SEG3), log.frame(10).offset + FrameOffset.payload, Buffer.from([0xc1]));
    fixFrameChecksum(log.path(SEG3), log.frame(10).offset);
    const { error } = readUntilError(log.dir);
    expect(error).toBeInstanceOf(WalCorruptionError);
    const { location } = error as WalCorruptionError;
    expect(location).toMatchObject({
      segment: SEG3,
      offset: log.frame(10).offset,
      expectedLsn: 10,
    });
    expect(location.reason).toMatch(/^undecodable payload \(.+\)$/);
  });

  it('unknown flag bits followed by valid frames: corruption', async () => {
    const log = await smallLog();
    overwrite(log.path(SEG3), log.frame(7).offset + FrameOffset.flags, Buffer.from([0x08]));
    fixFrameChecksum(log.path(SEG3), log.frame(7).offset);
    expectCorruption(log, {
      segment: SEG3,
      offset: log.frame(7).offset,
      expectedLsn: 7,
      reason: 'unknown frame flags 0x8',
    });
  });

  it('unknown flag bits on a CRC-valid last frame: corruption, not a torn tail to cut', async () => {
    const log = await smallLog();
    overwrite(log.path(SEG3), log.frame(10).offset + FrameOffset.flags, Buffer.from([0x04]));
    fixFrameChecksum(log.path(SEG3), log.frame(10).offset);
    const before = readFileSync(log.path(SEG3));
    expectCorruption(log, {
      segment: SEG3,
      offset: log.frame(10).offset,
      expectedLsn: 10,
      reason: 'unknown frame flags 0x4',
    });
    await expect(WalWriter.open(log.dir)).rejects.toBeInstanceOf(WalCorruptionError);
    expect(readFileSync(log.path(SEG3))).toEqual(before);
  });

  it('unknown flag bits on a last frame whose CRC does not check: torn tail', async () => {
    const log = await smallLog();
    overwrite(log.path(SEG3), log.frame(10).offset + FrameOffset.flags, Buffer.from([0x04]));
    const { records, report } = readAll(log.dir);
    expect(records).toEqual(upTo(log, 9));
    expectTornTail(report, {
      segment: SEG3,
      offset: log.frame(10).offset,
      droppedBytes: log.frame(10).frameBytes,
      lastLsn: 9,
      reason: 'unknown frame flags 0x4',
    });
  });

  it('a batch whose final frame is missing at the tail is dropped whole (atomicity)', async () => {
    const log = await smallLog();
    const first = log.frame(8);
    truncateFile(log.path(SEG3), log.frame(9).offset);
    const damaged = readFileSync(log.path(SEG3));
    const { records, report } = readAll(log.dir);
    expect(records).toEqual(upTo(log, 7));
    expectTornTail(
      report,
      {
        segment: SEG3,
        offset: first.offset,
        droppedBytes: first.frameBytes,
        lastLsn: 7,
        reason: 'batch has no final frame',
      },
      log.frame(9).offset,
    );

    const writer = await WalWriter.open(log.dir);
    expect(writer.openReport.repair).toMatchObject({ droppedBytes: first.frameBytes });
    expect(await writer.append([recordOf(80)])).toEqual({ firstLsn: 8, lastLsn: 8 });
    await writer.close();
    expect(readFileSync(join(log.dir, `${SEG3}.broken-8`))).toEqual(damaged.subarray(first.offset));
    expect(readAll(log.dir).records).toEqual([...upTo(log, 7), { lsn: 8, ...recordOf(80) }]);
  });

  it('a batch whose final frame is missing in a sealed segment: corruption', async () => {
    const log = await smallLog();
    truncateFile(log.path(SEG1), log.frame(3).offset);
    const before = expectCorruption(log, {
      segment: SEG1,
      offset: log.frame(3).offset,
      expectedLsn: 2,
      reason: 'batch has no final frame',
    });
    expect(before).toEqual(upTo(log, 1));
  });
});

describe('segment damage', () => {
  it('sequence gap between segments (a sealed segment lost its last batch)', async () => {
    const log = await smallLog();
    truncateFile(log.path(SEG1), log.frame(4).offset);
    const before = expectCorruption(log, {
      segment: SEG2,
      offset: 0,
      expectedLsn: 4,
      reason: 'missing records (sequence gap): segment starts at lsn 5',
    });
    expect(before).toEqual(upTo(log, 3));
  });

  it('a missing middle segment', async () => {
    const log = await smallLog();
    rmSync(log.path(SEG2));
    const before = expectCorruption(log, {
      segment: SEG3,
      offset: 0,
      expectedLsn: 5,
      reason: 'missing records (sequence gap): segment starts at lsn 6',
    });
    expect(before).toEqual(upTo(log, 4));
  });

  it('overlapping segments', async () => {
    const log = await smallLog();
    const other = tempDir('reader-errors-overlap');
    const writer = await WalWriter.open(other, { fromLsn: 4 });
    await writer.append([recordOf(4)]);
    await writer.close();
    copyDir(join(other, '0000000000000004.wal'), join(log.dir, '0000000000000004.wal'));
    const before = expectCorruption(log, {
      segment: '0000000000000004.wal',
      offset: 0,
      expectedLsn: 5,
      reason: 'overlapping segments: segment starts at lsn 4',
    });
    expect(before).toEqual(upTo(log, 4));
  });

  it('segment name does not match the base LSN in its header', async () => {
    const log = await smallLog();
    const renamed = '0000000000000007.wal';
    renameSync(log.path(SEG3), log.path(renamed));
    const before = expectCorruption(log, {
      segment: renamed,
      offset: 0,
      expectedLsn: 6,
      reason: 'segment header base lsn 6 does not match its file name',
    });
    expect(before).toEqual(upTo(log, 5));
  });

  it('all-zero header of the last segment: torn, moved aside by a writer', async () => {
    const log = await smallLog();
    overwrite(log.path(SEG3), 0, Buffer.alloc(32));
    const damaged = readFileSync(log.path(SEG3));
    const { records, report } = readAll(log.dir);
    expect(records).toEqual(upTo(log, 5));
    expectTornTail(report, {
      segment: SEG3,
      offset: 0,
      droppedBytes: damaged.length,
      lastLsn: 5,
      reason: 'segment header checksum mismatch',
    });

    const writer = await WalWriter.open(log.dir);
    expect(writer.openReport.repair).toEqual({
      segment: SEG3,
      backup: `${SEG3}.broken-6`,
      droppedBytes: damaged.length,
      action: 'moved-aside',
    });
    expect(existsSync(log.path(SEG3))).toBe(false);
    expect(await writer.append([recordOf(60)])).toEqual({ firstLsn: 6, lastLsn: 6 });
    await writer.close();
    expect(readFileSync(join(log.dir, `${SEG3}.broken-6`))).toEqual(damaged);
    expect(readAll(log.dir).records).toEqual([...upTo(log, 5), { lsn: 6, ...recordOf(60) }]);
    // This writer has the default maxSegmentBytes, so record 6 went into the reopened SEG2.
    expect(segmentNames(log.dir)).toEqual([SEG1, SEG2]);
  });

  it('all-zero header of a sealed segment: corruption', async () => {
    const log = await smallLog();
    overwrite(log.path(SEG2), 0, Buffer.alloc(32));
    expectCorruption(log, {
      segment: SEG2,
      offset: 0,
      expectedLsn: 5,
      reason: 'segment header checksum mismatch',
    });
  });

  it('last segment shorter than its header: torn, reason "truncated segment header"', async () => {
    for (const length of [0, 1, 10, 31]) {
      const log = await smallLog();
      truncateFile(log.path(SEG3), length);
      const { records, report } = readAll(log.dir);
      expect(records).toEqual(upTo(log, 5));
      expectTornTail(report, {
        segment: SEG3,
        offset: 0,
        droppedBytes: length,
        lastLsn: 5,
        reason: 'truncated segment header',
      });
    }
  });

  it('a newer format version: WAL_UNSUPPORTED, not corruption', async () => {
    const log = await smallLog();
    const version = Buffer.alloc(2);
    version.writeUInt16LE(FORMAT_VERSION + 1);
    overwrite(log.path(SEG3), 8, version);
    fixHeaderChecksum(log.path(SEG3));
    const { error } = readUntilError(log.dir);
    expect(error).toBeInstanceOf(WalError);
    expect(error).not.toBeInstanceOf(WalCorruptionError);
    expect((error as WalError).code).toBe(ErrorCode.unsupported);
    expect((error as WalError).message).toBe(
      `${SEG3} in ${log.dir} has format version ${FORMAT_VERSION + 1}, newer than this exec-wal reads; upgrade exec-wal`,
    );
  });

  it('an undamaged log reads back whole with a clean report', async () => {
    const log = await smallLog();
    const { records, report } = readAll(log.dir);
    expect(records).toEqual(log.records);
    expect(report).toMatchObject({
      dir: log.dir,
      mode: 'tolerate-tail',
      firstLsn: 1,
      lastLsn: 10,
      records: 10,
      tail: { status: 'clean' },
      damage: [],
    });
    expect(
      report.segments.map((s) => [s.name, s.status, s.lastLsn, s.goodOffset === s.fileBytes]),
    ).toEqual([
      [SEG1, 'ok', 4, true],
      [SEG2, 'ok', 5, true],
      [SEG3, 'ok', 10, true],
    ]);
    writeFileSync(join(log.dir, 'notes.txt'), 'not a segment');
    expect(readAll(log.dir).records).toEqual(log.records);
  });
});
