// Where a WalStore's records go: the on-disk WalWriter, an in-memory log (openInMemory: same
// encoding and limits, no files) or nowhere (a read-only store refuses appends).
import { ErrorCode, WalClosedError, WalError, WalValidationError } from '../errors.js';
import { encodePayload } from '../format/payload-codec.js';
import { defaults } from '../limits.js';
import type { AppendResult, RecordInput } from '../wal/wal-writer.js';

export interface JournalLog {
  /** Appends records atomically; resolves with their LSNs once stored per the durability mode. */
  append(records: readonly RecordInput[]): Promise<AppendResult>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Keeps nothing but the next LSN: the store's state is the only copy. Records are encoded and
 * held to the same size limit as on disk (the store builds payloads without undefined keys, so
 * the value it folds is what a replay would decode).
 */
export class MemoryLog implements JournalLog {
  #nextLsn = 1;
  #closed = false;

  /** The same size limit as on disk: a record too large to write is refused here too. */
  #checkSizes(records: readonly RecordInput[]): void {
    for (const record of records) {
      const bytes = encodePayload(record.value).length;
      if (bytes > defaults.maxRecordBytes) {
        throw new WalValidationError(
          ErrorCode.limitExceeded,
          `record encodes to ${bytes} bytes, more than maxRecordBytes (${defaults.maxRecordBytes})`,
        );
      }
    }
  }

  append(records: readonly RecordInput[]): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new WalClosedError('(in memory)'));
    try {
      this.#checkSizes(records);
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
