// Frame encoding and the structural checks a reader makes before trusting a frame.
import { describe, expect, it } from 'vitest';
import { maskedCrc32c } from '../../src/format/checksum.js';
import {
  FRAME_HEADER_BYTES,
  FRAME_MIN_BYTES,
  FrameFlag,
  FrameOffset,
} from '../../src/format/constants.js';
import {
  encodeBatch,
  type FrameHeader,
  frameBytesFor,
  frameChecksumMatches,
  framePayload,
  readFrameHeader,
  readUint53,
  writeUint53,
} from '../../src/format/frame-codec.js';
import { decodePayload, encodePayload } from '../../src/format/payload-codec.js';
import { FORMAT_PAYLOAD_BYTES_MAX } from '../../src/limits.js';
import { randomInt, withSeed } from '../support/random.js';

const SALT = 0x5eed_1234;

function parse(bytes: Buffer, at = 0): FrameHeader {
  const check = readFrameHeader(bytes, at, bytes.length - at);
  if (!check.ok) throw new Error(`expected a frame at ${at}: ${check.reason}`);
  return check.header;
}

function rejection(bytes: Buffer, at = 0, bytesLeft = bytes.length - at): string {
  const check = readFrameHeader(bytes, at, bytesLeft);
  if (check.ok) throw new Error(`expected frame at ${at} to be rejected`);
  return check.reason;
}

/** A one-frame batch with a 4-byte payload (24 bytes on disk) for field-level edits. */
function smallFrame(lsn = 7): Buffer {
  return encodeBatch([{ type: 3, payload: Buffer.from([1, 2, 3, 4]) }], lsn, SALT);
}

describe('encodeBatch / readFrameHeader', () => {
  it('round-trips one frame: header fields, payload, checksum, zero padding', () => {
    const payload = encodePayload({ op: 'start', id: 42 });
    const bytes = encodeBatch([{ type: 9, payload }], 1234, SALT);
    expect(bytes.length).toBe(frameBytesFor(payload.length));
    expect(bytes.length % 8).toBe(0);
    const header = parse(bytes);
    expect(header).toEqual({
      crc: bytes.readUInt32LE(0),
      payloadBytes: payload.length,
      lsn: 1234,
      type: 9,
      flags: 0,
      frameBytes: bytes.length,
    });
    expect(frameChecksumMatches(bytes, 0, header, SALT)).toBe(true);
    expect(framePayload(bytes, 0, header)).toEqual(payload);
    expect(decodePayload(framePayload(bytes, 0, header))).toEqual({ op: 'start', id: 42 });
    expect(bytes.readUInt16LE(FrameOffset.reserved)).toBe(0);
    expect(bytes.subarray(FRAME_HEADER_BYTES + payload.length).every((b) => b === 0)).toBe(true);
  });

  it('pads every frame to 8 bytes: sizes for payloads of 1..40 bytes', () => {
    const sizes = [];
    for (let n = 1; n <= 40; n++) {
      const bytes = encodeBatch([{ type: 1, payload: Buffer.alloc(n, 0xab) }], 1, SALT);
      expect(bytes.length).toBe(frameBytesFor(n));
      expect(parse(bytes).payloadBytes).toBe(n);
      sizes.push(bytes.length);
    }
    expect(sizes.slice(0, 4)).toEqual([24, 24, 24, 24]);
    expect(sizes.slice(4, 12)).toEqual([32, 32, 32, 32, 32, 32, 32, 32]);
    expect(sizes.at(-1)).toBe(64);
    expect(FRAME_MIN_BYTES).toBe(frameBytesFor(1));
  });

  it('marks every frame of a batch but the last with batch-continues, LSNs consecutive', () => {
    const payloads = ['a', 'bb', 'ccc'].map((s) => encodePayload(s));
    const bytes = encodeBatch(
      payloads.map((payload, i) => ({ type: 10 + i, payload })),
      99,
      SALT,
    );
    const seen = [];
    for (let at = 0; at < bytes.length; ) {
      const header = parse(bytes, at);
      expect(frameChecksumMatches(bytes, at, header, SALT)).toBe(true);
      seen.push({
        lsn: header.lsn,
        type: header.type,
        flags: header.flags,
        value: decodePayload(framePayload(bytes, at, header)),
      });
      at += header.frameBytes;
    }
    expect(seen).toEqual([
      { lsn: 99, type: 10, flags: FrameFlag.batchContinues, value: 'a' },
      { lsn: 100, type: 11, flags: FrameFlag.batchContinues, value: 'bb' },
      { lsn: 101, type: 12, flags: 0, value: 'ccc' },
    ]);
  });

  it('round-trips random payloads and LSNs up to 2^53 - 1', async () => {
    await withSeed('frame round trip', (random) => {
      for (let i = 0; i < 200; i++) {
        const payload = Buffer.alloc(randomInt(random, 1, 3000));
        for (let j = 0; j < payload.length; j++) payload[j] = randomInt(random, 0, 255);
        const lsn = i === 0 ? Number.MAX_SAFE_INTEGER : randomInt(random, 1, 2 ** 52);
        const type = randomInt(random, 1, 255);
        const bytes = encodeBatch([{ type, payload }], lsn, SALT);
        const header = parse(bytes);
        expect(header.lsn).toBe(lsn);
        expect(header.type).toBe(type);
        expect(frameChecksumMatches(bytes, 0, header, SALT)).toBe(true);
        expect(framePayload(bytes, 0, header).equals(payload)).toBe(true);
      }
    });
  });

  it('reads a frame at a non-zero offset inside a larger buffer', () => {
    const frame = smallFrame(5);
    const bytes = Buffer.concat([Buffer.alloc(40, 0xee), frame, Buffer.alloc(16, 0xee)]);
    const header = parse(bytes, 40);
    expect(header.lsn).toBe(5);
    expect(frameChecksumMatches(bytes, 40, header, SALT)).toBe(true);
    expect([...framePayload(bytes, 40, header)]).toEqual([1, 2, 3, 4]);
  });

  it('does not check under another salt (a frame copied from another segment)', () => {
    const bytes = smallFrame();
    const header = parse(bytes);
    expect(frameChecksumMatches(bytes, 0, header, SALT)).toBe(true);
    expect(frameChecksumMatches(bytes, 0, header, SALT ^ 1)).toBe(false);
    expect(frameChecksumMatches(bytes, 0, header, 0)).toBe(false);
  });

  it('never accepts an all-zero 24-byte region as a frame', async () => {
    const zeros = Buffer.alloc(FRAME_MIN_BYTES);
    expect(rejection(zeros)).toBe('frame length 0');
    // Even with the length forced to a plausible value, the stored CRC 0 never matches.
    const forged: FrameHeader = {
      crc: 0,
      payloadBytes: 4,
      lsn: 0,
      type: 0,
      flags: 0,
      frameBytes: 24,
    };
    await withSeed('zero frame salts', (random) => {
      for (const salt of [
        0,
        1,
        0xffffffff,
        ...Array.from({ length: 2000 }, () => randomInt(random, 0, 0xffffffff)),
      ]) {
        expect(frameChecksumMatches(zeros, 0, forged, salt), `salt ${salt}`).toBe(false);
      }
    });
  });

  it('makes every single-bit flip of a frame fail a structural check or the checksum', () => {
    const original = encodeBatch(
      [{ type: 4, payload: encodePayload({ key: 'value', n: 17 }) }],
      321,
      SALT,
    );
    for (let bit = 0; bit < original.length * 8; bit++) {
      const bytes = Buffer.from(original);
      bytes[bit >> 3] = bytes[bit >> 3]! ^ (1 << (bit & 7));
      const check = readFrameHeader(bytes, 0, bytes.length);
      if (check.ok) {
        expect(frameChecksumMatches(bytes, 0, check.header, SALT), `bit ${bit}`).toBe(false);
      }
    }
  });
});

