// The single writer of a log directory: opens (replaying and repairing the tail), appends with
// group commit, rotates segments and syncs according to the durability mode
// (docs/durability.md). After any write or sync failure it is failed: every pending and later
// append rejects until the log is reopened; a sync is never retried and then acknowledged.
import { dirname, join } from 'node:path';
import { FrameFlag, SEGMENT_HEADER_BYTES } from '../format/constants.js';
import { encodeBatch, frameBytesFor } from '../format/frame-codec.js';
import { encodePayload } from '../format/payload-codec.js';
import {
  ErrorCode,
  ioError,
  WalClosedError,
  WalFailedError,
  WalLockedError,
  WalValidationError,
} from '../errors.js';
import { defaults, FORMAT_BATCH_BYTES_MAX, FORMAT_PAYLOAD_BYTES_MAX } from '../limits.js';
import { crashPoint } from './crash-point.js';
import { type FileSystem, nodeFileSystem } from './file-system.js';
import { readLog, type ScanReport } from './log-reader.js';
import { isWriterMode, type RecoveryMode } from './recovery-policy.js';
import { SegmentFile } from './segment-file.js';
import type { WalRecord } from './segment-reader.js';
import { removeTempFiles, repairTail, type TailRepair } from './tail-repair.js';
import { readHolder, WriterLock } from './writer-lock.js';

export const Durability = { fsync: 'fsync', interval: 'interval', none: 'none' } as const;
export type Durability = (typeof Durability)[keyof typeof Durability];

export interface WalWriterOptions {
  durability?: Durability;
  /** 'interval' mode: longest time a written record waits for its fdatasync. */
  syncIntervalMs?: number;
  recovery?: RecoveryMode;
  maxSegmentBytes?: number;
  maxRecordBytes?: number;
  maxBatchBytes?: number;
  maxQueuedBytes?: number;
  lockStaleMs?: number;
  fs?: FileSystem;
  onProgress?: (progress: { bytesDone: number; bytesTotal: number }) => void;
  /** Replay starts at this LSN (records below it are not handed to onRecord). */
  fromLsn?: number;
}

export interface RecordInput {
  /** Frame type 1..255; types >= 128 are safe for older readers to skip. */
  type: number;
  value: unknown;
}

export interface AppendResult {
  firstLsn: number;
  lastLsn: number;
}

export interface OpenReport {
  scan: ScanReport;
  repair: TailRepair | undefined;
  removedTempFiles: string[];
}

interface Pending {
  payloads: { type: number; payload: Buffer }[];
  firstLsn: number;
  frameBytes: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

type Settings = Required<Omit<WalWriterOptions, 'fs' | 'onProgress' | 'fromLsn'>>;

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
      const segment = reopenLastSegment(fs, dir, scan, repair);
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
      const payloads = this.#encode(records);
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

