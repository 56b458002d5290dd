// A fast path for the payloads format v2 writes most: msgpack arrays of scalars (strings,
// numbers, booleans, nil). It produces the bytes msgpackr would (checked byte for byte by
// test/format/flat-array-codec.test.ts) and reads every msgpack form of those scalars; anything
// else (a map inside, a non-ASCII string, an extension) is left to msgpackr by returning
// undefined. Measured: see docs/benchmarks.md (codec table). msgpack never detects damage; a
// malformed payload throws, as msgpackr's would.

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

class NotFlat extends Error {}
const notFlat = new NotFlat();

function malformed(what: string): Error {
  return new Error(`malformed msgpack: ${what}`);
}

/**
 * The array `bytes` holds in [start, end), when it is a flat array of ASCII strings, numbers, booleans and nils;
 * undefined for any other msgpack value (decode it with msgpackr). Throws on malformed bytes.
 */
export function unpackFlatArray(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
): unknown[] | undefined {
  const b = bytes as Buffer;
  if (end <= start) throw malformed('empty payload');
  const first = b[start]!;
  let count: number;
  let at: number;
  if ((first & 0xf0) === 0x90) {
    count = first & 0x0f;
    at = start + 1;
  } else if (first === 0xdc && end - start >= 3) {
    count = (b[start + 1]! << 8) | b[start + 2]!;
    at = start + 3;
  } else {
    return undefined;
  }
  const out = new Array<unknown>(count);
  try {
    for (let i = 0; i < count; i++) {
      if (at >= end) throw malformed('array runs past the payload');
      const t = b[at++]!;
      if (t < 0x80) out[i] = t;
      else if ((t & 0xe0) === 0xa0) {
        const n = t & 0x1f;
        out[i] = ascii(b, at, n, end);
        at += n;
      } else if (t >= 0xe0) out[i] = t - 0x100;
      else {
        const read = readScalar(b, at - 1, end);
        out[i] = read.value;
        at = read.next;
      }
    }
  } catch (error) {
    if (error === notFlat) return undefined;
    throw error;
  }
  if (at !== end) throw malformed('bytes after the value');
  return out;
}

function need(at: number, n: number, end: number): void {
  if (at + n > end) throw malformed('value runs past the payload');
}

function ascii(b: Buffer, at: number, n: number, end: number): string {
  need(at, n, end);
  if (n < 16) {
    let text = '';
    for (let i = at; i < at + n; i++) {
      const c = b[i]!;
      if (c > 0x7f) throw notFlat;
      text += String.fromCharCode(c);
    }
    return text;
  }
  for (let i = at; i < at + n; i++) if (b[i]! > 0x7f) throw notFlat;
  // Buffer's own latin1Slice: toString() would check its arguments again on every string.
  return (b as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(
    at,
    at + n,
  );
}

const scalar = { value: undefined as unknown, next: 0 };

function readScalar(b: Buffer, at: number, end: number): typeof scalar {
  const t = b[at++]!;
  let value: unknown;
  switch (t) {
    case 0xc0:
      value = null;
      break;
    case 0xc2:
      value = false;
      break;
    case 0xc3:
      value = true;
      break;
    case 0xcc:
      need(at, 1, end);
      value = b[at];
      at += 1;
      break;
    case 0xcd:
      need(at, 2, end);
      value = b.readUInt16BE(at);
      at += 2;
      break;
    case 0xce:
      need(at, 4, end);
      value = b.readUInt32BE(at);
      at += 4;
      break;
    case 0xcf:
      need(at, 8, end);
      value = b.readUInt32BE(at) * 0x1_0000_0000 + b.readUInt32BE(at + 4);
      at += 8;
      break;
    case 0xd0:
      need(at, 1, end);
      value = b.readInt8(at);
      at += 1;
      break;
    case 0xd1:
      need(at, 2, end);
      value = b.readInt16BE(at);
      at += 2;
      break;
    case 0xd2:
      need(at, 4, end);
      value = b.readInt32BE(at);
      at += 4;
      break;
    case 0xd3:
      need(at, 8, end);
      value = b.readInt32BE(at) * 0x1_0000_0000 + b.readUInt32BE(at + 4);
      at += 8;
      break;
    case 0xca:
      need(at, 4, end);
      value = b.readFloatBE(at);
      at += 4;
      break;
    case 0xcb:
      need(at, 8, end);
      value = b.readDoubleBE(at);
      at += 8;
      break;
    case 0xd9:
    case 0xda:
    case 0xdb: {
      const width = t === 0xd9 ? 1 : t === 0xda ? 2 : 4;
      need(at, width, end);
      const n = width === 1 ? b[at]! : width === 2 ? b.readUInt16BE(at) : b.readUInt32BE(at);
      at += width;
      value = ascii(b, at, n, end);
      at += n;
      break;
    }
    default:
      throw notFlat;
  }
  scalar.value = value;
  scalar.next = at;
  return scalar;
}
