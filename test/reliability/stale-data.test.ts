// Bad lengths, and stale, duplicated or missing data (reliability plan #7 and #8). One small
// known log, damaged one way per case; each case checks the exact outcome of a replay (and of a
// writer's open where it matters) and then runs the fuzz oracle over it in every recovery mode
// (test/support/decode-check.ts: only named errors, no buffer larger than the largest file, no
// duplicated, reordered or unwritten record).
//
// Cases test/wal/reader-errors.test.ts already has are not repeated here: length 0 and a length
// over 16 MiB followed by valid frames, a length past the end of the last and of a sealed
// segment (1000), a CRC-valid frame with a skipped or repeated LSN, a missing middle segment, a
// sealed segment that lost its last batch, overlapping segments, a header base that does not
// match the file name.
//
// The log (maxSegmentBytes 4096), LSN: frames per segment:
//   0000000000000001.wal  1 | 2 3 (batch) | 4          sealed
//   0000000000000005.wal  5 (4 KiB record)             sealed
//   0000000000000006.wal  6 | 7 | 8 9 (batch) | 10     last
import { copyFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FrameOffset, SegmentHeaderOffset } from '../../src/format/constants.js';
import { segmentName } from '../../src/format/segment-name.js';
import { ErrorCode, WalCorruptionError } from '../../src/errors.js';
import { FORMAT_PAYLOAD_BYTES_MAX } from '../../src/limits.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import {
  type FrameInfo,
  fixFrameChecksum,
  fixHeaderChecksum,
  readAll,
  readUntilError,
  recordOf,
  segmentFrames,
  segmentNames,
  writeLog,
  writeU32,
  writeU64,
} from '../support/byte-poke.js';
import { type Oracle, problemsOf, readEveryMode } from '../support/decode-check.js';
import { loadFiles } from '../support/log-image.js';
import { FaultTally } from '../support/reliability-log.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const SEG1 = '0000000000000001.wal';
const SEG2 = '0000000000000005.wal';
const SEG3 = '0000000000000006.wal';

interface Log {
  dir: string;
  records: WalRecord[];
  frame: (lsn: number) => FrameInfo;
  path: (segment: string) => string;
}

const APPENDS = [
  recordOf(1),
  [recordOf(2), recordOf(3)],
  recordOf(4),
  recordOf(5, 4100),
  recordOf(6),
  recordOf(7),
  [recordOf(8), recordOf(9)],
  recordOf(10),
];

/** The log above; `tag` makes another log with the same layout but other values and salts. */
async function smallLog(tag = 0): Promise<Log> {
  const dir = tempDir('stale-data');
  const appends = APPENDS.map((append) =>
    Array.isArray(append)
      ? append.map((r) => ({ ...r, value: { ...(r.value as object), tag } }))
      : { ...append, value: { ...(append.value as object), tag } },
  );
  const { records } = await writeLog(dir, appends, { maxSegmentBytes: 4096 });
  expect(segmentNames(dir)).toEqual([SEG1, SEG2, SEG3]);
  const frames = new Map<number, FrameInfo>();
  for (const name of [SEG1, SEG2, SEG3]) {
    for (const frame of segmentFrames(dir, name)) frames.set(frame.lsn, frame);
  }
  return { dir, records, frame: (lsn) => frames.get(lsn)!, path: (name) => join(dir, name) };
}

const upTo = (log: Log, last: number) => log.records.filter((r) => r.lsn <= last);

/** The fuzz oracle over the log as it is on disk now, in every recovery mode. */
function expectOracleHolds(log: Log, oracle: Oracle = { written: log.records, fromStart: true }) {
  const files = loadFiles(log.dir);
  const run = readEveryMode(files);
  expect(problemsOf(run, files, oracle)).toEqual([]);
}

