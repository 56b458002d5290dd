// The single writer of a log directory: opens (replaying and repairing the tail), appends with
// group commit, rotates segments and syncs according to the durability mode
// (docs/durability.md). After any write or sync failure it is failed: every pending and later
// append rejects until the log is reopened; a sync is never retried and then acknowledged.
import { join } from 'node:path';
import { FORMAT_VERSION, FrameFlag, LSN_MAX, SEGMENT_HEADER_BYTES } from '../format/constants.js';
import { sealFrame } from '../format/frame-codec.js';
import {
  ErrorCode,
  ioError,
  WalClosedError,
  WalFailedError,
  WalLockLostError,
  WalValidationError,
} from '../errors.js';
import { AppendArena, type StagedBatch } from './append-arena.js';
import { crashPoint } from './crash-point.js';
import { fenceWrites } from './fenced-file-system.js';
import { ensureDir, type FileSystem, nodeFileSystem } from './file-system.js';
import { readLog, type ScanReport } from './log-reader.js';
import { replayInto } from './log-replay.js';
import { isWriterMode } from './recovery-policy.js';
import { nextLsnAfter, reopenLastSegment, SegmentFile } from './segment-file.js';
import type { WalRecord } from './segment-reader.js';
import { removeTempFiles, repairTail, type TailRepair } from './tail-repair.js';
import { classifyFailure, isNoSpace } from './write-failure.js';
import { type LockTakeover, lockedError, WriterLock } from './writer-lock.js';
import {
  type AppendResult,
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
  /** How the writer lock was got: free, from a holder proven dead, or by breaking a stale lock. */
  lockTakeover: LockTakeover;
}

/** Records replayed between two checks whether the lock's refresh is due (one clock read). */
const RECORDS_PER_REFRESH_CHECK = 256;

