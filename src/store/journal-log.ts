// Where a WalStore's records go: the on-disk WalWriter, an in-memory log (openInMemory: same
// encoding and limits, no files) or nowhere (a read-only store refuses appends).
import { ErrorCode, WalClosedError, WalError, WalValidationError } from '../errors.js';
import { decodePayload, encodePayload } from '../format/payload-codec.js';
import { defaults } from '../limits.js';
import type { WalRecord } from '../wal/segment-reader.js';
import type { AppendResult, RecordInput } from '../wal/wal-writer.js';

export interface JournalLog {
  /** Appends records atomically; resolves with their LSNs once stored per the durability mode. */
  append(records: readonly RecordInput[]): Promise<AppendResult>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Keeps nothing but the next LSN: the store's state is the only copy. Records go through the
 * same msgpack round trip and size limit as on disk, so state built in memory equals what a
 * replay of the same records from disk would build.
 */
export class MemoryLog implements JournalLog {
  #nextLsn = 1;
  #closed = false;

  /** The records as a reader would see them (decoded copies), with their LSNs. */
  roundTrip(records: readonly RecordInput[]): WalRecord[] {
    return records.map((record, index) => {
      const payload = encodePayload(record.value);
      if (payload.length > defaults.maxRecordBytes) {
        throw new WalValidationError(
          ErrorCode.limitExceeded,
          `record encodes to ${payload.length} bytes, more than maxRecordBytes (${defaults.maxRecordBytes})`,
        );
      }
      return { lsn: this.#nextLsn + index, type: record.type, value: decodePayload(payload) };
    });
  }

  append(records: readonly RecordInput[]): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new WalClosedError('(in memory)'));
    try {
      this.roundTrip(records);
    } catch (error) {
      return Promise.reject(error);
    }
    const firstLsn = this.#nextLsn;
    this.#nextLsn += records.length;
    return Promise.resolve({ firstLsn, lastLsn: this.#nextLsn - 1 });
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}

export class ReadOnlyLog implements JournalLog {
  readonly #dir: string;
  constructor(dir: string) {
    this.#dir = dir;
  }
  append(): Promise<AppendResult> {
    return Promise.reject(
      new WalError(
        ErrorCode.readOnly,
        `the store at ${this.#dir} was opened read-only; it cannot record`,
      ),
    );
  }
  sync(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
