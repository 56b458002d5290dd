// msgpack encoding of frame payloads. One options object for both directions: records are
// self-contained (no shared structures), maps decode to plain objects, 64-bit integers to
// numbers. msgpack never detects damage; that is the CRC's job.
import { Packr, Unpackr } from 'msgpackr';
import { packFlatArray } from './flat-array-codec.js';

const options = {
  useRecords: false,
  mapsAsObjects: true,
  int64AsType: 'number',
  moreTypes: false,
  structuredClone: false,
  // Binary values are copied out: the reader's buffer is reused for the next chunk.
  copyBuffers: true,
} as const;

const packr = new Packr(options);
const unpackr = new Unpackr(options);

/** Returns a Buffer the caller owns (msgpackr's own result is a view into a shared slab). */
export function encodePayload(value: unknown): Buffer {
  return Buffer.from(packPayload(value));
}

/**
 * The encoded bytes as a view into msgpackr's slab, valid only until the next pack: for a
 * caller that copies them at once (the writer's staging buffer), saving a buffer per record.
 */
export function packPayload(value: unknown): Uint8Array {
  return (Array.isArray(value) && packFlatArray(value)) || packr.pack(value);
}

/** Decodes the payload in bytes[start, end) (the whole of `bytes` by default). */
export function decodePayload(bytes: Uint8Array, start = 0, end = bytes.length): unknown {
  return unpackr.unpack(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
}
