// The narrow file-system seam: every byte the wal layer reads or writes goes through one of
// these calls, so tests can wrap it with faults (test/support/faulty-fs.ts, crash-fs.ts) without
// mocking any module. Every call is synchronous; fdatasync returns a promise so that a seam may
// make it asynchronous, but the node one calls fdatasyncSync: measured here, the thread-pool hop
// of an async fdatasync cost more than it overlapped (docs/durability.md#group-commit, `make
// bench` append table). The event loop is so blocked for one fdatasync at a time, never more:
// appends made meanwhile queue and go into the next group.
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { ioError } from '../errors.js';

export type OpenMode = 'read' | 'readWrite' | 'createExclusive';

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
  /** fsync of a directory, so creates, renames and unlinks inside it are durable. */
  syncDir(path: string): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  readdir(path: string): string[];
  mkdir(path: string): void;
  exists(path: string): boolean;
  stat(path: string): { bytes: number; modifiedMs: number };
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
  exists: (path) => fs.existsSync(path),
  stat: (path) => {
    const stats = fs.statSync(path);
    return { bytes: stats.size, modifiedMs: stats.mtimeMs };
  },
  sameFile: (fd, path) => {
    const named = fs.statSync(path, { bigint: true, throwIfNoEntry: false });
    if (!named) return false;
    const open = fs.fstatSync(fd, { bigint: true });
    return named.ino === open.ino && named.dev === open.dev;
  },
};

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
