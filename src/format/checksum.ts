// CRC32C (Castagnoli) through fast-crc32c, masked as in LevelDB so that a run of zeros or a
// buffer that embeds its own CRC never checks. Frame CRCs are seeded with the segment salt, so a
// frame copied from another segment (or an older generation of this one) never checks either.
//
// fast-crc32c silently falls back to JavaScript when its native SSE4.2 addon did not build;
// `crcImplementation()` says which one is active. EXEC_WAL_CRC32C=javascript forces the
// JavaScript one (used by tests to check both paths give identical bytes).
import { createRequire } from 'node:module';
import { CRC_MASK_DELTA } from './constants.js';

type Crc32c = { calculate(input: Buffer, initial?: number): number };

const require = createRequire(import.meta.url);
const loaderPath = require.resolve('fast-crc32c');
const fromLoader = createRequire(loaderPath);

function load(): { impl: Crc32c; name: 'sse4.2 (native)' | 'javascript' } {
  const javascript = fromLoader('./impls/js_crc32c') as Crc32c;
  if (process.env.EXEC_WAL_CRC32C === 'javascript') return { impl: javascript, name: 'javascript' };
  const chosen = fromLoader('fast-crc32c') as Crc32c;
  return chosen.calculate === javascript.calculate
    ? { impl: javascript, name: 'javascript' }
    : { impl: chosen, name: 'sse4.2 (native)' };
}

const { impl, name } = load();

export function crc32cOf(bytes: Uint8Array, seed: number): number {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return impl.calculate(buffer, seed) >>> 0;
}

export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + CRC_MASK_DELTA) >>> 0;
}

export function maskedCrc32c(bytes: Uint8Array, seed: number): number {
  return maskCrc(crc32cOf(bytes, seed));
}

/** Which CRC32C implementation is active: 'sse4.2 (native)' or 'javascript'. */
export function crcImplementation(): string {
  return name;
}
