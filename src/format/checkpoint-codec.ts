// Checkpoint files (docs/format.md#checkpoint-files): a 32-byte header and one msgpack payload,
// one masked CRC32C over both. Pure bytes; the wal layer writes and reads the files.
//
//   magic[8] | version u16 | reserved u16 | payloadBytes u32 | lsn u64 | reserved u32 | crc u32
import { maskedCrc32c } from './checksum.js';
import { readUint53, writeUint53 } from './frame-codec.js';

export const CHECKPOINT_MAGIC = Buffer.from([0x89, 0x45, 0x58, 0x43, 0x4b, 0x50, 0x0d, 0x0a]); // \x89EXCKP\r\n
export const CHECKPOINT_VERSION = 1;
export const CHECKPOINT_HEADER_BYTES = 32;
/** A checkpoint larger than this is refused on write and never read (state is bounded). */
export const CHECKPOINT_PAYLOAD_BYTES_MAX = 1024 * 1024 * 1024;

const Off = {
  magic: 0,
  version: 8,
  reserved: 10,
  payloadBytes: 12,
  lsn: 16,
  reserved2: 24,
  crc: 28,
} as const;

export function encodeCheckpoint(lsn: number, payload: Uint8Array): Buffer {
  const out = Buffer.alloc(CHECKPOINT_HEADER_BYTES + payload.length);
  CHECKPOINT_MAGIC.copy(out, Off.magic);
  out.writeUInt16LE(CHECKPOINT_VERSION, Off.version);
  out.writeUInt32LE(payload.length, Off.payloadBytes);
  writeUint53(out, Off.lsn, lsn);
  out.set(payload, CHECKPOINT_HEADER_BYTES);
  out.writeUInt32LE(checkpointCrc(out), Off.crc);
  return out;
}

function checkpointCrc(bytes: Buffer): number {
  // The CRC of the header before the CRC field, continued over the payload.
  const head = bytes.subarray(0, Off.crc);
  const payload = bytes.subarray(CHECKPOINT_HEADER_BYTES);
  return maskedCrc32c(Buffer.concat([head, payload]), 0);
}

export type CheckpointVerdict =
  | { ok: true; lsn: number; payload: Buffer }
  | { ok: false; reason: string; unsupported?: true };

export function decodeCheckpoint(bytes: Buffer): CheckpointVerdict {
  if (bytes.length < CHECKPOINT_HEADER_BYTES)
    return { ok: false, reason: 'truncated checkpoint header' };
  if (!bytes.subarray(0, 8).equals(CHECKPOINT_MAGIC))
    return { ok: false, reason: 'bad checkpoint magic' };
  const payloadBytes = bytes.readUInt32LE(Off.payloadBytes);
  if (bytes.length !== CHECKPOINT_HEADER_BYTES + payloadBytes) {
    return {
      ok: false,
      reason: `checkpoint is ${bytes.length} bytes, its header says ${CHECKPOINT_HEADER_BYTES + payloadBytes}`,
    };
  }
  if (bytes.readUInt32LE(Off.crc) !== checkpointCrc(bytes))
    return { ok: false, reason: 'checkpoint checksum mismatch' };
  const version = bytes.readUInt16LE(Off.version);
  if (version !== CHECKPOINT_VERSION) {
    return {
      ok: false,
      reason: `checkpoint format version ${version} is not supported`,
      unsupported: true,
    };
  }
  const lsn = readUint53(bytes, Off.lsn);
  if (lsn < 0) return { ok: false, reason: 'checkpoint lsn out of range' };
  return { ok: true, lsn, payload: bytes.subarray(CHECKPOINT_HEADER_BYTES) };
}

const CHECKPOINT_NAME = /^checkpoint-([0-9a-f]{16})\.ckpt$/;

export function checkpointName(lsn: number): string {
  return `checkpoint-${lsn.toString(16).padStart(16, '0')}.ckpt`;
}

export function parseCheckpointName(name: string): number | undefined {
  const match = CHECKPOINT_NAME.exec(name);
  return match?.[1] ? Number.parseInt(match[1], 16) : undefined;
}
