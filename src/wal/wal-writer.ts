// The single writer of a log directory: opens (replaying and repairing the tail), appends with
// group commit, rotates segments and syncs according to the durability mode
// (docs/durability.md). After any write or sync failure it is failed: every pending and later
// append rejects until the log is reopened; a sync is never retried and then acknowledged.
import { join } from 'node:path';
import { FrameFlag, LSN_MAX, SEGMENT_HEADER_BYTES } from '../format/constants.js';
import { encodeBatch, frameBytesFor } from '../format/frame-codec.js';
import {
  ErrorCode,
  ioError,
  WalClosedError,
  WalFailedError,
  WalLockedError,
  WalValidationError,
} from '../errors.js';
import { crashPoint } from './crash-point.js';
import { fenceWrites } from './fenced-file-system.js';
import { ensureDir, type FileSystem, nodeFileSystem } from './file-system.js';
import { readLog, type ScanReport } from './log-reader.js';
import { replayInto } from './log-replay.js';
import { isWriterMode } from './recovery-policy.js';
import { nextLsnAfter, reopenLastSegment, SegmentFile } from './segment-file.js';
import type { WalRecord } from './segment-reader.js';
import { removeTempFiles, repairTail, type TailRepair } from './tail-repair.js';
import { classifyFailure, lockLostError } from './write-failure.js';
import { readHolder, WriterLock } from './writer-lock.js';
import {
  type AppendResult,
  type EncodedRecord,
  encodeRecords,
  type RecordInput,
  resolveSettings,
  type Settings,
  type WalWriterOptions,
} from './writer-settings.js';

export {
  type AppendResult,
  Durability,
  type RecordInput,
  type WalWriterOptions,
} from './writer-settings.js';

export interface OpenReport {
  scan: ScanReport;
  repair: TailRepair | undefined;
  removedTempFiles: string[];
}

interface Pending {
  payloads: EncodedRecord[];
  firstLsn: number;
  frameBytes: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

export class WalWriter {
  readonly dir: string;
  readonly openReport: OpenReport;
  #fs: FileSystem;
  #settings: Settings;
  #lock: WriterLock;
  #segment: SegmentFile | undefined;
  #nextLsn: number;
  #queue: Pending[] = [];
  #queuedBytes = 0;
  #draining: Promise<void> | undefined;
  #syncTimer: NodeJS.Timeout | undefined;
  #unsynced = false;
  /** The fdatasync in flight, if any: the segment is never closed under it. */
  #syncing: Promise<void> | undefined;
  #failure: WalFailedError | undefined;
  #closing: Promise<void> | undefined;
  #bytesAppended = 0;
  /** Every byte of the current segment is durable: the next frame written is a sync point. */
  #durableToEnd = false;
  /** Writes so far; a sync covers everything only if none happened while it ran. */
  #writeCount = 0;

  private constructor(
    dir: string,
    fs: FileSystem,
    settings: Settings,
    lock: WriterLock,
    segment: SegmentFile | undefined,
    nextLsn: number,
    openReport: OpenReport,
  ) {
    this.dir = dir;
    this.#fs = fs;
    this.#settings = settings;
    this.#lock = lock;
    this.#segment = segment;
    this.#nextLsn = nextLsn;
    this.openReport = openReport;
  }

  /**
   * Takes the writer lock, replays every record into `onRecord`, repairs a torn tail (backing up
   * what it cuts) and returns a writer positioned after the last whole batch.
   */
  static async open(
    dir: string,
    options: WalWriterOptions = {},
    onRecord: (record: WalRecord) => void = () => {},
  ): Promise<WalWriter> {
    const settings = resolveSettings(options);
    const unfenced = options.fs ?? nodeFileSystem;
    if (!isWriterMode(settings.recovery)) {
      throw new WalValidationError(
        ErrorCode.invalidArgument,
        `recovery mode '${settings.recovery}' never changes the disk, so it is for read-only ` +
          `opens; to rewrite the log run \`exec-wal repair ${dir} --mode ${settings.recovery}\``,
      );
    }
    ensureDir(unfenced, dir);
    let failure: Error | undefined;
    let writer: WalWriter | undefined;
    const lock = await WriterLock.acquire(dir, {
      staleMs: settings.lockStaleMs,
      onLost: (error) => {
        failure = error;
        if (writer) writer.#fail(lockLostError(dir, error));
      },
    });
    // From here on, every change to the disk first checks that the lock is still ours.
    const fs = fenceWrites(unfenced, lock);
    try {
      const removedTempFiles = removeTempFiles(fs, dir);
      const scan = replayInto(
        readLog(fs, dir, {
          mode: settings.recovery,
          fromLsn: options.fromLsn,
          onProgress: options.onProgress,
        }),
        onRecord,
      );
      let repair: TailRepair | undefined;
      if (scan.tail.status === 'torn') {
        repair = await repairTail(fs, dir, scan.tail);
        crashPoint?.('repair:after-truncate');
      }
      const nextLsn = nextLsnAfter(scan, options.fromLsn);
      let segment = reopenLastSegment(fs, dir, scan, repair);
      if (segment && lock.tookOverStale) {
        // The previous holder may only be paused: give the log a file it has no descriptor of.
        const old = segment;
        segment = await old.moveToFreshFile(fs, dir).catch((error: unknown) => {
          old.close();
          throw ioError('moving to a fresh file', join(dir, old.name), error);
        });
      }
      // What a crashed predecessor left in the page cache becomes durable before this writer's
      // first frame may claim to be a sync point.
      await segment?.sync().catch((error: unknown) => {
        segment.close();
        throw ioError('syncing', join(dir, segment.name), error);
      });
      writer = new WalWriter(dir, fs, settings, lock, segment, nextLsn, {
        scan,
        repair,
        removedTempFiles,
      });
      writer.#durableToEnd = segment !== undefined;
      if (failure) writer.#fail(lockLostError(dir, failure));
      return writer;
    } catch (error) {
      // Most likely a replay that outlasted lockStaleMs (it blocks the lock's refresh timer).
      const lost = !lock.holds();
      await lock.release().catch(() => undefined);
      if (lost) throw new WalLockedError(dir, readHolder(dir), { cause: error });
      throw error;
    }
  }

