// WalStore: the execution journal users embed (docs/api.md). Every call is validated, written
// to the log, and only then folded into state (applyRecord, the same fold replay uses), so
// queries see a record exactly when its append promise has resolved.
import { randomUUID } from 'node:crypto';
import { join as joinPath } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ErrorCode, WalClosedError, WalError, WalValidationError } from '../errors.js';
import { defaults } from '../limits.js';
import { listCheckpoints, type RejectedCheckpoint } from '../wal/checkpoint-files.js';
import { type FileSystem, nodeFileSystem } from '../wal/file-system.js';
import { followLog } from '../wal/log-follower.js';
import type { DamageReport, ScanReport, TailReport } from '../wal/log-reader.js';
import { iterateLog, replayLog } from '../wal/log-replay.js';
import { statSegments } from '../wal/segment-list.js';
import type { RetentionPolicy } from '../wal/segment-retention.js';
import type { RecoveryMode } from '../wal/recovery-policy.js';
import type { WalRecord } from '../wal/segment-reader.js';
import type { TailRepair } from '../wal/tail-repair.js';
import { type Durability, WalWriter } from '../wal/wal-writer.js';
import { readHolder } from '../wal/writer-lock.js';
import { emptyActionStats } from './action-stats.js';
import * as check from './call-validation.js';
import {
  type CleanupPayload,
  type CompletedPayload,
  type ExecutionStatus,
  RecordType,
  type StartedPayload,
} from './journal-records.js';
import {
  Checkpointer,
  type CheckpointResult,
  checkLogAgainstCheckpoint,
  loadCheckpointState,
} from './journal-checkpoints.js';
import {
  type HistoryEntry,
  type HistoryFilter,
  HistoryJoin,
  matchesFilter,
} from './journal-history.js';
import { type JournalLog, MemoryLog, ReadOnlyLog } from './journal-log.js';
import {
  applyRecord,
  type JournalCounters,
  JournalState,
  type OpenExecution,
} from './journal-state.js';
import type {
  ActionExecutionRecord,
  ActionStats,
  CleanupRecord,
  InFlightExecution,
} from './journal-types.js';

export interface WalStoreOptions {
  /** Bound of each history ring buffer (executions, failures, cleanups). Default 1000. */
  maxHistoryEntries?: number;
  maxInFlight?: number;
  maxActions?: number;
  durability?: Durability;
  syncIntervalMs?: number;
  recovery?: RecoveryMode;
  maxSegmentBytes?: number;
  lockStaleMs?: number;
  /** true: no lock, never modifies files, works beside a live writer; recording is refused. */
  readOnly?: boolean;
  /** Automatic checkpoint after this many bytes of appends (default 64 MiB; 0: only checkpoint()). */
  checkpointEveryBytes?: number;
  /** Delete segments covered by a checkpoint: at most N segments / B bytes / younger than T. */
  retention?: RetentionPolicy;
  onProgress?: (progress: { bytesDone: number; bytesTotal: number }) => void;
  /** The file-system seam for the log, checkpoints and retention (tests inject faults here). */
  fs?: FileSystem;
}

export interface StartOptions {
  executionId?: string;
  source?: string;
  executionType?: string;
  /** 1-based retry number. Default 1. */
  attempt?: number;
  attributes?: Record<string, string>;
  startedAt?: number;
}

export interface CompleteOptions {
  executionId?: string;
  success?: boolean;
  status?: ExecutionStatus;
  /** Measured from the matching start when omitted. */
  durationMs?: number;
  output?: string;
  error?: string;
  metrics?: Record<string, number>;
  completedAt?: number;
}

export interface CleanupOptions {
  resourceId: string;
  action: string;
  success: boolean;
  error?: string;
  executedAt?: number;
}

