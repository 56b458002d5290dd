// Tailing a log from any process: yields the records from `fromLsn` on, then new ones as the
// writer appends them, across rotation. Polls the file size (cheap, works across processes and
// file systems); an incomplete frame at the end is "not yet", never an error. Ends when the
// signal aborts. Needs no lock and never writes.
import { join } from 'node:path';
import { SEGMENT_HEADER_BYTES } from '../format/constants.js';
import { decodeSegmentHeader } from '../format/segment-header.js';
import { segmentName } from '../format/segment-name.js';
import { ErrorCode, WalCorruptionError, WalError } from '../errors.js';
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

/** Follows one segment until a newer segment continues the log; returns the next LSN. */
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
  let fd: number;
  try {
    fd = fs.open(path, 'read');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fromLsn; // rotated or removed: list again
    throw error;
  }
  try {
    const head = Buffer.alloc(SEGMENT_HEADER_BYTES);
    readFully(fs, fd, head, 0, SEGMENT_HEADER_BYTES, 0);
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
      const cursor = new SegmentCursor(fs, fd, fs.size(fd), defaults.readChunkBytes);
      const walk = walkFrames(cursor, {
        from: offset,
        firstLsn: lsn,
        salt,
        version: verdict.header.version,
        decodeFromLsn: next,
      });
      let step = walk.next();
      while (!step.done) {
        for (const record of step.value) {
          if (record.lsn < next) continue;
          yield record;
          next = record.lsn + 1;
        }
        step = walk.next();
      }
      const end = step.value;
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
        if (fs.size(fd) !== cursor.fileBytes) continue;
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
      await pause(pollMs, signal);
    }
    return next;
  } finally {
    fs.close(fd);
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
