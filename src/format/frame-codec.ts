// Frames: the on-disk envelope of one record (docs/format.md#frame). Pure byte functions.
//
//   crc u32 | payloadBytes u32 | lsn u64 | type u8 | flags u8 | reserved u16 | payload | pad
//
// The CRC covers every byte after itself up to the end of the padding, seeded with the segment
// salt and masked. Frames are 8-byte aligned; padding bytes are zero.
import { FORMAT_PAYLOAD_BYTES_MAX } from '../limits.js';
import { maskedCrc32c } from './checksum.js';
import {
  alignFrameBytes,
  FRAME_FLAGS_KNOWN,
  FRAME_HEADER_BYTES,
  FrameFlag,
  FrameOffset as Off,
} from './constants.js';

/** Reads a u64 LE; values above 2^53 - 1 (never written) read as -1. */
export function readUint53(bytes: Buffer, at: number): number {
  const high = bytes.readUInt32LE(at + 4);
  if (high > 0x1fffff) return -1;
  return high * 0x1_0000_0000 + bytes.readUInt32LE(at);
}

export function writeUint53(bytes: Buffer, at: number, value: number): void {
  bytes.writeUInt32LE(value % 0x1_0000_0000, at);
  bytes.writeUInt32LE(Math.floor(value / 0x1_0000_0000), at + 4);
}

export interface FrameInput {
  type: number;
  payload: Uint8Array;
}

export interface FrameHeader {
  crc: number;
  payloadBytes: number;
  lsn: number;
  type: number;
  flags: number;
  /** Whole frame size on disk, padding included. */
  frameBytes: number;
}

export function frameBytesFor(payloadBytes: number): number {
  return alignFrameBytes(FRAME_HEADER_BYTES + payloadBytes);
}

/**
 * Encodes `frames` as one atomic batch with LSNs firstLsn, firstLsn+1, ...: every frame but the
 * last carries the batch-continues flag; the first also carries `leadingFlags` (a sync point).
 */
export function encodeBatch(
  frames: readonly FrameInput[],
  firstLsn: number,
  salt: number,
  leadingFlags = 0,
): Buffer {
  let total = 0;
  for (const frame of frames) total += frameBytesFor(frame.payload.length);
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  frames.forEach((frame, index) => {
    const continues = index === frames.length - 1 ? 0 : FrameFlag.batchContinues;
    placeFrame(out, offset, frame.type, frame.payload, firstLsn + index, continues);
    offset += sealFrame(out, offset, index === 0 ? leadingFlags : 0, salt);
  });
  return out;
}

/**
 * Lays out a frame at `at` (which must have frameBytesFor(payload.length) bytes): every field
 * but the CRC, the payload and zero padding. Returns the frame's size. sealFrame finishes it.
 */
export function placeFrame(
  out: Buffer,
  at: number,
  type: number,
  payload: Uint8Array,
  lsn: number,
  flags: number,
): number {
  const size = frameBytesFor(payload.length);
  out.writeUInt32LE(payload.length, at + Off.payloadBytes);
  writeUint53(out, at + Off.lsn, lsn);
  out[at + Off.type] = type;
  out[at + Off.flags] = flags;
  out[at + Off.reserved] = 0;
  out[at + Off.reserved + 1] = 0;
  out.set(payload, at + Off.payload);
  for (let i = at + Off.payload + payload.length; i < at + size; i++) out[i] = 0; // < 8 bytes
  return size;
}

/**
 * Adds `extraFlags` (a sync point) to the frame placed at `at` and writes its CRC, seeded with
 * the salt of the segment it goes into. Returns the frame's size.
 */
export function sealFrame(out: Buffer, at: number, extraFlags: number, salt: number): number {
  const size = frameBytesFor(out.readUInt32LE(at + Off.payloadBytes));
  out[at + Off.flags] = (out[at + Off.flags] ?? 0) | extraFlags;
  out.writeUInt32LE(
    maskedCrc32c(out.subarray(at + Off.payloadBytes, at + size), salt),
    at + Off.crc,
  );
  return size;
}

/**
 * `header` is set on a rejection when the length is sane, so the caller can tell whether a frame
 * with a field out of range still checks (then it is not a crash artefact).
 */
export type HeaderCheck =
  | { ok: true; header: FrameHeader }
  | { ok: false; reason: string; header?: FrameHeader };

/**
 * Structural checks on the 20 header bytes at `at`, before any CRC: a declared length is never
 * trusted beyond `bytesLeft` (bytes from `at` to the end of the segment) or the format maximum.
 */
export function readFrameHeader(bytes: Buffer, at: number, bytesLeft: number): HeaderCheck {
  if (bytesLeft < FRAME_HEADER_BYTES) return { ok: false, reason: 'truncated frame header' };
  const payloadBytes = bytes.readUInt32LE(at + Off.payloadBytes);
  const header: FrameHeader = {
    crc: bytes.readUInt32LE(at + Off.crc),
    payloadBytes,
    lsn: readUint53(bytes, at + Off.lsn),
    type: bytes.readUInt8(at + Off.type),
    flags: bytes.readUInt8(at + Off.flags),
    frameBytes: frameBytesFor(payloadBytes),
  };
  if (payloadBytes === 0) return { ok: false, reason: 'frame length 0' };
  if (payloadBytes > FORMAT_PAYLOAD_BYTES_MAX) {
    return { ok: false, reason: `frame length ${payloadBytes} exceeds the format limit` };
  }
  if (header.frameBytes > bytesLeft) {
    return { ok: false, reason: `frame length ${payloadBytes} runs past the end of the segment` };
  }
  if (header.lsn < 1) return { ok: false, reason: 'frame lsn out of range', header };
  if (header.type === 0) return { ok: false, reason: 'frame type 0', header };
  if ((header.flags & ~FRAME_FLAGS_KNOWN) !== 0) {
    return { ok: false, reason: `unknown frame flags 0x${header.flags.toString(16)}`, header };
  }
  if (bytes.readUInt16LE(at + Off.reserved) !== 0) {
    return { ok: false, reason: 'reserved frame bytes are not zero', header };
  }
  return { ok: true, header };
}

/** True when the whole frame at `at` (header.frameBytes long, all in `bytes`) checks. */
export function frameChecksumMatches(
  bytes: Buffer,
  at: number,
  header: FrameHeader,
  salt: number,
): boolean {
  const covered = bytes.subarray(at + Off.payloadBytes, at + header.frameBytes);
  return maskedCrc32c(covered, salt) === header.crc;
}

export function framePayload(bytes: Buffer, at: number, header: FrameHeader): Buffer {
  return bytes.subarray(at + Off.payload, at + Off.payload + header.payloadBytes);
}
