// WalStore: the execution journal users embed (docs/api.md). A thin face over its parts: the
// recorder checks each call against the state machine and the limits, the appender masks,
// writes and folds it (the same fold replay uses, so queries see a record exactly when its
// append has resolved), the queries answer from state or from the records on disk.
import { WalClosedError, WalError, ErrorCode } from '../errors.js';
import { checkString } from '../journal/field-checks.js';
import { SecretMasker } from '../journal/secret-masker.js';
import type { CheckpointResult } from './journal-checkpoints.js';
import { diskUsageOf, emptyDiskUsage, followOf, historyOf } from './journal-disk.js';
import type { HistoryEntry, HistoryFilter } from '../journal/history-filter.js';
import { JournalState, type JournalCounters } from '../journal/journal-state.js';
import type {
  ActionExecutionRecord,
  ActionStats,
  CleanupRecord,
  ExecutionDetail,
  GroupStats,
  InFlightExecution,
  QueuedExecution,
} from '../journal/journal-types.js';
import type { GroupBy } from '../journal/group-stats.js';
import type { LifecyclePlace } from '../journal/execution-lifecycle.js';
import { defaults } from '../limits.js';
import { nodeFileSystem } from '../wal/file-system.js';
import { ExecutionPlaces } from './execution-place.js';
import { ExecutionRecorder, type Duplicate } from './execution-recorder.js';
import { type ExecutionPage, type ListFilter, listExecutions } from './execution-listing.js';
import { JournalAppender } from './journal-appender.js';
import { JournalEvents, type StoreEvent, type StoreListener } from './journal-events.js';
import { MemoryLog } from './journal-log.js';
import { type OpenedJournal, openJournal } from './journal-open.js';
import { JournalQueries } from './journal-queries.js';
import { ErasureRecorder } from './erasure-recorder.js';
import { type CompactionResult, compactErased } from './erasure-compaction.js';
import { PendingTransitions } from './pending-transitions.js';
import { RetentionGuard } from './retention-guard.js';
import {
  type CancelOptions,
  type CleanupOptions,
  type CompleteOptions,
  checkStoreOptions,
  type DiskUsage,
  type EraseOptions,
  type InMemoryOptions,
  limitsFrom,
  type ProgressOptions,
  type QueueOptions,
  type Recorded,
  type RecoveryReport,
  type StartOptions,
  type StepCompleteOptions,
  type StepStartOptions,
  storeOptionKeys,
  type WalStoreOptions,
} from './store-options.js';

export type * from './store-options.js';

const inMemoryKeys = storeOptionKeys.filter(
  (k) =>
    ![
      'durability',
      'syncIntervalMs',
      'recovery',
      'maxSegmentBytes',
      'preallocateBytes',
      'lockStaleMs',
      'readOnly',
      'checkpointEveryBytes',
      'retention',
      'onProgress',
      'fs',
    ].includes(k),
);

export class WalStore {
  readonly path: string | undefined;
  readonly recoveryReport: RecoveryReport;
  readonly #parts: OpenedJournal;
  readonly #state: JournalState;
  readonly #events: JournalEvents;
  readonly #places: ExecutionPlaces;
  readonly #recorder: ExecutionRecorder;
  readonly #erasure: ErasureRecorder;
  readonly #appender: JournalAppender;
  readonly #queries: JournalQueries;
  readonly #guard: RetentionGuard | undefined;
  #closed = false;
  readonly #closeSignal = new AbortController();

