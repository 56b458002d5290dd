// The segments of a log directory in log order, and the names of the other files it may hold.
import { join } from 'node:path';
import { BROKEN_INFIX, SEGMENT_HEADER_BYTES, TEMP_SUFFIX } from '../format/constants.js';
import { decodeSegmentHeader } from '../format/segment-header.js';
import { parseSegmentName } from '../format/segment-name.js';
import { ErrorCode, ioError, WalError } from '../errors.js';
import { defaults } from '../limits.js';
import { type FileSystem, readFully } from './file-system.js';

export interface SegmentEntry {
  name: string;
  baseLsn: number;
}

export function listSegments(fs: FileSystem, dir: string): SegmentEntry[] {
  let names: string[];
  try {
    names = fs.readdir(dir);
  } catch (error) {
    throw ioError('listing', dir, error);
  }
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

/** Leftovers of an interrupted rotation: `<segment>.tmp` files, never part of the log. */
export function listTempFiles(fs: FileSystem, dir: string): string[] {
  return fs
    .readdir(dir)
    .filter(
      (name) =>
        name.endsWith(TEMP_SUFFIX) &&
        parseSegmentName(name.slice(0, -TEMP_SUFFIX.length)) !== undefined,
    );
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

export function statSegments(fs: FileSystem, dir: string): SegmentStat[] {
  return listSegments(fs, dir).map((entry) => {
    const { bytes, modifiedMs } = fs.stat(join(dir, entry.name));
    return { ...entry, bytes, modifiedMs };
  });
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
