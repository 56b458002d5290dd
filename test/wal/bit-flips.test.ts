import { FrameFlag } from '../../src/format/constants.js';
// Every single-bit flip the CRC must catch: in every frame and the header of a sealed segment
// (always corruption, located in the damaged frame), and in the last frames of the last segment
// (a torn tail or corruption, per docs/recovery.md). Never a record that was not written.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEGMENT_HEADER_BYTES } from '../../src/format/constants.js';
import { type CorruptionLocation, WalCorruptionError } from '../../src/errors.js';
import type { TailReport } from '../../src/wal/log-reader.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import {
  type FrameInfo,
  frameOffsets,
  readUntilError,
  recordOf,
  segmentNames,
  writeLog,
} from '../support/byte-poke.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

// Segments: 1 | 2 3 (batch) | 4 ; 5 (4 KiB) ; 6 | 7 | 8 9 (batch) | 10
const SEALED = '0000000000000001.wal';
const LAST = '0000000000000006.wal';

let dir: string;
let records: WalRecord[];

beforeAll(async () => {
  dir = tempDir('bit-flips');
  ({ records } = await writeLog(
    dir,
    [
      recordOf(1, 14),
      [recordOf(2, 20), recordOf(3, 9)],
      recordOf(4, 30),
      recordOf(5, 4100),
      recordOf(6),
      recordOf(7),
      [recordOf(8, 19), recordOf(9, 26)],
      recordOf(10, 33),
    ],
    { maxSegmentBytes: 4096 },
  ));
  expect(segmentNames(dir)).toEqual([SEALED, '0000000000000005.wal', LAST]);
});

afterAll(removeTempDirs);

/**
 * What one replay of the damaged log gave: the records, and the corruption location or the tail
 * report. `reason` is checked apart: undefined in an expectation means any non-empty reason.
 */
interface Outcome {
  records: WalRecord[];
  corruption?: Omit<CorruptionLocation, 'reason'>;
  tail?: Omit<Extract<TailReport, { status: 'torn' }>, 'reason'> | { status: 'clean' };
  reason?: string;
}

function replayOutcome(): Outcome {
  const { records: read, report, error } = readUntilError(dir);
  if (error instanceof WalCorruptionError) {
    const { reason, ...corruption } = error.location;
    return { records: read, corruption, reason };
  }
  if (error !== undefined) throw error;
  const tail = report!.tail;
  if (tail.status === 'clean') return { records: read, tail };
  const { reason, ...rest } = tail;
  return { records: read, tail: rest, reason };
}

/**
 * Flips each bit of `segment` in [from, to) in turn and checks the replay gives exactly
 * `expected` (compared cheaply, with expect() only to explain a mismatch). Returns the count.
 */
function eachFlip(segment: string, from: number, to: number, expected: Outcome): number {
  const path = join(dir, segment);
  const clean = readFileSync(path);
  let flips = 0;
  try {
    for (let byte = from; byte < to; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const damaged = Buffer.from(clean);
        damaged[byte] = damaged[byte]! ^ (1 << bit);
        writeFileSync(path, damaged);
        const outcome = replayOutcome();
        if (expected.reason === undefined && outcome.reason) delete outcome.reason;
        if (!isDeepStrictEqual(outcome, expected)) {
          expect(outcome, `${segment} byte ${byte} bit ${bit}`).toEqual(expected);
        }
        flips++;
      }
    }
  } finally {
    writeFileSync(path, clean);
  }
  return flips;
}

/** First LSN of the batch that `frame` belongs to. */
function batchStart(all: FrameInfo[], frame: FrameInfo): number {
  let start = all[0]!.lsn;
  for (const f of all) {
    if (f === frame) return start;
    if ((f.flags & FrameFlag.batchContinues) === 0) start = f.lsn + 1;
  }
  throw new Error('frame not in list');
}

function upTo(lsn: number): WalRecord[] {
  return records.filter((r) => r.lsn <= lsn);
}

describe('bit flips in a sealed segment', () => {
  it('in any frame: WalCorruptionError at that frame, only whole earlier batches returned', () => {
    const frames = frameOffsets(readFileSync(join(dir, SEALED)));
    expect(frames.map((f) => f.lsn)).toEqual([1, 2, 3, 4]);
    let total = 0;
    for (const frame of frames) {
      const firstOfBatch = batchStart(frames, frame);
      total += eachFlip(SEALED, frame.offset, frame.offset + frame.frameBytes, {
        records: upTo(firstOfBatch - 1),
        corruption: {
          dir,
          segment: SEALED,
          offset: frame.offset,
          expectedLsn: firstOfBatch,
        },
      });
    }
    const last = frames.at(-1)!;
    expect(total).toBe((last.offset + last.frameBytes - SEGMENT_HEADER_BYTES) * 8);
  });

  it('in the segment header: WalCorruptionError at offset 0, nothing returned', () => {
    const flips = eachFlip(SEALED, 0, SEGMENT_HEADER_BYTES, {
      records: [],
      corruption: {
        dir,
        segment: SEALED,
        offset: 0,
        expectedLsn: 1,
      },
      reason: 'segment header checksum mismatch',
    });
    expect(flips).toBe(256);
  });
});

describe('bit flips in the last frames of the last segment', () => {
  it('in the last frame: a clean prefix with the frame reported as a torn tail', () => {
    const frames = frameOffsets(readFileSync(join(dir, LAST)));
    const last = frames.at(-1)!;
    expect(last.lsn).toBe(10);
    eachFlip(LAST, last.offset, last.offset + last.frameBytes, {
      records: upTo(9),
      tail: {
        status: 'torn',
        segment: LAST,
        offset: last.offset,
        droppedBytes: last.frameBytes,
        lastLsn: 9,
        headerDamaged: false,
      },
    });
  });

  it('in the frame before it (a batch end): corruption, since a valid frame follows', () => {
    const frames = frameOffsets(readFileSync(join(dir, LAST)));
    const frame = frames.at(-2)!;
    expect(frame.lsn).toBe(9);
    eachFlip(LAST, frame.offset, frame.offset + frame.frameBytes, {
      records: upTo(7),
      corruption: {
        dir,
        segment: LAST,
        offset: frame.offset,
        expectedLsn: 8,
      },
    });
  });
});
