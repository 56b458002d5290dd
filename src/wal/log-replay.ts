// Read-only access to a log: no lock, never a change on disk, safe beside a live writer (it
// reads each segment only up to the size it had when reached).
import { nodeFileSystem, type FileSystem } from './file-system.js';
import { type ResumePoint, readLog, type ScanReport } from './log-reader.js';
import type { RecoveryMode } from './recovery-policy.js';
import type { WalRecord } from './segment-reader.js';

export interface ReplayOptions {
  recovery?: RecoveryMode;
  fromLsn?: number;
  /** Where record fromLsn starts, if known (a checkpoint's resume point); checked before use. */
  resumeAt?: ResumePoint;
  fs?: FileSystem;
  onProgress?: (progress: { bytesDone: number; bytesTotal: number }) => void;
}

/**
 * Hands every record (from `fromLsn` on) to `onRecord` and returns what the scan found. If
 * `onRecord` throws, the scan is closed (its segment descriptor released) and the error passes.
 */
export function replayLog(
  dir: string,
  options: ReplayOptions,
  onRecord: (record: WalRecord) => void,
): ScanReport {
  return replayInto(iterateLog(dir, options), onRecord);
}

/**
 * The records of a log as an iterator (for streaming consumers); returns the scan report. It
 * holds one segment open while suspended: a consumer that stops early must end it, by leaving
 * a for..of (break, throw) or by calling return(), which releases the descriptor.
 */
export function iterateLog(
  dir: string,
  options: ReplayOptions = {},
): Generator<WalRecord, ScanReport> {
  return readLog(options.fs ?? nodeFileSystem, dir, {
    mode: options.recovery ?? 'tolerate-tail',
    fromLsn: options.fromLsn,
    resumeAt: options.resumeAt,
    onProgress: options.onProgress,
  });
}

/**
 * Runs a scan to its end, handing each record to `onRecord`; returns the report. Whatever ends
 * it early (`onRecord` throwing) closes the scan first.
 */
export function replayInto(
  scan: Generator<WalRecord, ScanReport>,
  onRecord: (record: WalRecord) => void,
): ScanReport {
  try {
    for (;;) {
      const step = scan.next();
      if (step.done) return step.value;
      onRecord(step.value);
    }
  } finally {
    // A no-op on a scan that finished or threw; else it closes the segment the scan holds.
    scan.return(undefined as never);
  }
}
