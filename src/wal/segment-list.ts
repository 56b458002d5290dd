// The segments of a log directory in log order, and the names of the other files it may hold.
import { join } from 'node:path';
import { BROKEN_INFIX, SEGMENT_HEADER_BYTES, TEMP_SUFFIX } from '../format/constants.js';
import { decodeSegmentHeader } from '../format/segment-header.js';
import { parseSegmentName } from '../format/segment-name.js';
import { ErrorCode, errnoOf, ioError, WalError, WalIoError } from '../errors.js';
import { defaults } from '../limits.js';
import { type FileSystem, readFully } from './file-system.js';

export interface SegmentEntry {
  name: string;
  baseLsn: number;
}

export function listSegments(fs: FileSystem, dir: string): SegmentEntry[] {
  const names = listNames(fs, dir);
  const segments: SegmentEntry[] = [];
  for (const name of names) {
    const baseLsn = parseSegmentName(name);
    if (baseLsn !== undefined) segments.push({ name, baseLsn });
  }
  if (segments.length > defaults.maxSegments) {
    throw new WalError(
      ErrorCode.limitExceeded,
      `${dir} holds ${segments.length} segments, more than the limit of ${defaults.maxSegments}; ` +
        'raise maxSegmentBytes or enable retention',
    );
  }
  return segments.sort((a, b) => a.baseLsn - b.baseLsn);
}

/**
 * WAL_SEGMENT_GONE for segment `entry`, listed in `dir` and removed before a reader opened it
 * (retention deletes segments oldest first, so every record before `next` is gone with it).
 */
export function segmentGoneError(
  dir: string,
  entry: SegmentEntry,
  next: SegmentEntry | undefined,
  cause: unknown,
): WalIoError {
  const lost =
    next === undefined ? `lsn ${entry.baseLsn} on` : `lsn ${entry.baseLsn}..${next.baseLsn - 1}`;
  return new WalIoError(
    ErrorCode.segmentGone,
    'opening',
    join(dir, entry.name),
    `${entry.name} in ${dir} (${lost}) was removed while this reader went through the log ` +
      '(retention beside a live writer, or a repair); read again: the log now starts at a ' +
      'later segment, and the records before it live on only in a checkpoint',
    { cause },
  );
}

/** Leftovers of an interrupted rotation: `<segment>.tmp` files, never part of the log. */
export function listTempFiles(fs: FileSystem, dir: string): string[] {
  return listNames(fs, dir).filter(
    (name) =>
      name.endsWith(TEMP_SUFFIX) &&
      parseSegmentName(name.slice(0, -TEMP_SUFFIX.length)) !== undefined,
  );
}

/** Every name in `dir`; a failure is a WalIoError naming the directory. */
export function listNames(fs: FileSystem, dir: string): string[] {
  try {
    return fs.readdir(dir);
  } catch (error) {
    throw ioError('listing', dir, error);
  }
}

/** Name of the file that keeps bytes cut from `segment` at the repair that expected `lsn`. */
export function brokenName(segment: string, lsn: number): string {
  return `${segment}${BROKEN_INFIX}${lsn}`;
}

/** A segment file's size and last-modified time, for retention and disk-usage reports. */
export interface SegmentStat {
  name: string;
  baseLsn: number;
  bytes: number;
  modifiedMs: number;
}

/**
 * The segments of `dir` with their sizes. One removed between the listing and its stat (retention
 * beside this reader) is no longer on disk and is left out.
 */
export function statSegments(fs: FileSystem, dir: string): SegmentStat[] {
  const stats: SegmentStat[] = [];
  for (const entry of listSegments(fs, dir)) {
    const path = join(dir, entry.name);
    try {
      const { bytes, modifiedMs } = fs.stat(path);
      stats.push({ ...entry, bytes, modifiedMs });
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw ioError('reading the size of', path, error);
    }
  }
  return stats;
}

/**
 * The salt in a segment's header, or undefined when the header does not check. A failed open or
 * read is WAL_IO (with the cause), like every other read of the log.
 */
export function segmentSalt(fs: FileSystem, dir: string, name: string): number | undefined {
  const path = join(dir, name);
  let fd: number;
  try {
    fd = fs.open(path, 'read');
  } catch (error) {
    throw ioError('opening', path, error);
  }
  try {
    const head = Buffer.alloc(SEGMENT_HEADER_BYTES);
    readFully(fs, fd, head, 0, SEGMENT_HEADER_BYTES, 0);
    const verdict = decodeSegmentHeader(head);
    return verdict.kind === 'ok' ? verdict.header.salt : undefined;
  } catch (error) {
    throw ioError('reading the header of', path, error);
  } finally {
    try {
      fs.close(fd);
    } catch {
      // A read-only descriptor: a failed close loses nothing.
    }
  }
}
