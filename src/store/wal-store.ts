// WalStore: the execution journal users embed (docs/api.md). Every call is validated, written
// to the log, and only then folded into state (applyRecord, the same fold replay uses), so
// queries see a record exactly when its append promise has resolved.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ErrorCode, WalClosedError, WalError, WalValidationError } from '../errors.js';
import { defaults } from '../limits.js';
import { type FileSystem, nodeFileSystem } from '../wal/file-system.js';
import { statSegments } from '../wal/segment-list.js';
import type { RetentionPolicy } from '../wal/segment-retention.js';
import type { WalWriter } from '../wal/wal-writer.js';
import { emptyActionStats } from './action-stats.js';
import * as check from './call-validation.js';
import type { Checkpointer, CheckpointResult } from './journal-checkpoints.js';
import { diskUsageOf, emptyDiskUsage, followOf, historyOf } from './journal-disk.js';
import type { HistoryEntry, HistoryFilter } from './journal-history.js';
import { type JournalLog, MemoryLog } from './journal-log.js';
import { toWire } from './record-codec.js';
import { type OpenedJournal, openJournal } from './journal-open.js';
import {
  type CleanupPayload,
  type CompletedPayload,
  RecordType,
  type StartedPayload,
} from './journal-records.js';
import {
  applyPayload,
  type CheckedPayload,
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
import {
  type CleanupOptions,
  type CompleteOptions,
  type DiskUsage,
  limitsFrom,
  type RecoveryReport,
  type StartOptions,
  type WalStoreOptions,
} from './store-options.js';

export type {
  CleanupOptions,
  CompleteOptions,
  DiskUsage,
  RecoveryReport,
  StartOptions,
  WalStoreOptions,
} from './store-options.js';

export class WalStore {
  readonly path: string | undefined;
  readonly recoveryReport: RecoveryReport;
  #fs: FileSystem;
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

  private constructor(parts: OpenedJournal) {
    this.path = parts.path;
    this.#fs = parts.fs;
    this.#bytesOnDisk = parts.bytesOnDisk;
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
    return new WalStore(await openJournal(path, options));
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
      fs: nodeFileSystem,
      bytesOnDisk: 0,
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
  #bytesOnDisk: number;

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
    if (!open) {
      const source = check.checkLabel('source', options.source);
      const executionType = check.checkLabel('executionType', options.executionType);
      if (source) payload.source = source;
      if (executionType) payload.executionType = executionType;
      this.#assertActionRoom(actionId);
    }
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
    return this.path
      ? diskUsageOf(this.#fs, this.path, this.lastLsn)
      : emptyDiskUsage(this.lastLsn);
  }

  /**
   * Every record still on disk, in LSN order, as history entries (filters AND), streaming with
   * bounded memory; works on a read-only store beside a live writer. After the last record,
   * starts never completed follow as `interrupted` entries (`in-flight` beside a live writer)
   * when no `until` bound is given.
   */
  async *history(
    filter: HistoryFilter = {},
    onProgress?: (progress: { bytesDone: number; bytesTotal: number }) => void,
  ): AsyncGenerator<HistoryEntry> {
    const recovery = this.recoveryReport.mode === 'salvage' ? 'salvage' : 'point-in-time';
    const unfinished = this.#writer || this.#writerAlive ? 'in-flight' : 'interrupted';
    yield* historyOf(this.#fs, this.#requirePath(), { filter, recovery, unfinished, onProgress });
  }

  /**
   * Existing records from `fromLsn` (default: the oldest on disk), then new ones as the writer
   * appends them, from this or another process, across rotation. Ends on close() or `signal`.
   * Throws WAL_SEGMENT_GONE when retention removed records it still needed.
   */
  async *follow(
    options: { fromLsn?: number; signal?: AbortSignal; pollMs?: number } = {},
  ): AsyncGenerator<HistoryEntry> {
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#closeSignal.signal])
      : this.#closeSignal.signal;
    yield* followOf(this.#fs, this.#requirePath(), { ...options, signal });
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
    const { firstLsn } = await this.#log.append([{ type, value: toWire(type, value) }]);
    applyPayload(this.#state, firstLsn, { type, value } as CheckedPayload);
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
    const segments = this.path ? statSegments(this.#fs, this.path) : [];
    this.#activeBaseLsn = segments.at(-1)?.baseLsn ?? 0;
    return segments.reduce((sum, seg) => sum + seg.bytes, 0);
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