  private constructor(parts: OpenedJournal, options: InMemoryOptions) {
    this.path = parts.path;
    this.#parts = parts;
    this.#state = parts.state;
    this.#events = new JournalEvents(options.onListenerError);
    const pending = new PendingTransitions();
    // Starts up to the LSN at open were made by a process that is gone, unless a writer is alive.
    this.#places = new ExecutionPlaces(
      parts.state,
      pending,
      parts.writerAlive ? 0 : parts.state.lastLsn,
    );
    const masker = new SecretMasker(options.redact);
    if (parts.writer && parts.checkpointer) {
      this.#guard = new RetentionGuard(
        parts.writer.fencedFileSystem,
        parts.path!,
        parts.writer,
        parts.checkpointer,
        parts.retention?.maxBytes,
        parts.bytesOnDisk,
      );
    }
    this.#appender = new JournalAppender(parts.state, parts.log, masker, this.#events, this.#guard);
    const deps = {
      state: parts.state,
      places: this.#places,
      pending,
      idempotencyWindowMs: options.idempotencyWindowMs ?? defaults.idempotencyWindowMs,
      write: <P extends object>(kind: Parameters<JournalAppender['append']>[0], payload: P) =>
        this.#appender.append(kind as never, payload),
      now: Date.now,
    };
    this.#recorder = new ExecutionRecorder(deps);
    this.#erasure = new ErasureRecorder(deps);
    this.#queries = new JournalQueries(parts, this.#places);
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
    checkStoreOptions(options);
    return new WalStore(await openJournal(path, options), options);
  }

  /** The same API over no files: state lives as long as the object. */
  static openInMemory(options: InMemoryOptions = {}): WalStore {
    checkStoreOptions(options, inMemoryKeys);
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
    return new WalStore(
      {
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
        recovery: 'tolerate-tail',
      },
      options,
    );
  }

  // Recording (docs/api.md#recording). Each resolves once its record is durable.

  /** Queues an execution; with an idempotency key already seen, returns that one instead. */
  async actionExecutionQueued(actionId: string, options: QueueOptions = {}): Promise<Recorded> {
    this.#assertOpen();
    const done = await this.#recorder.queue(checkAction(actionId), options);
    if ('place' in done) return this.#deduplicated(done);
    return { executionId: done.executionId, lsn: done.lsn, status: 'queued', deduplicated: false };
  }

  /** Starts an execution (a queued one by its id, the next attempt of a retried one, or a new one). */
  async actionExecutionStarted(
    actionId: string,
    options: StartOptions = {},
  ): Promise<Recorded & { attempt: number }> {
    this.#assertOpen();
    const done = await this.#recorder.start(checkAction(actionId), options);
    if ('place' in done) return { ...(await this.#deduplicated(done)), attempt: 0 };
    return {
      executionId: done.executionId,
      lsn: done.lsn,
      status: 'running',
      deduplicated: false,
      attempt: done.attempt,
    };
  }

  async actionExecutionProgress(
    executionId: string,
    options: ProgressOptions,
  ): Promise<{ lsn: number }> {
    this.#assertOpen();
    return this.#recorder.progress(executionId, options);
  }

  async executionStepStarted(
    executionId: string,
    stepId: string,
    options: StepStartOptions = {},
  ): Promise<{ lsn: number }> {
    this.#assertOpen();
    return this.#recorder.stepStarted(executionId, stepId, options);
  }

  async executionStepCompleted(
    executionId: string,
    stepId: string,
    options: StepCompleteOptions,
  ): Promise<{ lsn: number }> {
    this.#assertOpen();
    return this.#recorder.stepCompleted(executionId, stepId, options);
  }

  /** Ends an attempt: succeeded, failed, timed out, cancelled; with retryAt, queued again. */
  async actionExecutionCompleted(
    actionId: string,
    options: CompleteOptions,
  ): Promise<{ executionId: string; lsn: number; durationMs: number }> {
    this.#assertOpen();
    return this.#recorder.complete(checkAction(actionId), options);
  }

  /** Cancels a queued, running or interrupted execution, saying who and why. */
  async actionExecutionCancelled(
    executionId: string,
    options: CancelOptions = {},
  ): Promise<{ executionId: string; lsn: number }> {
    this.#assertOpen();
    const { lsn } = await this.#recorder.cancel(executionId, options);
    return { executionId, lsn };
  }

  async cleanupExecuted(scannerId: string, options: CleanupOptions): Promise<{ lsn: number }> {
    this.#assertOpen();
    return this.#erasure.cleanup(scannerId, options);
  }

  /** Deletes one ended execution: hidden at once, its bytes removed by `compact`. */
  async deleteExecution(
    executionId: string,
    options: { reason?: string } = {},
  ): Promise<{ lsn: number }> {
    this.#assertOpen();
    return this.#erasure.eraseOne(executionId, options, (id) => this.getExecution(id));
  }

  /** Deletes every ended execution matching the filter (all given fields). */
  async deleteExecutions(filter: EraseOptions = {}): Promise<{ lsn: number }> {
    this.#assertOpen();
    return this.#erasure.eraseMatching(filter);
  }

  on(event: StoreEvent, listener: StoreListener): this {
    this.#events.on(event, listener);
    return this;
  }

  off(event: StoreEvent, listener: StoreListener): this {
    this.#events.off(event, listener);
    return this;
  }

  // Queries from state (at once) and from disk (docs/api.md#queries).

  /** Ended attempts, newest first, at most `limit` (bounded by maxHistoryEntries). */
  recentActionExecutions(limit: number): ActionExecutionRecord[] {
    return this.#queries.recentExecutions(limit);
  }

  /** Failed, timed-out, cancelled (and retried-after-failure) attempts, newest first. */
  recentFailures(limit: number): ActionExecutionRecord[] {
    return this.#queries.recentFailures(limit);
  }

  recentCleanupOperations(limit: number): CleanupRecord[] {
    return this.#queries.recentCleanups(limit);
  }

  /** Cumulative stats of one action; zero counts for an action never seen. */
  actionStats(actionId: string): ActionStats {
    return this.#queries.actionStats(actionId);
  }

  /** Stats of every tracked action, in first-seen order. */
  allActionStats(): ActionStats[] {
    return this.#queries.allActionStats();
  }

  /** Stats per source or per value of an attribute; all-time from memory, or a window from disk. */
  groupStats(options: { by: GroupBy; since?: number; until?: number }): Promise<GroupStats[]> {
    return this.#queries.groupStats(options, (filter) => this.history(filter));
  }

  /** Executions started and not ended, oldest first ('running' or 'interrupted'). */
  inFlight(): InFlightExecution[] {
    return this.#queries.inFlight();
  }

  /**
   * Where an execution stands in the state machine now (docs/lifecycle.md), from memory:
   * 'unknown' for one never seen or no longer remembered (maxEndedTracked).
   */
  executionState(executionId: string): LifecyclePlace {
    return this.#places.of(executionId);
  }

  /** Executions waiting to start, in the order a dispatcher takes them (priority, then age). */
  queued(): QueuedExecution[] {
    return this.#queries.queued();
  }

  /** The whole lifecycle of one execution, from the records still on disk; undefined if none. */
  getExecution(executionId: string): Promise<ExecutionDetail | undefined> {
    this.#assertOpen();
    return this.#queries.getExecution(executionId);
  }

  /** A page of executions by first record (newest first unless order 'asc'). */
  listExecutions(filter: ListFilter = {}): Promise<ExecutionPage> {
    this.#assertOpen();
    this.#requirePath();
    return listExecutions(this.#queries.listContext(), filter);
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
    return this.#parts.log.sync();
  }

  /**
   * Writes a checkpoint of the current state (durable records only), keeps the two newest,
   * and applies the retention policy. Resolves with what it wrote.
   */
  async checkpoint(): Promise<CheckpointResult> {
    this.#assertOpen();
    const { checkpointer, writer } = this.#parts;
    if (!checkpointer || !writer) {
      throw new WalError(
        ErrorCode.readOnly,
        `the store ${this.path ?? '(in memory)'} cannot write checkpoints (read-only or in memory)`,
      );
    }
    const result = await checkpointer.checkpoint(this.#state, writer.bytesAppended);
    this.#guard?.measured();
    return result;
  }

  /**
   * Removes the bytes of erased executions (docs/lifecycle.md#erasure): seals the active segment
   * and rewrites every sealed segment holding their records with `redacted` records, then
   * checkpoints. Queries hid them already; afterwards the disk does not hold them either.
   */
  async compactErased(): Promise<CompactionResult> {
    this.#assertOpen();
    const { writer, path } = this.#parts;
    if (!writer || !path) {
      throw new WalError(
        ErrorCode.readOnly,
        `the store ${path ?? '(in memory)'} cannot compact (read-only or in memory)`,
      );
    }
    const erased = this.#state.erased;
    if (erased.empty) return { segmentsRewritten: [], recordsRedacted: 0 };
    const result = await compactErased(writer.fencedFileSystem, path, writer, erased);
    // Every record of an erased execution is redacted now (none can follow: nothing more may be
    // recorded for it), so the tombstones need not be held any longer.
    erased.clear();
    await this.checkpoint();
    return result;
  }

  /** Segments and checkpoints on disk, their sizes, LSN range and times. */
  diskUsage(): DiskUsage {
    return this.path
      ? diskUsageOf(this.#parts.fs, this.path, this.lastLsn)
      : emptyDiskUsage(this.lastLsn);
  }

  /**
   * Every record still on disk, in LSN order, as history entries (filters AND), streaming with
   * bounded memory; works on a read-only store beside a live writer. Erased executions are not
   * shown. After the last record, starts never ended follow as `interrupted` entries
   * (`in-flight` beside a live writer) when no `until` bound is given.
   */
  async *history(
    filter: HistoryFilter = {},
    onProgress?: (progress: { bytesDone: number; bytesTotal: number }) => void,
  ): AsyncGenerator<HistoryEntry> {
    this.#assertOpen();
    const recovery = this.recoveryReport.mode === 'salvage' ? 'salvage' : 'point-in-time';
    const unfinished = this.#parts.writer || this.#parts.writerAlive ? 'in-flight' : 'interrupted';
    yield* historyOf(this.#parts.fs, this.#requirePath(), {
      filter,
      recovery,
      unfinished,
      onProgress,
      erased: this.#state.erased,
    });
  }

  /**
   * Existing records from `fromLsn` (default: the oldest on disk), then new ones as the writer
   * appends them, from this or another process, across rotation. Ends on close() or `signal`.
   * Throws WAL_SEGMENT_GONE when retention removed records it still needed.
   */
  async *follow(
    options: { fromLsn?: number; signal?: AbortSignal; pollMs?: number } = {},
  ): AsyncGenerator<HistoryEntry> {
    this.#assertOpen();
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#closeSignal.signal])
      : this.#closeSignal.signal;
    yield* followOf(this.#parts.fs, this.#requirePath(), {
      ...options,
      signal,
      erased: this.#state.erased,
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeSignal.abort();
    await this.#parts.checkpointer?.settle();
    await this.#parts.log.close();
  }

  /** `await using store = await WalStore.open(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #deduplicated(done: Duplicate): Promise<Recorded> {
    const execution = this.path
      ? await this.getExecution(done.executionId)
      : this.#queries.liveDetail(done.executionId);
    const recorded: Recorded = {
      executionId: done.executionId,
      lsn: execution?.firstLsn ?? 0,
      status: execution?.status ?? (done.place as Recorded['status']),
      deduplicated: true,
    };
    if (execution) recorded.execution = execution;
    return recorded;
  }

  #requirePath(): string {
    if (!this.path)
      throw new WalError(ErrorCode.invalidArgument, 'an in-memory store has no history on disk');
    return this.path;
  }

  #assertOpen(): void {
    if (this.#closed) throw new WalClosedError(this.path ?? '(in memory)');
  }
}

function checkAction(actionId: unknown): string {
  return checkString('actionId', actionId, defaults.maxIdBytes, 'refused');
}
