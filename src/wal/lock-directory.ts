// The writer lock on disk (docs/durability.md#the-writer-lock): the directory
// `<dir>/writer.lock`, its owner file `owner.json`, and the break markers that let exactly one
// process remove a lock that may be broken. Every call goes through the FileSystem seam.
//
// Breaking a lock (its holder is proven dead, or the lock is stale): only the process whose
// O_EXCL create of the marker `writer.lock.break-<lock identity>-<n>` succeeds may break that
// lock (n + 1 only once marker n is itself stale: its breaker died). Under the marker it checks
// again that `writer.lock` is the very lock it judged (same owner token, or same inode and mtime
// when it has no owner file) and still breakable, renames it away, checks once more what it
// moved, and deletes it. A lock that changed meanwhile is never removed, so a live holder's
// lock never disappears under it; the mkdir that follows decides among all openers.
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { type LockHolder, WalLockedError } from '../errors.js';
import { type FileSystem, readSmallFile, writeFully } from './file-system.js';

export const LOCK_DIR_NAME = 'writer.lock';
export const OWNER_FILE = 'owner.json';
/** An owner file is ~250 bytes; a longer one is not ours and proves nothing. */
const OWNER_BYTES_MAX = 4096;

/** What tells one lock directory from another, and who (by its owner file) holds it. */
export interface LockIdentity {
  token: string | null;
  ino: bigint;
  mtimeMs: number;
  holder: LockHolder | undefined;
}

