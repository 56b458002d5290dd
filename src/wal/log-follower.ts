// Tailing a log from any process: yields the records from `fromLsn` on, then new ones as the
// writer appends them, across rotation and across a new writer's takeover after a crash. Polls the file size (cheap, works across processes and
// file systems); an incomplete frame at the end is "not yet", never an error. Ends when the
// signal aborts. Needs no lock and never writes.
import { join } from 'node:path';
import { SEGMENT_HEADER_BYTES } from '../format/constants.js';
import { decodeSegmentHeader } from '../format/segment-header.js';
import { segmentName } from '../format/segment-name.js';
import { ErrorCode, errnoOf, ioError, WalCorruptionError, WalError } from '../errors.js';
import { defaults } from '../limits.js';
import { type FileSystem, nodeFileSystem, readFully } from './file-system.js';
import { SegmentCursor } from './segment-cursor.js';
import { listSegments } from './segment-list.js';
import { type WalRecord, walkFrames } from './segment-reader.js';

export interface FollowOptions {
  /** First LSN to yield; default: the first record still on disk. */
  fromLsn?: number;
  /** How often to look for new bytes when caught up. Default 100 ms. */
  pollMs?: number;
  signal?: AbortSignal;
  fs?: FileSystem;
}

export async function* followLog(
  dir: string,
  options: FollowOptions = {},
): AsyncGenerator<WalRecord> {
  const fs = options.fs ?? nodeFileSystem;
  const pollMs = options.pollMs ?? 100;
  const signal = options.signal;
  let nextLsn = options.fromLsn;
  while (!signal?.aborted) {
    const segments = listSegments(fs, dir);
    const first = segments[0];
    if (!first) {
      await pause(pollMs, signal);
      continue;
    }
    nextLsn ??= first.baseLsn;
    if (nextLsn < first.baseLsn) {
      throw new WalError(
        ErrorCode.segmentGone,
        `records from lsn ${nextLsn} are no longer in ${dir} (retention removed them; the log now ` +
          `starts at lsn ${first.baseLsn}); follow from lsn ${first.baseLsn} or later`,
      );
    }
    const current = segments.filter((s) => s.baseLsn <= nextLsn!).at(-1)!;
    nextLsn = yield* followSegment(fs, dir, current.name, current.baseLsn, nextLsn, pollMs, signal);
  }
}

/** Bytes before the follower's position compared when a segment was moved to a fresh file. */
const CONTINUITY_BYTES = 4096;

/**
 * Follows one segment until a newer segment continues the log; returns the next LSN. A writer
 * that takes the log over from a crashed one moves the last segment to a fresh file (same name,
 * new inode; wal-writer.ts): the follower then reopens the name and goes on at the same offset
 * and LSN once the new file is shown to continue what it read.
 */
