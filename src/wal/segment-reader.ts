// Walks the frames of one segment, yielding whole atomic batches and stopping at the first frame
// that does not check. It reports what it found (docs/recovery.md); it never decides policy.
import {
  FRAME_HEADER_BYTES,
  FRAME_MIN_BYTES,
  FrameFlag,
  FrameOffset,
  SEGMENT_HEADER_BYTES,
  ZERO_FILL_VERSION,
} from '../format/constants.js';
import {
  type FrameHeader,
  frameChecksumMatches,
  readFrameHeader,
  readUint53,
} from '../format/frame-codec.js';
import { decodePayload } from '../format/payload-codec.js';
import { FORMAT_BATCH_BYTES_MAX } from '../limits.js';
import type { SegmentCursor } from './segment-cursor.js';

export interface WalRecord {
  lsn: number;
  type: number;
  value: unknown;
}

/** Where a walk stopped. `goodOffset` is the end of the last whole batch. */
export type WalkEnd =
  | { kind: 'end'; goodOffset: number; nextLsn: number }
  | {
      kind: 'damage';
      goodOffset: number;
      nextLsn: number;
      /** Offset of the first byte that could not be accepted. */
      offset: number;
      reason: string;
      /** A checksummed frame was out of sequence: never a crash artefact. */
      definite: boolean;
    };

type FrameVerdict =
  | { ok: true; header: FrameHeader; value: unknown }
  | { ok: false; reason: string; definite: boolean };

function checkFrame(
  cursor: SegmentCursor,
  at: number,
  salt: number,
  lsn: number,
  decode: boolean,
): FrameVerdict {
  const head = cursor.view(at, Math.min(cursor.fileBytes - at, FRAME_HEADER_BYTES));
  if (!head) return { ok: false, reason: 'truncated frame header', definite: false };
  const parsed = readFrameHeader(head.bytes, head.index, cursor.fileBytes - at);
  if (!parsed.ok) {
    // A frame that checks is never a crash artefact, even with a field out of range.
    const whole = parsed.header && cursor.view(at, parsed.header.frameBytes);
    const definite =
      whole !== undefined && frameChecksumMatches(whole.bytes, whole.index, parsed.header!, salt);
    return { ok: false, reason: parsed.reason, definite };
  }
  const { header } = parsed;
  const whole = cursor.view(at, header.frameBytes);
  if (!whole) return { ok: false, reason: 'truncated frame', definite: false };
  if (!frameChecksumMatches(whole.bytes, whole.index, header, salt)) {
    return { ok: false, reason: 'checksum mismatch', definite: false };
  }
  if (header.lsn !== lsn) {
    const what = header.lsn < lsn ? 'duplicate or stale' : 'sequence gap:';
    return { ok: false, reason: `${what} lsn ${header.lsn} (expected ${lsn})`, definite: true };
  }
  if (!decode) return { ok: true, header, value: undefined };
  try {
    return {
      ok: true,
      header,
      value: decodePayload(
        whole.bytes,
        whole.index + FrameOffset.payload,
        whole.index + FrameOffset.payload + header.payloadBytes,
      ),
    };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `undecodable payload (${detail})`, definite: true };
  }
}

/** Where a walk starts and what it needs to know of its segment. */
export interface WalkStart {
  /** Offset of the first frame to read. */
  from: number;
  /** LSN that frame must have. */
  firstLsn: number;
  salt: number;
  /** The segment's format version: from v2 on, zeros to the end of the file end the data. */
  version: number;
  /** Frames below this LSN are checked but not decoded (their value is undefined). */
  decodeFromLsn?: number;
}

/**
 * Yields each whole batch of the segment starting at `start.from` with LSN `start.firstLsn`.
 * Frames of a batch whose end is missing are never yielded.
 */
