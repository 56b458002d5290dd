// Reads a whole log directory in LSN order with bounded memory, classifying any damage and
// applying the recovery table. It yields records and returns a ScanReport; it changes nothing on
// disk (the writer acts on the report: see tail-repair.ts).
import { join } from 'node:path';
import { SEGMENT_HEADER_BYTES } from '../format/constants.js';
import { decodeSegmentHeader } from '../format/segment-header.js';
import { ErrorCode, errnoOf, ioError, WalCorruptionError, WalError } from '../errors.js';
import { defaults } from '../limits.js';
import type { FileSystem } from './file-system.js';
import {
  type DamageKind,
  type RecoveryAction,
  type RecoveryMode,
  recoveryAction,
} from './recovery-policy.js';
import { SegmentCursor } from './segment-cursor.js';
import { listSegments, type SegmentEntry, segmentGoneError } from './segment-list.js';
import {
  findSyncPoint,
  findValidFrame,
  maxLsnIn,
  type WalRecord,
  type WalkEnd,
  resumesAt,
  walkFrames,
} from './segment-reader.js';

export interface ReadLogOptions {
  mode: RecoveryMode;
  /** Records below this LSN are not yielded; whole segments below it are not even read. */
  fromLsn?: number;
  /**
   * Where record `fromLsn` starts, as a checkpoint recorded it: that segment is read from this
   * offset if a frame with LSN fromLsn checks there (or the data ends there); else from its first
   * frame, as without it.
   */
  resumeAt?: ResumePoint;
  chunkBytes?: number;
  onProgress?: (progress: { bytesDone: number; bytesTotal: number }) => void;
}

export interface ResumePoint {
  segment: string;
  offset: number;
}

export type SegmentStatus = 'ok' | 'torn-tail' | 'damaged' | 'skipped' | 'unread';

export interface SegmentSummary {
  name: string;
  baseLsn: number;
  fileBytes: number;
  status: SegmentStatus;
  /** Last LSN read from this segment (baseLsn - 1 when none). */
  lastLsn: number;
  /** End of the last whole batch: where a writer would append. */
  goodOffset: number;
  /** Segment salt; undefined when the header did not check. */
  salt: number | undefined;
  /** Format version from the header; undefined when the header did not check. */
  version?: number;
}

export interface DamageReport {
  kind: DamageKind;
  action: RecoveryAction;
  segment: string;
  offset: number;
  expectedLsn: number;
  reason: string;
  /** Bytes not read because of this damage (to the resync point, or to the end of segment). */
  droppedBytes: number;
}

export type TailReport =
  | { status: 'clean' }
  | {
      status: 'torn';
      segment: string;
      offset: number;
      droppedBytes: number;
      /** Last LSN kept. */
      lastLsn: number;
      reason: string;
      /** Whether the segment header itself was damaged (the whole file is tail). */
      headerDamaged: boolean;
    };

export interface ScanReport {
  dir: string;
  mode: RecoveryMode;
  segments: SegmentSummary[];
  /** First LSN on disk (undefined when the log holds no record). */
  firstLsn: number | undefined;
  /** Last LSN accepted (0 when none). */
  lastLsn: number;
  records: number;
  bytesTotal: number;
  tail: TailReport;
  damage: DamageReport[];
}

interface OpenSegment {
  name: string;
  baseLsn: number;
  fd: number;
  cursor: SegmentCursor;
}