async function* followSegment(
  fs: FileSystem,
  dir: string,
  name: string,
  baseLsn: number,
  fromLsn: number,
  pollMs: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<WalRecord, number> {
  const path = join(dir, name);
  let fd = openIfThere(fs, path);
  if (fd === undefined) return fromLsn; // rotated or removed: list again
  try {
    const head = Buffer.alloc(SEGMENT_HEADER_BYTES);
    step('reading the header of', path, () => readFully(fs, fd!, head, 0, SEGMENT_HEADER_BYTES, 0));
    const verdict = decodeSegmentHeader(head);
    if (verdict.kind !== 'ok') {
      throw new WalCorruptionError({
        dir,
        segment: name,
        offset: 0,
        expectedLsn: fromLsn,
        reason: 'bad segment header',
      });
    }
    const { salt } = verdict.header;
    let offset = SEGMENT_HEADER_BYTES;
    let lsn = baseLsn;
    let next = fromLsn;
    while (!signal?.aborted) {
      const open = fd;
      const fileBytes = step('reading the size of', path, () => fs.size(open));
      const cursor = new SegmentCursor(fs, fd, fileBytes, defaults.readChunkBytes, path);
      const walk = walkFrames(cursor, {
        from: offset,
        firstLsn: lsn,
        salt,
        version: verdict.header.version,
        decodeFromLsn: next,
      });
      let walked = walk.next();
      while (!walked.done) {
        for (const record of walked.value) {
          if (record.lsn < next) continue;
          yield record;
          next = record.lsn + 1;
        }
        walked = walk.next();
      }
      const end = walked.value;
      offset = end.goodOffset;
      lsn = end.nextLsn;
      if (end.kind === 'damage' && end.definite) {
        throw new WalCorruptionError({
          dir,
          segment: name,
          offset: end.offset,
          expectedLsn: end.nextLsn,
          reason: end.reason,
        });
      }
      // A newer segment starting right after our last record means this one is sealed and read.
      if (name !== segmentName(lsn) && fs.exists(join(dir, segmentName(lsn)))) {
        if (end.kind === 'end') return next;
        // The writer completes a segment (and cuts its preallocated zeros) before it creates the
        // next, so unless the file changed size since we measured it, damage in a segment that
        // has a successor is not a tail.
        const held = fd;
        if (step('reading the size of', path, () => fs.size(held)) !== cursor.fileBytes) continue;
        throw new WalCorruptionError({
          dir,
          segment: name,
          offset: end.offset,
          expectedLsn: end.nextLsn,
          reason: end.reason,
        });
      }
      // Removed while we read it through our descriptor (retention, with its successors): it
      // will never grow, so list again, where a follower now behind the log gets
      // WAL_SEGMENT_GONE instead of waiting for ever.
      if (!fs.exists(path)) return next;
      // Moved to a fresh file by a writer's takeover: what it appends goes there, never to the
      // file we hold. Bytes the old file got after the move (from a writer paused past the lock's
      // stale window) are not part of the log, so nothing more is read from it.
      if (!fs.sameFile(fd, path)) {
        const fresh = reopenMoved(fs, dir, name, fd, head, offset, lsn);
        if (fresh === undefined) return next; // gone again: list again
        fs.close(fd);
        fd = fresh;
        continue;
      }
      await pause(pollMs, signal);
    }
    return next;
  } finally {
    fs.close(fd);
  }
}

/**
 * Opens the file now named `name` and checks it continues the one open as `oldFd`: the same
 * segment header and the same bytes before `offset` (a window of them). Returns its descriptor,
 * or undefined when the name is gone. Anything else means the log was rewritten under the
 * follower (a repair): WAL_SEGMENT_GONE, since what it read up to lsn `lsn` - 1 is no longer so.
 */
function reopenMoved(
  fs: FileSystem,
  dir: string,
  name: string,
  oldFd: number,
  oldHead: Buffer,
  offset: number,
  lsn: number,
): number | undefined {
  const path = join(dir, name);
  const fd = openIfThere(fs, path);
  if (fd === undefined) return undefined;
  try {
    const from = Math.max(SEGMENT_HEADER_BYTES, offset - CONTINUITY_BYTES);
    const head = Buffer.alloc(SEGMENT_HEADER_BYTES);
    const before = Buffer.alloc(offset - from);
    const oldBefore = Buffer.alloc(offset - from);
    step('reading', path, () => {
      readFully(fs, fd, head, 0, SEGMENT_HEADER_BYTES, 0);
      readFully(fs, fd, before, 0, before.length, from);
      readFully(fs, oldFd, oldBefore, 0, oldBefore.length, from);
    });
    const size = step('reading the size of', path, () => fs.size(fd));
    if (size >= offset && head.equals(oldHead) && before.equals(oldBefore)) return fd;
    throw new WalError(
      ErrorCode.segmentGone,
      `${name} in ${dir} was replaced by a file that does not continue what this follower read ` +
        `(through lsn ${lsn - 1}, offset ${offset}): the log was repaired or rewritten under it; ` +
        `run \`exec-wal verify ${dir}\`, then follow again`,
    );
  } catch (error) {
    fs.close(fd);
    throw error;
  }
}

/** A read descriptor on `path`, or undefined when there is no such file (any more). */
function openIfThere(fs: FileSystem, path: string): number | undefined {
  try {
    return fs.open(path, 'read');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw ioError('opening', path, error);
  }
}

function step<T>(action: string, path: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw ioError(action, path, error);
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
