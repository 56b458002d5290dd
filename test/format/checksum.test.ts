// CRC32C through fast-crc32c: the known vector, masking, seeding, and that the native (SSE4.2)
// and JavaScript implementations give identical bytes, so a log written by one reads with the
// other.
import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { crc32cOf, crcImplementation, maskCrc, maskedCrc32c } from '../../src/format/checksum.js';
import { CRC_MASK_DELTA } from '../../src/format/constants.js';
import { randomBytesFrom, randomInt, withSeed } from '../support/random.js';

type Crc32c = { calculate(input: Buffer, initial?: number): number };

const require = createRequire(import.meta.url);
const loaderPath = require.resolve('fast-crc32c');
const fromLoader = createRequire(loaderPath);
const javascript = fromLoader('./impls/js_crc32c.js') as Crc32c;
const chosen = fromLoader('fast-crc32c') as Crc32c;

describe('crc32cOf', () => {
  it('matches the standard CRC-32C check value', () => {
    expect(crc32cOf(Buffer.from('123456789'), 0)).toBe(0xe3069283);
    expect(javascript.calculate(Buffer.from('123456789'), 0) >>> 0).toBe(0xe3069283);
  });

  it('gives the RFC 3720 values for 32 zero bytes and 32 0xff bytes', () => {
    expect(crc32cOf(Buffer.alloc(32), 0)).toBe(0x8a9136aa);
    expect(crc32cOf(Buffer.alloc(32, 0xff), 0)).toBe(0x62a8ab43);
  });

  it('returns an unsigned 32-bit number', () => {
    for (let n = 0; n < 64; n++) {
      const crc = crc32cOf(Buffer.from([n, n * 3, n * 7]), 0xffffffff);
      expect(Number.isInteger(crc)).toBe(true);
      expect(crc).toBeGreaterThanOrEqual(0);
      expect(crc).toBeLessThanOrEqual(0xffffffff);
    }
  });

  it('treats the seed as a running CRC: crc(a ++ b) = crc(b, crc(a))', () => {
    const a = Buffer.from('exec-wal segment ');
    const b = Buffer.from('frame bytes');
    expect(crc32cOf(b, crc32cOf(a, 0))).toBe(crc32cOf(Buffer.concat([a, b]), 0));
  });

  it('gives different values for different seeds (salted frames never check elsewhere)', () => {
    const bytes = Buffer.from('the same frame bytes');
    const seen = new Set<number>();
    for (const seed of [0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff])
      seen.add(crc32cOf(bytes, seed));
    expect(seen.size).toBe(6);
  });

  it('reads a Uint8Array view at its byteOffset, like the equivalent Buffer', () => {
    const backing = new Uint8Array(64).map((_, i) => i * 5);
    const view = backing.subarray(7, 40);
    expect(crc32cOf(view, 123)).toBe(crc32cOf(Buffer.from(view), 123));
    expect(crc32cOf(view, 123)).not.toBe(crc32cOf(Buffer.from(backing.subarray(0, 33)), 123));
  });

  it('says which implementation is active, and it is the one fast-crc32c chose', () => {
    const expected = chosen.calculate === javascript.calculate ? 'javascript' : 'sse4.2 (native)';
    expect(crcImplementation()).toBe(expected);
  });
});

describe('native and JavaScript CRC32C', () => {
  it('give identical results on random buffers, seeds and alignments', async () => {
    await withSeed('crc native vs js', (random) => {
      for (let i = 0; i < 400; i++) {
        const length = randomInt(random, 0, i < 300 ? 300 : 70_000);
        const start = randomInt(random, 0, 7);
        const bytes = randomBytesFrom(random, length + start).subarray(start);
        const seed = randomInt(random, 0, 0xffffffff);
        const js = javascript.calculate(bytes, seed) >>> 0;
        expect(chosen.calculate(bytes, seed) >>> 0, `length ${length} seed ${seed}`).toBe(js);
        expect(crc32cOf(bytes, seed)).toBe(js);
      }
    });
  });

  it('are both exercised: EXEC_WAL_CRC32C=javascript forces the JavaScript path', async () => {
    vi.stubEnv('EXEC_WAL_CRC32C', 'javascript');
    vi.resetModules();
    try {
      const forced = await import('../../src/format/checksum.js');
      expect(forced.crcImplementation()).toBe('javascript');
      const bytes = Buffer.from('123456789');
      expect(forced.crc32cOf(bytes, 0)).toBe(0xe3069283);
      expect(forced.maskedCrc32c(bytes, 0xdeadbeef)).toBe(maskedCrc32c(bytes, 0xdeadbeef));
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});

describe('maskCrc', () => {
  it('rotates right by 15 bits and adds the LevelDB delta', () => {
    expect(maskCrc(0)).toBe(CRC_MASK_DELTA);
    expect(CRC_MASK_DELTA).toBe(0xa282ead8);
    expect(maskCrc(0x8000)).toBe(0xa282ead9);
    expect(maskCrc(1)).toBe(0xa284ead8);
    expect(maskCrc(0xffffffff)).toBe((0xffffffff + 0xa282ead8) % 2 ** 32);
  });

  it('is a bijection on a sample (no two CRCs mask alike)', async () => {
    await withSeed('mask bijection', (random) => {
      const seen = new Map<number, number>();
      for (let i = 0; i < 5000; i++) {
        const crc = randomInt(random, 0, 0xffffffff);
        const masked = maskCrc(crc);
        const earlier = seen.get(masked);
        if (earlier !== undefined) expect(earlier).toBe(crc);
        seen.set(masked, crc);
      }
    });
  });

  it('gives a run of zeros a non-zero masked CRC, so an all-zero region never checks', () => {
    for (const length of [4, 20, 24, 28, 32, 4096]) {
      expect(maskedCrc32c(Buffer.alloc(length), 0)).not.toBe(0);
      expect(maskedCrc32c(Buffer.alloc(length), 0)).not.toBe(crc32cOf(Buffer.alloc(length), 0));
    }
  });
});
