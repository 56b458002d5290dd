// The recovery decision table (docs/recovery.md): every (mode, damage) pair matches exactly one
// row, and each row's action is what a real damaged log gets from replayLog and WalWriter.open.
// Read-only modes never change a byte on disk.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, afterAll } from 'vitest';
import { FrameOffset } from '../../src/format/constants.js';
import { WalCorruptionError, WalValidationError } from '../../src/errors.js';
import type { DamageReport } from '../../src/wal/log-reader.js';
import {
  type DamageKind,
  isWriterMode,
  type PolicyRow,
  recoveryAction,
  recoveryModes,
  recoveryTable,
} from '../../src/wal/recovery-policy.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import {
  dirBytes,
  type FrameInfo,
  flipBit,
  overwrite,
  readAll,
  readUntilError,
  recordOf,
  segmentFrames,
  truncateFile,
  writeLog,
} from '../support/byte-poke.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const damageKinds: readonly DamageKind[] = ['torn-tail', 'mid-log'];

describe('recoveryTable', () => {
  it('has exactly one row for every (mode, damage) pair, and no other rows', () => {
    expect(recoveryModes).toEqual(['tolerate-tail', 'strict', 'point-in-time', 'salvage']);
    for (const mode of recoveryModes) {
      for (const damage of damageKinds) {
        const rows = recoveryTable.filter((r) => r.mode === mode && r.damage === damage);
        expect(rows, `${mode}/${damage}`).toHaveLength(1);
        expect(recoveryAction(mode, damage)).toBe(rows[0]!.action);
      }
    }
    expect(recoveryTable).toHaveLength(recoveryModes.length * damageKinds.length);
  });

  it('says what each mode does, row by row', () => {
    expect(recoveryTable.map((r) => `${r.mode}/${r.damage}: ${r.action}`)).toEqual([
      'tolerate-tail/torn-tail: stop-at-tail',
      'tolerate-tail/mid-log: refuse',
      'strict/torn-tail: refuse',
      'strict/mid-log: refuse',
      'point-in-time/torn-tail: stop-and-report',
      'point-in-time/mid-log: stop-and-report',
      'salvage/torn-tail: stop-and-report',
      'salvage/mid-log: skip',
    ]);
  });

  it('refuses a combination it has no row for', () => {
    expect(() => recoveryAction('lenient' as never, 'torn-tail')).toThrow(
      'no recovery rule for lenient/torn-tail',
    );
  });

  it('only the modes that may change the disk are writer modes', () => {
    expect(recoveryModes.filter(isWriterMode)).toEqual(['tolerate-tail', 'strict']);
  });
});

// The log: 0000000000000001.wal 1 | 2 3 | 4 ; 0000000000000005.wal 5 ; 0000000000000006.wal
// 6 | 7 | 8 9 | 10.
const SEG1 = '0000000000000001.wal';
const SEG2 = '0000000000000005.wal';
const SEG3 = '0000000000000006.wal';

interface Log {
  dir: string;
  records: WalRecord[];
  frame: (lsn: number) => FrameInfo;
}

async function smallLog(): Promise<Log> {
  const dir = tempDir('recovery-policy');
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
  const frames = new Map<number, FrameInfo>();
  for (const name of [SEG1, SEG2, SEG3]) {
    for (const frame of segmentFrames(dir, name)) frames.set(frame.lsn, frame);
  }
  return { dir, records, frame: (lsn) => frames.get(lsn)! };
}

/** A damaged log and what a reader must find: where, and the records before and around it. */
interface Damaged {
  log: Log;
  damage: Omit<DamageReport, 'action'>;
  /** Records before the damage. */
  prefix: WalRecord[];
  /** Records a salvage yields (the damaged ones skipped). */
  salvaged: WalRecord[];
}