interface Pending {
  /** Its frames in the staging buffer of the group it is written with. */
  batch: StagedBatch;
  firstLsn: number;
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
  /** The frames of every queued append, in queue order (docs: src/wal/append-arena.ts). */
  #arena = new AppendArena();
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
  /** settings.preallocateBytes until a preallocation finds no room, then 0. */
  #preallocateBytes: number;
  /** Callers of seal() waiting for the drain to rotate. */
  #sealWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  /** Where the last record written ends: what a checkpoint of that record can resume at. */
  #written: { lsn: number; segment: string; offset: number } | undefined;

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
    this.#preallocateBytes = settings.preallocateBytes;
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
    let failure: WalLockLostError | undefined;
    let writer: WalWriter | undefined;
    const lock = await WriterLock.acquire(dir, {
      staleMs: settings.lockStaleMs,
      fs: unfenced,
      onLost: (error) => {
        failure = error;
        if (writer) writer.#fail(error);
      },
    });
    // From here on, every change to the disk first checks that the lock is still ours, and
    // every seam call (and every few replayed records) keeps the lock fresh: the replay below is
    // synchronous and blocks the lock's refresh timer.
    const fs = fenceWrites(unfenced, lock);
    let replayed = 0;
    const onReplayed = (record: WalRecord) => {
      if (++replayed % RECORDS_PER_REFRESH_CHECK === 0) lock.refreshIfDue();
      onRecord(record);
    };
    try {
      const removedTempFiles = removeTempFiles(fs, dir);
      const scan = replayInto(
        readLog(fs, dir, {
          mode: settings.recovery,
          fromLsn: options.fromLsn,
          resumeAt: options.resumeAt,
          onProgress: options.onProgress,
        }),
        onReplayed,
      );
      let repair: TailRepair | undefined;
      if (scan.tail.status === 'torn') {
        repair = await repairTail(fs, dir, scan.tail);
        crashPoint?.('repair:after-truncate');
      }
      const nextLsn = nextLsnAfter(scan, options.fromLsn);
      let segment = reopenLastSegment(fs, dir, scan, repair);
      if (segment && lock.takeover === 'staleLock') {
        // The previous holder may only be paused: give the log a file it has no descriptor of.
        // (Not after a holder proven dead: it has no descriptors left.)
        const old = segment;
        segment = await old.moveToFreshFile(fs, dir).catch((error: unknown) => {
          old.close();
          throw ioError('moving to a fresh file', join(dir, old.name), error);
        });
      }
      // What a crashed predecessor left in the page cache becomes durable before this writer's
      // first frame may claim to be a sync point.
      const last = segment;
      await last?.sync().catch((error: unknown) => {
        last.close();
        throw ioError('syncing', join(dir, last.name), error);
      });
      // A segment of an older version, synced (and moved) like any last segment above, is then
      // sealed as it is: what this writer appends may use features its version does not have,
      // so it goes into a new segment (rotation at the first append).
      if (segment && segment.version !== FORMAT_VERSION) {
        segment.close();
        segment = undefined;
      }
      writer = new WalWriter(dir, fs, settings, lock, segment, nextLsn, {
        scan,
        repair,
        removedTempFiles,
        lockTakeover: lock.takeover,
      });
      writer.#durableToEnd = segment !== undefined;
      if (segment && nextLsn > segment.baseLsn) {
        writer.#written = { lsn: nextLsn - 1, segment: segment.name, offset: segment.bytes };
      }
      if (failure) writer.#fail(failure);
      return writer;
    } catch (error) {
      // An open paused (or blocked in one callback) past lockStaleMs and taken over meanwhile.
      const lost = !lock.holds();
      await lock.release().catch(() => undefined);
      if (lost) throw lockedError(dir, settings.lockStaleMs, unfenced, error);
      throw error;
    }
  }

  /**
   * The seam with this writer's fence: every change to the disk a writer's helpers make
   * (checkpoints, retention, compaction) goes through it, so one that lost the lock stops.
   */
  get fencedFileSystem(): FileSystem {
    return this.#fs;
  }

  /** Frame bytes written since open (segment headers not counted). */
  get bytesAppended(): number {
    return this.#bytesAppended;
  }

  /** LSN the next appended record will get. */
  get nextLsn(): number {
    return this.#nextLsn;
  }

  /**
   * Segment and offset where the record after `lsn` starts (or will), when `lsn` is the last
   * record written; undefined otherwise. A checkpoint of `lsn` stores it so that open can start
   * reading there (docs/format.md#checkpoint-files).
   */
  positionAfter(lsn: number): { segment: string; offset: number } | undefined {
    const written = this.#written;
    if (!written || written.lsn !== lsn) return undefined;
    return { segment: written.segment, offset: written.offset };
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
      const firstLsn = this.#nextLsn;
      const batch = this.#arena.stage(records, firstLsn, this.#settings.maxRecordBytes);
      try {
        this.#checkRoom(batch, firstLsn);
      } catch (error) {
        this.#arena.discard(batch);
        throw error;
      }
      this.#nextLsn += batch.count;
      this.#queuedBytes += batch.bytes;
      return new Promise((resolve, reject) => {
        this.#queue.push({ batch, firstLsn, resolve, reject });
        this.#scheduleDrain();
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #checkRoom(batch: StagedBatch, firstLsn: number): void {
    if (batch.bytes > this.#settings.maxBatchBytes) {
      throw new WalValidationError(
        ErrorCode.limitExceeded,
        `batch of ${batch.bytes} bytes exceeds maxBatchBytes (${this.#settings.maxBatchBytes})`,
      );
    }
    if (this.#queuedBytes + batch.bytes > this.#settings.maxQueuedBytes) {
      throw new WalValidationError(
        ErrorCode.limitExceeded,
        `append queue holds ${this.#queuedBytes} bytes; adding ${batch.bytes} would pass ` +
          `maxQueuedBytes (${this.#settings.maxQueuedBytes}); await earlier appends first`,
      );
    }
    // Subtracted, not added: past 2^53 a sum rounds. A frame past LSN_MAX would be written,
    // acknowledged and then unreadable (docs/format.md#limits).
    if (LSN_MAX - firstLsn < batch.count - 1) {
      throw new WalValidationError(
        ErrorCode.limitExceeded,
        `the log at ${this.dir} is full: a batch of ${batch.count} from lsn ${firstLsn} ` +
          `would pass the largest lsn (${LSN_MAX}); nothing was written`,
      );
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

  /**
   * Ends the active segment once the appends queued so far are written: the next append goes to
   * a new segment. Erasure compaction rewrites only sealed segments.
   */
  seal(): Promise<void> {
    try {
      this.#assertWritable();
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#sealWaiters.push({ resolve, reject });
      this.#scheduleDrain();
    });
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
      if (!this.#failure) {
        if (this.#segment?.trimToData()) this.#unsynced = true;
        await this.#syncNow();
      }
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
    const failure = this.#failure;
    if (failure) {
      const message = `the log at ${this.dir} failed earlier and refuses appends until reopened: ${failure.message}`;
      if (failure instanceof WalLockLostError) {
        throw new WalLockLostError(
          this.dir,
          'it was lost earlier (see cause); appends are refused',
          {
            cause: failure,
          },
        );
      }
      throw new WalFailedError(failure.code as typeof ErrorCode.failed, message, {
        cause: failure,
      });
    }
  }

  /**
   * A group is written from setImmediate, not a microtask: every append made in this turn of
   * the event loop joins it, and a caller awaiting appends in a loop still lets the loop turn
   * between groups (timers, I/O, the lock's refresh; with a synchronous fdatasync nothing else
   * would yield).
   */
  #scheduleDrain(): void {
    if (this.#draining) return;
    this.#draining = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#drainQueue())
      .finally(() => {
        this.#draining = undefined;
        if ((this.#queue.length > 0 || this.#sealWaiters.length > 0) && !this.#failure)
          this.#scheduleDrain();
      });
  }

  async #drainQueue(): Promise<void> {
    while (this.#queue.length > 0 && !this.#failure) {
      // The queue and the staged frames are taken together: they are the same appends.
      const group = this.#queue.splice(0, this.#queue.length);
      const staged = this.#arena.take();
      try {
        await this.#writeGroup(group, staged);
      } catch (error) {
        this.#fail(classifyFailure(this.dir, this.#segment, error), group);
        return;
      } finally {
        for (const pending of group) this.#queuedBytes -= pending.batch.bytes;
      }
      for (const pending of group) {
        pending.resolve({
          firstLsn: pending.firstLsn,
          lastLsn: pending.firstLsn + pending.batch.count - 1,
        });
      }
    }
    if (this.#sealWaiters.length > 0 && !this.#failure) await this.#sealNow();
  }

  async #sealNow(): Promise<void> {
    const waiters = this.#sealWaiters.splice(0, this.#sealWaiters.length);
    try {
      const segment = this.#segment;
      if (segment && segment.bytes > SEGMENT_HEADER_BYTES) await this.#rotate(this.#nextLsn);
    } catch (error) {
      this.#fail(classifyFailure(this.dir, this.#segment, error));
      for (const waiter of waiters) waiter.reject(this.#failure);
      return;
    }
    for (const waiter of waiters) waiter.resolve();
  }

  async #writeGroup(group: Pending[], staged: Buffer): Promise<void> {
    // Frames of the group not yet written start here; all of them go to one segment.
    let unwritten = 0;
    for (const pending of group) {
      const { start, bytes } = pending.batch;
      let segment = this.#segment;
      // Bytes of this group already bound for the segment count too: a new segment is not empty.
      const segmentBytes = segment === undefined ? 0 : segment.bytes + (start - unwritten);
      const full =
        segment !== undefined &&
        segmentBytes > SEGMENT_HEADER_BYTES &&
        segmentBytes + bytes > this.#settings.maxSegmentBytes;
      if (segment === undefined || full) {
        if (segment) {
          this.#writeBytes(segment, staged.subarray(unwritten, start));
          unwritten = start;
        }
        segment = await this.#rotate(pending.firstLsn);
      }
      // The first frame written after a completed sync of everything before it is a sync point
      // (docs/format.md#flags): the reader's proof that damage before it is not a torn tail.
      let leading = this.#durableToEnd ? FrameFlag.syncPoint : 0;
      this.#durableToEnd = false;
      for (let at = start; at < start + bytes; leading = 0) {
        at += sealFrame(staged, at, leading, segment.salt);
      }
    }
    const segment = this.#segment!;
    this.#writeBytes(segment, staged.subarray(unwritten));
    const last = group[group.length - 1]!;
    this.#written = {
      lsn: last.firstLsn + last.batch.count - 1,
      segment: segment.name,
      offset: segment.bytes,
    };
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

  #writeBytes(segment: SegmentFile, bytes: Buffer): void {
    if (bytes.length === 0) return;
    crashPoint?.('append:before-write');
    this.#writeCount += 1;
    segment.append(bytes);
    this.#preallocate(segment, segment.bytes);
    this.#bytesAppended += bytes.length;
  }

  /**
   * Keeps zeros written ahead of the data (docs/durability.md#preallocation): once fewer than
   * half of preallocateBytes are left past `end`, the next preallocateBytes (up to
   * maxSegmentBytes) are zeroed, in the same group as the data before its sync, so only about
   * one sync in preallocateBytes/2 of appends commits a size change.
   */
  #preallocate(segment: SegmentFile, end: number): void {
    const ahead = this.#preallocateBytes;
    if (ahead === 0 || segment.allocated - end >= ahead / 2) return;
    try {
      segment.preallocate(end, Math.min(end + ahead, this.#settings.maxSegmentBytes));
    } catch (error) {
      // Best effort: no room for zeros ahead is not a failed append (its data is written). The
      // writer stops preallocating; the next data write that does not fit fails as disk full.
      if (!isNoSpace(error)) throw error;
      this.#preallocateBytes = 0;
    }
  }

  async #rotate(baseLsn: number): Promise<SegmentFile> {
    const old = this.#segment;
    if (old) {
      await this.#syncing;
      // A sealed segment ends with its data: the zeros written ahead are cut before its sync.
      old.trimToData();
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
    this.#arena.take();
    const rejected = [...group, ...this.#queue.splice(0, this.#queue.length)];
    for (const pending of rejected) pending.reject(error);
    for (const waiter of this.#sealWaiters.splice(0, this.#sealWaiters.length))
      waiter.reject(error);
  }
}
