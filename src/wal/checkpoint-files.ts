// Checkpoint files in a log directory (docs/format.md#checkpoint-files): written through a temp
// file, fdatasync, rename and directory fsync, so a checkpoint is either wholly there or not at
// all; loaded newest first, falling back past any that do not validate.
import { join } from 'node:path';
import {
  CHECKPOINT_PAYLOAD_BYTES_MAX,
  checkpointName,
  decodeCheckpoint,
  encodeCheckpoint,
  parseCheckpointName,
} from '../format/checkpoint-codec.js';
import { TEMP_SUFFIX } from '../format/constants.js';
import { ErrorCode, errnoOf, ioError, WalError, WalValidationError } from '../errors.js';
import { crashPoint } from './crash-point.js';
import { type FileSystem, readFully, writeFully } from './file-system.js';
import { listNames } from './segment-list.js';

export interface CheckpointEntry {
  name: string;
  lsn: number;
}

export interface LoadedCheckpoint {
  name: string;
  lsn: number;
  payload: Buffer;
}

export interface RejectedCheckpoint {
  name: string;
  reason: string;
}

/** Checkpoint files, newest (highest LSN) first. */
export function listCheckpoints(fs: FileSystem, dir: string): CheckpointEntry[] {
  const entries: CheckpointEntry[] = [];
  for (const name of listNames(fs, dir)) {
    const lsn = parseCheckpointName(name);
    if (lsn !== undefined) entries.push({ name, lsn });
  }
  return entries.sort((a, b) => b.lsn - a.lsn);
}

/** `<checkpoint>.tmp` files: a checkpoint write that crashed or failed before its rename. */
export function listCheckpointTempFiles(fs: FileSystem, dir: string): string[] {
  return listNames(fs, dir).filter(
    (name) =>
      name.endsWith(TEMP_SUFFIX) &&
      parseCheckpointName(name.slice(0, -TEMP_SUFFIX.length)) !== undefined,
  );
}

/** Checkpoint files with their sizes, newest first; one removed since the listing is left out. */
export function statCheckpoints(
  fs: FileSystem,
  dir: string,
): (CheckpointEntry & { bytes: number })[] {
  const stats: (CheckpointEntry & { bytes: number })[] = [];
  for (const entry of listCheckpoints(fs, dir)) {
    const path = join(dir, entry.name);
    try {
      stats.push({ ...entry, bytes: fs.stat(path).bytes });
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw ioError('reading the size of', path, error);
    }
  }
  return stats;
}

/**
 * Writes a checkpoint of the state as of `lsn` (crash points: checkpoint:*). Returns its name.
 * A failed write removes its temp file (best effort: a crash leaves it to the next open, which
 * removes checkpoint temp files like segment ones).
 */
export async function writeCheckpoint(
  fs: FileSystem,
  dir: string,
  lsn: number,
  payload: Uint8Array,
): Promise<string> {
  if (payload.length > CHECKPOINT_PAYLOAD_BYTES_MAX) {
    throw new WalValidationError(
      ErrorCode.limitExceeded,
      `checkpoint of ${payload.length} bytes exceeds the format limit`,
    );
  }
  const name = checkpointName(lsn);
  const tempPath = join(dir, name + TEMP_SUFFIX);
  if (fs.exists(tempPath)) step('removing', tempPath, () => fs.unlink(tempPath));
  const fd = step('creating', tempPath, () => fs.open(tempPath, 'createExclusive'));
  try {
    try {
      step('writing', tempPath, () => writeFully(fs, fd, encodeCheckpoint(lsn, payload), 0));
      crashPoint?.('checkpoint:after-temp-write');
      await fs.fdatasync(fd).catch((error) => {
        throw ioError('syncing', tempPath, error);
      });
      crashPoint?.('checkpoint:after-temp-sync');
    } finally {
      fs.close(fd);
    }
    step('renaming', tempPath, () => fs.rename(tempPath, join(dir, name)));
  } catch (error) {
    removeQuietly(fs, tempPath);
    throw error;
  }
  crashPoint?.('checkpoint:after-rename');
  step('syncing directory', dir, () => fs.syncDir(dir));
  return name;
}

/**
 * The newest checkpoint that validates (CRC, version, size) and for which `accept` returns
 * undefined; every one skipped on the way is listed with its reason.
 */
export function loadNewestCheckpoint(
  fs: FileSystem,
  dir: string,
  accept: (checkpoint: LoadedCheckpoint) => string | undefined = () => undefined,
): { loaded: LoadedCheckpoint | undefined; rejected: RejectedCheckpoint[] } {
  const rejected: RejectedCheckpoint[] = [];
  for (const entry of listCheckpoints(fs, dir)) {
    const path = join(dir, entry.name);
    const bytes = readWhole(fs, path);
    const verdict = decodeCheckpoint(bytes);
    if (!verdict.ok) {
      if (verdict.unsupported) {
        throw new WalError(
          ErrorCode.unsupported,
          `${entry.name} in ${dir}: ${verdict.reason}; upgrade exec-wal`,
        );
      }
      rejected.push({ name: entry.name, reason: verdict.reason });
      continue;
    }
    if (verdict.lsn !== entry.lsn) {
      rejected.push({
        name: entry.name,
        reason: `holds lsn ${verdict.lsn}, its name says ${entry.lsn}`,
      });
      continue;
    }
    const loaded = { name: entry.name, lsn: verdict.lsn, payload: verdict.payload };
    const reason = accept(loaded);
    if (reason !== undefined) {
      rejected.push({ name: entry.name, reason });
      continue;
    }
    return { loaded, rejected };
  }
  return { loaded: undefined, rejected };
}

/** Deletes all but the `keep` newest checkpoints, and checkpoint temp files. */
export function pruneCheckpoints(fs: FileSystem, dir: string, keep: number): string[] {
  const removed: string[] = [];
  for (const entry of listCheckpoints(fs, dir).slice(keep)) {
    step('removing', join(dir, entry.name), () => fs.unlink(join(dir, entry.name)));
    removed.push(entry.name);
  }
  for (const name of listCheckpointTempFiles(fs, dir)) {
    step('removing', join(dir, name), () => fs.unlink(join(dir, name)));
    removed.push(name);
  }
  if (removed.length > 0) step('syncing directory', dir, () => fs.syncDir(dir));
  return removed;
}

/** Unlinks `path` if it is there; a failure is left for the next open to clean up. */
function removeQuietly(fs: FileSystem, path: string): void {
  try {
    if (fs.exists(path)) fs.unlink(path);
  } catch {
    // The open that follows removes checkpoint temp files (removeTempFiles).
  }
}

function readWhole(fs: FileSystem, path: string): Buffer {
  const fd = step('opening', path, () => fs.open(path, 'read'));
  try {
    const size = step('reading the size of', path, () => fs.size(fd));
    const bytes = Buffer.allocUnsafe(Math.min(size, CHECKPOINT_PAYLOAD_BYTES_MAX + 64));
    const got = step('reading', path, () => readFully(fs, fd, bytes, 0, bytes.length, 0));
    return bytes.subarray(0, got);
  } finally {
    fs.close(fd);
  }
}

function step<T>(action: string, path: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw ioError(action, path, error);
  }
}
