// fast-check arbitraries for decoder fuzzing (reliability plan #15): valid logs of any shape
// (built with the format's own codec), and segment files of structured garbage: headers and
// frames whose every field may be out of range, with checksums that do or do not match, so the
// fuzzer reaches the checks behind the CRC, not just the CRC.
import fc from 'fast-check';
import { maskedCrc32c } from '../../src/format/checksum.js';
import {
  FORMAT_VERSION,
  FRAME_HEADER_BYTES,
  FrameOffset,
  SEGMENT_HEADER_BYTES,
  SegmentHeaderOffset,
} from '../../src/format/constants.js';
import { frameBytesFor, writeUint53 } from '../../src/format/frame-codec.js';
import { encodePayload } from '../../src/format/payload-codec.js';
import { encodeSegmentHeader } from '../../src/format/segment-header.js';
import { segmentName } from '../../src/format/segment-name.js';
import { FORMAT_PAYLOAD_BYTES_MAX } from '../../src/limits.js';
import type { RecordInput } from '../../src/wal/wal-writer.js';
import { buildLogImage, type LogFiles, type LogImage } from './log-image.js';
import type { UnreadableRange } from './memory-fs.js';
import { seededRandom } from './random.js';

/** A salt for segment `index` of a log whose salts come from `seed`. */
export function saltOf(seed: number, index: number): number {
  return Math.floor(seededRandom((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0)() * 2 ** 32);
}

export const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constant(null), weight: 1 },
  { arbitrary: fc.integer(), weight: 2 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
  { arbitrary: fc.record({ n: fc.nat(), text: fc.string({ maxLength: 200 }) }), weight: 3 },
  { arbitrary: fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)), weight: 1 },
  { arbitrary: fc.integer({ min: 0, max: 9000 }).map((n) => 'x'.repeat(n)), weight: 1 },
);

export const recordArb: fc.Arbitrary<RecordInput> = fc.record({
  type: fc.integer({ min: 1, max: 255 }),
  value: valueArb,
});

export interface LogSpec {
  batches: RecordInput[][];
  maxSegmentBytes: number;
  firstLsn: number;
  saltSeed: number;
  chunkBytes: number | undefined;
  /** Which batches start with a sync point: all (mode 'fsync'), none (an old log), some. */
  syncPoints: 'every' | 'none' | 'some';
}

export const logSpecArb: fc.Arbitrary<LogSpec> = fc.record({
  batches: fc.array(fc.array(recordArb, { minLength: 1, maxLength: 4 }), {
    minLength: 1,
    maxLength: 20,
  }),
  // Down to one batch per segment (a segment with no frame takes any batch).
  maxSegmentBytes: fc.integer({ min: 32, max: 6000 }),
  firstLsn: fc.oneof(
    fc.constant(1),
    fc.integer({ min: 1, max: 1000 }),
    // Around the 32-bit boundary of the LSN's low word, and near the 2^53 - 1 maximum.
    fc.constantFrom(2 ** 32 - 3, 2 ** 53 - 200),
  ),
  saltSeed: fc.integer({ min: 0, max: 0xffffffff }),
  chunkBytes: fc.constantFrom(undefined, 64, 200, 1024),
  syncPoints: fc.constantFrom('every', 'every', 'none', 'some'),
});

export function buildFromSpec(spec: LogSpec): LogImage {
  return buildLogImage(spec.batches, {
    firstLsn: spec.firstLsn,
    maxSegmentBytes: spec.maxSegmentBytes,
    salt: (index) => saltOf(spec.saltSeed, index),
    syncPoint: (index) =>
      spec.syncPoints === 'every' ||
      (spec.syncPoints === 'some' && saltOf(spec.saltSeed ^ 0x5a5a, index) % 3 === 0),
  });
}

// -----------------------------------------------------------------------------------------------
// Structured garbage.

export interface HeaderSpec {
  salt: number;
  base: 'name' | 'other' | 'zero' | 'huge';
  otherBase: number;
  version: number;
  reservedNonZero: boolean;
  magicBroken: boolean;
  crc: 'valid' | 'random';
  randomCrc: number;
}

/** True one time in ten. */
const rarely = fc.oneof(
  { arbitrary: fc.constant(false), weight: 9 },
  { arbitrary: fc.constant(true), weight: 1 },
);

const headerSpecArb: fc.Arbitrary<HeaderSpec> = fc.record({
  salt: fc.integer({ min: 0, max: 0xffffffff }),
  base: fc.constantFrom('name', 'name', 'name', 'name', 'other', 'zero', 'huge'),
  otherBase: fc.integer({ min: 1, max: 60 }),
  version: fc.oneof(
    { arbitrary: fc.constant(FORMAT_VERSION), weight: 8 },
    { arbitrary: fc.integer({ min: 0, max: 0xffff }), weight: 1 },
  ),
  reservedNonZero: rarely,
  magicBroken: rarely,
  crc: fc.constantFrom('valid', 'valid', 'valid', 'valid', 'random'),
  randomCrc: fc.integer({ min: 0, max: 0xffffffff }),
});

