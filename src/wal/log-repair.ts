// Explicit repair (docs/recovery.md#repair), always under the writer lock, always keeping every
// byte it removes:
// - 'tail': cut a torn tail (what a writer's open does); refuses mid-log damage.
// - 'point-in-time': the log ends at the first damage: the damaged segment is cut there (bytes
//   backed up), later segments and checkpoints past that point are renamed `.broken-<lsn>`.
// - 'salvage': every readable record is copied into a new log (records after a damaged range
//   get new, contiguous LSNs), the original directory is renamed `<dir>.broken-<time>` whole,
//   and the new log takes its place.
// `planRepair` says what would happen and changes nothing (--dry-run).
import { join } from 'node:path';
import { checkpointName } from '../format/checkpoint-codec.js';
import { ErrorCode, ioError, WalCorruptionError, WalError } from '../errors.js';
import { listCheckpoints } from './checkpoint-files.js';
import { type FileSystem, nodeFileSystem, readFully, writeFully } from './file-system.js';
import { readLog, type ScanReport } from './log-reader.js';
import { replayInto } from './log-replay.js';
import { brokenName, listNames } from './segment-list.js';
import { repairTail, type TailRepair } from './tail-repair.js';
import { WalWriter } from './wal-writer.js';
import { WriterLock } from './writer-lock.js';

export const RepairMode = ['tail', 'point-in-time', 'salvage'] as const;
export type RepairMode = (typeof RepairMode)[number];

export interface RepairStep {
  /** What was (or would be) done, as one sentence with names and byte counts. */
  description: string;
}

export interface RepairReport {
  mode: RepairMode;
  changed: boolean;
  steps: RepairStep[];
  /** Records in the log afterwards and its last LSN. */
  records: number;
  lastLsn: number;
}

function scan(
  fs: FileSystem,
  dir: string,
  mode: 'tolerate-tail' | 'point-in-time' | 'salvage',
): ScanReport {
  return replayInto(readLog(fs, dir, { mode }), () => {});
}

/** What `repair` would do, read-only. */
export function planRepair(
  dir: string,
  mode: RepairMode,
  fs: FileSystem = nodeFileSystem,
): RepairReport {
  if (mode === 'tail') {
    const report = scan(fs, dir, 'tolerate-tail'); // throws on mid-log damage
    const steps =
      report.tail.status === 'torn'
        ? [
            {
              description: `cut ${report.tail.droppedBytes} bytes from ${report.tail.segment} at offset ${report.tail.offset} (${report.tail.reason}), keeping them in ${brokenName(report.tail.segment, report.tail.lastLsn + 1)}`,
            },
          ]
        : [];
    return { mode, changed: false, steps, records: report.records, lastLsn: report.lastLsn };
  }
  const report = scan(fs, dir, mode);
  const steps: RepairStep[] = report.damage.map((d) => ({
    description:
      mode === 'salvage'
        ? `skip ${d.droppedBytes} damaged bytes of ${d.segment} at offset ${d.offset} (${d.reason})`
        : `end the log before ${d.segment} offset ${d.offset} (${d.reason}); later bytes kept aside`,
  }));
  if (mode === 'salvage' && report.damage.length > 0) {
    steps.push({
      description: `copy ${report.records} readable records into a new log; keep the original directory as ${dir}.broken-<time>`,
    });
  }
  return { mode, changed: false, steps, records: report.records, lastLsn: report.lastLsn };
}

export async function repairLog(
  dir: string,
  mode: RepairMode,
  fs: FileSystem = nodeFileSystem,
): Promise<RepairReport> {
  // A journal that is not there (or not a readable directory) is refused, never created.
  listNames(fs, dir);
  if (mode === 'tail') {
    const writer = await WalWriter.open(dir, { fs }); // tolerate-tail: cuts a torn tail, refuses the rest
    const { scan: report, repair } = writer.openReport;
    await writer.close();
    return {
      mode,
      changed: repair !== undefined,
      steps: repair ? [describeTail(repair)] : [],
      records: report.records,
      lastLsn: report.lastLsn,
    };
  }
  const lock = await WriterLock.acquire(dir, { staleMs: 5000, fs, onLost: () => {} });
  try {
    return mode === 'point-in-time'
      ? await cutAtFirstDamage(fs, dir)
      : await salvage(fs, dir, lock);
  } finally {
    await lock.release().catch(() => undefined);
  }
}

function describeTail(repair: TailRepair): RepairStep {
  return {
    description:
      repair.action === 'moved-aside'
        ? `moved ${repair.segment} (torn header) aside to ${repair.backup}`
        : `cut ${repair.droppedBytes} bytes from the end of ${repair.segment}, kept in ${repair.backup}`,
  };
}

