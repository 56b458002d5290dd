// The journal as it is on disk, beside the replayed state: disk usage, the audit history
// (streamed, bounded memory) and following new records. Read-only; safe beside a live writer.
import type { ErasureSet } from '../journal/erasure-set.js';
import { HistoryJoin } from '../journal/history-join.js';
import {
  checkHistoryFilter,
  type HistoryEntry,
  type HistoryFilter,
  historyFilterKeys,
  matchesFilter,
} from '../journal/history-filter.js';
import { defaults } from '../limits.js';
import { statCheckpoints } from '../wal/checkpoint-files.js';
import type { FileSystem } from '../wal/file-system.js';
import { followLog } from '../wal/log-follower.js';
import { iterateLog } from '../wal/log-replay.js';
import { statSegments } from '../wal/segment-list.js';
import { checkOptionKeys } from './option-keys.js';
import type { DiskUsage } from './store-options.js';

/** Executions the history join remembers at once (open during the pass). */
const JOIN_CAPACITY = defaults.maxInFlight + defaults.maxQueued;

export function emptyDiskUsage(lastLsn: number): DiskUsage {
  return {
    segments: 0,
    bytes: 0,
    checkpointBytes: 0,
    oldestLsn: undefined,
    newestLsn: lastLsn,
    oldestSegmentAt: undefined,
    newestSegmentAt: undefined,
    checkpointLsn: undefined,
  };
}

export function diskUsageOf(fs: FileSystem, dir: string, lastLsn: number): DiskUsage {
  const segments = statSegments(fs, dir);
  const checkpoints = statCheckpoints(fs, dir);
  return {
    segments: segments.length,
    bytes: segments.reduce((sum, seg) => sum + seg.bytes, 0),
    checkpointBytes: checkpoints.reduce((sum, c) => sum + c.bytes, 0),
    oldestLsn: segments[0]?.baseLsn,
    newestLsn: lastLsn,
    oldestSegmentAt: segments[0]?.modifiedMs,
    newestSegmentAt: segments.at(-1)?.modifiedMs,
    checkpointLsn: checkpoints[0]?.lsn,
  };
}

export interface HistoryOptions {
  filter: HistoryFilter;
  recovery: 'point-in-time' | 'salvage';
  /** How starts never completed are labelled after the last record. */
  unfinished: 'interrupted' | 'in-flight';
  onProgress: ((progress: { bytesDone: number; bytesTotal: number }) => void) | undefined;
  /** Executions erased: never shown. */
  erased: ErasureSet | undefined;
}

/** Entries of every record on disk in LSN order, then the starts never completed. */
export async function* historyOf(
  fs: FileSystem,
  dir: string,
  options: HistoryOptions,
): AsyncGenerator<HistoryEntry> {
  const { filter } = options;
  checkOptionKeys('history filter', filter, historyFilterKeys);
  checkHistoryFilter(filter);
  const join = new HistoryJoin(JOIN_CAPACITY, options.erased);
  const scan = iterateLog(dir, { recovery: options.recovery, onProgress: options.onProgress, fs });
  let count = 0;
  try {
    for (let step = scan.next(); !step.done; step = scan.next()) {
      const entry = join.entry(step.value);
      if (entry && matchesFilter(entry, filter)) yield entry;
      // Let other work run during long scans.
      if (++count % 1_000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    // A consumer that stops early (break, throw) ends this generator here: close the scan's
    // segment descriptor with it.
    scan.return(undefined as never);
  }
  if (filter.until === undefined) {
    for (const entry of join.unfinished(options.unfinished))
      if (matchesFilter(entry, filter)) yield entry;
  }
}

export async function* followOf(
  fs: FileSystem,
  dir: string,
  options: {
    fromLsn?: number;
    signal: AbortSignal;
    pollMs?: number;
    erased: ErasureSet | undefined;
  },
): AsyncGenerator<HistoryEntry> {
  const join = new HistoryJoin(JOIN_CAPACITY, options.erased);
  for await (const record of followLog(dir, {
    fromLsn: options.fromLsn,
    signal: options.signal,
    pollMs: options.pollMs,
    fs,
  })) {
    const entry = join.entry(record);
    if (entry) yield entry;
  }
}