  /** Frame bytes written since open (segment headers not counted). */
  get bytesAppended(): number {
    return this.#bytesAppended;
  }

  /** LSN the next appended record will get. */
  get nextLsn(): number {
    return this.#nextLsn;
  }

  get failure(): WalFailedError | undefined {
    return this.#failure;
  }

  /**
   * Appends `records` as one atomic batch. Appends made while a write or sync is in flight are
   * coalesced into the next write and sync. Resolves per the durability mode.
   */
  append(records: readonly RecordInput[]): Promise<AppendResult> {
    try {
      this.#assertWritable();
      const payloads = encodeRecords(records, this.#settings.maxRecordBytes);
      const frameBytes = payloads.reduce((sum, p) => sum + frameBytesFor(p.payload.length), 0);
      if (frameBytes > this.#settings.maxBatchBytes) {
        throw new WalValidationError(
          ErrorCode.limitExceeded,
          `batch of ${frameBytes} bytes exceeds maxBatchBytes (${this.#settings.maxBatchBytes})`,
        );
      }
      if (this.#queuedBytes + frameBytes > this.#settings.maxQueuedBytes) {
        throw new WalValidationError(
          ErrorCode.limitExceeded,
          `append queue holds ${this.#queuedBytes} bytes; adding ${frameBytes} would pass ` +
            `maxQueuedBytes (${this.#settings.maxQueuedBytes}); await earlier appends first`,
        );
      }
      const firstLsn = this.#nextLsn;
      // Subtracted, not added: past 2^53 a sum rounds. A frame past LSN_MAX would be written,
      // acknowledged and then unreadable (docs/format.md#limits).
      if (LSN_MAX - firstLsn < payloads.length - 1) {
        throw new WalValidationError(
          ErrorCode.limitExceeded,
          `the log at ${this.dir} is full: a batch of ${payloads.length} from lsn ${firstLsn} ` +
            `would pass the largest lsn (${LSN_MAX}); nothing was written`,
        );
      }
      this.#nextLsn += payloads.length;
      this.#queuedBytes += frameBytes;
      return new Promise((resolve, reject) => {
        this.#queue.push({ payloads, firstLsn, frameBytes, resolve, reject });
        this.#scheduleDrain();
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Makes everything appended so far durable (for 'interval' and 'none' modes). */
  async sync(): Promise<void> {
    this.#assertWritable();
    await this.#draining;
    try {
      await this.#syncNow();
    } catch (error) {
      // Like a failed sync in append: the writer is failed, never retried and then acknowledged.
      this.#fail(classifyFailure(this.dir, this.#segment, error));
      throw this.#failure;
    }
  }

  /** Waits for queued appends, syncs, closes the segment and releases the lock. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await this.#draining;
    if (this.#syncTimer) clearTimeout(this.#syncTimer);
    try {
      if (!this.#failure) await this.#syncNow();
    } catch (error) {
      // Named like a failed sync in append or sync(): WAL_FAILED or WAL_DISK_FULL, with cause.
      throw classifyFailure(this.dir, this.#segment, error);
    } finally {
      try {
        await this.#syncing?.catch(() => undefined);
        this.#segment?.close();
      } finally {
        this.#segment = undefined;
        await this.#lock.release().catch(() => undefined);
      }
    }
  }

  #assertWritable(): void {
    if (this.#closing) throw new WalClosedError(this.dir);
    if (this.#failure) {
      throw new WalFailedError(
        this.#failure.code as typeof ErrorCode.failed,
        `the log at ${this.dir} failed earlier and refuses appends until reopened: ${this.#failure.message}`,
        { cause: this.#failure },
      );
    }
  }

  #scheduleDrain(): void {
    if (this.#draining) return;
    this.#draining = new Promise<void>((resolve) => queueMicrotask(resolve))
      .then(() => this.#drainQueue())
      .finally(() => {
        this.#draining = undefined;
        if (this.#queue.length > 0 && !this.#failure) this.#scheduleDrain();
      });
  }

  async #drainQueue(): Promise<void> {
    while (this.#queue.length > 0 && !this.#failure) {
      const group = this.#queue.splice(0, this.#queue.length);
      try {
        await this.#writeGroup(group);
      } catch (error) {
        this.#fail(classifyFailure(this.dir, this.#segment, error), group);
        return;
      } finally {
        for (const pending of group) this.#queuedBytes -= pending.frameBytes;
      }
      for (const pending of group) {
        pending.resolve({
          firstLsn: pending.firstLsn,
          lastLsn: pending.firstLsn + pending.payloads.length - 1,
        });
      }
    }
  }

  async #writeGroup(group: Pending[]): Promise<void> {
    let parts: Buffer[] = [];
    let partBytes = 0;
    for (const pending of group) {
      let segment = this.#segment;
      // Bytes of this group already bound for the segment count too: a new segment is not empty.
      const segmentBytes = segment === undefined ? 0 : segment.bytes + partBytes;
      const full =
        segment !== undefined &&
        segmentBytes > SEGMENT_HEADER_BYTES &&
        segmentBytes + pending.frameBytes > this.#settings.maxSegmentBytes;
      if (segment === undefined || full) {
        if (segment) {
          this.#writeParts(segment, parts);
          parts = [];
          partBytes = 0;
        }
        segment = await this.#rotate(pending.firstLsn);
      }
      // The first frame written after a completed sync of everything before it is a sync point
      // (docs/format.md#flags): the reader's proof that damage before it is not a torn tail.
      const leading = this.#durableToEnd ? FrameFlag.syncPoint : 0;
      this.#durableToEnd = false;
      const part = encodeBatch(pending.payloads, pending.firstLsn, segment.salt, leading);
      parts.push(part);
      partBytes += part.length;
    }
    const segment = this.#segment!;
    this.#writeParts(segment, parts);
    crashPoint?.('append:after-write');
    if (this.#settings.durability === 'fsync') {
      const writes = this.#writeCount;
      await segment.sync();
      if (writes === this.#writeCount) this.#durableToEnd = true;
      crashPoint?.('append:after-sync');
    } else {
      this.#unsynced = true;
      if (this.#settings.durability === 'interval') this.#armSyncTimer();
    }
    // The fence again, before acknowledging: a writer stopped between its pre-write check and
    // the write (SIGSTOP, a suspended VM) and taken over meanwhile must not acknowledge.
    this.#lock.assertHeld();
  }

  #writeParts(segment: SegmentFile, parts: Buffer[]): void {
    if (parts.length === 0) return;
    crashPoint?.('append:before-write');
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.#writeCount += 1;
    segment.append(bytes);
    this.#bytesAppended += bytes.length;
  }

  async #rotate(baseLsn: number): Promise<SegmentFile> {
    const old = this.#segment;
    if (old) {
      await this.#syncing;
      // The sync below covers every write so far, so the interval timer has nothing to start
      // meanwhile; one that started anyway finishes before the close (else: EBADF, or a sync of
      // whichever file reused the descriptor).
      this.#unsynced = false;
      await old.sync();
      await this.#syncing;
      old.close();
      this.#segment = undefined;
    }
    this.#unsynced = false;
    this.#segment = await SegmentFile.create(this.#fs, this.dir, baseLsn);
    this.#durableToEnd = true; // its header was synced before the rename
    crashPoint?.('rotate:after-dir-sync');
    return this.#segment;
  }

  #armSyncTimer(): void {
    if (this.#syncTimer) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      this.#syncNow().catch((error) => this.#fail(classifyFailure(this.dir, this.#segment, error)));
    }, this.#settings.syncIntervalMs);
    this.#syncTimer.unref();
  }

  async #syncNow(): Promise<void> {
    // A sync in flight (the interval timer's, or sync()'s) covers only writes made before it.
    await this.#syncing;
    if (!this.#unsynced || !this.#segment) return;
    this.#unsynced = false;
    const writes = this.#writeCount;
    const sync = this.#segment.sync();
    this.#syncing = sync;
    try {
      await sync;
      if (writes === this.#writeCount) this.#durableToEnd = true;
    } finally {
      if (this.#syncing === sync) this.#syncing = undefined;
    }
  }

  #fail(error: WalFailedError, group: Pending[] = []): void {
    this.#failure ??= error;
    const rejected = [...group, ...this.#queue.splice(0, this.#queue.length)];
    for (const pending of rejected) pending.reject(error);
  }
}