async function cutAtFirstDamage(fs: FileSystem, dir: string): Promise<RepairReport> {
  const report = scan(fs, dir, 'point-in-time');
  const first = report.damage[0];
  if (!first)
    return {
      mode: 'point-in-time',
      changed: false,
      steps: [],
      records: report.records,
      lastLsn: report.lastLsn,
    };
  const steps: RepairStep[] = [];
  const index = report.segments.findIndex((s) => s.name === first.segment);
  const damaged = report.segments[index]!;
  const lastKept = first.expectedLsn - 1;
  const tail = {
    status: 'torn' as const,
    segment: damaged.name,
    offset: damaged.goodOffset,
    droppedBytes: damaged.fileBytes - damaged.goodOffset,
    lastLsn: lastKept,
    reason: first.reason,
    headerDamaged: damaged.goodOffset === 0,
  };
  steps.push(describeTail(await repairTail(fs, dir, tail)));
  for (const later of report.segments.slice(index + 1)) {
    const aside = brokenName(later.name, first.expectedLsn);
    step('moving aside', join(dir, later.name), () =>
      fs.rename(join(dir, later.name), join(dir, aside)),
    );
    steps.push({ description: `moved ${later.name} (after the damage) aside to ${aside}` });
  }
  for (const checkpoint of listCheckpoints(fs, dir)) {
    if (checkpoint.lsn <= lastKept) continue;
    const aside = brokenName(checkpoint.name, first.expectedLsn);
    step('moving aside', join(dir, checkpoint.name), () =>
      fs.rename(join(dir, checkpoint.name), join(dir, aside)),
    );
    steps.push({ description: `moved ${checkpoint.name} (beyond the new end) aside to ${aside}` });
  }
  step('syncing directory', dir, () => fs.syncDir(dir));
  return {
    mode: 'point-in-time',
    changed: true,
    steps,
    records: report.records,
    lastLsn: lastKept,
  };
}

async function salvage(fs: FileSystem, dir: string, lock: WriterLock): Promise<RepairReport> {
  const report = scan(fs, dir, 'salvage');
  if (report.damage.length === 0)
    return {
      mode: 'salvage',
      changed: false,
      steps: [],
      records: report.records,
      lastLsn: report.lastLsn,
    };
  const firstDamageLsn = report.damage[0]!.expectedLsn;
  const fresh = `${dir}.salvage-${Date.now()}`;
  const writer = await WalWriter.open(fresh, {
    fs,
    durability: 'none',
    fromLsn: report.firstLsn ?? 1,
  });
  let records = 0;
  try {
    let batch: { type: number; value: unknown }[] = [];
    // for..of: a failed append ends the loop through return(), closing the reader's segment.
    for (const record of readLog(fs, dir, { mode: 'salvage' })) {
      batch.push({ type: record.type, value: record.value });
      if (batch.length === 1000) {
        await writer.append(batch);
        batch = [];
      }
      records += 1;
    }
    if (batch.length > 0) await writer.append(batch);
    await writer.sync();
  } finally {
    await writer.close();
  }
  // Checkpoints before the first damage describe the same LSNs in the new log.
  for (const checkpoint of listCheckpoints(fs, dir)) {
    if (checkpoint.lsn < firstDamageLsn)
      await copyFile(fs, join(dir, checkpoint.name), join(fresh, checkpointName(checkpoint.lsn)));
  }
  step('syncing directory', fresh, () => fs.syncDir(fresh));
  const aside = `${dir}.broken-${Date.now()}`;
  await lock.release().catch(() => undefined);
  step('moving aside', dir, () => fs.rename(dir, aside));
  step('moving into place', fresh, () => fs.rename(fresh, dir));
  step('syncing directory', join(dir, '..'), () => fs.syncDir(join(dir, '..')));
  const steps = report.damage.map((d) => ({
    description: `skipped ${d.droppedBytes} damaged bytes of ${d.segment} at offset ${d.offset} (${d.reason})`,
  }));
  steps.push({
    description: `copied ${records} readable records into a new log at ${dir}; the original is kept whole at ${aside}`,
  });
  return {
    mode: 'salvage',
    changed: true,
    steps,
    records,
    lastLsn: (report.firstLsn ?? 1) + records - 1,
  };
}

async function copyFile(fs: FileSystem, from: string, to: string): Promise<void> {
  const source = step('opening', from, () => fs.open(from, 'read'));
  try {
    const bytes = step('reading', from, () => {
      const whole = Buffer.alloc(fs.size(source));
      readFully(fs, source, whole, 0, whole.length, 0);
      return whole;
    });
    const target = step('creating', to, () => fs.open(to, 'createExclusive'));
    try {
      step('writing', to, () => writeFully(fs, target, bytes, 0));
      await fs.fdatasync(target).catch((error: unknown) => {
        throw ioError('syncing', to, error);
      });
    } finally {
      fs.close(target);
    }
  } finally {
    fs.close(source);
  }
}

function step<T>(action: string, path: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw ioError(action, path, error);
  }
}

export function assertRepairable(error: unknown): never {
  if (error instanceof WalCorruptionError) {
    throw new WalError(
      ErrorCode.corrupt,
      `${error.message}; this is not a torn tail: run \`exec-wal repair ${error.location.dir} --mode point-in-time\` (or --mode salvage)`,
      { cause: error },
    );
  }
  throw error;
}
