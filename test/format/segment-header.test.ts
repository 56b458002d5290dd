// The 32-byte segment header: encoding, and every verdict decodeSegmentHeader can give.
import { describe, expect, it } from 'vitest';
import { maskedCrc32c } from '../../src/format/checksum.js';
import {
  FORMAT_VERSION,
  SEGMENT_HEADER_BYTES,
  SEGMENT_MAGIC,
  SegmentHeaderOffset as Off,
} from '../../src/format/constants.js';
import {
  decodeSegmentHeader,
  encodeSegmentHeader,
  type HeaderVerdict,
} from '../../src/format/segment-header.js';

const HEADER = { version: FORMAT_VERSION, salt: 0xc0ffee42, baseLsn: 0x1_0000_0005 };

/** An encoded header after `edit`, with its CRC recomputed so only the edit is wrong. */
function edited(edit: (bytes: Buffer) => void): Buffer {
  const bytes = encodeSegmentHeader(HEADER);
  edit(bytes);
  bytes.writeUInt32LE(maskedCrc32c(bytes.subarray(0, Off.crc), 0), Off.crc);
  return bytes;
}

describe('encodeSegmentHeader', () => {
  it('lays out magic, version, salt, base LSN, zero reserved bytes and the masked CRC', () => {
    const bytes = encodeSegmentHeader(HEADER);
    expect(bytes.length).toBe(SEGMENT_HEADER_BYTES);
    expect(bytes.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x45, 0x58, 0x57, 0x41, 0x4c, 0x0d, 0x0a]),
    );
    expect(bytes.subarray(0, 8).equals(SEGMENT_MAGIC)).toBe(true);
    expect(bytes.readUInt16LE(Off.version)).toBe(FORMAT_VERSION);
    expect(bytes.readUInt16LE(Off.reserved)).toBe(0);
    expect(bytes.readUInt32LE(Off.salt)).toBe(0xc0ffee42);
    expect(bytes.readBigUInt64LE(Off.baseLsn)).toBe(0x1_0000_0005n);
    expect(bytes.readUInt32LE(Off.reserved2)).toBe(0);
    expect(bytes.readUInt32LE(Off.crc)).toBe(maskedCrc32c(bytes.subarray(0, 28), 0));
  });
});

describe('decodeSegmentHeader', () => {
  it('round-trips', () => {
    expect(decodeSegmentHeader(encodeSegmentHeader(HEADER))).toEqual({
      kind: 'ok',
      header: HEADER,
    });
    const max = { version: 1, salt: 0, baseLsn: Number.MAX_SAFE_INTEGER };
    expect(decodeSegmentHeader(encodeSegmentHeader(max))).toEqual({ kind: 'ok', header: max });
  });

  it('reads only the first 32 bytes of a longer buffer, at any byteOffset', () => {
    const header = encodeSegmentHeader(HEADER);
    const backing = Buffer.concat([Buffer.alloc(5, 0xaa), header, Buffer.alloc(100, 0xbb)]);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 5, backing.length - 5);
    expect(decodeSegmentHeader(view)).toEqual({ kind: 'ok', header: HEADER });
  });

  it('says short for every length under 32', () => {
    const bytes = encodeSegmentHeader(HEADER);
    for (let n = 0; n < SEGMENT_HEADER_BYTES; n++) {
      expect(decodeSegmentHeader(bytes.subarray(0, n))).toEqual({ kind: 'short', bytes: n });
    }
  });

  it('says bad (checksum) for every single-bit flip, and still returns the fields as read', () => {
    const original = encodeSegmentHeader(HEADER);
    for (let bit = 0; bit < SEGMENT_HEADER_BYTES * 8; bit++) {
      const bytes = Buffer.from(original);
      bytes[bit >> 3] = bytes[bit >> 3]! ^ (1 << (bit & 7));
      const verdict = decodeSegmentHeader(bytes);
      expect(verdict.kind, `bit ${bit}`).toBe('bad');
      if (verdict.kind !== 'bad') continue;
      expect(verdict.reason).toBe('segment header checksum mismatch');
      expect(verdict.header.salt).toBe(bytes.readUInt32LE(Off.salt));
    }
  });

  it('says bad for an all-zero header (a torn or preallocated file)', () => {
    expect(decodeSegmentHeader(Buffer.alloc(32))).toEqual({
      kind: 'bad',
      reason: 'segment header checksum mismatch',
      header: { version: 0, salt: 0, baseLsn: 0 },
    });
  });

  it('says bad magic when the magic is wrong but the CRC checks', () => {
    const verdict = decodeSegmentHeader(edited((b) => b.write('EXWAL\r\n\n', 0, 'latin1')));
    expect(verdict).toEqual({ kind: 'bad', reason: 'bad segment magic', header: HEADER });
    const textMode = edited((b) => b.writeUInt8(0x0a, 6)); // CR LF -> LF LF
    expect(decodeSegmentHeader(textMode)).toMatchObject({
      kind: 'bad',
      reason: 'bad segment magic',
    });
  });

  it('says unsupported for a newer version (and for version 0) whose CRC checks', () => {
    const newer = FORMAT_VERSION + 1;
    const next = decodeSegmentHeader(edited((b) => b.writeUInt16LE(newer, Off.version)));
    expect(next).toEqual<HeaderVerdict>({ kind: 'unsupported', version: newer });
    // Every older version keeps reading, forever.
    for (let version = 1; version < FORMAT_VERSION; version++) {
      const older = decodeSegmentHeader(edited((b) => b.writeUInt16LE(version, Off.version)));
      expect(older).toMatchObject({ kind: 'ok', header: { version } });
    }
    const v0 = decodeSegmentHeader(edited((b) => b.writeUInt16LE(0, Off.version)));
    expect(v0).toEqual<HeaderVerdict>({ kind: 'unsupported', version: 0 });
  });

  it('says bad when either reserved field is not zero', () => {
    for (const edit of [
      (b: Buffer) => b.writeUInt16LE(1, Off.reserved),
      (b: Buffer) => b.writeUInt8(0x80, Off.reserved + 1),
      (b: Buffer) => b.writeUInt32LE(1, Off.reserved2),
      (b: Buffer) => b.writeUInt8(0x80, Off.reserved2 + 3),
    ]) {
      expect(decodeSegmentHeader(edited(edit))).toEqual({
        kind: 'bad',
        reason: 'reserved segment header bytes are not zero',
        header: HEADER,
      });
    }
  });

  it('says bad for a base LSN of 0 or above 2^53 - 1', () => {
    const zero = decodeSegmentHeader(edited((b) => b.writeBigUInt64LE(0n, Off.baseLsn)));
    expect(zero).toMatchObject({ kind: 'bad', reason: 'segment base lsn 0 out of range' });
    const huge = decodeSegmentHeader(edited((b) => b.writeBigUInt64LE(2n ** 53n, Off.baseLsn)));
    expect(huge).toMatchObject({ kind: 'bad', reason: `segment base lsn ${2 ** 53} out of range` });
  });
});