export function* readLog(
  fs: FileSystem,
  dir: string,
  options: ReadLogOptions,
): Generator<WalRecord, ScanReport> {
  const entries = listSegments(fs, dir);
  const report: ScanReport = {
    dir,
    mode: options.mode,
    segments: [],
    firstLsn: undefined,
    lastLsn: 0,
    records: 0,
    bytesTotal: 0,
    tail: { status: 'clean' },
    damage: [],
  };
  const fromLsn = options.fromLsn ?? 0;
  const chunkBytes = options.chunkBytes ?? defaults.readChunkBytes;
  let expectedLsn: number | undefined;
  let bytesDone = 0;
  let stopped = false;

  const damaged = (
    seg: OpenSegment,
    summary: SegmentSummary,
    kind: DamageKind,
    offset: number,
    lsn: number,
    reason: string,
    droppedBytes: number,
  ): RecoveryAction => {
    const action = recoveryAction(options.mode, kind);
    if (action === 'refuse') {
      throw new WalCorruptionError({ dir, segment: seg.name, offset, expectedLsn: lsn, reason });
    }
    report.damage.push({
      kind,
      action,
      segment: seg.name,
      offset,
      expectedLsn: lsn,
      reason,
      droppedBytes,
    });
    summary.status = kind === 'torn-tail' ? 'torn-tail' : 'damaged';
    if (kind === 'torn-tail') {
      report.tail = {
        status: 'torn',
        segment: seg.name,
        offset: summary.goodOffset,
        droppedBytes,
        lastLsn: lsn - 1,
        reason,
        headerDamaged: summary.goodOffset === 0,
      };
    }
    return action;
  };

  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const next = entries[i + 1];
    const isLast = next === undefined;
    const seg = openSegment(fs, dir, entry, next, chunkBytes);
    try {
      const fileBytes = seg.cursor.fileBytes;
      report.bytesTotal += fileBytes;
      const summary: SegmentSummary = {
        name: entry.name,
        baseLsn: entry.baseLsn,
        fileBytes,
        status: 'ok',
        lastLsn: entry.baseLsn - 1,
        goodOffset: 0,
        salt: undefined,
      };
      report.segments.push(summary);
      if (stopped) {
        summary.status = 'unread';
        continue;
      }
      if (next !== undefined && next.baseLsn <= fromLsn && expectedLsn === undefined) {
        summary.status = 'skipped';
        summary.lastLsn = next.baseLsn - 1;
        continue;
      }

      // Segment header.
      const headBytes = Math.min(fileBytes, SEGMENT_HEADER_BYTES);
      const head = seg.cursor.view(0, headBytes);
      // Only the bytes the file has: the cursor's buffer past them is stale or uninitialised.
      const verdict = decodeSegmentHeader(
        head ? head.bytes.subarray(head.index, head.index + headBytes) : Buffer.alloc(0),
      );
      if (verdict.kind === 'unsupported') {
        throw new WalError(
          ErrorCode.unsupported,
          `${entry.name} in ${dir} has format version ${verdict.version}, newer than this ` +
            'exec-wal reads; upgrade exec-wal',
        );
      }
      const lsnHere = expectedLsn ?? entry.baseLsn;
      if (verdict.kind !== 'ok') {
        const reason = verdict.kind === 'short' ? 'truncated segment header' : verdict.reason;
        const salt = verdict.kind === 'bad' ? verdict.header.salt : undefined;
        // A sync point after the header proves the header had been durable: not a torn tail.
        const framesAfter =
          salt !== undefined &&
          findSyncPoint(
            seg.cursor,
            SEGMENT_HEADER_BYTES,
            salt,
            lsnHere,
            maxLsnIn(lsnHere, fileBytes),
          );
        const kind: DamageKind = isLast && !framesAfter ? 'torn-tail' : 'mid-log';
        const action = damaged(seg, summary, kind, 0, lsnHere, reason, fileBytes);
        if (action !== 'skip') stopped = true;
        continue;
      }
      const { header } = verdict;
      summary.salt = header.salt;
      summary.version = header.version;
      summary.goodOffset = SEGMENT_HEADER_BYTES;
      if (header.baseLsn !== entry.baseLsn) {
        const reason = `segment header base lsn ${header.baseLsn} does not match its file name`;
        const action = damaged(seg, summary, 'mid-log', 0, lsnHere, reason, fileBytes);
        if (action !== 'skip') stopped = true;
        continue;
      }
      if (expectedLsn !== undefined && header.baseLsn !== expectedLsn) {
        const what =
          header.baseLsn > expectedLsn ? 'missing records (sequence gap)' : 'overlapping segments';
        const reason = `${what}: segment starts at lsn ${header.baseLsn}`;
        const action = damaged(seg, summary, 'mid-log', 0, expectedLsn, reason, 0);
        if (action !== 'skip') {
          stopped = true;
          continue;
        }
        if (header.baseLsn < expectedLsn) {
          summary.status = 'damaged';
          continue;
        }
      }

      // Frames.
      let from = SEGMENT_HEADER_BYTES;
      let lsn = header.baseLsn;
      const maxLsn = maxLsnIn(header.baseLsn, fileBytes);
      const resume = options.resumeAt;
      if (
        resume?.segment === entry.name &&
        fromLsn > header.baseLsn &&
        (expectedLsn === undefined || expectedLsn === header.baseLsn) &&
        resumesAt(seg.cursor, resume.offset, header.salt, fromLsn, header.version)
      ) {
        from = resume.offset;
        lsn = fromLsn;
        summary.goodOffset = from;
        summary.lastLsn = fromLsn - 1;
        // The records before the resume point are there (a frame or the end checked at it):
        // the first LSN read is this segment's, as a walk from its first frame would say.
        report.firstLsn ??= header.baseLsn;
        report.lastLsn = fromLsn - 1;
      }
      for (;;) {
        const walk = walkFrames(seg.cursor, {
          from,
          firstLsn: lsn,
          salt: header.salt,
          version: header.version,
          decodeFromLsn: fromLsn,
        });
        let end: WalkEnd;
        for (;;) {
          const step = walk.next();
          if (step.done) {
            end = step.value;
            break;
          }
          for (const record of step.value) {
            report.records += 1;
            report.firstLsn ??= record.lsn;
            report.lastLsn = record.lsn;
            summary.lastLsn = record.lsn;
            if (record.lsn >= fromLsn) yield record;
          }
          if (options.onProgress && seg.cursor.bytesRead - bytesDone > chunkBytes) {
            options.onProgress({
              bytesDone: bytesDone + seg.cursor.bytesRead,
              bytesTotal: report.bytesTotal,
            });
          }
        }
        summary.goodOffset = end.goodOffset;
        lsn = end.nextLsn;
        if (end.kind === 'end') break;
        // Resync from the damaged offset itself, so that a frame that checks but skips ahead (a
        // sequence gap) is kept; never restart exactly where the failed batch began.
        let resync = findValidFrame(seg.cursor, end.offset, header.salt, end.nextLsn, maxLsn);
        if (resync?.offset === end.goodOffset && resync.lsn === end.nextLsn) {
          resync = findValidFrame(seg.cursor, end.offset + 8, header.salt, end.nextLsn, maxLsn);
        }
        // In the last segment, damage is a torn (never synced) tail unless a sync point follows
        // it: a frame written after an fdatasync that covered the damaged bytes.
        const syncedAfter =
          resync && findSyncPoint(seg.cursor, resync.offset, header.salt, end.nextLsn, maxLsn);
        const kind: DamageKind = end.definite || !isLast || syncedAfter ? 'mid-log' : 'torn-tail';
        const dropped = (resync ? resync.offset : fileBytes) - end.goodOffset;
        const action = damaged(seg, summary, kind, end.offset, end.nextLsn, end.reason, dropped);
        if (action !== 'skip') {
          stopped = true;
          break;
        }
        if (!resync) break;
        from = resync.offset;
        lsn = resync.lsn;
      }
      bytesDone += fileBytes;
      options.onProgress?.({ bytesDone, bytesTotal: report.bytesTotal });
      expectedLsn = summary.lastLsn + 1;
    } finally {
      closeQuietly(fs, seg.fd);
    }
  }
  return report;
}

function openSegment(
  fs: FileSystem,
  dir: string,
  entry: SegmentEntry,
  next: SegmentEntry | undefined,
  chunkBytes: number,
): OpenSegment {
  const { name, baseLsn } = entry;
  const path = join(dir, name);
  let fd: number;
  try {
    fd = fs.open(path, 'read');
  } catch (error) {
    // Listed a moment ago: removed since (retention beside a live writer, or a repair).
    if (errnoOf(error) === 'ENOENT') throw segmentGoneError(dir, entry, next, error);
    throw ioError('opening', path, error);
  }
  try {
    return { name, baseLsn, fd, cursor: new SegmentCursor(fs, fd, fs.size(fd), chunkBytes, path) };
  } catch (error) {
    closeQuietly(fs, fd);
    throw ioError('reading the size of', path, error);
  }
}

function closeQuietly(fs: FileSystem, fd: number): void {
  try {
    fs.close(fd);
  } catch {
    // A failed close of a read-only descriptor loses nothing.
  }
}