function expectCorruption(
  log: Log,
  where: { segment: string; offset: number; expectedLsn: number; reason?: string | RegExp },
): WalRecord[] {
  const { records, error } = readUntilError(log.dir);
  expect(error).toBeInstanceOf(WalCorruptionError);
  const { location } = error as WalCorruptionError;
  expect((error as WalCorruptionError).code).toBe(ErrorCode.corrupt);
  expect(location).toMatchObject({
    dir: log.dir,
    segment: where.segment,
    offset: where.offset,
    expectedLsn: where.expectedLsn,
  });
  if (typeof where.reason === 'string') expect(location.reason).toBe(where.reason);
  else if (where.reason) expect(location.reason).toMatch(where.reason);
  return records;
}

/** Every distinct LSN once, in order, +1 each: nothing duplicated or reordered. */
function expectNoDuplicateOrReorder(records: readonly WalRecord[]): void {
  records.forEach((record, index) => {
    if (index > 0) expect(record.lsn).toBe(records[index - 1]!.lsn + 1);
  });
}

/** Lengths to try in a frame whose real payload is `payloadBytes` long. */
function badLengths(payloadBytes: number, frameBytes: number): number[] {
  return [
    0,
    1,
    Math.max(1, payloadBytes - 8),
    payloadBytes + 8, // into the next frame
    payloadBytes + frameBytes, // over the whole next frame
    FORMAT_PAYLOAD_BYTES_MAX,
    FORMAT_PAYLOAD_BYTES_MAX + 1,
    0x7fffffff,
    0xffffffff,
  ];
}

describe('bad lengths (plan #7)', () => {
  it('any bad length in a frame followed by valid frames: corruption at that frame', async () => {
    const tally = new FaultTally(7, 'bad length mid-segment');
    const probe = await smallLog();
    for (const length of badLengths(probe.frame(7).payloadBytes, probe.frame(8).frameBytes)) {
      await tally.check(`length ${length}`, async () => {
        const log = await smallLog();
        writeU32(log.path(SEG3), log.frame(7).offset + FrameOffset.payloadBytes, length);
        const before = expectCorruption(log, {
          segment: SEG3,
          offset: log.frame(7).offset,
          expectedLsn: 7,
        });
        expect(before).toEqual(upTo(log, 6));
        expectOracleHolds(log);
      });
    }
    tally.finish();
  });

  it('any bad length in the last frame: a torn tail, reported and cut by a writer', async () => {
    const tally = new FaultTally(7, 'bad length in the last frame');
    const probe = await smallLog();
    const last = probe.frame(10);
    for (const length of badLengths(last.payloadBytes, 8)) {
      await tally.check(`length ${length}`, async () => {
        const log = await smallLog();
        writeU32(log.path(SEG3), last.offset + FrameOffset.payloadBytes, length);
        const damaged = readFileSync(log.path(SEG3));
        const { records, report } = readAll(log.dir);
        expect(records).toEqual(upTo(log, 9));
        expect(report.tail).toMatchObject({
          status: 'torn',
          segment: SEG3,
          offset: last.offset,
          droppedBytes: last.frameBytes,
          lastLsn: 9,
        });
        expectOracleHolds(log);
        const writer = await WalWriter.open(log.dir);
        expect(writer.openReport.repair).toMatchObject({
          segment: SEG3,
          droppedBytes: last.frameBytes,
          action: 'truncated',
        });
        expect(await writer.append([recordOf(100)])).toEqual({ firstLsn: 10, lastLsn: 10 });
        await writer.close();
        expect(readFileSync(join(log.dir, `${SEG3}.broken-10`))).toEqual(
          damaged.subarray(last.offset),
        );
        expect(readAll(log.dir).records).toEqual([...upTo(log, 9), { lsn: 10, ...recordOf(100) }]);
      });
    }
    tally.finish();
  });

  it('a length running out of a sealed segment into the next: corruption, the next never read', async () => {
    const tally = new FaultTally(7, 'bad length into the next segment');
    const probe = await smallLog();
    const lastSealed = probe.frame(4);
    const seg1Bytes = readFileSync(probe.path(SEG1)).length;
    // Exactly to the end of the file plus 8, plus the whole next segment's header, and beyond.
    const lengths = [
      seg1Bytes - lastSealed.offset - 20 + 8,
      seg1Bytes - lastSealed.offset - 20 + 32,
      ...badLengths(lastSealed.payloadBytes, 0).slice(5),
    ];
    for (const length of lengths) {
      await tally.check(`length ${length}`, async () => {
        const log = await smallLog();
        writeU32(log.path(SEG1), lastSealed.offset + FrameOffset.payloadBytes, length);
        const before = expectCorruption(log, {
          segment: SEG1,
          offset: lastSealed.offset,
          expectedLsn: 4,
        });
        expect(before).toEqual(upTo(log, 3));
        const { records, report } = readAll(log.dir, { recovery: 'point-in-time' });
        expect(records).toEqual(upTo(log, 3));
        expect(report.segments.map((s) => s.status)).toEqual(['damaged', 'unread', 'unread']);
        expectOracleHolds(log);
      });
    }
    tally.finish();
  });

  it('a length that swallows the next frame, with its CRC forged to match: corruption', async () => {
    const tally = new FaultTally(7, 'forged length with a valid CRC');
    await tally.check('frame 2 swallowing frame 3', async () => {
      const log = await smallLog();
      const first = log.frame(2);
      const swallowed = first.frameBytes + log.frame(3).frameBytes - 20;
      writeU32(log.path(SEG1), first.offset + FrameOffset.payloadBytes, swallowed);
      fixFrameChecksum(log.path(SEG1), first.offset);
      const before = expectCorruption(log, {
        segment: SEG1,
        offset: first.offset,
        expectedLsn: 2,
        reason: /^undecodable payload/,
      });
      expect(before).toEqual(upTo(log, 1));
      expectOracleHolds(log);
    });
    await tally.check('the last frame shortened by 8', async () => {
      const log = await smallLog();
      const last = log.frame(10);
      writeU32(log.path(SEG3), last.offset + FrameOffset.payloadBytes, last.payloadBytes - 8);
      fixFrameChecksum(log.path(SEG3), last.offset);
      const before = readFileSync(log.path(SEG3));
      expectCorruption(log, { segment: SEG3, offset: last.offset, expectedLsn: 10 });
      // A frame that checks is never a crash artefact: not cut, even at the very end.
      await expect(WalWriter.open(log.dir)).rejects.toBeInstanceOf(WalCorruptionError);
      expect(readFileSync(log.path(SEG3))).toEqual(before);
      expectOracleHolds(log);
    });
    tally.finish();
  });
});

