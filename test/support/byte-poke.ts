// Byte-poking helpers for storage tests, in the style of LevelDB's log_test: write a small log
// with known records, find its frames, damage exact bytes (flip a bit, overwrite, truncate), fix
// a checksum after an edit so a frame checks but says something wrong, and read everything back.
import { cpSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { maskedCrc32c } from '../../src/format/checksum.js';
import {
  FrameOffset,
  SEGMENT_HEADER_BYTES,
  SegmentHeaderOffset,
} from '../../src/format/constants.js';
import { frameBytesFor, readFrameHeader } from '../../src/format/frame-codec.js';
import { decodeSegmentHeader } from '../../src/format/segment-header.js';
import { parseSegmentName } from '../../src/format/segment-name.js';
import type { ScanReport } from '../../src/wal/log-reader.js';
import { type ReplayOptions, replayLog } from '../../src/wal/log-replay.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import {
  type AppendResult,
  type RecordInput,
  WalWriter,
  type WalWriterOptions,
} from '../../src/wal/wal-writer.js';

/** Segment file names of `dir` in log order. */
export function segmentNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => parseSegmentName(name) !== undefined)
    .sort((a, b) => parseSegmentName(a)! - parseSegmentName(b)!);
}

export function readSegment(dir: string, name: string): Buffer {
  return readFileSync(join(dir, name));
}

/** The salt of a segment whose header checks (throws otherwise: a test set-up mistake). */
export function segmentSalt(bytes: Buffer): number {
  const verdict = decodeSegmentHeader(bytes);
  if (verdict.kind !== 'ok') throw new Error(`segment header does not check: ${verdict.kind}`);
  return verdict.header.salt;
}

export interface FrameInfo {
  /** Offset of the frame in its segment file. */
  offset: number;
  /** Whole frame size on disk, padding included. */
  frameBytes: number;
  payloadBytes: number;
  lsn: number;
  type: number;
  flags: number;
}

/** Frames of an undamaged segment, walked with the format's own header parser. */
export function frameOffsets(bytes: Buffer): FrameInfo[] {
  const frames: FrameInfo[] = [];
  let at = SEGMENT_HEADER_BYTES;
  while (at < bytes.length) {
    const check = readFrameHeader(bytes, at, bytes.length - at);
    if (!check.ok) throw new Error(`frame at ${at} does not parse: ${check.reason}`);
    const { header } = check;
    frames.push({
      offset: at,
      frameBytes: header.frameBytes,
      payloadBytes: header.payloadBytes,
      lsn: header.lsn,
      type: header.type,
      flags: header.flags,
    });
    at += header.frameBytes;
  }
  return frames;
}

/** Frames of segment `name` in `dir`. */
export function segmentFrames(dir: string, name: string): FrameInfo[] {
  return frameOffsets(readSegment(dir, name));
}

export function flipBit(path: string, byteOffset: number, bit: number): void {
  const bytes = readFileSync(path);
  bytes[byteOffset] = bytes[byteOffset]! ^ (1 << bit);
  writeFileSync(path, bytes);
}

/** Overwrites bytes at `offset` (the file grows if the range runs past its end). */
export function overwrite(path: string, offset: number, replacement: Uint8Array): void {
  const bytes = readFileSync(path);
  const out = Buffer.alloc(Math.max(bytes.length, offset + replacement.length));
  bytes.copy(out);
  out.set(replacement, offset);
  writeFileSync(path, out);
}

export function writeU32(path: string, offset: number, value: number): void {
  const four = Buffer.alloc(4);
  four.writeUInt32LE(value >>> 0);
  overwrite(path, offset, four);
}

export function writeU64(path: string, offset: number, value: number): void {
  const eight = Buffer.alloc(8);
  eight.writeBigUInt64LE(BigInt(value));
  overwrite(path, offset, eight);
}

export function truncateFile(path: string, length: number): void {
  truncateSync(path, length);
}

/**
 * Recomputes the CRC of the frame at `frameOffset` after an edit, with the salt of the segment's
 * header, so the frame checks again: "valid CRC but wrong LSN/flags" frames.
 */