describe('readFrameHeader rejections', () => {
  it('rejects fewer than 20 bytes left', () => {
    const bytes = smallFrame();
    for (let left = 0; left < FRAME_HEADER_BYTES; left++) {
      expect(rejection(bytes, 0, left)).toBe('truncated frame header');
    }
  });

  it('rejects length 0', () => {
    const bytes = smallFrame();
    bytes.writeUInt32LE(0, FrameOffset.payloadBytes);
    expect(rejection(bytes)).toBe('frame length 0');
  });

  it('rejects a length over the 16 MiB format limit, and accepts exactly the limit', () => {
    expect(FORMAT_PAYLOAD_BYTES_MAX).toBe(16 * 1024 * 1024);
    const bytes = smallFrame();
    bytes.writeUInt32LE(FORMAT_PAYLOAD_BYTES_MAX + 1, FrameOffset.payloadBytes);
    expect(rejection(bytes, 0, 64 * 1024 * 1024)).toBe(
      `frame length ${FORMAT_PAYLOAD_BYTES_MAX + 1} exceeds the format limit`,
    );
    bytes.writeUInt32LE(0xffffffff, FrameOffset.payloadBytes);
    expect(rejection(bytes, 0, 64 * 1024 * 1024)).toBe(
      'frame length 4294967295 exceeds the format limit',
    );
    bytes.writeUInt32LE(FORMAT_PAYLOAD_BYTES_MAX, FrameOffset.payloadBytes);
    const check = readFrameHeader(bytes, 0, 64 * 1024 * 1024);
    expect(check.ok && check.header.frameBytes).toBe(frameBytesFor(FORMAT_PAYLOAD_BYTES_MAX));
  });

  it('rejects a length that runs past the bytes left, by one byte of padding or more', () => {
    const bytes = smallFrame();
    expect(readFrameHeader(bytes, 0, 24).ok).toBe(true);
    expect(rejection(bytes, 0, 23)).toBe('frame length 4 runs past the end of the segment');
    bytes.writeUInt32LE(5, FrameOffset.payloadBytes);
    expect(rejection(bytes, 0, 31)).toBe('frame length 5 runs past the end of the segment');
  });

  it('rejects LSN 0 and LSNs above 2^53 - 1', () => {
    const bytes = smallFrame();
    writeUint53(bytes, FrameOffset.lsn, 0);
    expect(rejection(bytes)).toBe('frame lsn out of range');
    bytes.writeBigUInt64LE(2n ** 53n, FrameOffset.lsn);
    expect(rejection(bytes)).toBe('frame lsn out of range');
    bytes.writeBigUInt64LE(2n ** 53n - 1n, FrameOffset.lsn);
    expect(parse(bytes).lsn).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects type 0', () => {
    const bytes = smallFrame();
    bytes.writeUInt8(0, FrameOffset.type);
    expect(rejection(bytes)).toBe('frame type 0');
  });

  it('rejects unknown flag bits, each one', () => {
    for (let bit = 2; bit < 8; bit++) {
      const bytes = smallFrame();
      bytes.writeUInt8(1 << bit, FrameOffset.flags);
      expect(rejection(bytes)).toBe(`unknown frame flags 0x${(1 << bit).toString(16)}`);
    }
    for (const known of [
      FrameFlag.batchContinues,
      FrameFlag.syncPoint,
      FrameFlag.batchContinues | FrameFlag.syncPoint,
    ]) {
      const bytes = smallFrame();
      bytes.writeUInt8(known, FrameOffset.flags);
      expect(parse(bytes).flags).toBe(known);
    }
  });

  it('rejects non-zero reserved bytes', () => {
    for (const value of [1, 0x100, 0xffff]) {
      const bytes = smallFrame();
      bytes.writeUInt16LE(value, FrameOffset.reserved);
      expect(rejection(bytes)).toBe('reserved frame bytes are not zero');
    }
  });
});

