// Whether an opener may take the writer lock it found (docs/durability.md#the-writer-lock), and
// the claim itself: mkdir of the lock directory, after breaking the lock found there when its
// holder is proven dead (at once) or the lock is stale (not touched for staleMs). One mechanism
// for both: the break marker of lock-directory.ts; "holder proven dead" is only one more reason
// a lock may be broken. Anything else is a WalLockedError saying why the lock is kept.
import { join } from 'node:path';
import { ioError, type LockRefusal, WalError, WalLockedError } from '../errors.js';
import { type FileSystem, nodeFileSystem } from './file-system.js';
import { breakLock, inspectLock, LOCK_DIR_NAME, type LockIdentity } from './lock-directory.js';
import { holderLiveness, ownIdentity, type ProcessIdentity } from './process-liveness.js';

/**
 * How an acquisition got the lock: free, from a holder proven dead, or by breaking a stale lock
 * (whose holder may only be paused and resume: the writer then moves the last segment to a
 * fresh file before appending; see wal-writer).
 */
export type LockTakeover = 'none' | 'deadHolder' | 'staleLock';

/** The WalLockedError for the lock of `dir` as it is now (its holder, and why it is kept). */
export function lockedError(
  dir: string,
  staleMs: number,
  fs: FileSystem = nodeFileSystem,
  cause?: unknown,
): WalLockedError {
  let seen: LockIdentity | undefined;
  try {
    seen = inspectLock(fs, join(dir, LOCK_DIR_NAME));
  } catch {
    seen = undefined; // unreadable: the error still says the lock is held, and by whom unknown
  }
  return refusalOf(fs, dir, seen, ownIdentity(fs), staleMs, cause);
}

type Judgement = { takeover: 'deadHolder' | 'staleLock' } | { refusal: LockRefusal; why?: string };

/**
 * Tokens of locks this process released but could not remove (the file system would not let it
 * prove the lock was still its own, a persistent stat failure). Such a lock's holder is gone as
 * surely as a dead process: this process may take it over. Bounded (oldest forgotten first).
 */
const releasedHere = new Set<string>();
const RELEASED_HERE_MAX = 64;

export function noteReleasedHere(token: string): void {
  if (releasedHere.size >= RELEASED_HERE_MAX)
    releasedHere.delete(releasedHere.values().next().value as string);
  releasedHere.add(token);
}

/** Whether the lock `seen` may be broken, and how; or why not. */
function judge(
  fs: FileSystem,
  seen: LockIdentity,
  own: ProcessIdentity | undefined,
  staleMs: number,
): Judgement {
  if (seen.token !== null && releasedHere.has(seen.token)) return { takeover: 'deadHolder' };
  const liveness = seen.holder && holderLiveness(fs, seen.holder, own);
  if (liveness?.verdict === 'dead') return { takeover: 'deadHolder' };
  if (seen.mtimeMs < Date.now() - staleMs) return { takeover: 'staleLock' };
  switch (liveness?.verdict) {
    case undefined:
      return { refusal: 'holderUnknown' };
    case 'alive':
      return { refusal: seen.holder?.pid === process.pid ? 'heldHere' : 'holderAlive' };
    case 'elsewhere':
      return { refusal: 'holderElsewhere' };
    case 'unknown':
      return { refusal: 'holderUnverifiable', why: liveness.why };
  }
}

function refusalOf(
  fs: FileSystem,
  dir: string,
  seen: LockIdentity | undefined,
  own: ProcessIdentity | undefined,
  staleMs: number,
  cause?: unknown,
): WalLockedError {
  const judgement: Judgement = seen ? judge(fs, seen, own, staleMs) : inProgress;
  return refusalError(dir, seen, 'refusal' in judgement ? judgement : inProgress, staleMs, cause);
}

/** A lock that can be broken but is not there, or keeps changing: other openers are at it. */
const inProgress = { refusal: 'takeoverInProgress' } as const;

function refusalError(
  dir: string,
  seen: LockIdentity | undefined,
  judgement: { refusal: LockRefusal; why?: string },
  staleMs: number,
  cause?: unknown,
): WalLockedError {
  return new WalLockedError(dir, seen?.holder, {
    cause,
    refusal: judgement.refusal,
    why: judgement.why,
    staleAtMs: seen && seen.mtimeMs + staleMs,
  });
}

/**
 * Creates the lock directory, breaking the lock found there first when `judge` allows (at most
 * twice: a lock that keeps changing under this opener belongs to racers that are faster).
 */
export function claim(
  fs: FileSystem,
  dir: string,
  own: ProcessIdentity | undefined,
  staleMs: number,
): { takeover: LockTakeover; ino: bigint } {
  const lockPath = join(dir, LOCK_DIR_NAME);
  let takeover: LockTakeover = 'none';
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        fs.mkdir(lockPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const seen = inspectLock(fs, lockPath);
        if (seen === undefined && attempt < 3) continue; // released meanwhile: mkdir again
        const judgement: Judgement = seen ? judge(fs, seen, own, staleMs) : inProgress;
        if ('refusal' in judgement) throw refusalError(dir, seen, judgement, staleMs);
        if (attempt >= 3 || seen === undefined) throw refusalError(dir, seen, inProgress, staleMs);
        breakLock(fs, lockPath, seen, staleMs, (now) =>
          judgement.takeover === 'deadHolder' ? true : now.mtimeMs < Date.now() - staleMs,
        );
        takeover = judgement.takeover;
        continue;
      }
      try {
        return { takeover, ino: fs.stat(lockPath).ino };
      } catch (error) {
        // The directory this mkdir made is still empty: no one else can hold it yet.
        try {
          fs.rmdir(lockPath);
        } catch {
          // Left for the next opener, which finds a lock that never recorded a holder.
        }
        throw error;
      }
    }
  } catch (error) {
    if (error instanceof WalError) throw error;
    throw ioError('locking', dir, error);
  }
}

/** Removes the lock directory this process made, if it still is that one and empty. */
export function removeIfOurs(fs: FileSystem, lockPath: string, ino: bigint): void {
  try {
    if (fs.stat(lockPath).ino === ino) fs.rmdir(lockPath);
  } catch {
    // Not there, not ours, or not empty: another process's lock is left alone.
  }
}
