// msgpack encoding of frame payloads. One options object for both directions: records are
// self-contained (no shared structures), maps decode to plain objects, 64-bit integers to
// numbers. msgpack never detects damage; that is the CRC's job.
import { Packr, Unpackr } from 'msgpackr';

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
  return Buffer.from(packr.pack(value));
}

export function decodePayload(bytes: Uint8Array): unknown {
  return unpackr.unpack(bytes);
}
