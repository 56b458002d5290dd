// The segments of a log directory in log order, and the names of the other files it may hold.
import { BROKEN_INFIX, TEMP_SUFFIX } from '../format/constants.js';
import { parseSegmentName } from '../format/segment-name.js';
import { ErrorCode, ioError, WalError } from '../errors.js';
import { defaults } from '../limits.js';
import type { FileSystem } from './file-system.js';

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
