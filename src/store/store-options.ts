// The options, inputs and reports of WalStore (docs/api.md), and the journal limits they
// resolve to. Types, the known keys of each options object, and the check of the limits.
import type { RedactOptions } from '../journal/secret-masker.js';
import type { LifecycleState } from '../journal/execution-lifecycle.js';
import type {
  DocumentValue,
  ExecutionStatus,
  StepStatus,
  TimeoutKind,
} from '../journal/journal-records.js';
import type { JournalLimits } from '../journal/journal-state.js';
import type { ExecutionDetail, InFlightExecution } from '../journal/journal-types.js';
import { checkBound } from './call-checks.js';
import { defaults } from '../limits.js';
import type { RejectedCheckpoint } from '../wal/checkpoint-files.js';
import type { FileSystem } from '../wal/file-system.js';
import type { DamageReport, TailReport } from '../wal/log-reader.js';
import type { RecoveryMode } from '../wal/recovery-policy.js';
import type { RetentionPolicy } from '../wal/segment-retention.js';
import type { TailRepair } from '../wal/tail-repair.js';
import type { Durability } from '../wal/wal-writer.js';
import { checkOptionKeys } from './option-keys.js';

export interface WalStoreOptions {
  /** Bound of each history ring buffer (executions, failures, cleanups). Default 1000. */
  maxHistoryEntries?: number;
  /** Executions running at once (default 10,000). */
  maxInFlight?: number;
  /** Executions queued at once, retries waiting included (default 100,000). */
  maxQueued?: number;
  maxActions?: number;
  /** Ended executions remembered by id (default 10,000). */
  maxEndedTracked?: number;
  maxIdempotencyKeys?: number;
  /** How long an idempotency key returns its execution (default 24 h). */
  idempotencyWindowMs?: number;
  /** The attribute that scopes idempotency keys (default 'org'). */
  tenantAttribute?: string;
  /** Attribute keys with all-time grouped stats kept in memory (default ['org']). */
  statsAttributes?: readonly string[];
  maxGroups?: number;
  /** Secret masking before anything is written; on by default with the built-in patterns. */
  redact?: RedactOptions;
  /** Called when an event listener throws (the store goes on). */
  onListenerError?: (error: unknown, event: string) => void;
  durability?: Durability;
  syncIntervalMs?: number;
  recovery?: RecoveryMode;
  maxSegmentBytes?: number;
  /** Zeros written ahead of the data (default 1 MiB when syncing, 0 for durability 'none'). */
  preallocateBytes?: number;
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

export const storeOptionKeys: readonly (keyof WalStoreOptions)[] = [
  'maxHistoryEntries',
  'maxInFlight',
  'maxQueued',
  'maxActions',
  'maxEndedTracked',
  'maxIdempotencyKeys',
  'idempotencyWindowMs',
  'tenantAttribute',
  'statsAttributes',
  'maxGroups',
  'redact',
  'onListenerError',
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
];

/** The options openInMemory takes (the rest are about files). */
export type InMemoryOptions = Omit<
  WalStoreOptions,
  | 'durability'
  | 'syncIntervalMs'
  | 'recovery'
  | 'maxSegmentBytes'
  | 'preallocateBytes'
  | 'lockStaleMs'
  | 'readOnly'
  | 'checkpointEveryBytes'
  | 'retention'
  | 'onProgress'
  | 'fs'
>;

/** How an execution ends: `success` or `status` (or both, agreeing). */
export type Outcome<S extends string> =
  | { success: boolean; status?: S }
  | { status: S; success?: boolean };

export interface QueueOptions {
  executionId?: string;
  requestId?: string;
  /** Where the request came from (approval source: 'auto_approval', 'hitl', a scheduler...). */
  source?: string;
  approvalId?: string;
  /** Higher starts first (default 0). */
  priority?: number;
  idempotencyKey?: string;
  /** With a key already seen: return that execution (default), or make a new one if it failed. */
  onDuplicateKey?: 'return-existing' | 'retry-if-failed';
  attributes?: Record<string, string>;
  /** Attempts in all (default 1). */
  maxAttempts?: number;
  queueTimeoutMs?: number;
  executionTimeoutMs?: number;
  executionType?: string;
  /** The request itself (plain data), so a restarted process can run it. */
  request?: DocumentValue;
  /** The execution this one requeues (a new attempt chain of a dead letter). */
  requeuedFrom?: string;
  queuedAt?: number;
}

export interface StartOptions {
  executionId?: string;
  source?: string;
  executionType?: string;
  /** 1-based attempt number. Default: 1, or the next attempt of a queued execution. */
  attempt?: number;
  attributes?: Record<string, string>;
  startedAt?: number;
  idempotencyKey?: string;
  onDuplicateKey?: 'return-existing' | 'retry-if-failed';
  requestId?: string;
}

export type CompleteOptions = Outcome<ExecutionStatus> & {
  executionId?: string;
  /** Measured from the matching start when omitted. */
  durationMs?: number;
  output?: string;
  error?: string;
  metrics?: Record<string, number>;
  completedAt?: number;
  /** For a completion that matches no start (a one-shot record); a matched start's win. */
  source?: string;
  executionType?: string;
  /** With status 'timed_out': which deadline ('execution' by default; 'queue' for a queued one). */
  timedOut?: TimeoutKind;
  /** Queue the execution again for its next attempt, not to start before this time. */
  retryAt?: number;
};

export interface ProgressOptions {
  /** 0..100. */
  percent: number;
  message?: string;
  stepId?: string;
  at?: number;
}

export interface StepStartOptions {
  at?: number;
}

export type StepCompleteOptions = Outcome<StepStatus> & {
  durationMs?: number;
  error?: string;
  at?: number;
};

export interface CancelOptions {
  actor?: string;
  reason?: string;
  cancelledAt?: number;
}

export interface CleanupOptions {
  resourceId: string;
  action: string;
  success: boolean;
  error?: string;
  executedAt?: number;
}

/** deleteExecutions: every ended execution matching all given fields. */
export interface EraseOptions {
  actionId?: string;
  /** First recorded before this time (epoch ms). */
  before?: number;
  attributes?: Record<string, string>;
  reason?: string;
}

export const optionKeys = {
  queue: [
    'executionId',
    'requestId',
    'source',
    'approvalId',
    'priority',
    'idempotencyKey',
    'onDuplicateKey',
    'attributes',
    'maxAttempts',
    'queueTimeoutMs',
    'executionTimeoutMs',
    'executionType',
    'request',
    'requeuedFrom',
    'queuedAt',
  ],
  start: [
    'executionId',
    'source',
    'executionType',
    'attempt',
    'attributes',
    'startedAt',
    'idempotencyKey',
    'onDuplicateKey',
    'requestId',
  ],
  complete: [
    'executionId',
    'success',
    'status',
    'durationMs',
    'output',
    'error',
    'metrics',
    'completedAt',
    'source',
    'executionType',
    'timedOut',
    'retryAt',
  ],
  progress: ['percent', 'message', 'stepId', 'at'],
  stepStart: ['at'],
  stepComplete: ['success', 'status', 'durationMs', 'error', 'at'],
  cancel: ['actor', 'reason', 'cancelledAt'],
  cleanup: ['resourceId', 'action', 'success', 'error', 'executedAt'],
  erase: ['actionId', 'before', 'attributes', 'reason'],
  erase1: ['reason'],
} as const satisfies Record<string, readonly string[]>;

/** What a recording call returns. */
export interface Recorded {
  executionId: string;
  /** LSN of the record written (of the execution's first record when deduplicated). */
  lsn: number;
  status: LifecycleState;
  /** An idempotency key already seen: nothing was written; `execution` is what exists. */
  deduplicated: boolean;
  execution?: ExecutionDetail;
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

export function limitsFrom(options: InMemoryOptions): JournalLimits {
  const given = options as Record<string, unknown>;
  const bound = (name: keyof InMemoryOptions, fallback: number, max = 10_000_000) =>
    checkBound(name, given[name], fallback, max);
  const tenant = options.tenantAttribute ?? 'org';
  if (typeof tenant !== 'string' || tenant.length === 0)
    checkBound('tenantAttribute', Number.NaN, 1, 1);
  const statsAttributes = options.statsAttributes ?? ['org'];
  if (
    !Array.isArray(statsAttributes) ||
    statsAttributes.some((a) => typeof a !== 'string' || a === '') ||
    statsAttributes.length > 16
  ) {
    checkBound('statsAttributes (a list of at most 16 attribute keys)', Number.NaN, 1, 16);
  }
  return {
    maxHistoryEntries: bound('maxHistoryEntries', defaults.maxHistoryEntries, 1_000_000),
    maxInFlight: bound('maxInFlight', defaults.maxInFlight, 1_000_000),
    maxActions: bound('maxActions', defaults.maxActions, 1_000_000),
    maxQueued: bound('maxQueued', defaults.maxQueued),
    maxEndedTracked: bound('maxEndedTracked', defaults.maxEndedTracked),
    maxIdempotencyKeys: bound('maxIdempotencyKeys', defaults.maxIdempotencyKeys),
    maxGroups: bound('maxGroups', defaults.maxGroups, 100_000),
    maxProgressEntries: defaults.maxProgressEntries,
    tenantAttribute: tenant,
    statsAttributes: [...new Set(statsAttributes)],
  };
}

/** Checks the keys of a WalStore options object (and of openInMemory's narrower one). */
export function checkStoreOptions(
  options: unknown,
  keys: readonly string[] = storeOptionKeys,
): void {
  checkOptionKeys('WalStore options', options, keys);
}
