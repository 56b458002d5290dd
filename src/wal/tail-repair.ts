// What a writer does to a torn tail before appending (docs/recovery.md#tail-repair): the bytes it
// drops are first copied to `<segment>.broken-<lsn>` and made durable, then the segment is cut
// at the end of its last whole batch and synced. A segment whose header itself is torn is moved
// aside whole. Never append after unrepaired garbage. A repair that fails (a full disk) removes
// the backup it was writing, so each failed open leaves nothing behind; the segment is cut only
// after its backup is durable, so it is then still whole.
import { join } from 'node:path';
import { ioError } from '../errors.js';
import { crashPoint } from './crash-point.js';
import { type FileSystem, readFully, writeFully } from './file-system.js';
import type { TailReport } from './log-reader.js';
import { listCheckpointTempFiles } from './checkpoint-files.js';
import { brokenName, listTempFiles } from './segment-list.js';

export interface TailRepair {
  segment: string;
  /** File now holding the dropped bytes. */
  backup: string;
  droppedBytes: number;
  /** 'truncated': the segment was cut; 'moved-aside': its header was torn, so the whole file. */
  action: 'truncated' | 'moved-aside';
}

const COPY_CHUNK_BYTES = 1 << 20;

export async function repairTail(
  fs: FileSystem,
  dir: string,
  tail: Extract<TailReport, { status: 'torn' }>,
): Promise<TailRepair> {
  const path = join(dir, tail.segment);
  const backup = freeName(fs, dir, brokenName(tail.segment, tail.lastLsn + 1));
  const backupPath = join(dir, backup);
  if (tail.headerDamaged) {
    step('moving aside', path, () => fs.rename(path, backupPath));
    step('syncing directory', dir, () => fs.syncDir(dir));
    return {
      segment: tail.segment,
      backup,
      droppedBytes: tail.droppedBytes,
      action: 'moved-aside',
    };
  }
  const fd = step('opening', path, () => fs.open(path, 'readWrite'));
  try {
    const fileBytes = step('reading the size of', path, () => fs.size(fd));
    await copyRange(fs, fd, path, tail.offset, fileBytes, backupPath);
    try {
      step('syncing directory', dir, () => fs.syncDir(dir));
    } catch (error) {
      removeQuietly(fs, backupPath);
      throw error;
    }
    crashPoint?.('repair:after-backup');
    step('truncating', path, () => fs.truncate(fd, tail.offset));
    await fs.fdatasync(fd).catch((error) => {
      throw ioError('syncing', path, error);
    });
    return {
      segment: tail.segment,
      backup,
      droppedBytes: fileBytes - tail.offset,
      action: 'truncated',
    };
  } finally {
    fs.close(fd);
  }
}

/**
 * Removes `*.tmp` files left by a rotation or a checkpoint that crashed (or failed) before its
 * rename.
 */
export function removeTempFiles(fs: FileSystem, dir: string): string[] {
  const temps = [...listTempFiles(fs, dir), ...listCheckpointTempFiles(fs, dir)];
  for (const name of temps) step('removing', join(dir, name), () => fs.unlink(join(dir, name)));
  if (temps.length > 0) step('syncing directory', dir, () => fs.syncDir(dir));
  return temps;
}

async function copyRange(
  fs: FileSystem,
  fd: number,
  path: string,
  from: number,
  to: number,
  targetPath: string,
): Promise<void> {
  const out = step('creating', targetPath, () => fs.open(targetPath, 'createExclusive'));
  try {
    try {
      const buffer = Buffer.allocUnsafe(Math.min(COPY_CHUNK_BYTES, Math.max(1, to - from)));
      for (let at = from; at < to; ) {
        const want = Math.min(buffer.length, to - at);
        const n = step('reading', path, () => readFully(fs, fd, buffer, 0, want, at));
        if (n === 0) break;
        step('writing', targetPath, () => writeFully(fs, out, buffer.subarray(0, n), at - from));
        at += n;
      }
      await fs.fdatasync(out).catch((error) => {
        throw ioError('syncing', targetPath, error);
      });
    } finally {
      fs.close(out);
    }
  } catch (error) {
    // A backup that is not whole and durable keeps nothing: the segment has not been cut.
    removeQuietly(fs, targetPath);
    throw error;
  }
}

/** Unlinks `path` if it is there; a failure to do so is not the error worth reporting. */
function removeQuietly(fs: FileSystem, path: string): void {
  try {
    if (fs.exists(path)) fs.unlink(path);
  } catch {
    // The next repair picks a free name (`.1`, ...) and tries again.
  }
}

/** `name`, or `name.1`, `name.2`, ... when an earlier repair already kept bytes under it. */
function freeName(fs: FileSystem, dir: string, name: string): string {
  let candidate = name;
  for (let n = 1; fs.exists(join(dir, candidate)); n++) candidate = `${name}.${n}`;
  return candidate;
}

function step<T>(action: string, path: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw ioError(action, path, error);
  }
}
