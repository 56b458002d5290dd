// The options, inputs and reports of WalStore (docs/api.md), and the journal limits they
// resolve to. Types only, plus the one function that checks the limits.
import { defaults } from '../limits.js';
import type { RejectedCheckpoint } from '../wal/checkpoint-files.js';
import type { FileSystem } from '../wal/file-system.js';
import type { DamageReport, TailReport } from '../wal/log-reader.js';
import type { RecoveryMode } from '../wal/recovery-policy.js';
import type { RetentionPolicy } from '../wal/segment-retention.js';
import type { TailRepair } from '../wal/tail-repair.js';
import type { Durability } from '../wal/wal-writer.js';
import * as check from './call-validation.js';
import type { ExecutionStatus } from './journal-records.js';
import type { JournalLimits } from './journal-state.js';
import type { InFlightExecution } from './journal-types.js';

export interface WalStoreOptions {
  /** Bound of each history ring buffer (executions, failures, cleanups). Default 1000. */
  maxHistoryEntries?: number;
  maxInFlight?: number;
  maxActions?: number;
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
  /** For a completion that matches no start (a one-shot record); a matched start's win. */
  source?: string;
  executionType?: string;
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

export function limitsFrom(
  options: Pick<WalStoreOptions, 'maxHistoryEntries' | 'maxInFlight' | 'maxActions'>,
): JournalLimits {
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
