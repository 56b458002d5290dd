// One writer per log directory (docs/durability.md#the-writer-lock).
//
// The lock is the directory `<dir>/writer.lock`: the process whose mkdir of it succeeds, and then
// whose O_EXCL create of `writer.lock/owner.json` succeeds, holds it (a process whose create
// fails, EEXIST or ENOENT, lost a race and gets WalLockedError). The owner file says who: pid,
// host, since when, and what lets another process on the same host tell whether that holder
// still runs (src/wal/process-liveness.ts). The holder touches the directory's mtime every
// staleMs/4: from a timer, and from every seam call of its writer (fenced-file-system.ts), so a
// synchronous replay, which blocks the timer, keeps the lock fresh too.
//
// An opener that finds the lock held breaks it (lock-directory.ts: under a break marker, so
// exactly one process does) when its holder is proven dead: at once; or else when the lock is
// stale (not touched for staleMs): a holder on another host, one that cannot be checked, or a
// live one paused that long. Otherwise it gets WalLockedError saying why.
//
// Fencing: before every change to the disk the holder checks that `writer.lock/owner.json` is
// still the file it created: the same inode as the descriptor it keeps open on it. The open
// descriptor is what makes the inode a safe identity: ext4 hands a new file the inode of one
// just deleted, but an inode that is still open is not free, so a successor's owner file can
// never get it. One stat per check (one A/B, not a make bench row: a single awaited WalWriter
// appender, median of 6 runs, ~7.4k -> ~8.2k durable appends/s against open + read + close of the
// file). A writer paused past the stale window fails with WAL_LOCK_LOST instead of writing.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ioError, type LockHolder, WalError, WalLockedError, WalLockLostError } from '../errors.js';
import { type FileSystem, nodeFileSystem } from './file-system.js';
import {
  claim,
  type LockTakeover,
  lockedError,
  noteReleasedHere,
  removeIfOurs,
} from './lock-claim.js';
import {
  LOCK_DIR_NAME,
  OWNER_FILE,
  readOwner,
  removeLock,
  sweepGraves,
  writeOwner,
} from './lock-directory.js';
import { holderLiveness, ownIdentity } from './process-liveness.js';

export { lockedError, type LockTakeover } from './lock-claim.js';
export { LOCK_DIR_NAME } from './lock-directory.js';

export interface WriterLockOptions {
  staleMs: number;
  fs?: FileSystem;
  /** Called once if the lock is lost while held (taken over, or its refresh kept failing). */
  onLost: (error: WalLockLostError) => void;
}

/** Locks held by this process, so a second writer in the same process is refused at once. */
const heldHere = new Map<string, WriterLock>();

export class WriterLock {
  readonly dir: string;
  readonly holder: LockHolder;
  readonly takeover: LockTakeover;
  #fs: FileSystem;
  #lockPath: string;
  /** The owner file this process created, held open for the fence (see above). */
  #ownerFd: number;
  #ownerInode: bigint;
  #staleMs: number;
  #refreshEveryMs: number;
  #refreshedAtMs: number;
  #triedAtMs: number;
  #timer: NodeJS.Timeout;
  #onLost: (error: WalLockLostError) => void;
  #released = false;

  private constructor(
    fs: FileSystem,
    dir: string,
    holder: LockHolder,
    takeover: LockTakeover,
    owner: { fd: number; ino: bigint },
    options: WriterLockOptions,
  ) {
    this.dir = dir;
    this.holder = holder;
    this.takeover = takeover;
    this.#fs = fs;
    this.#lockPath = join(dir, LOCK_DIR_NAME);
    this.#ownerFd = owner.fd;
    this.#ownerInode = owner.ino;
    this.#staleMs = options.staleMs;
    this.#refreshEveryMs = options.staleMs / 4;
    this.#refreshedAtMs = Date.now();
    this.#triedAtMs = this.#refreshedAtMs;
    this.#onLost = options.onLost;
    this.#timer = setInterval(() => this.#refresh(Date.now()), this.#refreshEveryMs);
    this.#timer.unref();
  }

  static async acquire(dir: string, options: WriterLockOptions): Promise<WriterLock> {
    const fs = options.fs ?? nodeFileSystem;
    const lockPath = join(dir, LOCK_DIR_NAME);
    const here = heldHere.get(lockPath);
    if (here) throw new WalLockedError(dir, here.holder, { refusal: 'heldHere' });
    const own = ownIdentity(fs);
    const holder: LockHolder = {
      pid: process.pid,
      hostname: hostname(),
      sinceMs: Date.now(),
      token: randomBytes(12).toString('hex'),
      ...own,
    };
    const claimed = claim(fs, dir, own, options.staleMs);
    let owner: { fd: number; ino: bigint };
    try {
      owner = writeOwner(fs, lockPath, holder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOENT') {
        // Another process won this lock directory (or broke it): it is theirs, left as it is.
        throw lockedError(dir, options.staleMs, fs, error);
      }
      removeIfOurs(fs, lockPath, claimed.ino);
      throw ioError('writing the lock owner in', lockPath, error);
    }
    const lock = new WriterLock(fs, dir, holder, claimed.takeover, owner, options);
    sweepGraves(fs, lockPath);
    heldHere.set(lockPath, lock);
    WriterLock.#releaseAtExit();
    return lock;
  }

  /** Whether this process still owns the lock: the owner file it created is in place. */
  holds(): boolean {
    // Cannot tell (ENOENT, EACCES, EIO, ...): not held.
    return !this.#released && this.#isOwnerIn(this.#lockPath);
  }