  #encode(records: readonly RecordInput[]): { type: number; payload: Buffer }[] {
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
    return records.map((record, index) => {
      if (!Number.isInteger(record?.type) || record.type < 1 || record.type > 255) {
        throw new WalValidationError(
          ErrorCode.invalidArgument,
          `record ${index}: type must be an integer from 1 to 255, got ${String(record?.type)}`,
        );
      }
      let payload: Buffer;
      try {
        payload = encodePayload(record.value);
      } catch (error) {
        throw new WalValidationError(
          ErrorCode.invalidArgument,
          `record ${index}: value cannot be encoded: ${error instanceof Error ? error.message : error}`,
        );
      }
      if (payload.length > this.#settings.maxRecordBytes) {
        throw new WalValidationError(
          ErrorCode.limitExceeded,
          `record ${index} encodes to ${payload.length} bytes, more than maxRecordBytes ` +
            `(${this.#settings.maxRecordBytes}); nothing was written`,
        );
      }
      return { type: record.type, payload };
    });
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
    for (const pending of group) {
      let segment = this.#segment;
      // Bytes of this group already bound for the segment count too: a new segment is not empty.
      const segmentBytes = segment === undefined ? 0 : segment.bytes + sumBytes(parts);
      const full =
        segment !== undefined &&
        segmentBytes > SEGMENT_HEADER_BYTES &&
        segmentBytes + pending.frameBytes > this.#settings.maxSegmentBytes;
      if (segment === undefined || full) {
        if (segment) {
          this.#writeParts(segment, parts);
          parts = [];
        }
        segment = await this.#rotate(pending.firstLsn);
      }
      // The first frame written after a completed sync of everything before it is a sync point
      // (docs/format.md#flags): the reader's proof that damage before it is not a torn tail.
      const leading = this.#durableToEnd ? FrameFlag.syncPoint : 0;
      this.#durableToEnd = false;
      parts.push(encodeBatch(pending.payloads, pending.firstLsn, segment.salt, leading));
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

/**
 * The seam with a fence: each call that changes the disk (repair and temp-file removal in open
 * included) first checks that this writer still holds the lock, so a writer paused past the
 * stale window, or whose open outlasted it, fails instead of writing over its successor's log.
 */
function fenceWrites(fs: FileSystem, lock: WriterLock): FileSystem {
  const fence = () => lock.assertHeld();
  return {
    open: (path, mode) => {
      if (mode !== 'read') fence();
      return fs.open(path, mode);
    },
    close: (fd) => fs.close(fd),
    read: (fd, buffer, offset, length, position) => fs.read(fd, buffer, offset, length, position),
    write: (fd, buffer, offset, length, position) => {
      fence();
      return fs.write(fd, buffer, offset, length, position);
    },
    fdatasync: (fd) => fs.fdatasync(fd),
    truncate: (fd, length) => {
      fence();
      fs.truncate(fd, length);
    },
    size: (fd) => fs.size(fd),
    syncDir: (path) => fs.syncDir(path),
    rename: (from, to) => {
      fence();
      fs.rename(from, to);
    },
    unlink: (path) => {
      fence();
      fs.unlink(path);
    },
    readdir: (path) => fs.readdir(path),
    mkdir: (path) => {
      fence();
      fs.mkdir(path);
    },
    exists: (path) => fs.exists(path),
    stat: (path) => fs.stat(path),
  };
}

function lockLostError(dir: string, cause: Error): WalFailedError {
  return new WalFailedError(
    ErrorCode.lockLost,
    `lost the writer lock on ${dir}; this writer stopped`,
    { cause },
  );
}

function sumBytes(parts: Buffer[]): number {
  let total = 0;
  for (const part of parts) total += part.length;
  return total;
}

function replayInto(
  scan: Generator<WalRecord, ScanReport>,
  onRecord: (record: WalRecord) => void,
): ScanReport {
  for (;;) {
    const step = scan.next();
    if (step.done) return step.value;
    onRecord(step.value);
  }
}

/** The LSN after the last record on disk; an empty log continues at its first segment's base. */
function nextLsnAfter(scan: ScanReport, fromLsn: number | undefined): number {
  if (scan.lastLsn > 0) return scan.lastLsn + 1;
  const last = scan.segments.at(-1);
  return last ? last.lastLsn + 1 : Math.max(1, fromLsn ?? 1);
}

function reopenLastSegment(
  fs: FileSystem,
  dir: string,
  scan: ScanReport,
  repair: TailRepair | undefined,
): SegmentFile | undefined {
  const usable = scan.segments.filter(
    (s) => !(repair?.action === 'moved-aside' && s.name === repair.segment),
  );
  const last = usable.at(-1);
  if (!last || last.salt === undefined) return undefined;
  try {
    return SegmentFile.openForAppend(fs, dir, last.name, last.baseLsn, last.salt, last.goodOffset);
  } catch (error) {
    throw ioError('opening for append', join(dir, last.name), error);
  }
}

function ensureDir(fs: FileSystem, dir: string): void {
  if (fs.exists(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) ensureDir(fs, parent);
  try {
    fs.mkdir(dir);
    fs.syncDir(dir);
    fs.syncDir(parent);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError('creating', dir, error);
  }
}

function classifyFailure(
  dir: string,
  segment: SegmentFile | undefined,
  error: unknown,
): WalFailedError {
  if (error instanceof WalFailedError) return error;
  const where = segment ? `${segment.name} in ${dir}` : dir;
  const code = (error as NodeJS.ErrnoException)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  if (code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT') {
    return new WalFailedError(
      ErrorCode.diskFull,
      `disk full while writing ${where}: ${detail}; free space and reopen the log`,
      { cause: error },
    );
  }
  if (error instanceof Error && /taken over/.test(error.message)) {
    return new WalFailedError(ErrorCode.lockLost, `${detail}; this writer stopped`, {
      cause: error,
    });
  }
  return new WalFailedError(
    ErrorCode.failed,
    `write or sync of ${where} failed: ${detail}; reopen the log`,
    { cause: error },
  );
}

function resolveSettings(options: WalWriterOptions): Settings {
  const settings: Settings = {
    durability: options.durability ?? 'fsync',
    syncIntervalMs: options.syncIntervalMs ?? defaults.syncIntervalMs,
    recovery: options.recovery ?? 'tolerate-tail',
    maxSegmentBytes: options.maxSegmentBytes ?? defaults.maxSegmentBytes,
    maxRecordBytes: options.maxRecordBytes ?? defaults.maxRecordBytes,
    maxBatchBytes: options.maxBatchBytes ?? defaults.maxBatchBytes,
    maxQueuedBytes: options.maxQueuedBytes ?? defaults.maxQueuedBytes,
    lockStaleMs: options.lockStaleMs ?? defaults.lockStaleMs,
  };
  checkRange(
    'maxSegmentBytes',
    settings.maxSegmentBytes,
    defaults.minSegmentBytes,
    Number.MAX_SAFE_INTEGER,
  );
  checkRange('maxRecordBytes', settings.maxRecordBytes, 1, FORMAT_PAYLOAD_BYTES_MAX);
  checkRange('maxBatchBytes', settings.maxBatchBytes, 1, FORMAT_BATCH_BYTES_MAX);
  checkRange('maxQueuedBytes', settings.maxQueuedBytes, 1, Number.MAX_SAFE_INTEGER);
  checkRange('syncIntervalMs', settings.syncIntervalMs, 1, 60_000);
  checkRange('lockStaleMs', settings.lockStaleMs, 2_000, 600_000);
  if (!Object.values(Durability).includes(settings.durability)) {
    throw new WalValidationError(
      ErrorCode.invalidArgument,
      `durability must be 'fsync', 'interval' or 'none', got '${settings.durability}'`,
    );
  }
  return settings;
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new WalValidationError(
      ErrorCode.invalidArgument,
      `${name} must be an integer from ${min} to ${max}, got ${value}`,
    );
  }
}
