// A read-only, in-memory FileSystem holding one log directory, for decoder fuzzing: thousands of
// damaged logs a second without touching the disk. It counts reads, refuses any change, checks
// that every descriptor is closed again, and can fail reads of chosen byte ranges with EIO (an
// unreadable sector).
import { basename, dirname } from 'node:path';
import type { FileStat, FileSystem, OpenMode } from '../../src/wal/file-system.js';

/** Where a MemoryFileSystem keeps its one log directory. */
export const MEMORY_DIR = '/memory-log';

export interface UnreadableRange {
  name: string;
  from: number;
  to: number;
}

export class MemoryFileSystem implements FileSystem {
  readonly dir = MEMORY_DIR;
  /** read() calls so far. */
  reads = 0;
  #files: Map<string, Buffer>;
  #open = new Map<number, Buffer>();
  #openNames = new Map<number, string>();
  #nextFd = 1000;
  #unreadable: UnreadableRange[];

  constructor(files: ReadonlyMap<string, Buffer>, unreadable: UnreadableRange[] = []) {
    this.#files = new Map(files);
    this.#unreadable = unreadable;
  }

  /** Descriptors opened and not closed yet. */
  get openFds(): number {
    return this.#open.size;
  }

  #file(path: string): Buffer {
    const file = dirname(path) === MEMORY_DIR ? this.#files.get(basename(path)) : undefined;
    if (!file) throw errno('ENOENT', 'open', path);
    return file;
  }

  open(path: string, mode: OpenMode): number {
    if (mode !== 'read') throw errno('EROFS', 'open', path);
    const file = this.#file(path);
    const fd = this.#nextFd++;
    this.#open.set(fd, file);
    this.#openNames.set(fd, basename(path));
    return fd;
  }

  close(fd: number): void {
    if (!this.#open.delete(fd)) throw errno('EBADF', 'close', String(fd));
    this.#openNames.delete(fd);
  }

  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    const file = this.#open.get(fd);
    if (!file) throw errno('EBADF', 'read', String(fd));
    this.reads++;
    const name = this.#openNames.get(fd)!;
    const end = Math.min(file.length, position + length);
    for (const bad of this.#unreadable) {
      if (bad.name === name && position < bad.to && end > bad.from) {
        throw errno('EIO', 'read', name);
      }
    }
    if (position >= file.length) return 0;
    file.copy(buffer, offset, position, end);
    return end - position;
  }

  size(fd: number): number {
    const file = this.#open.get(fd);
    if (!file) throw errno('EBADF', 'fstat', String(fd));
    return file.length;
  }

  readdir(path: string): string[] {
    if (path !== MEMORY_DIR) throw errno('ENOENT', 'scandir', path);
    return [...this.#files.keys()];
  }

  exists(path: string): boolean {
    return path === MEMORY_DIR || (dirname(path) === MEMORY_DIR && this.#files.has(basename(path)));
  }

  stat(path: string): FileStat {
    return this.#statOf(basename(path), this.#file(path));
  }

  fstat(fd: number): FileStat {
    const file = this.#open.get(fd);
    if (!file) throw errno('EBADF', 'fstat', String(fd));
    return this.#statOf(this.#openNames.get(fd)!, file);
  }

  /** Inode numbers: a file's place among the names, from 1. */
  #statOf(name: string, file: Buffer): FileStat {
    const ino = BigInt([...this.#files.keys()].indexOf(name) + 1);
    return { bytes: file.length, modifiedMs: 0, ino };
  }

  sameFile(fd: number, path: string): boolean {
    const file = this.#open.get(fd);
    if (!file) throw errno('EBADF', 'fstat', String(fd));
    return (
      this.exists(path) && dirname(path) === MEMORY_DIR && this.#files.get(basename(path)) === file
    );
  }

  write(): number {
    throw errno('EROFS', 'write', MEMORY_DIR);
  }

  fdatasync(): Promise<void> {
    return Promise.reject(errno('EROFS', 'fdatasync', MEMORY_DIR));
  }

  truncate(): void {
    throw errno('EROFS', 'ftruncate', MEMORY_DIR);
  }

  syncDir(): void {
    throw errno('EROFS', 'fsync', MEMORY_DIR);
  }

  rename(from: string): void {
    throw errno('EROFS', 'rename', from);
  }

  unlink(path: string): void {
    throw errno('EROFS', 'unlink', path);
  }

  mkdir(path: string): void {
    throw errno('EROFS', 'mkdir', path);
  }

  rmdir(path: string): void {
    throw errno('EROFS', 'rmdir', path);
  }

  utimes(path: string): void {
    throw errno('EROFS', 'utimes', path);
  }
}

function errno(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} ${path} (memory file system)`), {
    code,
    syscall,
    path,
  });
}
