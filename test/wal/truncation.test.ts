import { FrameFlag } from '../../src/format/constants.js';
// Truncation at every byte offset of the log's tail (etcd/LevelDB style): whatever prefix of the
// last segment survived a crash, a writer opens, keeps exactly the whole batches before the cut,
// backs up and cuts the rest, and appends after it without any stale byte resurfacing.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from '../../src/format/constants.js';
import { parseSegmentName } from '../../src/format/segment-name.js';
import type { TailReport } from '../../src/wal/log-reader.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import type { TailRepair } from '../../src/wal/tail-repair.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import {
  type Append,
  copyDir,
  type FrameInfo,
  frameOffsets,
  readAll,
  recordOf,
  segmentNames,
  truncateFile,
  writeLog,
} from '../support/byte-poke.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

const OPTIONS = { maxSegmentBytes: 4096 };

let template: string;
let records: WalRecord[];
let lastSegment: string;
let lastBase: number;
let original: Buffer;
let frames: FrameInfo[];

beforeAll(async () => {
  template = tempDir('truncation-template');
  const appends: Append[] = [];
  for (let n = 1; n <= 70; n++) {
    appends.push(n % 9 === 0 ? [recordOf(n, 10 + n), recordOf(1000 + n, 30)] : recordOf(n, n));
  }
  // The last three frames: a single record, then a two-frame batch.
  appends.push(recordOf(71, 30), [recordOf(72, 21), recordOf(73, 47)]);
  ({ records } = await writeLog(template, appends, OPTIONS));
  const names = segmentNames(template);
  expect(names.length).toBeGreaterThanOrEqual(2);
  lastSegment = names.at(-1)!;
  lastBase = parseSegmentName(lastSegment)!;
  original = readFileSync(join(template, lastSegment));
  frames = frameOffsets(original);
  expect(frames.length).toBeGreaterThan(3);
  expect(frames.slice(-3).map((f) => f.flags & FrameFlag.batchContinues)).toEqual([0, 1, 0]);
});

afterAll(removeTempDirs);

interface Expected {
  kept: WalRecord[];
  tail: TailReport;
  repair: TailRepair | undefined;
  /** Bytes the backup must hold. */
  backupBytes: Buffer | undefined;
}

/** What a reader must make of the last segment cut to `cut` bytes, from the frame layout. */
function expectedFor(cut: number): Expected {
  const before = records.filter((r) => r.lsn < lastBase);
  if (cut < SEGMENT_HEADER_BYTES) {
    const backup = `${lastSegment}.broken-${lastBase}`;
    return {
      kept: before,
      tail: {
        status: 'torn',
        segment: lastSegment,
        offset: 0,
        droppedBytes: cut,
        lastLsn: lastBase - 1,
        reason: 'truncated segment header',
        headerDamaged: true,
      },
      repair: { segment: lastSegment, backup, droppedBytes: cut, action: 'moved-aside' },
      backupBytes: original.subarray(0, cut),
    };
  }
  let goodOffset = SEGMENT_HEADER_BYTES;
  let lastLsn = lastBase - 1;
  let reason = 'batch has no final frame';
  for (const frame of frames) {
    const end = frame.offset + frame.frameBytes;
    if (end > cut) {
      if (frame.offset < cut) {
        reason =
          cut - frame.offset < FRAME_HEADER_BYTES
            ? 'truncated frame header'
            : `frame length ${frame.payloadBytes} runs past the end of the segment`;
      }
      break;
    }
    if ((frame.flags & FrameFlag.batchContinues) === 0) {
      goodOffset = end;
      lastLsn = frame.lsn;
    }
  }
  const kept = records.filter((r) => r.lsn <= lastLsn);
  if (goodOffset === cut)
    return { kept, tail: { status: 'clean' }, repair: undefined, backupBytes: undefined };
  return {
    kept,
    tail: {
      status: 'torn',
      segment: lastSegment,
      offset: goodOffset,
      droppedBytes: cut - goodOffset,
      lastLsn,
      reason,
      headerDamaged: false,
    },
    repair: {
      segment: lastSegment,
      backup: `${lastSegment}.broken-${lastLsn + 1}`,
      droppedBytes: cut - goodOffset,
      action: 'truncated',
    },
    backupBytes: original.subarray(goodOffset, cut),
  };
}

async function checkCut(work: string, cut: number): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  copyDir(template, work);
  truncateFile(join(work, lastSegment), cut);
  const expected = expectedFor(cut);

  const replayed: WalRecord[] = [];
  const writer = await WalWriter.open(work, OPTIONS, (record) => replayed.push(record));
  const nextLsn = (expected.kept.at(-1)?.lsn ?? 0) + 1;
  try {
    expect(replayed).toEqual(expected.kept);
    expect(writer.openReport.scan.tail).toEqual(expected.tail);
    expect(writer.openReport.scan.lastLsn).toBe(nextLsn - 1);
    expect(writer.openReport.repair).toEqual(expected.repair);
    if (expected.repair) {
      const backup = readFileSync(join(work, expected.repair.backup));
      expect(backup.equals(expected.backupBytes!)).toBe(true);
    }
    expect(writer.nextLsn).toBe(nextLsn);
    const added = [1, 2, 3, 4, 5].map((i) => recordOf(10_000 + i, 25));
    const results = await Promise.all(added.map((record) => writer.append([record])));
    expect(results.map((r) => r.firstLsn)).toEqual([0, 1, 2, 3, 4].map((i) => nextLsn + i));
  } finally {
    await writer.close();
  }
  const { records: after, report } = readAll(work);
  const addedRecords = [1, 2, 3, 4, 5].map((i) => ({
    lsn: nextLsn + i - 1,
    ...recordOf(10_000 + i, 25),
  }));
  expect(after).toEqual([...expected.kept, ...addedRecords]);
  expect(report.tail).toEqual({ status: 'clean' });
  expect(report.damage).toEqual([]);
}

describe('truncation of the last segment', () => {
  it('at every byte of its 32-byte header: moved aside, earlier segments kept', async () => {
    const work = join(tempDir('truncation'), 'log');
    for (let cut = 0; cut < SEGMENT_HEADER_BYTES; cut++) {
      await checkCut(work, cut).catch((e: Error) => Promise.reject(tagged(e, cut)));
    }
  });

  it('at every byte offset of its last three frames: whole batches before the cut survive', async () => {
    const work = join(tempDir('truncation'), 'log');
    const from = frames.at(-3)!.offset;
    let torn = 0;
    for (let cut = from; cut <= original.length; cut++) {
      await checkCut(work, cut).catch((e: Error) => Promise.reject(tagged(e, cut)));
      if (expectedFor(cut).tail.status === 'torn') torn++;
    }
    // The clean cuts: before the single record, before the batch, and the whole file.
    expect(torn).toBe(original.length - from + 1 - 3);
  });
});

function tagged(error: Error, cut: number): Error {
  error.message = `cut at ${cut}: ${error.message}`;
  return error;
}