async function damagedLog(kind: DamageKind): Promise<Damaged> {
  const log = await smallLog();
  const path = join(log.dir, SEG3);
  if (kind === 'torn-tail') {
    // A crash mid-write: the last frame's header is cut short.
    const last = log.frame(10);
    truncateFile(path, last.offset + 10);
    return {
      log,
      damage: {
        kind,
        segment: SEG3,
        offset: last.offset,
        expectedLsn: 10,
        reason: 'truncated frame header',
        droppedBytes: 10,
      },
      prefix: log.records.slice(0, 9),
      salvaged: log.records.slice(0, 9),
    };
  }
  // A bad sector in the middle of the last segment: valid frames follow it.
  const seven = log.frame(7);
  flipBit(path, seven.offset + FrameOffset.payload + 1, 6);
  return {
    log,
    damage: {
      kind,
      segment: SEG3,
      offset: seven.offset,
      expectedLsn: 7,
      reason: 'checksum mismatch',
      droppedBytes: seven.frameBytes,
    },
    prefix: log.records.slice(0, 6),
    salvaged: log.records.filter((r) => r.lsn !== 7),
  };
}

function expectRefused(error: unknown, damaged: Damaged): void {
  expect(error).toBeInstanceOf(WalCorruptionError);
  const { kind: _, droppedBytes: __, ...where } = damaged.damage;
  expect((error as WalCorruptionError).location).toEqual({ dir: damaged.log.dir, ...where });
}

async function checkRow(row: PolicyRow): Promise<void> {
  const damaged = await damagedLog(row.damage);
  const { dir } = damaged.log;
  const before = dirBytes(dir);
  const names = readdirSync(dir).sort();
  const unchanged = (): void => {
    expect(readdirSync(dir).sort()).toEqual(names);
    expect(dirBytes(dir)).toEqual(before);
  };

  // Read-only replay in this mode.
  const replay = readUntilError(dir, { recovery: row.mode });
  unchanged();
  switch (row.action) {
    case 'refuse':
      expectRefused(replay.error, damaged);
      expect(replay.records).toEqual(damaged.prefix);
      break;
    case 'stop-at-tail':
    case 'stop-and-report': {
      expect(replay.error).toBeUndefined();
      expect(replay.records).toEqual(damaged.prefix);
      const report = replay.report!;
      expect(report.damage).toEqual([{ ...damaged.damage, action: row.action }]);
      expect(report.lastLsn).toBe(damaged.prefix.at(-1)!.lsn);
      if (row.damage === 'torn-tail') {
        expect(report.tail).toEqual({
          status: 'torn',
          segment: damaged.damage.segment,
          offset: damaged.damage.offset,
          droppedBytes: damaged.damage.droppedBytes,
          lastLsn: damaged.damage.expectedLsn - 1,
          reason: damaged.damage.reason,
          headerDamaged: false,
        });
      } else {
        expect(report.tail).toEqual({ status: 'clean' });
        expect(report.segments.map((s) => s.status)).toEqual(['ok', 'ok', 'damaged']);
      }
      break;
    }
    case 'skip': {
      expect(replay.error).toBeUndefined();
      expect(replay.records).toEqual(damaged.salvaged);
      expect(replay.report!.damage).toEqual([{ ...damaged.damage, action: 'skip' }]);
      expect(replay.report!.lastLsn).toBe(10);
      expect(replay.report!.records).toBe(9);
      break;
    }
  }

  // A writer in this mode.
  const opened = await WalWriter.open(dir, { recovery: row.mode }).catch((e: unknown) => e);
  if (!isWriterMode(row.mode)) {
    expect(opened).toBeInstanceOf(WalValidationError);
    unchanged();
    return;
  }
  if (row.action === 'refuse') {
    expectRefused(opened, damaged);
    unchanged();
    return;
  }
  // stop-at-tail: the writer backs the tail up, cuts it, and continues after the prefix.
  expect(opened).toBeInstanceOf(WalWriter);
  const writer = opened as WalWriter;
  expect(writer.openReport.repair).toEqual({
    segment: damaged.damage.segment,
    backup: `${damaged.damage.segment}.broken-${damaged.damage.expectedLsn}`,
    droppedBytes: damaged.damage.droppedBytes,
    action: 'truncated',
  });
  expect(await writer.append([recordOf(99)])).toEqual({ firstLsn: 10, lastLsn: 10 });
  await writer.close();
  expect(readAll(dir).records).toEqual([...damaged.prefix, { lsn: 10, ...recordOf(99) }]);
}

