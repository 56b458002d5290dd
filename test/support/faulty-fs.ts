// A FileSystem that delegates to nodeFileSystem and injects faults on chosen calls: an error
// (EIO, ENOSPC, EACCES, ...) or a short write on the k-th call of a kind, once or from then on;
// a slow read; or a step of the test run right after the k-th call returned (`afterward`: a
// race made deterministic, e.g. a segment unlinked between a reader's listing and its open),
// optionally only of calls on matching paths. It also counts calls and bytes, so tests can
// assert how much work an open or a scan did.
import {
  type FileStat,
  type FileSystem,
  nodeFileSystem,
  type OpenMode,
} from '../../src/wal/file-system.js';

export type FsCall =
  | 'open'
  | 'read'
  | 'write'
  | 'fdatasync'
  | 'truncate'
  | 'syncDir'
  | 'rename'
  | 'unlink'
  | 'readdir'
  | 'mkdir'
  | 'stat'
  | 'size'
  | 'utimes';

export type Fault = {
  call: FsCall;
  /** 1-based: the fault hits the nth call of this kind (counting from when the fault was added). */
  nth: number;
  /** Keep failing every later call of this kind too (a full disk stays full). */
  sticky?: boolean;
  /**
   * Only calls on a path containing this (for a descriptor call, the path it was opened with)
   * count and fail: a fault aimed at one file, whatever else the code under test touches first.
   */
  pathIncludes?: string;
  /** The same, by pattern. */
  path?: RegExp;
  /** open only: only opens in this mode count and fail (say, creating a file but not reading). */
  openMode?: OpenMode;
} & (
  | { error: string }
  /** write only: write at most this many bytes and return the count. */
  | { shortBytes: number }
  /** fdatasync only: a slow disk; the real call runs after this delay. */
  | { delayMs: number }
  /** Runs after the real call returned (not for fdatasync). */
  | { afterward: () => void }
  /** read only: a slow disk that blocks the thread (as a real read does) this long first. */
  | { stallMs: number }
);

type Effect =
  | { error: string }
  | { shortBytes: number }
  | { delayMs: number }
  | { afterward: () => void }
  | { stallMs: number };

const sleeper = new Int32Array(new SharedArrayBuffer(4));

export class FaultyFileSystem implements FileSystem {
  readonly calls: Record<FsCall, number> = {
    open: 0,
    read: 0,
    write: 0,
    fdatasync: 0,
    truncate: 0,
    syncDir: 0,
    rename: 0,
    unlink: 0,
    readdir: 0,
    mkdir: 0,
    stat: 0,
    size: 0,
    utimes: 0,
  };
  bytesRead = 0;
  bytesWritten = 0;
  /** fdatasync calls that completed successfully. */
  syncsDone = 0;
  /** Faults that fired, in order, as `<call>#<n>`. */
  readonly fired: string[] = [];
  /** Each fault with the count of calls it has seen (of its kind, on its path). */
  #faults: { fault: Fault; seen: number }[];
  /** Paths of open descriptors, for faults aimed at a path. */
  #paths = new Map<number, string>();
  #inner: FileSystem;

  constructor(faults: Fault[] = [], inner: FileSystem = nodeFileSystem) {
    this.#faults = faults.map((fault) => ({ fault, seen: 0 }));
    this.#inner = inner;
  }

  /**
   * Adds a fault relative to now: `after` = 1 hits the next call of that kind (on a path that
   * contains `pathIncludes`, when given).
   */
  failNext(call: FsCall, effect: Effect, after = 1, sticky = false, pathIncludes?: string): void {
    this.addFault({ call, nth: after, sticky, pathIncludes, ...effect } as Fault);
  }

  /** Adds a fault on calls on paths matching `path`: `nth` counts from now, among those. */
  failPath(call: FsCall, path: RegExp, effect: Effect, nth = 1, sticky = false): void {
    this.addFault({ call, path, nth, sticky, ...effect } as Fault);
  }

  /** Adds a fault; its `nth` counts the matching calls from now on. */
  addFault(fault: Fault): void {
    this.#faults.push({ fault, seen: 0 });
  }

  clearFaults(): void {
    this.#faults = [];
  }

