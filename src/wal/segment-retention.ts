// Which sealed segments retention may delete (docs/durability.md#retention). Only a whole
// segment whose every record is covered by a durable checkpoint can go, never the last
// (active) one; among those, the oldest go first while any rule asks for it.
import { join } from 'node:path';
import { ioError } from '../errors.js';
import { crashPoint } from './crash-point.js';
import type { FileSystem } from './file-system.js';

export interface RetentionPolicy {
  /** Keep at most this many segment files. */
  maxSegments?: number;
  /** Keep at most this many bytes of segment files (hard: see docs/durability.md). */
  maxBytes?: number;
  /** Delete segments whose last write is older than this. */
  maxAgeMs?: number;
}

export interface SegmentOnDisk {
  name: string;
  baseLsn: number;
  bytes: number;
  modifiedMs: number;
}

/**
 * The names to delete, oldest first. `segments` in log order; `coveredThroughLsn` is the LSN of
 * the newest durable checkpoint.
 */
export function planRetention(
  segments: readonly SegmentOnDisk[],
  coveredThroughLsn: number,
  policy: RetentionPolicy,
  nowMs: number,
): string[] {
  let count = segments.length;
  let bytes = segments.reduce((sum, s) => sum + s.bytes, 0);
  const doomed: string[] = [];
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]!;
    const lastLsn = segments[i + 1]!.baseLsn - 1;
    if (lastLsn > coveredThroughLsn) break;
    const tooMany = policy.maxSegments !== undefined && count > policy.maxSegments;
    const tooBig = policy.maxBytes !== undefined && bytes > policy.maxBytes;
    const tooOld = policy.maxAgeMs !== undefined && segment.modifiedMs < nowMs - policy.maxAgeMs;
    if (!tooMany && !tooBig && !tooOld) break;
    doomed.push(segment.name);
    count -= 1;
    bytes -= segment.bytes;
  }
  return doomed;
}

/**
 * Deletes `names` oldest first, fsyncing the directory after each unlink (crash point:
 * retention:after-unlink, before that sync). One unlink at a time is ever unsynced, so after a
 * power loss the segments left are still a contiguous suffix: with one sync for all, a disk that
 * kept some of the unlinks and not an older one would leave that segment before a gap.
 */
export function removeSegments(fs: FileSystem, dir: string, names: readonly string[]): void {
  for (const name of names) {
    try {
      fs.unlink(join(dir, name));
    } catch (error) {
      throw ioError('removing', join(dir, name), error);
    }
    crashPoint?.('retention:after-unlink');
    try {
      fs.syncDir(dir);
    } catch (error) {
      throw ioError('syncing directory', dir, error);
    }
  }
}
