// Opening a journal (docs/api.md#opening): load the newest checkpoint that validates, replay
// the records after it (all of them without one), check the two agree, and, unless read-only,
// take the writer lock through WalWriter. Returns the parts a WalStore is made of.
import { performance } from 'node:perf_hooks';
import { ErrorCode, WalError, WalValidationError } from '../errors.js';
import { defaults } from '../limits.js';
import type { RejectedCheckpoint } from '../wal/checkpoint-files.js';
import { type FileSystem, nodeFileSystem } from '../wal/file-system.js';
import type { ScanReport } from '../wal/log-reader.js';
import { replayLog } from '../wal/log-replay.js';
import type { WalRecord } from '../wal/segment-reader.js';
import type { RetentionPolicy } from '../wal/segment-retention.js';
import type { TailRepair } from '../wal/tail-repair.js';
import type { RecoveryMode } from '../wal/recovery-policy.js';
import type { WalWriter } from '../wal/wal-writer.js';
import { writerMayBeAlive } from '../wal/writer-lock.js';
import {
  Checkpointer,
  checkLogAgainstCheckpoint,
  loadCheckpointState,
} from './journal-checkpoints.js';
import { type JournalLog, ReadOnlyLog } from './journal-log.js';
import { applyRecord } from '../journal/journal-fold.js';
import { JournalState } from '../journal/journal-state.js';
import { limitsFrom, type RecoveryReport, type WalStoreOptions } from './store-options.js';

export interface OpenedJournal {
  path: string | undefined;
  fs: FileSystem;
  log: JournalLog;
  writer: WalWriter | undefined;
  state: JournalState;
  report: Omit<RecoveryReport, 'interrupted' | 'interruptedCount'>;
  /** A read-only open found a writer holding the lock (its in-flight starts may be running). */
  writerAlive: boolean;
  checkpointer: Checkpointer | undefined;
  retention: RetentionPolicy | undefined;
  /** Segment bytes on disk at open (the retention byte cap's starting point). */
  bytesOnDisk: number;
  /** How damage is read (history and listing read in the same spirit). */
  recovery: RecoveryMode;
}

/**
 * Opens `path`. A read-only open races the writer's retention: a segment listed a moment ago may
 * be gone by the time it is read, so it tries again (from the newer checkpoint) up to 3 times.
 */
export async function openJournal(path: string, options: WalStoreOptions): Promise<OpenedJournal> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openOnce(path, options);
    } catch (error) {
      const vanished =
        error instanceof WalError && (error.cause as NodeJS.ErrnoException)?.code === 'ENOENT';
      if (!options.readOnly || !vanished || attempt === 3) throw error;
    }
  }
}

async function openOnce(path: string, options: WalStoreOptions): Promise<OpenedJournal> {
  const limits = limitsFrom(options);
  const began = performance.now();
  const fs = options.fs ?? nodeFileSystem;
  const { loaded, rejected } = loadCheckpointState(fs, path, limits);
  const state = loaded?.state ?? new JournalState(limits);
  const fromLsn = loaded ? loaded.checkpoint.lsn + 1 : undefined;
  const { segment, resumeOffset } = loaded?.checkpoint ?? {};
  const resumeAt =
    segment !== undefined && resumeOffset !== undefined
      ? { segment, offset: resumeOffset }
      : undefined;
  const fold = (record: WalRecord) => applyRecord(state, record);
  const checkpoint = loaded
    ? { name: loaded.checkpoint.name, lsn: loaded.checkpoint.lsn }
    : undefined;
  if (options.readOnly) {
    const scan = replayLog(
      path,
      { recovery: options.recovery, onProgress: options.onProgress, fromLsn, resumeAt, fs },
      fold,
    );
    checkLogAgainstCheckpoint(fs, path, scan, loaded?.checkpoint, rejected);
    const report = reportFrom(scan, undefined, [], performance.now() - began, checkpoint, rejected);
    const writerAlive = writerMayBeAlive(path, fs);
    return {
      path,
      fs,
      log: new ReadOnlyLog(path),
      writer: undefined,
      state,
      report,
      writerAlive,
      checkpointer: undefined,
      retention: undefined,
      bytesOnDisk: scan.bytesTotal,
      recovery: options.recovery ?? 'tolerate-tail',
    };
  }
  if (options.retention?.maxBytes !== undefined) {
    const segmentBytes = options.maxSegmentBytes ?? defaults.maxSegmentBytes;
    if (options.retention.maxBytes < 2 * segmentBytes) {
      throw new WalValidationError(
        ErrorCode.invalidArgument,
        `retention.maxBytes (${options.retention.maxBytes}) must be at least twice maxSegmentBytes (${segmentBytes})`,
      );
    }
  }
  // Loaded only by a writer's open: a read-only open (every CLI reading command) never needs it.
  const { WalWriter } = await import('../wal/wal-writer.js');
  const writer = await WalWriter.open(
    path,
    {
      durability: options.durability,
      syncIntervalMs: options.syncIntervalMs,
      recovery: options.recovery,
      maxSegmentBytes: options.maxSegmentBytes,
      preallocateBytes: options.preallocateBytes,
      lockStaleMs: options.lockStaleMs,
      onProgress: options.onProgress,
      fromLsn,
      resumeAt,
      fs,
    },
    fold,
  );
  try {
    const { scan, repair, removedTempFiles } = writer.openReport;
    checkLogAgainstCheckpoint(fs, path, scan, loaded?.checkpoint, rejected);
    // Checkpoints and retention change the disk: through the writer's fence.
    const checkpointer = new Checkpointer(
      writer.fencedFileSystem,
      path,
      loaded?.checkpoint.lsn ?? 0,
      writer,
      {
        everyBytes: options.checkpointEveryBytes ?? defaults.checkpointEveryBytes,
        retention: options.retention,
      },
    );
    const report = reportFrom(
      scan,
      repair,
      removedTempFiles,
      performance.now() - began,
      checkpoint,
      rejected,
    );
    return {
      path,
      fs,
      log: writer,
      writer,
      state,
      report,
      writerAlive: false,
      checkpointer,
      retention: options.retention,
      bytesOnDisk: scan.bytesTotal,
      recovery: options.recovery ?? 'tolerate-tail',
    };
  } catch (error) {
    await writer.close().catch(() => undefined);
    throw error;
  }
}

function reportFrom(
  scan: ScanReport,
  repair: TailRepair | undefined,
  removedTempFiles: string[],
  replayMs: number,
  checkpoint: { name: string; lsn: number } | undefined,
  rejectedCheckpoints: RejectedCheckpoint[],
): Omit<RecoveryReport, 'interrupted' | 'interruptedCount'> {
  return {
    mode: scan.mode,
    records: scan.records,
    firstLsn: scan.firstLsn,
    lastLsn: scan.lastLsn,
    segments: scan.segments.length,
    bytes: scan.bytesTotal,
    tail: scan.tail,
    repair,
    damage: scan.damage,
    removedTempFiles,
    replayMs,
    checkpoint,
    rejectedCheckpoints,
  };
}
