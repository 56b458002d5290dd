// The writer's seam (docs/durability.md#the-writer-lock): every call first gives the lock a
// chance to refresh (a clock read; a touch every lockStaleMs/4), so code that blocks the event
// loop, as a replay does, keeps the lock fresh; each call that changes the disk then checks that
// this writer still holds the lock.
import type { FileSystem } from './file-system.js';
import type { WriterLock } from './writer-lock.js';

/**
 * The seam with a fence: each call that changes the disk (repair and temp-file removal in open
 * included) first checks that this writer still holds the lock, so a writer paused past the
 * stale window fails (WAL_LOCK_LOST) instead of writing over its successor's log.
 */
export function fenceWrites(fs: FileSystem, lock: WriterLock): FileSystem {
  const fresh = () => lock.refreshIfDue();
  const fence = () => {
    lock.refreshIfDue();
    lock.assertHeld();
  };
  return {
    open: (path, mode) => {
      if (mode === 'read') fresh();
      else fence();
      return fs.open(path, mode);
    },
    close: (fd) => fs.close(fd),
    read: (fd, buffer, offset, length, position) => {
      fresh();
      return fs.read(fd, buffer, offset, length, position);
    },
    write: (fd, buffer, offset, length, position) => {
      fence();
      return fs.write(fd, buffer, offset, length, position);
    },
    fdatasync: (fd) => {
      fresh();
      return fs.fdatasync(fd);
    },
    truncate: (fd, length) => {
      fence();
      fs.truncate(fd, length);
    },
    size: (fd) => fs.size(fd),
    fstat: (fd) => fs.fstat(fd),
    syncDir: (path) => fs.syncDir(path),
    rename: (from, to) => {
      fence();
      fs.rename(from, to);
    },
    unlink: (path) => {
      fence();
      fs.unlink(path);
    },
    readdir: (path) => {
      fresh();
      return fs.readdir(path);
    },
    mkdir: (path) => {
      fence();
      fs.mkdir(path);
    },
    rmdir: (path) => {
      fence();
      fs.rmdir(path);
    },
    exists: (path) => fs.exists(path),
    stat: (path) => fs.stat(path),
    sameFile: (fd, path) => fs.sameFile(fd, path),
    utimes: (path, modifiedMs) => {
      fence();
      fs.utimes(path, modifiedMs);
    },
  };
}
