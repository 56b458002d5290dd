// The narrow file-system seam: every byte the wal layer reads or writes goes through one of
// these calls, so tests can wrap it with faults (test/support/faulty-fs.ts, crash-fs.ts) without
// mocking any module. Every call is synchronous; fdatasync returns a promise so that a seam may
// make it asynchronous, but the node one calls fdatasyncSync: measured here, the thread-pool hop
// of an async fdatasync cost more than it overlapped (docs/durability.md#group-commit, `make
// bench` append table). The event loop is so blocked for one fdatasync at a time, never more:
// appends made meanwhile queue and go into the next group.
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCode, ioError, WalValidationError } from '../errors.js';

export type OpenMode = 'read' | 'readWrite' | 'createExclusive';

export interface FileStat {
  bytes: number;
  modifiedMs: number;
  /** The inode number: with the device, what tells one file from another (the lock's fence). */
  ino: bigint;
}

export interface FileSystem {
  open(path: string, mode: OpenMode): number;
  close(fd: number): void;
  /** Reads up to `length` bytes at `position`; returns the count (0 at end of file). */
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** Writes up to `length` bytes at `position`; may write fewer (callers loop). */
  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  fdatasync(fd: number): Promise<void>;
  truncate(fd: number, length: number): void;
  size(fd: number): number;
  fstat(fd: number): FileStat;
  /** fsync of a directory, so creates, renames and unlinks inside it are durable. */
  syncDir(path: string): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  readdir(path: string): string[];
  mkdir(path: string): void;
  /** Removes an empty directory. */
  rmdir(path: string): void;
  exists(path: string): boolean;
  /** Follows symbolic links (and /proc's magic links). */
  stat(path: string): FileStat;
  /** Sets a file's (or directory's) modification and access time. */
  utimes(path: string, modifiedMs: number): void;
  /**
   * Whether `path` still names the file open as `fd` (same device and inode): false when the
   * path is gone or names another file, as after a writer's takeover moved a segment to a fresh
   * file (a follower's cue to reopen it).
   */
  sameFile(fd: number, path: string): boolean;
}

const openFlags: Record<OpenMode, string> = {
  read: 'r',
  readWrite: 'r+',
  createExclusive: 'wx+',
};

export const nodeFileSystem: FileSystem = {
  open: (path, mode) => fs.openSync(path, openFlags[mode]),
  close: (fd) => fs.closeSync(fd),
  read: (fd, buffer, offset, length, position) => fs.readSync(fd, buffer, offset, length, position),
  write: (fd, buffer, offset, length, position) =>
    fs.writeSync(fd, buffer, offset, length, position),
  fdatasync: (fd) => {
    try {
      fs.fdatasyncSync(fd);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  },
  truncate: (fd, length) => fs.ftruncateSync(fd, length),
  size: (fd) => fs.fstatSync(fd).size,
  fstat: (fd) => fileStat(fs.fstatSync(fd, { bigint: true })),
  syncDir: (path) => {
    const fd = fs.openSync(path, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
  rename: (from, to) => fs.renameSync(from, to),
  unlink: (path) => fs.unlinkSync(path),
  readdir: (path) => fs.readdirSync(path),
  mkdir: (path) => fs.mkdirSync(path),
  rmdir: (path) => fs.rmdirSync(path),
  exists: (path) => fs.existsSync(path),
  stat: (path) => fileStat(fs.statSync(path, { bigint: true })),
  utimes: (path, modifiedMs) => fs.utimesSync(path, modifiedMs / 1000, modifiedMs / 1000),
  sameFile: (fd, path) => {
    const named = fs.statSync(path, { bigint: true, throwIfNoEntry: false });
    if (!named) return false;
    const open = fs.fstatSync(fd, { bigint: true });
    return named.ino === open.ino && named.dev === open.dev;
  },
};

/** Exact inode; the mtime computed as node:fs computes `mtimeMs` (the same number). */
function fileStat(stats: fs.BigIntStats): FileStat {
  const seconds = Number(stats.mtimeNs / 1_000_000_000n);
  const nanos = Number(stats.mtimeNs % 1_000_000_000n);
  return { bytes: Number(stats.size), modifiedMs: seconds * 1000 + nanos / 1e6, ino: stats.ino };
}

/** Writes all of `bytes` at `position`, looping over short writes. */
export function writeFully(fs: FileSystem, fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) {
    const n = fs.write(fd, bytes, done, bytes.length - done, position + done);
    if (n <= 0) throw Object.assign(new Error('write returned 0 bytes'), { code: 'EIO' });
    done += n;
  }
}

/** Reads exactly `length` bytes at `position` unless the file ends first; returns the count. */
export function readFully(
  fs: FileSystem,
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): number {
  let done = 0;
  while (done < length) {
    const n = fs.read(fd, buffer, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/**
 * Reads a whole small file (one whose size stat cannot tell, as those under /proc) through
 * `open`/`read`; a file longer than `bytesMax` is refused with WAL_LIMIT_EXCEEDED.
 */
export function readSmallFile(fs: FileSystem, path: string, bytesMax: number): Buffer {
  const fd = fs.open(path, 'read');
  try {
    const buffer = Buffer.alloc(bytesMax + 1);
    const n = readFully(fs, fd, buffer, 0, buffer.length, 0);
    if (n > bytesMax) {
      throw new WalValidationError(
        ErrorCode.limitExceeded,
        `${path} holds more than ${bytesMax} bytes, the most it may`,
      );
    }
    return buffer.subarray(0, n);
  } finally {
    fs.close(fd);
  }
}

/** mkdir -p, fsyncing each created directory and its parent (so the entry itself is durable). */
export function ensureDir(fs: FileSystem, dir: string): void {
  if (fs.exists(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) ensureDir(fs, parent);
  try {
    fs.mkdir(dir);
    fs.syncDir(dir);
    fs.syncDir(parent);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError('creating', dir, error);
  }
}