/** What open() found and did. */
export interface RecoveryReport {
  mode: RecoveryMode | 'in-memory';
  records: number;
  firstLsn: number | undefined;
  lastLsn: number;
  segments: number;
  bytes: number;
  tail: TailReport;
  repair: TailRepair | undefined;
  damage: DamageReport[];
  removedTempFiles: string[];
  /** Executions started before this open and never completed (the first maxReportedInterrupted). */
  interrupted: InFlightExecution[];
  interruptedCount: number;
  replayMs: number;
  /** The checkpoint the state was loaded from (undefined: full replay). */
  checkpoint: { name: string; lsn: number } | undefined;
  /** Checkpoints skipped because they did not validate, newest first. */
  rejectedCheckpoints: RejectedCheckpoint[];
}

export interface DiskUsage {
  segments: number;
  bytes: number;
  checkpointBytes: number;
  oldestLsn: number | undefined;
  newestLsn: number;
  /** Last-write times of the oldest and newest segment files. */
  oldestSegmentAt: number | undefined;
  newestSegmentAt: number | undefined;
  checkpointLsn: number | undefined;
}

export class WalStore {
  readonly path: string | undefined;
  readonly recoveryReport: RecoveryReport;
  #log: JournalLog;
  #writer: WalWriter | undefined;
  #state: JournalState;
  #checkpointer: Checkpointer | undefined;
  #retention: RetentionPolicy | undefined;
  /** Starts up to this LSN were made before this open: in flight now means interrupted. */
  #openedAtLsn: number;
  #writerAlive: boolean;
  #monotonicStarts = new Map<string, number>();
  #claimed = new Set<string>();
  #pendingStarts = 0;
  #closed = false;
  #closeSignal = new AbortController();

  private constructor(parts: StoreParts) {
    this.path = parts.path;
    this.#log = parts.log;
    this.#writer = parts.writer;
    this.#state = parts.state;
    this.#checkpointer = parts.checkpointer;
    this.#retention = parts.retention;
    this.#openedAtLsn = parts.state.lastLsn;
    this.#writerAlive = parts.writerAlive;
    const interrupted = parts.writerAlive ? [] : this.inFlight();
    this.recoveryReport = {
      ...parts.report,
      interrupted: interrupted.slice(0, defaults.maxReportedInterrupted),
      interruptedCount: interrupted.length,
    };
  }

  /**
   * Loads the newest checkpoint that validates, replays the records after it (all of them when
   * there is none), checks the two agree, and (unless read-only) takes the writer lock.
   */
  static async open(path: string, options: WalStoreOptions = {}): Promise<WalStore> {
    // A read-only open races the writer's retention: a segment listed a moment ago may be gone
    // by the time it is read. The next attempt starts from the newer checkpoint.
    for (let attempt = 1; ; attempt++) {
      try {
        return await WalStore.#openOnce(path, options);
      } catch (error) {
        const vanished =
          error instanceof WalError && (error.cause as NodeJS.ErrnoException)?.code === 'ENOENT';
        if (!options.readOnly || !vanished || attempt === 3) throw error;
      }
    }
  }

