// The writer lock through the FileSystem seam (src/wal/writer-lock.ts): every fault on the
// lock's own calls is a coded error with its cause, and leaves no lock behind; a refresh that
// keeps failing, or a lock replaced under its holder, is WAL_LOCK_LOST on the next append.
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  ioError,
  WalError,
  WalFailedError,
  WalLockedError,
  WalLockLostError,
} from '../../src/errors.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import { LOCK_DIR_NAME } from '../../src/wal/writer-lock.js';
import { FaultyFileSystem } from '../support/faulty-fs.js';
import { makeLock, readTagged, STALE_MS } from '../support/lock-fixtures.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const lockNames = (dir: string) => readdirSync(dir).filter((n) => n.startsWith(LOCK_DIR_NAME));

/** Polls `check` every 10 ms until it holds; false at the deadline. */
async function eventually(check: () => boolean, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

const record = (i: number) => ({ type: 7, value: { who: process.pid, tag: 'lock', i } });

describe('the writer lock through the file-system seam', () => {
  it('an EIO writing the owner file: WAL_IO with its cause, and no lock left behind', async () => {
    const dir = join(tempDir('lock-seam'), 'log');
    const fs = new FaultyFileSystem();
    fs.failPath('write', /owner\.json$/, { error: 'EIO' });
    const error = await WalWriter.open(dir, { lockStaleMs: STALE_MS, fs }).catch((e) => e);
    expect(error).toBeInstanceOf(WalError);
    expect((error as WalError).code).toBe(ErrorCode.io);
    expect((error as WalError).message).toMatch(/^writing the lock owner in .*writer\.lock failed/);
    expect(((error as WalError).cause as NodeJS.ErrnoException).code).toBe('EIO');
    expect(fs.fired).toHaveLength(1);
    expect(lockNames(dir)).toEqual([]);
    const writer = await WalWriter.open(dir, { lockStaleMs: STALE_MS, fs });
    await writer.close();
  });

  it('an EIO creating the lock directory: WAL_IO with its cause, and no lock left behind', async () => {
    const dir = join(tempDir('lock-seam'), 'log');
    const fs = new FaultyFileSystem();
    fs.failPath('mkdir', /writer\.lock$/, { error: 'EIO' });
    const error = await WalWriter.open(dir, { lockStaleMs: STALE_MS, fs }).catch((e) => e);
    expect((error as WalError).code).toBe(ErrorCode.io);
    expect((error as WalError).message).toMatch(/^locking .* failed: .*EIO/);
    expect(((error as WalError).cause as NodeJS.ErrnoException).code).toBe('EIO');
    expect(lockNames(dir)).toEqual([]);
  });

  it('an EIO while breaking a dead holder lock: WAL_IO, the old lock and no marker left', async () => {
    const dir = join(tempDir('lock-seam'), 'log');
    makeLock(dir, {}, STALE_MS + 1000);
    const fs = new FaultyFileSystem();
    fs.failPath('rename', /writer\.lock$/, { error: 'EIO' });
    const error = await WalWriter.open(dir, { lockStaleMs: STALE_MS, fs }).catch((e) => e);
    expect((error as WalError).code).toBe(ErrorCode.io);
    expect(((error as WalError).cause as NodeJS.ErrnoException).code).toBe('EIO');
    expect(lockNames(dir)).toEqual([LOCK_DIR_NAME]);
    const writer = await WalWriter.open(dir, { lockStaleMs: STALE_MS, fs });
    await writer.close();
    expect(lockNames(dir)).toEqual([]);
  });

  it('a refresh that keeps failing: WAL_LOCK_LOST with its cause on the next append, lock released', async () => {
    const dir = join(tempDir('lock-seam'), 'log');
    const fs = new FaultyFileSystem();
    const writer = await WalWriter.open(dir, { lockStaleMs: STALE_MS, fs });
    await writer.append([record(0)]);
    fs.failPath('utimes', /writer\.lock$/, { error: 'EIO' }, 1, true);
    // Refreshed every STALE_MS / 4; given up once the last success is STALE_MS / 2 old.
    expect(await eventually(() => writer.failure !== undefined, STALE_MS * 2)).toBe(true);
    expect(fs.calls.utimes).toBeGreaterThanOrEqual(2);
    const error = await writer.append([record(1)]).catch((e) => e);
    expect(error).toBeInstanceOf(WalLockLostError);
    expect(error).toBeInstanceOf(WalFailedError);
    expect((error as WalLockLostError).code).toBe(ErrorCode.lockLost);
    const lost = (error as WalLockLostError).cause as WalLockLostError;
    expect(lost).toBeInstanceOf(WalLockLostError);
    expect((lost.cause as NodeJS.ErrnoException).code).toBe('EIO');
    await writer.close();
    expect(lockNames(dir)).toEqual([]);
    expect(readTagged(dir).map((r) => r.i)).toEqual([0]);
  });

  it('one failed refresh is retried, not a lost lock', async () => {
    const dir = join(tempDir('lock-seam'), 'log');
    const fs = new FaultyFileSystem();
    const writer = await WalWriter.open(dir, { lockStaleMs: STALE_MS, fs });
    fs.failPath('utimes', /writer\.lock$/, { error: 'EIO' });
    expect(await eventually(() => fs.calls.utimes >= 3, STALE_MS * 2)).toBe(true);
    expect(fs.fired).toHaveLength(1);
    expect(writer.failure).toBeUndefined();
    await expect(writer.append([record(0)])).resolves.toEqual({ firstLsn: 1, lastLsn: 1 });
    await writer.close();
  });

  it('a lock replaced under its holder: WAL_LOCK_LOST at the next append, nothing written', async () => {
    const dir = join(tempDir('lock-seam'), 'log');
    const writer = await WalWriter.open(dir, { lockStaleMs: STALE_MS });
    await writer.append([record(0)]);
    // As a successor does after breaking the lock: the directory goes, a new one comes.
    renameSync(join(dir, LOCK_DIR_NAME), join(dir, 'gone'));
    rmSync(join(dir, 'gone'), { recursive: true });
    makeLock(dir, { pid: process.pid + 1_000_000 }, 0);
    const error = await writer.append([record(1)]).catch((e) => e);
    expect(error).toBeInstanceOf(WalLockLostError);
    expect((error as WalLockLostError).message).toMatch(/took it over/);
    await writer.close();
    // close() leaves the successor's lock alone.
    expect(existsSync(join(dir, LOCK_DIR_NAME, 'owner.json'))).toBe(true);
    expect(readTagged(dir).map((r) => r.i)).toEqual([0]);
  });

  it('a lost lock caught inside a wrapped file-system step stays WAL_LOCK_LOST', () => {
    const lost = new WalLockLostError('/log', 'another process took it over');
    expect(ioError('removing', '/log/x.wal', lost)).toBe(lost);
    const eio = Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    expect(ioError('removing', '/log/x.wal', eio).code).toBe(ErrorCode.io);
  });

  it('another lock holder in this process: refused by the lock itself, heldHere', async () => {
    const dir = join(tempDir('lock-seam'), 'log');
    const writer = await WalWriter.open(dir, { lockStaleMs: STALE_MS });
    try {
      const error = await WalWriter.open(dir, { lockStaleMs: STALE_MS }).catch((e) => e);
      expect(error).toBeInstanceOf(WalLockedError);
      expect((error as WalLockedError).refusal).toBe('heldHere');
    } finally {
      await writer.close();
    }
  });
});
