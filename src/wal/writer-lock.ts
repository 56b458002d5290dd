// One writer per log directory (docs/durability.md#the-writer-lock).
//
// proper-lockfile keeps `<dir>/writer.lock` (a directory) fresh by touching its mtime every
// stale/2 ms; a lock not touched for `stale` ms may be taken over. Upstream takeover is not
// atomic: two processes that both see the lock stale can both "win" (rmdir + mkdir race). We
// close the race with an owner file created with O_EXCL inside the lock directory:
//
// 1. Whoever's O_EXCL create of `writer.lock/owner.json` succeeds holds the lock; a process
//    whose create fails (EEXIST, ENOENT) lost the race and gets WalLockedError.
// 2. Breaking a stale lock renames the directory away (atomic) and deletes it only if it is the
//    very lock (owner token) that was seen stale; otherwise it is renamed back untouched.
// 3. Fencing: before every write the holder checks that its owner file is still the one at
//    `writer.lock/owner.json` (one stat); a writer paused past the stale window fails instead
//    of writing after another took over.
import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { type LockHolder, WalLockedError, ioError } from '../errors.js';

export const LOCK_DIR_NAME = 'writer.lock';
const OWNER_FILE = 'owner.json';

export interface WriterLockOptions {
  staleMs: number;
  /** Called once if the lock is lost while held (mtime refresh failed or another took over). */
  onLost: (error: Error) => void;
}

/** Locks held by this process, so a second writer in the same process is refused at once. */
const heldHere = new Set<string>();

export class WriterLock {
  readonly dir: string;
  readonly holder: LockHolder;
  #ownerIno: number;
  #release: () => Promise<void>;
  #released = false;

  private constructor(
    dir: string,
    holder: LockHolder,
    ownerIno: number,
    release: () => Promise<void>,
  ) {
    this.dir = dir;
    this.holder = holder;
    this.#ownerIno = ownerIno;
    this.#release = release;
  }

  static async acquire(dir: string, options: WriterLockOptions): Promise<WriterLock> {
    const lockPath = join(dir, LOCK_DIR_NAME);
    if (heldHere.has(lockPath)) throw new WalLockedError(dir, readHolder(dir));
    const token = randomBytes(12).toString('hex');
    const holder: LockHolder = {
      pid: process.pid,
      hostname: hostname(),
      sinceMs: Date.now(),
      token,
    };
    let lost: Error | undefined;
    let lock: WriterLock | undefined;
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(dir, {
        lockfilePath: lockPath,
        realpath: false,
        stale: options.staleMs,
        update: Math.max(1000, Math.floor(options.staleMs / 2)),
        retries: 0,
        fs: guardedFs(token, options.staleMs),
        onCompromised: (error: Error) => {
          lost = error;
          if (lock) lock.#markLost(error, options.onLost);
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
        throw new WalLockedError(dir, readHolder(dir), { cause: error });
      }
      throw ioError('locking', dir, error);
    }
    let ownerIno: number;
    try {
      ownerIno = writeOwner(lockPath, holder);
    } catch (error) {
      // Another process won the O_EXCL create in the same lock directory: it holds the lock.
      // release() stops our refresh timer; the guarded rmdir leaves the winner's lock alone.
      await release().catch(() => undefined);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOENT') {
        throw new WalLockedError(dir, readHolder(dir), { cause: error });
      }
      throw ioError('writing the lock owner in', lockPath, error);
    }
    heldHere.add(lockPath);
    lock = new WriterLock(dir, holder, ownerIno, release);
    if (lost) lock.#markLost(lost, options.onLost);
    return lock;
  }

  /** Throws unless this process still owns the lock (one stat: the fencing check). */
  assertHeld(): void {
    const stat = nodeFs.statSync(join(this.dir, LOCK_DIR_NAME, OWNER_FILE), {
      throwIfNoEntry: false,
    });
    if (this.#released || stat?.ino !== this.#ownerIno) {
      throw new Error(`the writer lock on ${this.dir} was taken over by another process`);
    }
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    heldHere.delete(join(this.dir, LOCK_DIR_NAME));
    await this.#release();
  }

  #markLost(error: Error, onLost: (error: Error) => void): void {
    if (this.#released) return;
    this.#released = true;
    heldHere.delete(join(this.dir, LOCK_DIR_NAME));
    onLost(error);
  }
}

/** Reads who holds the lock, or undefined when nobody has written an owner file. */
export function readHolder(dir: string): LockHolder | undefined {
  try {
    const text = nodeFs.readFileSync(join(dir, LOCK_DIR_NAME, OWNER_FILE), 'utf8');
    const parsed = JSON.parse(text) as LockHolder;
    return typeof parsed.pid === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates the owner file (O_EXCL) and puts the lock directory's mtime back: creating a file
 * changes it, and proper-lockfile treats an mtime it did not set as a compromised lock.
 */
function writeOwner(lockPath: string, holder: LockHolder): number {
  const before = nodeFs.statSync(lockPath);
  const fd = nodeFs.openSync(join(lockPath, OWNER_FILE), 'wx');
  try {
    nodeFs.writeSync(fd, JSON.stringify(holder));
    nodeFs.fsyncSync(fd);
    nodeFs.utimesSync(lockPath, before.atime, before.mtime);
    return nodeFs.fstatSync(fd).ino;
  } finally {
    nodeFs.closeSync(fd);
  }
}

function readToken(lockPath: string): string | null {
  try {
    return (JSON.parse(nodeFs.readFileSync(join(lockPath, OWNER_FILE), 'utf8')) as LockHolder)
      .token;
  } catch {
    return null;
  }
}

type Callback<T = void> = (error: NodeJS.ErrnoException | null, value?: T) => void;

/**
 * The file-system object handed to proper-lockfile: plain node:fs calls, except that `stat`
 * remembers which owner token it saw, and `rmdir` (used for stale takeover and release alike)
 * removes a lock directory only if it is our own or still the very stale lock that was seen.
 */
function guardedFs(ownToken: string, staleMs: number) {
  const seenToken = new Map<string, string | null>();
  const isStale = (path: string): boolean => {
    const stat = nodeFs.statSync(path, { throwIfNoEntry: false });
    return stat !== undefined && stat.mtimeMs < Date.now() - staleMs;
  };
  const removeIfSame = (path: string): void => {
    const expected = seenToken.get(path);
    const grave = `${path}.removing-${randomBytes(6).toString('hex')}`;
    nodeFs.renameSync(path, grave);
    const token = readToken(grave);
    const ours = token === ownToken;
    const sameStale = expected !== undefined && token === expected && isStale(grave);
    if (!ours && !sameStale) {
      nodeFs.renameSync(grave, path);
      throw Object.assign(new Error(`lock ${path} was taken over meanwhile`), { code: 'ELOCKED' });
    }
    nodeFs.rmSync(grave, { recursive: true, force: true });
  };
  return {
    ...nodeFs,
    stat(path: string, callback: Callback<nodeFs.Stats>) {
      nodeFs.stat(path, (error, stats) => {
        if (!error) seenToken.set(path, readToken(path));
        callback(error, stats);
      });
    },
    rmdir(path: string, callback: Callback) {
      try {
        removeIfSame(path);
        callback(null);
      } catch (error) {
        callback(error as NodeJS.ErrnoException);
      }
    },
    rmdirSync(path: string) {
      if (readToken(path) === ownToken) nodeFs.rmSync(path, { recursive: true, force: true });
    },
  };
}