describe('each row on a real damaged log', () => {
  for (const row of recoveryTable) {
    it(`${row.mode} / ${row.damage}: ${row.action}`, async () => {
      await checkRow(row);
    });
  }
});

describe('salvage across segments', () => {
  function salvage(dir: string) {
    const before = dirBytes(dir);
    const result = readAll(dir, { recovery: 'salvage' });
    expect(dirBytes(dir)).toEqual(before);
    return result;
  }

  it('skips a damaged frame at the end of a sealed segment, and reports the gap it leaves', async () => {
    const log = await smallLog();
    const four = log.frame(4);
    flipBit(join(log.dir, SEG1), four.offset + FrameOffset.lsn, 0);
    const { records, report } = salvage(log.dir);
    expect(records).toEqual(log.records.filter((r) => r.lsn !== 4));
    expect(report.damage).toEqual([
      {
        kind: 'mid-log',
        action: 'skip',
        segment: SEG1,
        offset: four.offset,
        expectedLsn: 4,
        reason: 'checksum mismatch',
        droppedBytes: four.frameBytes,
      },
      {
        kind: 'mid-log',
        action: 'skip',
        segment: SEG2,
        offset: 0,
        expectedLsn: 4,
        reason: 'missing records (sequence gap): segment starts at lsn 5',
        droppedBytes: 0,
      },
    ]);
  });

  it('skips a sealed segment whose header is damaged, whole', async () => {
    const log = await smallLog();
    overwrite(join(log.dir, SEG2), 0, Buffer.alloc(8));
    const fileBytes = log.frame(5).offset + log.frame(5).frameBytes;
    const { records, report } = salvage(log.dir);
    expect(records).toEqual(log.records.filter((r) => r.lsn !== 5));
    expect(report.damage.map((d) => [d.segment, d.offset, d.reason, d.droppedBytes])).toEqual([
      [SEG2, 0, 'segment header checksum mismatch', fileBytes],
      [SEG3, 0, 'missing records (sequence gap): segment starts at lsn 6', 0],
    ]);
    expect(report.segments.map((s) => s.status)).toEqual(['ok', 'damaged', 'damaged']);
  });

  it('reads past a missing middle segment; point-in-time stops before it', async () => {
    const log = await smallLog();
    rmSync(join(log.dir, SEG2));
    const { records, report } = salvage(log.dir);
    expect(records).toEqual(log.records.filter((r) => r.lsn !== 5));
    expect(report.damage).toEqual([
      {
        kind: 'mid-log',
        action: 'skip',
        segment: SEG3,
        offset: 0,
        expectedLsn: 5,
        reason: 'missing records (sequence gap): segment starts at lsn 6',
        droppedBytes: 0,
      },
    ]);

    const pit = readAll(log.dir, { recovery: 'point-in-time' });
    expect(pit.records).toEqual(log.records.slice(0, 4));
    expect(pit.report.damage.map((d) => d.action)).toEqual(['stop-and-report']);
    expect(pit.report.segments.map((s) => s.status)).toEqual(['ok', 'damaged']);
  });

  it('point-in-time marks the segments after the damage unread', async () => {
    const log = await smallLog();
    flipBit(join(log.dir, SEG1), log.frame(2).offset + FrameOffset.payload, 0);
    const { records, report } = readAll(log.dir, { recovery: 'point-in-time' });
    expect(records).toEqual(log.records.slice(0, 1));
    expect(report.segments.map((s) => s.status)).toEqual(['damaged', 'unread', 'unread']);
    expect(report.lastLsn).toBe(1);
  });
});