export function* walkFrames(
  cursor: SegmentCursor,
  start: WalkStart,
): Generator<WalRecord[], WalkEnd> {
  const { from, firstLsn, salt } = start;
  const decodeFrom = start.decodeFromLsn ?? 0;
  const zeroFillEnds = start.version >= ZERO_FILL_VERSION;
  let at = from;
  let lsn = firstLsn;
  let goodOffset = from;
  let goodLsn = firstLsn;
  let batch: WalRecord[] = [];
  let batchBytes = 0;
  while (at < cursor.fileBytes) {
    const verdict = checkFrame(cursor, at, salt, lsn, lsn >= decodeFrom);
    if (!verdict.ok) {
      // Preallocated space the writer has not reached (docs/format.md#zero-fill).
      if (zeroFillEnds && batch.length === 0 && zeroToEnd(cursor, at)) {
        return { kind: 'end', goodOffset, nextLsn: goodLsn };
      }
      return { kind: 'damage', goodOffset, nextLsn: goodLsn, offset: at, ...verdict };
    }
    const { header } = verdict;
    batch.push({ lsn, type: header.type, value: verdict.value });
    batchBytes += header.frameBytes;
    at += header.frameBytes;
    lsn += 1;
    if (batchBytes > FORMAT_BATCH_BYTES_MAX) {
      return {
        kind: 'damage',
        goodOffset,
        nextLsn: goodLsn,
        offset: goodOffset,
        reason: 'batch exceeds the format limit',
        definite: true,
      };
    }
    if ((header.flags & FrameFlag.batchContinues) === 0) {
      yield batch;
      batch = [];
      batchBytes = 0;
      goodOffset = at;
      goodLsn = lsn;
    }
  }
  if (batch.length > 0) {
    return {
      kind: 'damage',
      goodOffset,
      nextLsn: goodLsn,
      // Past the frames that do check, so that they are not mistaken for data after damage.
      offset: at,
      reason: 'batch has no final frame',
      definite: false,
    };
  }
  return { kind: 'end', goodOffset, nextLsn: lsn };
}

/**
 * Whether a walk may start at `offset` with LSN `lsn` (a checkpoint's resume point): the data
 * ends there, or a frame with that LSN checks there. Anything else and the caller walks from
 * the segment's first frame instead.
 */
export function resumesAt(
  cursor: SegmentCursor,
  offset: number,
  salt: number,
  lsn: number,
  version: number,
): boolean {
  if (offset < SEGMENT_HEADER_BYTES || offset > cursor.fileBytes || offset % 8 !== 0) return false;
  if (offset === cursor.fileBytes) return true;
  if (checkFrame(cursor, offset, salt, lsn, false).ok) return true;
  return version >= ZERO_FILL_VERSION && zeroToEnd(cursor, offset);
}

/** True when every byte from `at` to the end of the file is zero (read a window at a time). */
export function zeroToEnd(cursor: SegmentCursor, at: number): boolean {
  const step = 64 * 1024;
  for (let offset = at; offset < cursor.fileBytes; offset += step) {
    const n = Math.min(step, cursor.fileBytes - offset);
    const view = cursor.view(offset, n);
    if (!view) return false;
    for (let i = view.index; i < view.index + n; i++) if (view.bytes[i] !== 0) return false;
  }
  return true;
}

/**
 * Finds the first 8-byte-aligned offset at or after `from` holding a frame that checks with an
 * LSN in [minLsn, maxLsn]. The LSN window is a cheap filter, so zeros and garbage cost one
 * 8-byte compare per offset and never a checksum over a garbage length.
 */
export function findValidFrame(
  cursor: SegmentCursor,
  from: number,
  salt: number,
  minLsn: number,
  maxLsn: number,
): { offset: number; lsn: number; flags: number } | undefined {
  for (let at = from; at + FRAME_MIN_BYTES <= cursor.fileBytes; at += 8) {
    const head = cursor.view(at, FRAME_HEADER_BYTES);
    if (!head) return undefined;
    const lsn = readUint53(head.bytes, head.index + FrameOffset.lsn);
    if (lsn < minLsn || lsn > maxLsn) continue;
    const verdict = checkFrame(cursor, at, salt, lsn, true);
    if (verdict.ok) return { offset: at, lsn, flags: verdict.header.flags };
  }
  return undefined;
}

/**
 * The first frame at or after `from` that checks and is a sync point: proof that every byte
 * before it had been made durable, so damage before it is not a torn tail.
 */
export function findSyncPoint(
  cursor: SegmentCursor,
  from: number,
  salt: number,
  minLsn: number,
  maxLsn: number,
): { offset: number; lsn: number } | undefined {
  for (let found = findValidFrame(cursor, from, salt, minLsn, maxLsn); found; ) {
    if ((found.flags & FrameFlag.syncPoint) !== 0) return found;
    found = findValidFrame(cursor, found.offset + 8, salt, minLsn, maxLsn);
  }
  return undefined;
}

/** Largest LSN a segment of `fileBytes` bytes based at `baseLsn` could hold. */
export function maxLsnIn(baseLsn: number, fileBytes: number): number {
  return baseLsn + Math.floor((fileBytes - SEGMENT_HEADER_BYTES) / FRAME_MIN_BYTES);
}