  /** Throws WalLockLostError unless this process still owns the lock (saying why it does not). */
  assertHeld(): void {
    if (this.holds()) return;
    if (this.#released) throw new WalLockLostError(this.dir, 'it was released');
    const owner = join(this.#lockPath, OWNER_FILE);
    try {
      this.#fs.stat(owner);
    } catch (error) {
      // The owner file is gone or unreadable: the directory was moved or removed under the
      // writer (or its permissions changed): say so, with the file-system error as cause.
      const errno = (error as NodeJS.ErrnoException).code;
      const what =
        errno === 'ENOENT'
          ? `its owner file ${owner} is gone (the journal directory was moved or removed, or another process broke the lock)`
          : `its owner file ${owner} cannot be read (${errno ?? String(error)})`;
      throw new WalLockLostError(this.dir, what, { cause: error });
    }
    throw new WalLockLostError(
      this.dir,
      'another process took it over (its owner file is not ours)',
    );
  }

  /**
   * Touches the lock if a refresh is due: a clock read, and every staleMs/4 a stat and a utimes.
   * For code that blocks the event loop (a replay): the timer cannot fire meanwhile.
   */
  refreshIfDue(): void {
    const now = Date.now();
    if (now - this.#triedAtMs >= this.#refreshEveryMs) this.#refresh(now);
  }

  async release(): Promise<void> {
    this.#releaseNow();
  }

  #releaseNow(): void {
    if (this.#released) return;
    const held = this.holds() || readOwner(this.#fs, this.#lockPath)?.token === this.holder.token;
    this.#stop();
    try {
      // Identified by the owner file's inode, as the fence does: no read that could fail.
      if (held) this.#removeOwn();
      // Not provably ours any more (or not removable): if it is, this process may reclaim it.
      else noteReleasedHere(this.holder.token);
    } finally {
      this.#closeOwner();
    }
  }

  /**
   * Renamed away first, so that a successor's lock (after a pause past the stale window) is
   * never removed; if the rename fails (EIO, ...), removed in place: a lock left behind would
   * refuse every later open in this process until it is stale.
   */
  #removeOwn(): void {
    // Ours by the owner file's inode, or (when stat fails) by the token the owner file holds.
    const ours = (path: string) =>
      this.#isOwnerIn(path) || readOwner(this.#fs, path)?.token === this.holder.token;
    try {
      removeLock(this.#fs, this.#lockPath, ours);
      return;
    } catch (error) {
      if (error instanceof WalError || !this.#isOwnerIn(this.#lockPath)) throw error;
    }
    this.#fs.unlink(join(this.#lockPath, OWNER_FILE));
    this.#fs.rmdir(this.#lockPath);
  }

  /** Whether the owner file in `lockPath` is ours; a failed stat is asked once more (EIO). */
  #isOwnerIn(lockPath: string): boolean {
    const owner = join(lockPath, OWNER_FILE);
    for (let attempt = 1; ; attempt++) {
      try {
        return this.#fs.stat(owner).ino === this.#ownerInode;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || attempt === 2) return false;
      }
    }
  }

  #refresh(now: number): void {
    if (this.#released) return;
    this.#triedAtMs = now;
    if (!this.holds()) {
      this.#markLost(new WalLockLostError(this.dir, 'another process took it over'));
      return;
    }
    try {
      this.#fs.utimes(this.#lockPath, now);
      this.#refreshedAtMs = now;
    } catch (error) {
      // Retried at the next refresh; given up while others still see the lock fresh. Given up
      // means released too (no write can pass the fence after it), so that a reopen need not
      // wait for the lock to turn stale.
      if (now - this.#refreshedAtMs < this.#staleMs / 2) return;
      const detail = error instanceof Error ? error.message : String(error);
      const lost = new WalLockLostError(this.dir, `it could not be refreshed (${detail})`, {
        cause: error,
      });
      try {
        this.#removeOwn();
      } catch {
        // Left behind: freed once stale, or at once by an opener on this host after this exits.
      }
      this.#markLost(lost);
    }
  }

  #stop(): void {
    this.#released = true;
    clearInterval(this.#timer);
    if (heldHere.get(this.#lockPath) === this) heldHere.delete(this.#lockPath);
  }

  #closeOwner(): void {
    try {
      this.#fs.close(this.#ownerFd);
    } catch {
      // A descriptor only read for its inode: closing it cannot lose anything.
    }
  }

  #markLost(error: WalLockLostError): void {
    if (this.#released) return;
    this.#stop();
    this.#closeOwner();
    this.#onLost(error);
  }

  static #exitHookInstalled = false;

  /** Releases every lock still held when the process exits without closing its writers. */
  static #releaseAtExit(): void {
    if (WriterLock.#exitHookInstalled) return;
    WriterLock.#exitHookInstalled = true;
    process.on('exit', () => {
      for (const lock of [...heldHere.values()]) {
        try {
          lock.#releaseNow();
        } catch {
          // Exiting: a lock left behind is freed by the next opener (its holder is gone).
        }
      }
    });
  }
}

/** Who holds the lock of `dir`, or undefined when no owner file names a holder. */
export function readHolder(dir: string, fs: FileSystem = nodeFileSystem): LockHolder | undefined {
  return readOwner(fs, join(dir, LOCK_DIR_NAME));
}

/**
 * Whether a writer may be running on `dir`: a lock is held and its holder is not proven dead
 * (a read-only open then calls the starts it found running, not interrupted).
 */
export function writerMayBeAlive(dir: string, fs: FileSystem = nodeFileSystem): boolean {
  const holder = readHolder(dir, fs);
  if (!holder) return false;
  return holderLiveness(fs, holder, ownIdentity(fs)).verdict !== 'dead';
}