describe('readFrameHeader rejections carry the header when the length is sane', () => {
  it('so a reader can tell a frame that checks but says something wrong from a torn one', () => {
    const flags = smallFrame();
    flags.writeUInt8(0x04, FrameOffset.flags);
    const check = readFrameHeader(flags, 0, flags.length);
    expect(check).toEqual({
      ok: false,
      reason: 'unknown frame flags 0x4',
      header: {
        crc: flags.readUInt32LE(0),
        payloadBytes: 4,
        lsn: 7,
        type: 3,
        flags: 4,
        frameBytes: 24,
      },
    });
    const zeroLength = smallFrame();
    zeroLength.writeUInt32LE(0, FrameOffset.payloadBytes);
    expect(readFrameHeader(zeroLength, 0, 24)).toEqual({ ok: false, reason: 'frame length 0' });
    expect(readFrameHeader(smallFrame(), 0, 23)).toEqual({
      ok: false,
      reason: 'frame length 4 runs past the end of the segment',
    });
  });
});

describe('readUint53 / writeUint53', () => {
  it('round-trips values across the 32-bit boundary up to 2^53 - 1', () => {
    const bytes = Buffer.alloc(8);
    for (const value of [0, 1, 0xffffffff, 0x1_0000_0000, 0x1_2345_6789, Number.MAX_SAFE_INTEGER]) {
      writeUint53(bytes, 0, value);
      expect(bytes.readBigUInt64LE(0)).toBe(BigInt(value));
      expect(readUint53(bytes, 0)).toBe(value);
    }
  });

  it('reads values of 2^53 and above as -1', () => {
    const bytes = Buffer.alloc(8);
    for (const value of [2n ** 53n, 2n ** 63n, 2n ** 64n - 1n]) {
      bytes.writeBigUInt64LE(value, 0);
      expect(readUint53(bytes, 0)).toBe(-1);
    }
  });
});

describe('payload codec', () => {
  it('round-trips the value shapes records use', () => {
    const values = [
      { op: 'start', id: 'a1', at: 1_700_000_000_000, args: [1, 'two', null, true] },
      { big: 2 ** 40, negative: -(2 ** 40), float: 1.5, nested: { deep: { er: [] } } },
      'plain string',
      12,
      null,
      { bytes: Buffer.from([0, 1, 2, 255]) },
    ];
    for (const value of values) expect(decodePayload(encodePayload(value))).toEqual(value);
  });

  it('returns a Buffer the caller owns (not a view into a shared slab)', () => {
    const first = encodePayload({ a: 1 });
    const copy = Buffer.from(first);
    encodePayload({ b: 'something else entirely, longer' });
    expect(first.equals(copy)).toBe(true);
    expect(maskedCrc32c(first, 0)).toBe(maskedCrc32c(copy, 0));
  });
});
