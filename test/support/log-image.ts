// Log directories as bytes in memory, for fuzzing: build one from records with the format's own
// codec (the same bytes WalWriter writes, given the same salts: test/reliability/fuzz.test.ts
// checks that), load one from disk, cut one at a byte of the concatenated log, and write one out
// again. A log image is a Map of file name to bytes plus what was written into it.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FORMAT_VERSION, FrameFlag, SEGMENT_HEADER_BYTES } from '../../src/format/constants.js';
import { encodeBatch, frameBytesFor } from '../../src/format/frame-codec.js';
import { decodePayload, encodePayload } from '../../src/format/payload-codec.js';
import { encodeSegmentHeader } from '../../src/format/segment-header.js';
import { parseSegmentName, segmentName } from '../../src/format/segment-name.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import type { RecordInput } from '../../src/wal/wal-writer.js';

export type LogFiles = Map<string, Buffer>;

/** Where one frame sits: in which segment, at which offset, and whether its batch ends there. */
export interface FrameSpan {
  segment: string;
  offset: number;
  frameBytes: number;
  lsn: number;
  batchEnds: boolean;
  /** Carries the sync-point flag (docs/format.md#flags). */
  syncPoint: boolean;
}

export interface LogImage {
  files: LogFiles;
  /** Every record as a reader must return it (values as msgpack decodes them), in LSN order. */
  records: WalRecord[];
  /** Every frame in log order. */
  frames: FrameSpan[];
}

export interface BuildOptions {
  firstLsn?: number;
  /** Rotation threshold, applied as WalWriter does: before a batch that would pass it. */
  maxSegmentBytes?: number;
  /** Salt of the i-th segment. */
  salt: (index: number) => number;
  /**
   * Whether the i-th batch starts with a sync point. Default: every batch, as WalWriter in mode
   * 'fsync' writes appends awaited one at a time (each write follows a completed sync).
   */
  syncPoint?: (batchIndex: number) => boolean;
}

/** What a reader gives back for `value`: msgpack round trip (binary comes back as Buffer). */
export function asDecoded(value: unknown): unknown {
  return decodePayload(encodePayload(value));
}

/** Builds the log WalWriter would write for these appends (one batch each, awaited in turn). */
export function buildLogImage(
  batches: readonly (readonly RecordInput[])[],
  options: BuildOptions,
): LogImage {
  const maxSegmentBytes = options.maxSegmentBytes ?? 64 * 1024 * 1024;
  const files: LogFiles = new Map();
  const records: WalRecord[] = [];
  const frames: FrameSpan[] = [];
  let lsn = options.firstLsn ?? 1;
  let segment: { name: string; salt: number; parts: Buffer[]; bytes: number } | undefined;
  let segments = 0;
  const seal = () => {
    if (segment) files.set(segment.name, Buffer.concat(segment.parts));
  };
  const syncPoint = options.syncPoint ?? (() => true);
  for (const [batchIndex, batch] of batches.entries()) {
    const leading = syncPoint(batchIndex) ? FrameFlag.syncPoint : 0;
    const payloads = batch.map((record) => ({
      type: record.type,
      payload: encodePayload(record.value),
    }));
    let batchBytes = 0;
    for (const p of payloads) batchBytes += frameBytesFor(p.payload.length);
    const full =
      segment !== undefined &&
      segment.bytes > SEGMENT_HEADER_BYTES &&
      segment.bytes + batchBytes > maxSegmentBytes;
    if (segment === undefined || full) {
      seal();
      const salt = options.salt(segments++) >>> 0;
      const header = encodeSegmentHeader({ version: FORMAT_VERSION, salt, baseLsn: lsn });
      segment = { name: segmentName(lsn), salt, parts: [header], bytes: header.length };
    }
    const current = segment;
    current.parts.push(encodeBatch(payloads, lsn, current.salt, leading));
    payloads.forEach((p, index) => {
      const frameBytes = frameBytesFor(p.payload.length);
      frames.push({
        segment: current.name,
        offset: current.bytes,
        frameBytes,
        lsn: lsn + index,
        batchEnds: index === payloads.length - 1,
        syncPoint: index === 0 && leading !== 0,
      });
      current.bytes += frameBytes;
      records.push({ lsn: lsn + index, type: p.type, value: decodePayload(p.payload) });
    });
    lsn += payloads.length;
  }
  seal();
  return { files, records, frames };
}

/** Segment names of `files` in log order (other names left out). */
export function segmentOrder(files: ReadonlyMap<string, Buffer>): string[] {
  return [...files.keys()]
    .filter((name) => parseSegmentName(name) !== undefined)
    .sort((a, b) => parseSegmentName(a)! - parseSegmentName(b)!);
}

/** Each segment's start in the concatenation of all segments in log order. */
export function segmentStarts(files: ReadonlyMap<string, Buffer>): Map<string, number> {
  const starts = new Map<string, number>();
  let at = 0;
  for (const name of segmentOrder(files)) {
    starts.set(name, at);
    at += files.get(name)!.length;
  }
  return starts;
}

export function totalBytes(files: ReadonlyMap<string, Buffer>): number {
  let total = 0;
  for (const name of segmentOrder(files)) total += files.get(name)!.length;
  return total;
}

/** The segment holding byte `at` of the concatenated log, and the offset inside it. */
export function locate(
  files: ReadonlyMap<string, Buffer>,
  at: number,
): { name: string; offset: number } | undefined {
  let start = 0;
  for (const name of segmentOrder(files)) {
    const bytes = files.get(name)!.length;
    if (at < start + bytes) return { name, offset: at - start };
    start += bytes;
  }
  return undefined;
}

/**
 * The log cut at byte `cut` of its concatenation, as a crash while appending leaves it: later
 * segments are gone, the one holding the cut is shortened (an empty file is kept or not).
 */
export function cutLog(
  files: ReadonlyMap<string, Buffer>,
  cut: number,
  keepEmpty: boolean,
): LogFiles {
  const out: LogFiles = new Map();
  let start = 0;
  for (const name of segmentOrder(files)) {
    const bytes = files.get(name)!;
    if (cut >= start + bytes.length) out.set(name, bytes);
    else if (cut > start || (cut === start && keepEmpty)) {
      out.set(name, bytes.subarray(0, cut - start));
    }
    start += bytes.length;
  }
  return out;
}

/** Every file of a log directory (not recursive). */
export function loadFiles(dir: string): LogFiles {
  const files: LogFiles = new Map();
  for (const name of readdirSync(dir)) {
    if (statSync(join(dir, name)).isFile()) files.set(name, readFileSync(join(dir, name)));
  }
  return files;
}

export function writeFiles(dir: string, files: ReadonlyMap<string, Buffer>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
}
