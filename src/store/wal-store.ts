// WalStore: the execution journal users embed (docs/api.md). Every call is validated, written
// to the log, and only then folded into state (applyRecord, the same fold replay uses), so
// queries see a record exactly when its append promise has resolved.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ErrorCode, WalClosedError, WalValidationError } from '../errors.js';
import { defaults } from '../limits.js';
import type { DamageReport, ScanReport, TailReport } from '../wal/log-reader.js';
import { replayLog } from '../wal/log-replay.js';
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
  onProgress?: (progress: { bytesDone: number; bytesTotal: number }) => void;
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
}

export class WalStore {
  readonly path: string | undefined;
  readonly recoveryReport: RecoveryReport;
  #log: JournalLog;
  #state: JournalState;
  /** Starts up to this LSN were made before this open: in flight now means interrupted. */
  #openedAtLsn: number;
  #writerAlive: boolean;
  #monotonicStarts = new Map<string, number>();
  #claimed = new Set<string>();
  #pendingStarts = 0;
  #closed = false;

  private constructor(
    path: string | undefined,
    log: JournalLog,
    state: JournalState,
    report: Omit<RecoveryReport, 'interrupted' | 'interruptedCount'>,
    writerAlive: boolean,
  ) {
    this.path = path;
    this.#log = log;
    this.#state = state;
    this.#openedAtLsn = state.lastLsn;
    this.#writerAlive = writerAlive;
    const interrupted = writerAlive ? [] : this.inFlight();
    this.recoveryReport = {
      ...report,
      interrupted: interrupted.slice(0, defaults.maxReportedInterrupted),
      interruptedCount: interrupted.length,
    };
  }

  static async open(path: string, options: WalStoreOptions = {}): Promise<WalStore> {
    const state = new JournalState(limitsFrom(options));
    const fold = (record: WalRecord) => applyRecord(state, record);
    const began = performance.now();
    if (options.readOnly) {
      const scan = replayLog(
        path,
        { recovery: options.recovery, onProgress: options.onProgress },
        fold,
      );
      const report = reportFrom(scan, undefined, [], performance.now() - began);
      return new WalStore(
        path,
        new ReadOnlyLog(path),
        state,
        report,
        readHolder(path) !== undefined,
      );
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
      },
      fold,
    );
    const { scan, repair, removedTempFiles } = writer.openReport;
    const report = reportFrom(scan, repair, removedTempFiles, performance.now() - began);
    return new WalStore(path, writer, state, report, false);
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
    };
    return new WalStore(
      undefined,
      new MemoryLog(),
      new JournalState(limitsFrom(options)),
      report,
      false,
    );
  }

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

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#log.close();
  }

  async #write(
    type: RecordType,
    value: StartedPayload | CompletedPayload | CleanupPayload,
  ): Promise<number> {
    const { firstLsn } = await this.#log.append([{ type, value }]);
    applyRecord(this.#state, { lsn: firstLsn, type, value });
    return firstLsn;
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
  };
}
