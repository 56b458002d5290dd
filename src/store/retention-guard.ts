// The hard byte cap of retention (docs/api.md#retention): before a write, if the segments are
// over `maxBytes`, delete what the newest checkpoint covers, and if still over, checkpoint and
// delete before writing more; after a write past 75% of the cap, checkpoint in the background so
// that at the cap retention can free room without one. The disk is measured rarely: between
// measurements the estimate adds the bytes appended since.
import type { JournalState } from '../journal/journal-state.js';
import type { FileSystem } from '../wal/file-system.js';
import { statSegments } from '../wal/segment-list.js';
import type { WalWriter } from '../wal/wal-writer.js';
import type { Checkpointer } from './journal-checkpoints.js';

export class RetentionGuard {
  readonly #fs: FileSystem;
  readonly #dir: string;
  readonly #writer: WalWriter;
  readonly #checkpointer: Checkpointer;
  readonly #maxBytes: number | undefined;
  #bytesOnDisk: number;
  /** bytesAppended when #bytesOnDisk was last measured. */
  #appendedAtMeasure = 0;
  /** Base LSN of the last segment when #bytesOnDisk was last measured. */
  #activeBaseLsn = 0;

  constructor(
    fs: FileSystem,
    dir: string,
    writer: WalWriter,
    checkpointer: Checkpointer,
    maxBytes: number | undefined,
    bytesOnDisk: number,
  ) {
    this.#fs = fs;
    this.#dir = dir;
    this.#writer = writer;
    this.#checkpointer = checkpointer;
    this.#maxBytes = maxBytes;
    this.#bytesOnDisk = bytesOnDisk;
  }

  /** Before a write: below the cap, or room made (may await a checkpoint). */
  async beforeWrite(state: JournalState): Promise<void> {
    const maxBytes = this.#maxBytes;
    if (maxBytes === undefined || this.#estimate() <= maxBytes) return;
    // Measure (a background checkpoint may have freed space); if still over, delete what the
    // newest checkpoint covers; if still over, checkpoint and delete covered segments.
    this.#measure();
    if (this.#estimate() > maxBytes) {
      this.#checkpointer.applyRetention();
      this.#measure();
    }
    if (this.#estimate() > maxBytes) {
      await this.#checkpointer.checkpoint(state, this.#writer.bytesAppended);
      this.#measure();
    }
  }

  /** After a write: the periodic checkpoint, and the background one past the watermark. */
  afterWrite(state: JournalState): void {
    const appended = this.#writer.bytesAppended;
    this.#checkpointer.maybeCheckpoint(state, appended);
    const maxBytes = this.#maxBytes;
    if (maxBytes === undefined || this.#estimate() <= maxBytes * 0.75) return;
    // Only when the newest checkpoint does not yet cover every sealed segment (else it would
    // run again after every write), and measured (background checkpoints delete segments
    // without updating the estimate).
    this.#measure();
    if (this.#estimate() > maxBytes * 0.75 && this.#checkpointer.lsn < this.#activeBaseLsn - 1) {
      this.#checkpointer.checkpointSoon(state, appended);
    }
  }

  /** After a checkpoint made by hand. */
  measured(): void {
    this.#measure();
  }

  #estimate(): number {
    return this.#bytesOnDisk + this.#writer.bytesAppended - this.#appendedAtMeasure;
  }

  #measure(): void {
    this.#appendedAtMeasure = this.#writer.bytesAppended;
    const segments = statSegments(this.#fs, this.#dir);
    this.#activeBaseLsn = segments.at(-1)?.baseLsn ?? 0;
    this.#bytesOnDisk = segments.reduce((sum, seg) => sum + seg.bytes, 0);
  }
}
