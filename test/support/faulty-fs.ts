// A FileSystem that delegates to nodeFileSystem and injects faults on chosen calls: an error
// (EIO, ENOSPC, ...), a short write or a slow call on the k-th call of a kind (optionally only
// of calls on matching paths), once or from then on. It also counts calls and bytes, so tests
// can assert how much work an open or a scan did.
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
  | 'mkdir'
  | 'utimes';

export type Fault = {
  call: FsCall;
  /**
   * 1-based: the fault hits the nth call of this kind (counting from when the fs was made), or,
   * with `path`, the nth such call on a matching path.
   */
  nth: number;
  /** Keep failing every later call of this kind too (a full disk stays full). */
  sticky?: boolean;
  /** Only calls on a matching path (for read and write: the path the descriptor was opened at). */
  path?: RegExp;
} & Effect;

type Effect =
  | { error: string }
  /** write only: write at most this many bytes and return the count. */
  | { shortBytes: number }
  /** fdatasync only: a slow disk; the real call runs after this delay. */
  | { delayMs: number }
  /** read only: a slow disk that blocks the thread (as a real read does) this long first. */
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
    mkdir: 0,
    utimes: 0,
  };
  bytesRead = 0;
  bytesWritten = 0;
  /** fdatasync calls that completed successfully. */
  syncsDone = 0;
  /** Faults that fired, in order, as `<call>#<n>`. */
  readonly fired: string[] = [];
  #faults: Fault[];
  /** Calls seen by each fault with a path filter, keyed by the fault. */
  #pathCounts = new Map<Fault, number>();
  #paths = new Map<number, string>();
  #inner: FileSystem;

  constructor(faults: Fault[] = [], inner: FileSystem = nodeFileSystem) {
    this.#faults = [...faults];
    this.#inner = inner;
  }

  /** Adds a fault relative to now: `after` = 1 hits the next call of that kind. */
  failNext(call: FsCall, fault: Effect, after = 1, sticky = false): void {
    this.#faults.push({ call, nth: this.calls[call] + after, sticky, ...fault });
  }

  /** Adds a fault on calls on paths matching `path`: `nth` counts from now, among those. */
  failPath(call: FsCall, path: RegExp, fault: Effect, nth = 1, sticky = false): void {
    this.#faults.push({ call, path, nth, sticky, ...fault });
  }

  clearFaults(): void {
    this.#faults = [];
    this.#pathCounts.clear();
  }

  /** Counts the call and returns the fault that applies to it, if any. */
  #fault(call: FsCall, path?: string): Fault | undefined {
    const n = ++this.calls[call];
    let hit: Fault | undefined;
    for (const f of this.#faults) {
      if (f.call !== call) continue;
      let k = n;
      if (f.path) {
        if (path === undefined || !f.path.test(path)) continue;
        k = (this.#pathCounts.get(f) ?? 0) + 1;
        this.#pathCounts.set(f, k);
      }
      if (!hit && (f.nth === k || (f.sticky === true && k > f.nth))) hit = f;
    }
    if (hit) this.fired.push(`${call}#${n}${path && hit.path ? ` ${path}` : ''}`);
    return hit;
  }

  #throwIfError(call: FsCall, fault: Fault | undefined): void {
    if (fault && 'error' in fault) throw injected(call, fault.error);
  }

  open(path: string, mode: OpenMode): number {
    this.#throwIfError('open', this.#fault('open', path));
    const fd = this.#inner.open(path, mode);
    this.#paths.set(fd, path);
    return fd;
  }

  close(fd: number): void {
    this.#paths.delete(fd);
    this.#inner.close(fd);
  }

  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    const fault = this.#fault('read', this.#paths.get(fd));
    this.#throwIfError('read', fault);
    if (fault && 'stallMs' in fault) Atomics.wait(sleeper, 0, 0, fault.stallMs);
    const n = this.#inner.read(fd, buffer, offset, length, position);
    this.bytesRead += n;
    return n;
  }

  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    const fault = this.#fault('write', this.#paths.get(fd));
    this.#throwIfError('write', fault);
    const allowed = fault && 'shortBytes' in fault ? Math.min(length, fault.shortBytes) : length;
    const n = this.#inner.write(fd, buffer, offset, allowed, position);
    this.bytesWritten += n;
    return n;
  }

  async fdatasync(fd: number): Promise<void> {
    const fault = this.#fault('fdatasync');
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
    this.#throwIfError('truncate', this.#fault('truncate'));
    this.#inner.truncate(fd, length);
  }

  size(fd: number): number {
    return this.#inner.size(fd);
  }

  fstat(fd: number): FileStat {
    return this.#inner.fstat(fd);
  }

  syncDir(path: string): void {
    this.#throwIfError('syncDir', this.#fault('syncDir'));
    this.#inner.syncDir(path);
  }

  rename(from: string, to: string): void {
    this.#throwIfError('rename', this.#fault('rename', from));
    this.#inner.rename(from, to);
  }

  unlink(path: string): void {
    this.#inner.unlink(path);
  }

  readdir(path: string): string[] {
    return this.#inner.readdir(path);
  }

  mkdir(path: string): void {
    this.#throwIfError('mkdir', this.#fault('mkdir', path));
    this.#inner.mkdir(path);
  }

  rmdir(path: string): void {
    this.#inner.rmdir(path);
  }

  exists(path: string): boolean {
    return this.#inner.exists(path);
  }

  stat(path: string): FileStat {
    return this.#inner.stat(path);
  }

  utimes(path: string, modifiedMs: number): void {
    this.#throwIfError('utimes', this.#fault('utimes', path));
    this.#inner.utimes(path, modifiedMs);
  }
}

function injected(call: FsCall, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected ${call} failure`), { code, syscall: call });
}
