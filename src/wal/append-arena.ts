// Where appended records wait for their group's write: each append encodes its records straight
// into frames at the end of one growing buffer (msgpack, header, zero padding), so a group is
// one contiguous run of bytes: no buffer per record, no concatenation. Flags and CRCs are set
// when the group is written (the sync-point flag and the segment's salt are known only then).
// Bounded by maxQueuedBytes (the writer refuses appends past it); after a burst, a buffer larger
// than RETAINED_BYTES is dropped rather than kept.
import { FrameFlag } from '../format/constants.js';
import { frameBytesFor, placeFrame } from '../format/frame-codec.js';
import { packPayload } from '../format/payload-codec.js';
import { ErrorCode, WalValidationError } from '../errors.js';
import { defaults } from '../limits.js';
import type { RecordInput } from './writer-settings.js';

const INITIAL_BYTES = 64 * 1024;
const RETAINED_BYTES = 4 * 1024 * 1024;

/** A span of staged frames: [start, start + bytes) of the buffer take() returns. */
export interface StagedBatch {
  start: number;
  bytes: number;
  count: number;
}

export class AppendArena {
  #buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  #used = 0;

  get used(): number {
    return this.#used;
  }

  /**
   * Encodes `records` as one batch of frames with LSNs from `firstLsn`, or throws a
   * WalValidationError and stages nothing (a bad type, an unencodable value, a record over
   * maxRecordBytes).
   */
  stage(records: readonly RecordInput[], firstLsn: number, maxRecordBytes: number): StagedBatch {
    if (!Array.isArray(records) || records.length === 0) {
      throw new WalValidationError(
        ErrorCode.invalidArgument,
        'append needs a non-empty array of records',
      );
    }
    if (records.length > defaults.maxBatchRecords) {
      throw new WalValidationError(
        ErrorCode.limitExceeded,
        `batch of ${records.length} records exceeds the limit of ${defaults.maxBatchRecords}`,
      );
    }
    const start = this.#used;
    try {
      for (let index = 0; index < records.length; index++) {
        const record = records[index]!;
        if (!Number.isInteger(record?.type) || record.type < 1 || record.type > 255) {
          throw new WalValidationError(
            ErrorCode.invalidArgument,
            `record ${index}: type must be an integer from 1 to 255, got ${String(record?.type)}`,
          );
        }
        const payload = encodeOrThrow(record.value, index);
        if (payload.length > maxRecordBytes) {
          throw new WalValidationError(
            ErrorCode.limitExceeded,
            `record ${index} encodes to ${payload.length} bytes, more than maxRecordBytes ` +
              `(${maxRecordBytes}); nothing was written`,
          );
        }
        // The packed bytes are a view msgpack reuses: placed before the next record is packed.
        this.#reserve(frameBytesFor(payload.length));
        const continues = index === records.length - 1 ? 0 : FrameFlag.batchContinues;
        this.#used += placeFrame(
          this.#buffer,
          this.#used,
          record.type,
          payload,
          firstLsn + index,
          continues,
        );
      }
    } catch (error) {
      this.#used = start;
      throw error;
    }
    return { start, bytes: this.#used - start, count: records.length };
  }

  /** Unstages `batch`, which must be the last one staged (an append refused after encoding). */
  discard(batch: StagedBatch): void {
    this.#used = batch.start;
  }

  /** Hands over every staged byte (the spans stage() returned index it) and starts afresh. */
  take(): Buffer {
    const taken = this.#buffer.subarray(0, this.#used);
    const size = this.#buffer.length > RETAINED_BYTES ? INITIAL_BYTES : this.#buffer.length;
    this.#buffer = Buffer.allocUnsafe(size);
    this.#used = 0;
    return taken;
  }

  #reserve(bytes: number): void {
    const needed = this.#used + bytes;
    if (needed <= this.#buffer.length) return;
    let size = this.#buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.#buffer.copy(grown, 0, 0, this.#used);
    this.#buffer = grown;
  }
}

function encodeOrThrow(value: unknown, index: number): Uint8Array {
  try {
    return packPayload(value);
  } catch (error) {
    throw new WalValidationError(
      ErrorCode.invalidArgument,
      `record ${index}: value cannot be encoded: ${error instanceof Error ? error.message : error}`,
    );
  }
}