export interface FrameSpec {
  kind: 'proper' | 'fields' | 'garbage' | 'zeros';
  value: unknown;
  payloadGarbage: Uint8Array;
  length: 'actual' | 'zero' | 'max' | 'over' | 'huge' | 'random' | 'plus8';
  randomLength: number;
  lsn: 'next' | 'same' | 'skip' | 'back' | 'random' | 'huge';
  randomLsn: number;
  type: number;
  flags: number;
  reserved: number;
  padding: 'zero' | 'random';
  crc: 'valid' | 'random';
  randomCrc: number;
  garbage: Uint8Array;
}

const frameSpecArb: fc.Arbitrary<FrameSpec> = fc.record({
  kind: fc.constantFrom('proper', 'proper', 'proper', 'fields', 'fields', 'garbage', 'zeros'),
  value: valueArb,
  payloadGarbage: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  length: fc.constantFrom(
    'actual',
    'actual',
    'actual',
    'zero',
    'max',
    'over',
    'huge',
    'random',
    'plus8',
  ),
  randomLength: fc.integer({ min: 0, max: 0xffffffff }),
  lsn: fc.constantFrom('next', 'next', 'next', 'same', 'skip', 'back', 'random', 'huge'),
  randomLsn: fc.integer({ min: 0, max: 2 ** 53 - 1 }),
  type: fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 255 }), weight: 8 },
    { arbitrary: fc.constant(0), weight: 1 },
  ),
  flags: fc.oneof(
    { arbitrary: fc.constantFrom(0, 1, 2, 3), weight: 8 },
    { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 1 },
  ),
  reserved: fc.oneof(
    { arbitrary: fc.constant(0), weight: 8 },
    { arbitrary: fc.integer({ min: 0, max: 0xffff }), weight: 1 },
  ),
  padding: fc.constantFrom('zero', 'zero', 'zero', 'random'),
  crc: fc.constantFrom('valid', 'valid', 'valid', 'random'),
  randomCrc: fc.integer({ min: 0, max: 0xffffffff }),
  garbage: fc.uint8Array({ maxLength: 80 }),
});

export interface SegmentSpec {
  header: HeaderSpec;
  /** Bytes of the header kept (a torn header when below 32). */
  headerBytes: number;
  frames: FrameSpec[];
  tail: Uint8Array;
}

export const segmentSpecArb: fc.Arbitrary<SegmentSpec> = fc.record({
  header: headerSpecArb,
  headerBytes: fc.oneof(
    { arbitrary: fc.constant(SEGMENT_HEADER_BYTES), weight: 12 },
    { arbitrary: fc.integer({ min: 0, max: SEGMENT_HEADER_BYTES }), weight: 1 },
  ),
  frames: fc.array(frameSpecArb, { maxLength: 12 }),
  tail: fc.oneof(
    { arbitrary: fc.constant(new Uint8Array(0)), weight: 4 },
    { arbitrary: fc.uint8Array({ maxLength: 300 }), weight: 1 },
  ),
});

/**
 * The bytes of a segment named for `nameBase` from `spec`, and the LSN after its frames. Frames
 * marked for a valid CRC get one over the extent their (maybe wrong) length declares, when the
 * file holds it: such a frame checks, so only the field checks behind the CRC can reject it.
 */