export function fixFrameChecksum(path: string, frameOffset: number): void {
  const bytes = readFileSync(path);
  const salt = segmentSalt(bytes);
  const payloadBytes = bytes.readUInt32LE(frameOffset + FrameOffset.payloadBytes);
  const frameEnd = frameOffset + frameBytesFor(payloadBytes);
  const crc = maskedCrc32c(bytes.subarray(frameOffset + FrameOffset.payloadBytes, frameEnd), salt);
  bytes.writeUInt32LE(crc, frameOffset + FrameOffset.crc);
  writeFileSync(path, bytes);
}

/** Recomputes a segment header's CRC after an edit (headers are seeded with 0, not the salt). */
export function fixHeaderChecksum(path: string): void {
  const bytes = readFileSync(path);
  const crc = maskedCrc32c(bytes.subarray(0, SegmentHeaderOffset.crc), 0);
  bytes.writeUInt32LE(crc, SegmentHeaderOffset.crc);
  writeFileSync(path, bytes);
}

/**
 * Gives an undamaged segment the salt `salt`: writes it into the header and reseals the header
 * and every frame, so the segment checks as if a writer had drawn that salt. A writer draws
 * salts from crypto.randomBytes; tests whose oracle depends on checksum bytes use this to make
 * them a function of their SEED.
 */
export function resaltSegment(path: string, salt: number): void {
  const bytes = readFileSync(path);
  bytes.writeUInt32LE(salt >>> 0, SegmentHeaderOffset.salt);
  bytes.writeUInt32LE(
    maskedCrc32c(bytes.subarray(0, SegmentHeaderOffset.crc), 0),
    SegmentHeaderOffset.crc,
  );
  for (const frame of frameOffsets(bytes)) {
    const covered = bytes.subarray(
      frame.offset + FrameOffset.payloadBytes,
      frame.offset + frame.frameBytes,
    );
    bytes.writeUInt32LE(maskedCrc32c(covered, salt >>> 0), frame.offset + FrameOffset.crc);
  }
  writeFileSync(path, bytes);
}

/** One append: a single record, or an atomic batch of several. */
export type Append = RecordInput | readonly RecordInput[];

export interface WrittenLog {
  /** Every record as a reader should return it, in LSN order. */
  records: WalRecord[];
  /** Each append's LSN range, in order. */
  appends: AppendResult[];
}

/** Writes `appends` one at a time (so segment boundaries are deterministic) and closes. */
export async function writeLog(
  dir: string,
  appends: readonly Append[],
  options: WalWriterOptions = {},
): Promise<WrittenLog> {
  const writer = await WalWriter.open(dir, options);
  const records: WalRecord[] = [];
  const results: AppendResult[] = [];
  try {
    for (const append of appends) {
      const batch: readonly RecordInput[] = Array.isArray(append)
        ? (append as readonly RecordInput[])
        : [append as RecordInput];
      const result = await writer.append(batch);
      results.push(result);
      batch.forEach((record, index) => {
        records.push({ lsn: result.firstLsn + index, type: record.type, value: record.value });
      });
    }
  } finally {
    await writer.close();
  }
  return { records, appends: results };
}

export interface ReadBack {
  records: WalRecord[];
  report: ScanReport;
}

/** Every record of the log through replayLog (read-only), with the scan report. */
export function readAll(dir: string, options: ReplayOptions = {}): ReadBack {
  const records: WalRecord[] = [];
  const report = replayLog(dir, options, (record) => records.push(record));
  return { records, report };
}

/**
 * Replays like readAll but also returns what was yielded before a throw: tests check that a
 * refused log never hands out a record that was not written.
 */
export function readUntilError(
  dir: string,
  options: ReplayOptions = {},
): { records: WalRecord[]; report?: ScanReport; error?: unknown } {
  const records: WalRecord[] = [];
  try {
    const report = replayLog(dir, options, (record) => records.push(record));
    return { records, report };
  } catch (error) {
    return { records, error };
  }
}

/** A record whose msgpack payload is about `bytes` long, tagged with `n` so it is unique. */
export function recordOf(n: number, bytes = 16, type = 1): RecordInput {
  return { type, value: { n, pad: 'x'.repeat(Math.max(0, bytes - 12)) } };
}

export function copyDir(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
}

/** Every regular file of `dir` (not recursive) and its bytes, to compare before and after. */
export function dirBytes(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) files.set(entry.name, readFileSync(join(dir, entry.name)));
  }
  return files;
}