  /** Counts the call and returns the fault that applies to it, if any. */
  #fault(call: FsCall, path: string | undefined, mode?: OpenMode): Fault | undefined {
    const n = ++this.calls[call];
    let hit: Fault | undefined;
    for (const entry of this.#faults) {
      const { fault } = entry;
      if (fault.call !== call) continue;
      if (fault.pathIncludes !== undefined && !path?.includes(fault.pathIncludes)) continue;
      if (fault.path !== undefined && (path === undefined || !fault.path.test(path))) continue;
      if (fault.openMode !== undefined && fault.openMode !== mode) continue;
      entry.seen += 1;
      const fires = entry.seen === fault.nth || (fault.sticky === true && entry.seen > fault.nth);
      if (fires) hit ??= fault;
    }
    if (hit) this.fired.push(`${call}#${n}`);
    return hit;
  }

  #throwIfError(call: FsCall, fault: Fault | undefined): void {
    if (fault && 'error' in fault) throw injected(call, fault.error);
  }

  /** The call `run` with the fault of its kind applied: an error before it, a step after it. */
  #faulted<T>(call: FsCall, path: string | number, run: () => T, mode?: OpenMode): T {
    const fault = this.#fault(call, typeof path === 'number' ? this.#paths.get(path) : path, mode);
    this.#throwIfError(call, fault);
    if (fault && 'stallMs' in fault) Atomics.wait(sleeper, 0, 0, fault.stallMs);
    const result = run();
    if (fault && 'afterward' in fault) fault.afterward();
    return result;
  }

  open(path: string, mode: OpenMode): number {
    const fd = this.#faulted('open', path, () => this.#inner.open(path, mode), mode);
    this.#paths.set(fd, path);
    return fd;
  }

  close(fd: number): void {
    this.#paths.delete(fd);
    this.#inner.close(fd);
  }

  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    const n = this.#faulted('read', fd, () =>
      this.#inner.read(fd, buffer, offset, length, position),
    );
    this.bytesRead += n;
    return n;
  }

  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    const fault = this.#fault('write', this.#paths.get(fd));
    this.#throwIfError('write', fault);
    const allowed = fault && 'shortBytes' in fault ? Math.min(length, fault.shortBytes) : length;
    const n = this.#inner.write(fd, buffer, offset, allowed, position);
    this.bytesWritten += n;
    if (fault && 'afterward' in fault) fault.afterward();
    return n;
  }

  async fdatasync(fd: number): Promise<void> {
    const fault = this.#fault('fdatasync', this.#paths.get(fd));
    if (fault && 'error' in fault) {
      // Fail asynchronously, like a real disk: appends made meanwhile queue up behind it.
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw injected('fdatasync', fault.error);
    }
    if (fault && 'delayMs' in fault) {
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    }
    await this.#inner.fdatasync(fd);
    this.syncsDone++;
  }

  truncate(fd: number, length: number): void {
    this.#faulted('truncate', fd, () => this.#inner.truncate(fd, length));
  }

  size(fd: number): number {
    return this.#faulted('size', fd, () => this.#inner.size(fd));
  }

  syncDir(path: string): void {
    this.#faulted('syncDir', path, () => this.#inner.syncDir(path));
  }

  rename(from: string, to: string): void {
    this.#faulted('rename', from, () => this.#inner.rename(from, to));
  }

  unlink(path: string): void {
    this.#faulted('unlink', path, () => this.#inner.unlink(path));
  }

  readdir(path: string): string[] {
    return this.#faulted('readdir', path, () => this.#inner.readdir(path));
  }

  mkdir(path: string): void {
    this.#faulted('mkdir', path, () => this.#inner.mkdir(path));
  }

  exists(path: string): boolean {
    return this.#inner.exists(path);
  }

  stat(path: string): FileStat {
    return this.#faulted('stat', path, () => this.#inner.stat(path));
  }

  fstat(fd: number): FileStat {
    return this.#inner.fstat(fd);
  }

  rmdir(path: string): void {
    this.#inner.rmdir(path);
  }

  utimes(path: string, modifiedMs: number): void {
    this.#faulted('utimes', path, () => this.#inner.utimes(path, modifiedMs));
  }

  sameFile(fd: number, path: string): boolean {
    return this.#inner.sameFile(fd, path);
  }
}

function injected(call: FsCall, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected ${call} failure`), { code, syscall: call });
}