/** The lock at `lockPath` as it is now, or undefined when there is none. */
export function inspectLock(fs: FileSystem, lockPath: string): LockIdentity | undefined {
  let stat: { ino: bigint; modifiedMs: number };
  try {
    stat = fs.stat(lockPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const holder = readOwner(fs, lockPath);
  return { token: holder?.token ?? null, ino: stat.ino, mtimeMs: stat.modifiedMs, holder };
}

export function sameLock(a: LockIdentity, b: LockIdentity): boolean {
  return a.token === b.token && (a.token !== null || (a.ino === b.ino && a.mtimeMs === b.mtimeMs));
}

/** The owner file's holder; undefined when there is none or it is not a whole, valid one. */
export function readOwner(fs: FileSystem, lockPath: string): LockHolder | undefined {
  let parsed: Partial<LockHolder>;
  try {
    parsed = JSON.parse(readSmallFile(fs, join(lockPath, OWNER_FILE), OWNER_BYTES_MAX).toString());
  } catch {
    return undefined; // missing, unreadable, too long, or torn by a holder that died writing it
  }
  const valid =
    typeof parsed === 'object' &&
    parsed !== null &&
    typeof parsed.pid === 'number' &&
    typeof parsed.hostname === 'string' &&
    typeof parsed.sinceMs === 'number' &&
    typeof parsed.token === 'string' &&
    /^[0-9a-f]{1,64}$/.test(parsed.token) &&
    (parsed.hostId === undefined || typeof parsed.hostId === 'string') &&
    (parsed.startTicks === undefined || typeof parsed.startTicks === 'number');
  return valid ? (parsed as LockHolder) : undefined;
}

/**
 * O_EXCL-creates the owner file in the lock directory and returns its descriptor and inode; the
 * descriptor stays open as long as the lock is held (the fence's identity, see writer-lock.ts).
 * EEXIST or ENOENT: another process holds this lock directory, or broke it. On any other
 * failure the file is removed again. Not synced: after a power loss the lock belongs to another
 * boot, which no opener can check, so its content does not matter (only its age does).
 */
export function writeOwner(
  fs: FileSystem,
  lockPath: string,
  holder: LockHolder,
): { fd: number; ino: bigint } {
  const path = join(lockPath, OWNER_FILE);
  const fd = fs.open(path, 'createExclusive');
  try {
    writeFully(fs, fd, Buffer.from(JSON.stringify(holder)), 0);
    return { fd, ino: fs.fstat(fd).ino };
  } catch (error) {
    quietly(() => fs.close(fd));
    quietly(() => fs.unlink(path));
    throw error;
  }
}

/** Cleanup after a failure: the first error is the one to report. */
function quietly(step: () => void): void {
  try {
    step();
  } catch {
    // The caller is already throwing the error that matters.
  }
}

/**
 * Renames the lock away and deletes it, if what moved (`isExpected` of its new path) is the lock
 * the caller judged; else renames it back and throws WalLockedError.
 */
export function removeLock(
  fs: FileSystem,
  lockPath: string,
  isExpected: (movedPath: string) => boolean,
): void {
  // The time in the name lets a later sweep tell a removal in progress from one left unfinished.
  const grave = `${lockPath}.removing-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  fs.rename(lockPath, grave);
  if (!isExpected(grave)) {
    // Only after a pause longer than the stale window between the caller's check and the rename.
    fs.rename(grave, lockPath);
    const holder = readOwner(fs, lockPath);
    throw new WalLockedError(dirname(lockPath), holder, { refusal: 'takeoverInProgress' });
  }
  removeGrave(fs, grave);
}

/**
 * Deletes a lock renamed away (a grave); once more after a failure (a transient EIO). A grave or
 * file already gone (another process swept it) is done, not an error.
 */
function removeGrave(fs: FileSystem, grave: string): void {
  const gone = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';
  const attempt = () => {
    for (const name of fs.readdir(grave)) {
      try {
        fs.unlink(join(grave, name));
      } catch (error) {
        if (!gone(error)) throw error;
      }
    }
    fs.rmdir(grave);
  };
  try {
    attempt();
  } catch (error) {
    if (gone(error)) return;
    try {
      attempt();
    } catch (again) {
      if (!gone(again)) throw again;
    }
  }
}

/** Graves younger than this may be a removal in progress (seconds between rename and unlink). */
const GRAVE_GRACE_MS = 10_000;

/**
 * Deletes graves an earlier removal could not finish (`<lock>.removing-<time>-<random>`: never
 * a lock, only what was one), once their name says they are older than a removal takes.
 * Quietly: another process may be deleting the same grave.
 */
export function sweepGraves(fs: FileSystem, lockPath: string): void {
  const prefix = `${basename(lockPath)}.removing-`;
  let names: string[];
  try {
    names = fs.readdir(dirname(lockPath));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const madeMs = Number.parseInt(name.slice(prefix.length).split('-')[0] ?? '', 36);
    if (!Number.isFinite(madeMs) || madeMs > Date.now() - GRAVE_GRACE_MS) continue;
    quietly(() => removeGrave(fs, join(dirname(lockPath), name)));
  }
}

/** Whether the lock at `path` is `expected` (by owner token, else inode and mtime). */
export function isLock(fs: FileSystem, path: string, expected: LockIdentity): boolean {
  const now = inspectLock(fs, path);
  return now !== undefined && sameLock(now, expected);
}

/**
 * Breaks the lock `seen` under its break marker (see the top of this file) if `stillBreakable`
 * holds for the lock found under the marker; throws WalLockedError if another process is
 * breaking it or it changed meanwhile. Returns when the lock is gone (by us or another).
 */
export function breakLock(
  fs: FileSystem,
  lockPath: string,
  seen: LockIdentity,
  staleMs: number,
  stillBreakable: (now: LockIdentity) => boolean,
): void {
  const key = seen.token ?? `${seen.ino}-${seen.mtimeMs}`;
  const marker = takeBreakMarker(fs, lockPath, key, staleMs, seen.holder);
  try {
    const now = inspectLock(fs, lockPath);
    if (now && (!sameLock(now, seen) || !stillBreakable(now))) {
      throw new WalLockedError(dirname(lockPath), now.holder, { refusal: 'takeoverInProgress' });
    }
    if (now) removeLock(fs, lockPath, (moved) => isLock(fs, moved, now));
  } catch (error) {
    quietly(() => fs.unlink(marker));
    throw error;
  }
  fs.unlink(marker);
}

/** O_EXCL-creates the next break marker of the lock `key`; throws if another process has it. */
function takeBreakMarker(
  fs: FileSystem,
  lockPath: string,
  key: string,
  staleMs: number,
  holder: LockHolder | undefined,
): string {
  const dir = dirname(lockPath);
  const prefix = `${basename(lockPath)}.break-${key}-`;
  const taken = fs
    .readdir(dir)
    .filter((name) => name.startsWith(prefix))
    .map((name) => Number(name.slice(prefix.length)));
  const last = Math.max(0, ...taken.filter(Number.isInteger));
  const busy = () => new WalLockedError(dir, holder, { refusal: 'takeoverInProgress' });
  if (last > 0 && modifiedMs(fs, join(dir, `${prefix}${last}`)) >= Date.now() - staleMs) {
    throw busy();
  }
  const marker = join(dir, `${prefix}${last + 1}`);
  try {
    fs.close(fs.open(marker, 'createExclusive'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw busy();
    throw error;
  }
  return marker;
}

/** A file's mtime, or 0 once it is gone. */
function modifiedMs(fs: FileSystem, path: string): number {
  try {
    return fs.stat(path).modifiedMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}
