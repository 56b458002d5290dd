// Mirrors docs/format.md (the normative spec). Change the spec first, then this file.

/** First 8 bytes of every segment: 0x89 "EXWAL" CR LF (PNG-style: catches text-mode damage). */
export const SEGMENT_MAGIC = Buffer.from([0x89, 0x45, 0x58, 0x57, 0x41, 0x4c, 0x0d, 0x0a]);
/**
 * Version written into new segments. 2: journal payloads may be positional arrays (docs/format.md
 * #journal-records). Readers accept every version from 1 up to this one, forever.
 */
export const FORMAT_VERSION = 2;
/**
 * From this version on, zeros from a frame boundary to the end of a segment file are the end of
 * its data (space a writer preallocated), not damage (docs/format.md#zero-fill).
 */
export const ZERO_FILL_VERSION = 2;

export const SEGMENT_HEADER_BYTES = 32;
export const SegmentHeaderOffset = {
  magic: 0,
  version: 8,
  reserved: 10,
  salt: 12,
  baseLsn: 16,
  reserved2: 24,
  crc: 28,
} as const;

export const FRAME_HEADER_BYTES = 20;
export const FrameOffset = {
  crc: 0,
  payloadBytes: 4,
  lsn: 8,
  type: 16,
  flags: 17,
  reserved: 18,
  payload: 20,
} as const;
/** Frames start and end on this boundary, so the length field never straddles a sector. */
export const FRAME_ALIGN_BYTES = 8;
export const FRAME_MIN_BYTES = 24;

export const FrameFlag = {
  /** More frames of the same atomic batch follow this one. */
  batchContinues: 0x01,
  /**
   * Sync point: before this frame was written, a completed fdatasync covered every earlier byte
   * of its segment. Damage followed by a sync point cannot be a torn (unsynced) tail.
   */
  syncPoint: 0x02,
} as const;
/** Flag bits a v1 reader understands; any other bit set makes the frame invalid. */
export const FRAME_FLAGS_KNOWN = FrameFlag.batchContinues | FrameFlag.syncPoint;

/** Frame types with this bit set are ancillary: a reader that does not know them skips them. */
export const FRAME_TYPE_IGNORABLE_BIT = 0x80;

/** Added to every CRC after rotation so zeros and embedded CRCs never check (LevelDB's mask). */
export const CRC_MASK_DELTA = 0xa282ead8;

export const SEGMENT_SUFFIX = '.wal';
export const SEGMENT_NAME_HEX_DIGITS = 16;
/** Suffix of files holding bytes a repair removed: `<segment>.broken-<lsn>`. */
export const BROKEN_INFIX = '.broken-';
export const TEMP_SUFFIX = '.tmp';

/** Largest LSN: 2^53 - 1, so every LSN is an exact JavaScript number. */
export const LSN_MAX = Number.MAX_SAFE_INTEGER;

export function alignFrameBytes(unaligned: number): number {
  return Math.ceil(unaligned / FRAME_ALIGN_BYTES) * FRAME_ALIGN_BYTES;
}