export function segmentBytes(
  spec: SegmentSpec,
  nameBase: number,
): { bytes: Buffer; nextLsn: number } {
  const h = spec.header;
  const baseLsn =
    h.base === 'name'
      ? nameBase
      : h.base === 'other'
        ? h.otherBase
        : h.base === 'zero'
          ? 0
          : 2 ** 60;
  const header = encodeSegmentHeader({ version: h.version, salt: h.salt, baseLsn: 1 });
  header.writeBigUInt64LE(BigInt(baseLsn), SegmentHeaderOffset.baseLsn);
  if (h.reservedNonZero) header.writeUInt16LE(0x0101, SegmentHeaderOffset.reserved);
  if (h.magicBroken) header[3] = header[3]! ^ 0x20;
  header.writeUInt32LE(
    h.crc === 'valid' ? maskedCrc32c(header.subarray(0, SegmentHeaderOffset.crc), 0) : h.randomCrc,
    SegmentHeaderOffset.crc,
  );
  const parts: Buffer[] = [header.subarray(0, spec.headerBytes)];
  let at = spec.headerBytes;
  let lsn = Math.max(1, Math.min(baseLsn, 2 ** 53 - 1));
  const crcFixes: number[] = [];
  for (const f of spec.frames) {
    if (f.kind === 'garbage' || f.kind === 'zeros') {
      const bytes = f.kind === 'zeros' ? Buffer.alloc(f.garbage.length) : Buffer.from(f.garbage);
      parts.push(bytes);
      at += bytes.length;
      continue;
    }
    const payload = f.kind === 'proper' ? encodePayload(f.value) : Buffer.from(f.payloadGarbage);
    const frame = Buffer.alloc(frameBytesFor(payload.length));
    const declared = {
      actual: payload.length,
      zero: 0,
      max: FORMAT_PAYLOAD_BYTES_MAX,
      over: FORMAT_PAYLOAD_BYTES_MAX + 1,
      huge: 0xffffffff,
      random: f.randomLength,
      plus8: payload.length + 8,
    }[f.kind === 'proper' ? 'actual' : f.length];
    frame.writeUInt32LE(declared >>> 0, FrameOffset.payloadBytes);
    const frameLsn =
      f.kind === 'proper'
        ? lsn
        : {
            next: lsn,
            same: lsn - 1,
            skip: lsn + 1,
            back: lsn - 2,
            random: f.randomLsn,
            huge: -1,
          }[f.lsn];
    if (frameLsn < 0) frame.writeBigUInt64LE(0xffffffffffffffffn, FrameOffset.lsn);
    else writeUint53(frame, FrameOffset.lsn, Math.max(0, frameLsn));
    frame.writeUInt8(f.type, FrameOffset.type);
    frame.writeUInt8(f.kind === 'proper' ? f.flags & 3 : f.flags, FrameOffset.flags);
    frame.writeUInt16LE(f.kind === 'proper' ? 0 : f.reserved, FrameOffset.reserved);
    frame.set(payload, FrameOffset.payload);
    if (f.padding === 'random') {
      for (let i = FRAME_HEADER_BYTES + payload.length; i < frame.length; i++) {
        frame[i] = (f.randomCrc >>> (i % 24)) & 0xff;
      }
    }
    frame.writeUInt32LE(f.randomCrc, FrameOffset.crc);
    if (f.crc === 'valid') crcFixes.push(at);
    parts.push(frame);
    at += frame.length;
    if (frameLsn === lsn) lsn += 1;
  }
  parts.push(Buffer.from(spec.tail));
  const bytes = Buffer.concat(parts);
  // Last first: an earlier frame's declared extent may cover later frames.
  for (const offset of crcFixes.reverse()) {
    const declared = bytes.readUInt32LE(offset + FrameOffset.payloadBytes);
    const end = offset + frameBytesFor(declared);
    if (end > bytes.length) continue;
    bytes.writeUInt32LE(
      maskedCrc32c(bytes.subarray(offset + FrameOffset.payloadBytes, end), h.salt),
      offset + FrameOffset.crc,
    );
  }
  return { bytes, nextLsn: lsn };
}

export interface DirectoryEntrySpec {
  segment: SegmentSpec;
  name: 'continue' | 'same' | 'small' | 'stray';
  smallBase: number;
}

export const directorySpecArb = fc.record({
  entries: fc.array(
    fc.record({
      segment: segmentSpecArb,
      name: fc.constantFrom('continue', 'continue', 'continue', 'same', 'small', 'stray'),
      smallBase: fc.integer({ min: 1, max: 40 }),
    }),
    { minLength: 1, maxLength: 5 },
  ),
  firstBase: fc.integer({ min: 1, max: 20 }),
  unreadable: fc.option(
    fc.record({
      entry: fc.nat(),
      from: fc.nat({ max: 2000 }),
      bytes: fc.integer({ min: 1, max: 600 }),
    }),
    { freq: 5 },
  ),
  chunkBytes: fc.constantFrom(undefined, 64, 200),
});

export type DirectorySpec = typeof directorySpecArb extends fc.Arbitrary<infer T> ? T : never;

/** A log directory of structured garbage: segments named in sequence, repeated or stray. */
export function directoryFiles(spec: DirectorySpec): {
  files: LogFiles;
  unreadable: UnreadableRange[];
} {
  const files: LogFiles = new Map();
  let base = spec.firstBase;
  let previousName = segmentName(base);
  spec.entries.forEach((entry, index) => {
    let name: string;
    if (entry.name === 'stray') name = `${segmentName(base)}.broken-${index}`;
    else if (entry.name === 'same') name = previousName;
    else if (entry.name === 'small') name = segmentName(entry.smallBase);
    else name = segmentName(base);
    const nameBase = Number.parseInt(name.slice(0, 16), 16);
    const { bytes, nextLsn } = segmentBytes(entry.segment, nameBase);
    files.set(name, bytes);
    previousName = name;
    if (entry.name !== 'stray') base = Math.max(base + 1, nextLsn);
  });
  const unreadable: UnreadableRange[] = [];
  if (spec.unreadable) {
    const names = [...files.keys()];
    const name = names[spec.unreadable.entry % names.length]!;
    unreadable.push({
      name,
      from: spec.unreadable.from,
      to: spec.unreadable.from + spec.unreadable.bytes,
    });
  }
  return { files, unreadable };
}