describe('stale, duplicated and missing data (plan #8)', () => {
  it('frames copied from another segment or another log never check in the wrong place', async () => {
    const tally = new FaultTally(8, 'frames copied from another segment');
    await tally.check('this log: frames of the first segment appended to the last', async () => {
      const log = await smallLog();
      const seg1 = readFileSync(log.path(SEG1));
      const copied = seg1.subarray(log.frame(1).offset, log.frame(4).offset);
      writeFileSync(log.path(SEG3), Buffer.concat([readFileSync(log.path(SEG3)), copied]));
      const { records, report } = readAll(log.dir);
      expect(records).toEqual(log.records);
      expect(report.tail).toMatchObject({
        status: 'torn',
        droppedBytes: copied.length,
        lastLsn: 10,
      });
      expectOracleHolds(log);
    });
    await tally.check('another log: its frame with the very next LSN appended', async () => {
      const log = await smallLog();
      // The other log (other salts) gets record 11; its frame with LSN 11, exactly the LSN this
      // log expects next, is appended to this log's last segment.
      const other = await smallLog(1);
      const writer = await WalWriter.open(other.dir, { maxSegmentBytes: 4096 });
      expect(await writer.append([recordOf(11)])).toEqual({ firstLsn: 11, lastLsn: 11 });
      await writer.close();
      const otherSeg = readFileSync(other.path(SEG3));
      const frame11 = segmentFrames(other.dir, SEG3).find((f) => f.lsn === 11)!;
      const stale = otherSeg.subarray(frame11.offset, frame11.offset + frame11.frameBytes);
      writeFileSync(log.path(SEG3), Buffer.concat([readFileSync(log.path(SEG3)), stale]));
      const { records, report } = readAll(log.dir);
      expect(records).toEqual(log.records);
      expect(report.tail).toMatchObject({
        status: 'torn',
        droppedBytes: stale.length,
        lastLsn: 10,
      });
      expectOracleHolds(log);
      const opened = await WalWriter.open(log.dir);
      expect(opened.nextLsn).toBe(11);
      expect(opened.openReport.repair).toMatchObject({ droppedBytes: stale.length });
      await opened.close();
    });
    await tally.check('this log: frames of the first segment inserted mid-segment', async () => {
      const log = await smallLog();
      const seg1 = readFileSync(log.path(SEG1));
      const seg3 = readFileSync(log.path(SEG3));
      const at = log.frame(8).offset;
      const copied = seg1.subarray(log.frame(2).offset, log.frame(4).offset);
      writeFileSync(
        log.path(SEG3),
        Buffer.concat([seg3.subarray(0, at), copied, seg3.subarray(at)]),
      );
      const before = expectCorruption(log, { segment: SEG3, offset: at, expectedLsn: 8 });
      expect(before).toEqual(upTo(log, 7));
      expect(readAll(log.dir, { recovery: 'salvage' }).records).toEqual(log.records);
      expectOracleHolds(log);
    });
    tally.finish();
  });

  it('a whole segment duplicated under another name: never a duplicated record', async () => {
    const tally = new FaultTally(8, 'duplicated segment');
    await tally.check('the last segment copied after itself (name does not match)', async () => {
      const log = await smallLog();
      const copy = segmentName(11);
      copyFileSync(log.path(SEG3), log.path(copy));
      const before = expectCorruption(log, {
        segment: copy,
        offset: 0,
        expectedLsn: 11,
        reason: 'segment header base lsn 6 does not match its file name',
      });
      expect(before).toEqual(log.records);
      for (const recovery of ['point-in-time', 'salvage'] as const) {
        expect(readAll(log.dir, { recovery }).records).toEqual(log.records);
      }
      expectOracleHolds(log);
    });
    await tally.check('copied after itself with a matching forged header', async () => {
      const log = await smallLog();
      const copy = log.path(segmentName(11));
      copyFileSync(log.path(SEG3), copy);
      writeU64(copy, SegmentHeaderOffset.baseLsn, 11);
      fixHeaderChecksum(copy);
      const before = expectCorruption(log, {
        segment: segmentName(11),
        offset: log.frame(6).offset,
        expectedLsn: 11,
        reason: 'duplicate or stale lsn 6 (expected 11)',
      });
      expect(before).toEqual(log.records);
      expect(readAll(log.dir, { recovery: 'salvage' }).records).toEqual(log.records);
      expectOracleHolds(log);
    });
    await tally.check('the first segment copied between two others, forged header', async () => {
      const log = await smallLog();
      const copy = log.path(segmentName(3));
      copyFileSync(log.path(SEG1), copy);
      writeU64(copy, SegmentHeaderOffset.baseLsn, 3);
      fixHeaderChecksum(copy);
      const before = expectCorruption(log, {
        segment: segmentName(3),
        offset: 0,
        expectedLsn: 5,
        reason: 'overlapping segments: segment starts at lsn 3',
      });
      expect(before).toEqual(upTo(log, 4));
      const salvaged = readAll(log.dir, { recovery: 'salvage' });
      expect(salvaged.records).toEqual(log.records);
      expectNoDuplicateOrReorder(salvaged.records);
      expectOracleHolds(log);
    });
    tally.finish();
  });

  it('a missing segment: a gap is named; a missing first or last one cannot be told', async () => {
    const tally = new FaultTally(8, 'missing segment');
    // The middle segment: test/wal/reader-errors.test.ts ("a missing middle segment").
    await tally.check('the first segment: reads like retention removed it', async () => {
      const log = await smallLog();
      rmSync(log.path(SEG1));
      const { records, report } = readAll(log.dir, { recovery: 'strict' });
      expect(records).toEqual(log.records.filter((r) => r.lsn >= 5));
      expect(report.firstLsn).toBe(5);
      expectOracleHolds(log, { written: log.records });
    });
    await tally.check(
      'the last segment: a shorter, clean log (format v1 cannot tell)',
      async () => {
        const log = await smallLog();
        rmSync(log.path(SEG3));
        const { records, report } = readAll(log.dir, { recovery: 'strict' });
        expect(records).toEqual(upTo(log, 5));
        expect(report.tail).toEqual({ status: 'clean' });
        expectOracleHolds(log);
      },
    );
    await tally.check('two middle segments of five', async () => {
      const dir = tempDir('stale-data-five');
      const appends = Array.from({ length: 10 }, (_, i) => recordOf(i + 1, 1500));
      const { records } = await writeLog(dir, appends, { maxSegmentBytes: 4096 });
      const names = segmentNames(dir);
      expect(names.length).toBeGreaterThanOrEqual(5);
      rmSync(join(dir, names[1]!));
      rmSync(join(dir, names[2]!));
      const { records: before, error } = readUntilError(dir);
      expect(error).toBeInstanceOf(WalCorruptionError);
      expect((error as WalCorruptionError).location.segment).toBe(names[3]);
      expect((error as WalCorruptionError).location.reason).toMatch(/^missing records/);
      const firstOfGap = records.findIndex((r) => segmentName(r.lsn) === names[1]);
      expect(before).toEqual(records.slice(0, firstOfGap));
      const salvaged = readAll(dir, { recovery: 'salvage' });
      expect(salvaged.report.damage.map((d) => d.reason)).toEqual([
        expect.stringMatching(/^missing records \(sequence gap\)/),
      ]);
      const files = loadFiles(dir);
      expect(
        problemsOf(readEveryMode(files), files, { written: records, fromStart: true }),
      ).toEqual([]);
    });
    tally.finish();
  });

  it('a stale segment of an older generation under the right name', async () => {
    const tally = new FaultTally(8, 'stale segment of an older generation');
    await tally.check(
      'stale frames after a re-created segment (other salt): a torn tail',
      async () => {
        // Generation 1 of SEG3 holds 6..10. Generation 2 is made after SEG3 was lost: a writer
        // rotates to a new SEG3 (new salt) holding 6' 7'. Then generation 1's frames 8 9 10,
        // exactly the LSNs expected next, resurface after it.
        const log = await smallLog();
        const generation1 = readFileSync(log.path(SEG3));
        rmSync(log.path(SEG3));
        const writer = await WalWriter.open(log.dir, { maxSegmentBytes: 4096 });
        await writer.append([recordOf(60)]);
        await writer.append([recordOf(70)]);
        await writer.close();
        expect(segmentNames(log.dir)).toEqual([SEG1, SEG2, SEG3]);
        const generation2 = readFileSync(log.path(SEG3));
        const stale = generation1.subarray(log.frame(8).offset);
        writeFileSync(log.path(SEG3), Buffer.concat([generation2, stale]));
        const expected = [
          ...upTo(log, 5),
          { lsn: 6, ...recordOf(60) },
          { lsn: 7, ...recordOf(70) },
        ];
        const { records, report } = readAll(log.dir);
        expect(records).toEqual(expected);
        expect(report.tail).toMatchObject({
          status: 'torn',
          droppedBytes: stale.length,
          lastLsn: 7,
        });
        expect(readAll(log.dir, { recovery: 'salvage' }).records).toEqual(expected);
        const files = loadFiles(log.dir);
        expect(
          problemsOf(readEveryMode(files), files, { written: expected, fromStart: true }),
        ).toEqual([]);
      },
    );
    await tally.check(
      "another log's segment covering more LSNs: the overlap is named",
      async () => {
        const log = await smallLog();
        const other = tempDir('stale-data-other');
        // The other log's 0000000000000005.wal holds 5 6 7.
        await writeLog(
          other,
          [
            recordOf(1),
            recordOf(2),
            recordOf(3),
            recordOf(4, 4100),
            recordOf(50),
            recordOf(51),
            recordOf(52),
          ],
          { maxSegmentBytes: 4096 },
        );
        expect(segmentNames(other)).toContain(SEG2);
        copyFileSync(join(other, SEG2), log.path(SEG2));
        const before = expectCorruption(log, {
          segment: SEG3,
          offset: 0,
          expectedLsn: 8,
          reason: 'overlapping segments: segment starts at lsn 6',
        });
        // Records 5..7 came from the other log: v1 cannot tell a whole sealed segment swapped for
        // a structurally valid one (see docs/reliability.md); they are still in LSN order, once.
        expect(before.map((r) => r.lsn)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expectNoDuplicateOrReorder(readAll(log.dir, { recovery: 'salvage' }).records);
        expectOracleHolds(log, {});
      },
    );
    await tally.check(
      "another log's segment with exactly the same LSNs: not detected (v1 limit)",
      async () => {
        const log = await smallLog();
        const other = await smallLog(1);
        copyFileSync(other.path(SEG2), log.path(SEG2));
        const { records, report } = readAll(log.dir, { recovery: 'strict' });
        expectNoDuplicateOrReorder(records);
        expect(records.map((r) => r.lsn)).toEqual(log.records.map((r) => r.lsn));
        expect(records[4]).toEqual(other.records[4]);
        expect(report.damage).toEqual([]);
        expectOracleHolds(log, {});
      },
    );
    tally.finish();
  });

  it('a wrong base LSN in a segment header', async () => {
    const tally = new FaultTally(8, 'wrong base lsn in a header');
    // Header and name disagreeing: test/wal/reader-errors.test.ts. Here both agree (the header CRC
    // forged), so only the frames' own LSNs can give it away.
    for (const [base, expectedLsn, reason] of [
      [7, 6, 'missing records (sequence gap): segment starts at lsn 7'],
      [4, 5, 'overlapping segments: segment starts at lsn 4'],
    ] as const) {
      await tally.check(`the last segment renamed and rebased to ${base}`, async () => {
        const log = await smallLog();
        const to = log.path(segmentName(base));
        renameSync(log.path(SEG3), to);
        writeU64(to, SegmentHeaderOffset.baseLsn, base);
        fixHeaderChecksum(to);
        const before = expectCorruption(log, {
          segment: segmentName(base),
          offset: 0,
          expectedLsn,
          reason,
        });
        expect(before).toEqual(upTo(log, expectedLsn - 1));
        expectOracleHolds(log);
      });
    }
    await tally.check(
      'the first segment rebased to 3 (no earlier segment to compare)',
      async () => {
        const log = await smallLog();
        const to = log.path(segmentName(3));
        renameSync(log.path(SEG1), to);
        writeU64(to, SegmentHeaderOffset.baseLsn, 3);
        fixHeaderChecksum(to);
        const before = expectCorruption(log, {
          segment: segmentName(3),
          offset: log.frame(1).offset,
          expectedLsn: 3,
          reason: 'duplicate or stale lsn 1 (expected 3)',
        });
        expect(before).toEqual([]);
        expectOracleHolds(log, { written: log.records });
      },
    );
    for (const base of [0, 2 ** 53]) {
      for (const name of [SEG2, SEG3]) {
        await tally.check(`header base ${base} with a valid header CRC in ${name}`, async () => {
          const log = await smallLog();
          writeU64(log.path(name), SegmentHeaderOffset.baseLsn, base);
          fixHeaderChecksum(log.path(name));
          // Frames that check follow the bad header: corruption even in the last segment.
          const before = expectCorruption(log, {
            segment: name,
            offset: 0,
            expectedLsn: name === SEG2 ? 5 : 6,
            reason: `segment base lsn ${base} out of range`,
          });
          expect(before).toEqual(upTo(log, name === SEG2 ? 4 : 5));
          expectOracleHolds(log);
        });
      }
    }
    tally.finish();
  });
});
