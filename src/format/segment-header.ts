// The 32-byte header at the start of every segment (docs/format.md#segment-header).
import { maskedCrc32c } from './checksum.js';
import {
  FORMAT_VERSION,
  SEGMENT_HEADER_BYTES,
  SEGMENT_MAGIC,
  SegmentHeaderOffset as Off,
} from './constants.js';

export interface SegmentHeader {
  version: number;
  salt: number;
  baseLsn: number;
}

export function encodeSegmentHeader(header: SegmentHeader): Buffer {
  const bytes = Buffer.alloc(SEGMENT_HEADER_BYTES);
  SEGMENT_MAGIC.copy(bytes, Off.magic);
  bytes.writeUInt16LE(header.version, Off.version);
  bytes.writeUInt32LE(header.salt >>> 0, Off.salt);
  bytes.writeBigUInt64LE(BigInt(header.baseLsn), Off.baseLsn);
  bytes.writeUInt32LE(maskedCrc32c(bytes.subarray(0, Off.crc), 0), Off.crc);
  return bytes;
}

export type HeaderVerdict =
  | { kind: 'ok'; header: SegmentHeader }
  | { kind: 'short'; bytes: number }
  | { kind: 'bad'; reason: string; header: SegmentHeader }
  | { kind: 'unsupported'; version: number };

/** Validates a header. `bad` still returns the fields as read, for salvage and diagnostics. */
export function decodeSegmentHeader(bytes: Uint8Array): HeaderVerdict {
  if (bytes.length < SEGMENT_HEADER_BYTES) return { kind: 'short', bytes: bytes.length };
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, SEGMENT_HEADER_BYTES);
  const header: SegmentHeader = {
    version: b.readUInt16LE(Off.version),
    salt: b.readUInt32LE(Off.salt),
    baseLsn: Number(b.readBigUInt64LE(Off.baseLsn)),
  };
  const storedCrc = b.readUInt32LE(Off.crc);
  if (storedCrc !== maskedCrc32c(b.subarray(0, Off.crc), 0)) {
    return { kind: 'bad', reason: 'segment header checksum mismatch', header };
  }
  if (!b.subarray(Off.magic, Off.magic + SEGMENT_MAGIC.length).equals(SEGMENT_MAGIC)) {
    return { kind: 'bad', reason: 'bad segment magic', header };
  }
  if (header.version > FORMAT_VERSION || header.version === 0) {
    return { kind: 'unsupported', version: header.version };
  }
  if (b.readUInt16LE(Off.reserved) !== 0 || b.readUInt32LE(Off.reserved2) !== 0) {
    return { kind: 'bad', reason: 'reserved segment header bytes are not zero', header };
  }
  if (!Number.isSafeInteger(header.baseLsn) || header.baseLsn < 1) {
    return { kind: 'bad', reason: `segment base lsn ${header.baseLsn} out of range`, header };
  }
  return { kind: 'ok', header };
}