  static async #openOnce(path: string, options: WalStoreOptions): Promise<WalStore> {
    const limits = limitsFrom(options);
    const began = performance.now();
    const fs = options.fs ?? nodeFileSystem;
    const { loaded, rejected } = loadCheckpointState(fs, path, limits);
    const state = loaded?.state ?? new JournalState(limits);
    const fromLsn = loaded ? loaded.checkpoint.lsn + 1 : undefined;
    const fold = (record: WalRecord) => applyRecord(state, record);
    const checkpoint = loaded
      ? { name: loaded.checkpoint.name, lsn: loaded.checkpoint.lsn }
      : undefined;
    if (options.readOnly) {
      const scan = replayLog(
        path,
        { recovery: options.recovery, onProgress: options.onProgress, fromLsn, fs },
        fold,
      );
      checkLogAgainstCheckpoint(fs, path, scan, loaded?.checkpoint, rejected);
      const report = reportFrom(
        scan,
        undefined,
        [],
        performance.now() - began,
        checkpoint,
        rejected,
      );
      const writerAlive = readHolder(path) !== undefined;
      return new WalStore({
        path,
        log: new ReadOnlyLog(path),
        writer: undefined,
        state,
        report,
        writerAlive,
        checkpointer: undefined,
        retention: undefined,
      });
    }
    if (options.retention?.maxBytes !== undefined) {
      const segmentBytes = options.maxSegmentBytes ?? defaults.maxSegmentBytes;
      if (options.retention.maxBytes < 2 * segmentBytes) {
        throw new WalValidationError(
          ErrorCode.invalidArgument,
          `retention.maxBytes (${options.retention.maxBytes}) must be at least twice maxSegmentBytes (${segmentBytes})`,
        );
      }
    }
    const writer = await WalWriter.open(
      path,
      {
        durability: options.durability,
        syncIntervalMs: options.syncIntervalMs,
        recovery: options.recovery,
        maxSegmentBytes: options.maxSegmentBytes,
        lockStaleMs: options.lockStaleMs,
        onProgress: options.onProgress,
        fromLsn,
        fs,
      },
      fold,
    );
    try {
      const { scan, repair, removedTempFiles } = writer.openReport;
      checkLogAgainstCheckpoint(fs, path, scan, loaded?.checkpoint, rejected);
      const checkpointer = new Checkpointer(
        fs,
        path,
        loaded?.checkpoint.lsn ?? 0,
        () => writer.sync(),
        {
          everyBytes: options.checkpointEveryBytes ?? defaults.checkpointEveryBytes,
          retention: options.retention,
        },
      );
      const report = reportFrom(
        scan,
        repair,
        removedTempFiles,
        performance.now() - began,
        checkpoint,
        rejected,
      );
      const store = new WalStore({
        path,
        log: writer,
        writer,
        state,
        report,
        writerAlive: false,
        checkpointer,
        retention: options.retention,
      });
      store.#bytesOnDisk = scan.bytesTotal;
      return store;
    } catch (error) {
      await writer.close().catch(() => undefined);
      throw error;
    }
  }

  /** The same API over no files: state lives as long as the object. */
  static openInMemory(
    options: Pick<WalStoreOptions, 'maxHistoryEntries' | 'maxInFlight' | 'maxActions'> = {},
  ): WalStore {
    const report = {
      mode: 'in-memory' as const,
      records: 0,
      firstLsn: undefined,
      lastLsn: 0,
      segments: 0,
      bytes: 0,
      tail: { status: 'clean' } as const,
      repair: undefined,
      damage: [],
      removedTempFiles: [],
      replayMs: 0,
      checkpoint: undefined,
      rejectedCheckpoints: [],
    };
    const state = new JournalState(limitsFrom(options));
    return new WalStore({
      path: undefined,
      log: new MemoryLog(),
      writer: undefined,
      state,
      report,
      writerAlive: false,
      checkpointer: undefined,
      retention: undefined,
    });
  }

  /** Segment bytes on disk as of open, for the retention byte cap (kept current by #write). */
  #bytesOnDisk = 0;

  async actionExecutionStarted(
    actionId: string,
    options: StartOptions = {},
  ): Promise<{ executionId: string; lsn: number }> {
    this.#assertOpen();
    check.checkId('actionId', actionId);
    const executionId =
      options.executionId === undefined
        ? randomUUID()
        : check.checkId('executionId', options.executionId);
    const payload: StartedPayload = {
      executionId,
      actionId,
      source: check.checkLabel('source', options.source),
      executionType: check.checkLabel('executionType', options.executionType),
      attempt: check.checkAttempt(options.attempt),
      startedAt: check.checkTime('startedAt', options.startedAt, Date.now()),
    };
    const attributes = check.checkAttributes(options.attributes);
    if (attributes) payload.attributes = attributes;
    if (this.#state.inFlight.has(executionId) || this.#claimed.has(executionId)) {
      throw new WalValidationError(
        ErrorCode.invalidArgument,
        `execution ${executionId} is already in flight`,
      );
    }
    if (this.#state.inFlight.size + this.#pendingStarts >= this.#state.limits.maxInFlight) {
      throw new WalValidationError(
        ErrorCode.limitExceeded,
        `${this.#state.limits.maxInFlight} executions are in flight (maxInFlight); complete some first`,
      );
    }
    this.#assertActionRoom(actionId);
    this.#pendingStarts += 1;
    try {
      const lsn = await this.#write(RecordType.actionStarted, payload);
      this.#monotonicStarts.set(executionId, performance.now());
      return { executionId, lsn };
    } finally {
      this.#pendingStarts -= 1;
    }
  }

  async actionExecutionCompleted(
    actionId: string,
    options: CompleteOptions,
  ): Promise<{ executionId: string; lsn: number; durationMs: number }> {
    this.#assertOpen();
    check.checkId('actionId', actionId);
    if (typeof options !== 'object' || options === null) {
      throw new WalValidationError(ErrorCode.invalidArgument, 'completion options are required');
    }
    const status = check.checkOutcome(options.success, options.status);
    const completedAt = check.checkTime('completedAt', options.completedAt, Date.now());
    const given =
      options.executionId === undefined
        ? undefined
        : check.checkId('executionId', options.executionId);
    const open = given === undefined ? this.#oldestOpen(actionId) : this.#state.inFlight.get(given);
    if (open && open.start.actionId !== actionId) {
      throw new WalValidationError(
        ErrorCode.invalidArgument,
        `execution ${given} belongs to action '${open.start.actionId}', not '${actionId}'`,
      );
    }
    const executionId = given ?? open?.start.executionId ?? randomUUID();
    if (this.#claimed.has(executionId)) {
      throw new WalValidationError(
        ErrorCode.invalidArgument,
        `execution ${executionId} is already being completed`,
      );
    }
    const durationMs =
      check.checkDurationMs(options.durationMs) ?? this.#measure(open, completedAt);
    const payload: CompletedPayload = { executionId, actionId, status, durationMs, completedAt };
    const output = check.checkText('output', options.output);
    const error = check.checkText('error', options.error);
    const metrics = check.checkMetrics(options.metrics);
    if (output !== undefined) payload.output = output;
    if (error !== undefined) payload.error = error;
    if (metrics) payload.metrics = metrics;
    if (!open) this.#assertActionRoom(actionId);
    this.#claimed.add(executionId);
    try {
      const lsn = await this.#write(RecordType.actionCompleted, payload);
      this.#monotonicStarts.delete(executionId);
      return { executionId, lsn, durationMs };
    } finally {
      this.#claimed.delete(executionId);
    }
  }

  async cleanupExecuted(scannerId: string, options: CleanupOptions): Promise<{ lsn: number }> {
    this.#assertOpen();
    check.checkId('scannerId', scannerId);
    if (typeof options !== 'object' || options === null) {
      throw new WalValidationError(ErrorCode.invalidArgument, 'cleanup options are required');
    }
    if (typeof options.success !== 'boolean') {
      throw new WalValidationError(ErrorCode.invalidArgument, 'success must be a boolean');
    }
    const payload: CleanupPayload = {
      scannerId,
      resourceId: check.checkId('resourceId', options.resourceId),
      action: check.checkId('action', options.action),
      success: options.success,
      executedAt: check.checkTime('executedAt', options.executedAt, Date.now()),
    };
    const error = check.checkText('error', options.error);
    if (error !== undefined) payload.error = error;
    return { lsn: await this.#write(RecordType.cleanupExecuted, payload) };
  }

  /** Newest first, at most `limit` (bounded by maxHistoryEntries). */
  recentActionExecutions(limit: number): ActionExecutionRecord[] {
    return structuredClone(this.#state.executions.newest(check.checkLimit(limit)));
  }

  /** Failed, timed-out and cancelled executions, newest first (a ring of their own). */
  recentFailures(limit: number): ActionExecutionRecord[] {
    return structuredClone(this.#state.failures.newest(check.checkLimit(limit)));
  }

  recentCleanupOperations(limit: number): CleanupRecord[] {
    return structuredClone(this.#state.cleanups.newest(check.checkLimit(limit)));
  }

  /** Cumulative stats of one action; zero counts for an action never seen. */
  actionStats(actionId: string): ActionStats {
    return this.#state.actions.get(actionId)?.snapshot() ?? emptyActionStats(actionId);
  }

  /** Stats of every tracked action, in first-seen order. */
  allActionStats(): ActionStats[] {
    return [...this.#state.actions.values()].map((acc) => acc.snapshot());
  }

  /** Executions started and not completed, oldest first. */
  inFlight(): InFlightExecution[] {
    return [...this.#state.inFlight.values()].map((open) => this.#describe(open));
  }

  get counters(): JournalCounters {
    return { ...this.#state.counters };
  }

  get lastLsn(): number {
    return this.#state.lastLsn;
  }

  /** Makes every record so far durable (for durability 'interval' and 'none'). */
  sync(): Promise<void> {
    this.#assertOpen();
    return this.#log.sync();
  }

  /**
   * Writes a checkpoint of the current state (durable records only), keeps the two newest,
   * and applies the retention policy. Resolves with what it wrote.
   */
  async checkpoint(): Promise<CheckpointResult> {
    this.#assertOpen();
    if (!this.#checkpointer || !this.#writer) {
      throw new WalError(
        ErrorCode.readOnly,
        `the store ${this.path ?? '(in memory)'} cannot write checkpoints (read-only or in memory)`,
      );
    }
    const result = await this.#checkpointer.checkpoint(this.#state, this.#writer.bytesAppended);
    this.#bytesOnDisk = this.#measureDisk();
    return result;
  }

  /** Segments and checkpoints on disk, their sizes, LSN range and times. */
  diskUsage(): DiskUsage {
    if (!this.path) {
      return {
        segments: 0,
        bytes: 0,
        checkpointBytes: 0,
        oldestLsn: undefined,
        newestLsn: this.lastLsn,
        oldestSegmentAt: undefined,
        newestSegmentAt: undefined,
        checkpointLsn: undefined,
      };
    }
    const segments = statSegments(nodeFileSystem, this.path);
    const checkpoints = this.#checkpointFiles();
    return {
      segments: segments.length,
      bytes: segments.reduce((sum, seg) => sum + seg.bytes, 0),
      checkpointBytes: checkpoints.reduce((sum, c) => sum + c.bytes, 0),
      oldestLsn: segments[0]?.baseLsn,
      newestLsn: this.lastLsn,
      oldestSegmentAt: segments[0]?.modifiedMs,
      newestSegmentAt: segments.at(-1)?.modifiedMs,
      checkpointLsn: checkpoints[0]?.lsn,
    };
  }

  /**
   * Every record still on disk, in LSN order, as history entries (filters AND), streaming with
   * bounded memory; works on a read-only store beside a live writer. After the last record,
   * starts never completed follow as `interrupted` entries (when no `until` bound is given).
   */
  async *history(
    filter: HistoryFilter = {},
    onProgress?: (progress: { bytesDone: number; bytesTotal: number }) => void,
  ): AsyncGenerator<HistoryEntry> {
    const dir = this.#requirePath();
    const join = new HistoryJoin();
    const recovery = this.recoveryReport.mode === 'salvage' ? 'salvage' : 'point-in-time';
    const scan = iterateLog(dir, { recovery, onProgress });
    let count = 0;
    for (let step = scan.next(); !step.done; step = scan.next()) {
      const entry = join.entry(step.value);
      if (entry && matchesFilter(entry, filter)) yield entry;
      // Let other work run during long scans.
      if (++count % 10_000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    if (filter.until === undefined) {
      // With no writer alive they were interrupted; beside a live writer they may be running.
      const kind = this.#writer || this.#writerAlive ? 'in-flight' : 'interrupted';
      for (const entry of join.unfinished(kind)) if (matchesFilter(entry, filter)) yield entry;
    }
  }

  /**
   * Existing records from `fromLsn` (default: the oldest on disk), then new ones as the writer
   * appends them, from this or another process, across rotation. Ends on close() or `signal`.
   * Throws WAL_SEGMENT_GONE when retention removed records it still needed.
   */
  async *follow(
    options: { fromLsn?: number; signal?: AbortSignal; pollMs?: number } = {},
  ): AsyncGenerator<HistoryEntry> {
    const dir = this.#requirePath();
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#closeSignal.signal])
      : this.#closeSignal.signal;
    const join = new HistoryJoin();
    for await (const record of followLog(dir, {
      fromLsn: options.fromLsn,
      signal,
      pollMs: options.pollMs,
    })) {
      const entry = join.entry(record);
      if (entry) yield entry;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeSignal.abort();
    await this.#checkpointer?.settle();
    await this.#log.close();
  }

  async #write(
    type: RecordType,
    value: StartedPayload | CompletedPayload | CleanupPayload,
  ): Promise<number> {
    const maxBytes = this.#retention?.maxBytes;
    if (maxBytes !== undefined && this.#diskEstimate() > maxBytes) {
      // The hard byte cap: measure (a background checkpoint may have freed space); if still
      // over, delete what the newest checkpoint covers; if still over, checkpoint and delete
      // covered segments before writing more.
      this.#bytesOnDisk = this.#measureDisk();
      if (this.#diskEstimate() > maxBytes && this.#checkpointer) {
        this.#checkpointer.applyRetention();
        this.#bytesOnDisk = this.#measureDisk();
      }
      if (this.#diskEstimate() > maxBytes) await this.checkpoint();
    }
    const { firstLsn } = await this.#log.append([{ type, value }]);
    applyRecord(this.#state, { lsn: firstLsn, type, value });
    if (this.#writer && this.#checkpointer) {
      const appended = this.#writer.bytesAppended;
      this.#checkpointer.maybeCheckpoint(this.#state, appended);
      if (maxBytes !== undefined && this.#diskEstimate() > maxBytes * 0.75) {
        // The watermark: checkpoint in the background, so that at the cap retention can free
        // room without one. Only when the newest checkpoint does not yet cover every sealed
        // segment (else it would run again after every write), and measured (background
        // checkpoints delete segments without updating the estimate).
        this.#bytesOnDisk = this.#measureDisk();
        if (
          this.#diskEstimate() > maxBytes * 0.75 &&
          this.#checkpointer.lsn < this.#activeBaseLsn - 1
        ) {
          this.#checkpointer.checkpointSoon(this.#state, appended);
        }
      }
    }
    return firstLsn;
  }

  /** bytesAppended when #bytesOnDisk was last measured. */
  #appendedAtMeasure = 0;

  #diskEstimate(): number {
    return this.#bytesOnDisk + (this.#writer?.bytesAppended ?? 0) - this.#appendedAtMeasure;
  }

  /** Base LSN of the last segment when #bytesOnDisk was last measured. */
  #activeBaseLsn = 0;

  #measureDisk(): number {
    this.#appendedAtMeasure = this.#writer?.bytesAppended ?? 0;
    const segments = this.path ? statSegments(nodeFileSystem, this.path) : [];
    this.#activeBaseLsn = segments.at(-1)?.baseLsn ?? 0;
    return segments.reduce((sum, seg) => sum + seg.bytes, 0);
  }

  #checkpointFiles(): { name: string; lsn: number; bytes: number }[] {
    const dir = this.#requirePath();
    const files = this.#checkpointer?.files() ?? listCheckpointsIn(dir);
    return files.map((f) => ({ ...f, bytes: nodeFileSystem.stat(joinPath(dir, f.name)).bytes }));
  }

  #requirePath(): string {
    if (!this.path)
      throw new WalError(ErrorCode.invalidArgument, 'an in-memory store has no history on disk');
    return this.path;
  }

  #assertOpen(): void {
    if (this.#closed) throw new WalClosedError(this.path ?? '(in memory)');
  }

  #assertActionRoom(actionId: string): void {
    if (
      !this.#state.actions.has(actionId) &&
      this.#state.actions.size >= this.#state.limits.maxActions
    ) {
      throw new WalValidationError(
        ErrorCode.limitExceeded,
        `${this.#state.limits.maxActions} distinct actions are tracked (maxActions); '${actionId}' would be one more`,
      );
    }
  }

  #oldestOpen(actionId: string): OpenExecution | undefined {
    for (const open of this.#state.inFlight.values()) {
      if (open.start.actionId === actionId && !this.#claimed.has(open.start.executionId))
        return open;
    }
    return undefined;
  }

  /** Duration of a completion that gave none: monotonic within this process, else wall clock. */
  #measure(open: OpenExecution | undefined, completedAt: number): number {
    if (!open) {
      throw new WalValidationError(
        ErrorCode.invalidArgument,
        'durationMs is required when the completion matches no start in flight',
      );
    }
    const startedHere = this.#monotonicStarts.get(open.start.executionId);
    if (startedHere !== undefined) return Math.max(0, performance.now() - startedHere);
    return Math.max(0, completedAt - open.start.startedAt);
  }

  #describe(open: OpenExecution): InFlightExecution {
    const { start } = open;
    const interrupted = !this.#writerAlive && open.lsn <= this.#openedAtLsn;
    const entry: InFlightExecution = {
      lsn: open.lsn,
      executionId: start.executionId,
      actionId: start.actionId,
      source: start.source,
      executionType: start.executionType,
      attempt: start.attempt,
      startedAt: start.startedAt,
      state: interrupted ? 'interrupted' : 'running',
    };
    if (start.attributes) entry.attributes = { ...start.attributes };
    return entry;
  }
}

function limitsFrom(
  options: Pick<WalStoreOptions, 'maxHistoryEntries' | 'maxInFlight' | 'maxActions'>,
) {
  return {
    maxHistoryEntries: check.checkBound(
      'maxHistoryEntries',
      options.maxHistoryEntries,
      defaults.maxHistoryEntries,
      1_000_000,
    ),
    maxInFlight: check.checkBound(
      'maxInFlight',
      options.maxInFlight,
      defaults.maxInFlight,
      1_000_000,
    ),
    maxActions: check.checkBound('maxActions', options.maxActions, defaults.maxActions, 1_000_000),
  };
}

function reportFrom(
  scan: ScanReport,
  repair: TailRepair | undefined,
  removedTempFiles: string[],
  replayMs: number,
  checkpoint: { name: string; lsn: number } | undefined,
  rejectedCheckpoints: RejectedCheckpoint[],
): Omit<RecoveryReport, 'interrupted' | 'interruptedCount'> {
  return {
    mode: scan.mode,
    records: scan.records,
    firstLsn: scan.firstLsn,
    lastLsn: scan.lastLsn,
    segments: scan.segments.length,
    bytes: scan.bytesTotal,
    tail: scan.tail,
    repair,
    damage: scan.damage,
    removedTempFiles,
    replayMs,
    checkpoint,
    rejectedCheckpoints,
  };
}

interface StoreParts {
  path: string | undefined;
  log: JournalLog;
  writer: WalWriter | undefined;
  state: JournalState;
  report: Omit<RecoveryReport, 'interrupted' | 'interruptedCount'>;
  writerAlive: boolean;
  checkpointer: Checkpointer | undefined;
  retention: RetentionPolicy | undefined;
}

function listCheckpointsIn(dir: string): { name: string; lsn: number }[] {
  return listCheckpoints(nodeFileSystem, dir);
}
