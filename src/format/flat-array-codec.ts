// A fast path for the payloads format v2 writes most: msgpack arrays of scalars (ASCII strings,
// numbers, booleans, nil). It produces exactly the bytes msgpackr would (checked byte for byte
// by test/format/flat-array-codec.test.ts); anything else (a map inside, a non-ASCII string) is
// left to msgpackr by returning undefined. `make bench` (codec table) measures it against
// msgpackr alone on the benchmark's completion record (~1.3x the encodes/s on this VM). Decoding
// stays with msgpackr: a decoder written the same way measured slower (~2.5M against ~3.8M
// arrays/s, one A/B run) and was not kept.

const MAX_ELEMENTS = 0xffff;

/** Scratch space for one encode; callers copy the result before the next encode. */
let scratch = Buffer.allocUnsafe(64 * 1024);

/** Bytes `values` encode to (a view valid until the next call), or undefined: not flat. */
export function packFlatArray(values: readonly unknown[]): Uint8Array | undefined {
  if (values.length > MAX_ELEMENTS) return undefined;
  let size = 3;
  for (const value of values) {
    if (typeof value === 'string') {
      size += value.length + 5;
    } else if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
      size += 9;
    } else {
      return undefined;
    }
  }
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
  const out = scratch;
  let at = 0;
  if (values.length < 16) out[at++] = 0x90 | values.length;
  else {
    out[at++] = 0xdc;
    out.writeUInt16BE(values.length, at);
    at += 2;
  }
  for (const value of values) {
    if (typeof value === 'string') {
      at = writeString(out, at, value);
      if (at < 0) return undefined;
    } else if (typeof value === 'number') at = writeNumber(out, at, value);
    else if (value === null) out[at++] = 0xc0;
    else out[at++] = value ? 0xc3 : 0xc2;
  }
  return out.subarray(0, at);
}

/** Writes an ASCII string; -1 when it is not ASCII (the caller hands the value to msgpackr). */
function writeString(out: Buffer, at: number, text: string): number {
  const n = text.length;
  if (n < 32) out[at++] = 0xa0 | n;
  else if (n < 0x100) {
    out[at++] = 0xd9;
    out[at++] = n;
  } else if (n < 0x10000) {
    out[at++] = 0xda;
    out.writeUInt16BE(n, at);
    at += 2;
  } else {
    out[at++] = 0xdb;
    out.writeUInt32BE(n, at);
    at += 4;
  }
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return -1;
    out[at + i] = c;
  }
  return at + n;
}

/** As msgpackr 2.1 writes numbers: the smallest integer form within 32 bits, else float64. */
function writeNumber(out: Buffer, at: number, value: number): number {
  if (value >>> 0 === value) {
    if (value < 0x80) out[at++] = value;
    else if (value < 0x100) {
      out[at++] = 0xcc;
      out[at++] = value;
    } else if (value < 0x10000) {
      out[at++] = 0xcd;
      out.writeUInt16BE(value, at);
      at += 2;
    } else {
      out[at++] = 0xce;
      out.writeUInt32BE(value, at);
      at += 4;
    }
    return at;
  }
  if (value >> 0 === value) {
    if (value >= -0x20) out[at++] = value & 0xff;
    else if (value >= -0x80) {
      out[at++] = 0xd0;
      out.writeInt8(value, at++);
    } else if (value >= -0x8000) {
      out[at++] = 0xd1;
      out.writeInt16BE(value, at);
      at += 2;
    } else {
      out[at++] = 0xd2;
      out.writeInt32BE(value, at);
      at += 4;
    }
    return at;
  }
  out[at++] = 0xcb;
  out.writeDoubleBE(value, at);
  return at + 8;
}
