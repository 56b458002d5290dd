// History entries: every record on disk as one flat value of its kind, a union discriminated by
// `kind` (the same names as the record kinds), with the API's field names. Entries of an
// execution carry what the history knows of it from its earlier records (source, attributes,
// attempt), so each line stands alone. Starts never ended follow the last record once more as
// `interrupted` (or `in-flight` beside a live writer) entries.
import type { DocumentValue, ExecutionStatus, StepStatus, TimeoutKind } from './journal-records.js';

interface Base {
  lsn: number;
  /** When it happened (the record's own time). */
  at: number;
}

interface OfExecution extends Base {
  executionId: string;
  /** Absent only for a progress or step record whose execution's start is no longer on disk. */
  actionId?: string;
  source?: string;
  attributes?: Record<string, string>;
}

export interface QueuedEntry extends OfExecution {
  kind: 'queued';
  actionId: string;
  source: string;
  executionType: string;
  queuedAt: number;
  priority: number;
  maxAttempts: number;
  requestId?: string;
  approvalId?: string;
  queueTimeoutMs?: number;
  executionTimeoutMs?: number;
  idempotencyKey?: string;
  requeuedFrom?: string;
  request?: DocumentValue;
}

export interface StartedEntry extends OfExecution {
  /** `interrupted` / `in-flight`: a start never ended, listed again after the last record. */
  kind: 'started' | 'interrupted' | 'in-flight';
  actionId: string;
  source: string;
  executionType: string;
  attempt: number;
  startedAt: number;
  requestId?: string;
  idempotencyKey?: string;
  queuedAt?: number;
}

export interface ProgressEntry extends OfExecution {
  kind: 'progress';
  percent: number;
  message?: string;
  stepId?: string;
}

export interface StepStartedEntry extends OfExecution {
  kind: 'step-started';
  stepId: string;
}

export interface StepCompletedEntry extends OfExecution {
  kind: 'step-completed';
  stepId: string;
  status: StepStatus;
  success: boolean;
  durationMs?: number;
  error?: string;
}

export interface CompletedEntry extends OfExecution {
  kind: 'completed';
  actionId: string;
  source: string;
  executionType: string;
  attempt: number;
  status: ExecutionStatus;
  success: boolean;
  durationMs: number;
  completedAt: number;
  startedAt?: number;
  output?: string;
  error?: string;
  metrics?: Record<string, number>;
  timedOut?: TimeoutKind;
  retryAt?: number;
}

export interface CancelledEntry extends OfExecution {
  kind: 'cancelled';
  actionId: string;
  /** Always 'cancelled' (so a status filter selects cancellations too). */
  status: 'cancelled';
  success: false;
  cancelledAt: number;
  actor?: string;
  reason?: string;
  durationMs?: number;
}

export interface CleanupEntry extends Base {
  kind: 'cleanup';
  scannerId: string;
  resourceId: string;
  action: string;
  success: boolean;
  executedAt: number;
  error?: string;
}

export interface ErasedEntry extends Base {
  kind: 'erased';
  erasedAt: number;
  executionIds?: string[];
  actionId?: string;
  before?: number;
  attributes?: Record<string, string>;
  reason?: string;
}

export type HistoryEntry =
  | QueuedEntry
  | StartedEntry
  | ProgressEntry
  | StepStartedEntry
  | StepCompletedEntry
  | CompletedEntry
  | CancelledEntry
  | CleanupEntry
  | ErasedEntry;

export type HistoryKind = HistoryEntry['kind'];

export const historyKinds: readonly HistoryKind[] = [
  'queued',
  'started',
  'progress',
  'step-started',
  'step-completed',
  'completed',
  'cancelled',
  'cleanup',
  'erased',
  'interrupted',
  'in-flight',
];

/** The kinds that are a record on disk (the rest are derived after the last record). */
export const recordedKinds: readonly HistoryKind[] = historyKinds.filter(
  (k) => k !== 'interrupted' && k !== 'in-flight',
);

/** Which entries are of an execution (they carry executionId). */
export function isExecutionEntry(
  entry: HistoryEntry,
): entry is Exclude<HistoryEntry, CleanupEntry | ErasedEntry> {
  return entry.kind !== 'cleanup' && entry.kind !== 'erased';
}

type EveryField = Omit<
  QueuedEntry &
    StartedEntry &
    ProgressEntry &
    StepCompletedEntry &
    CompletedEntry &
    Omit<CancelledEntry, 'status' | 'success'> &
    CleanupEntry &
    ErasedEntry,
  'lsn' | 'kind' | 'at'
>;

/**
 * Any entry as one loose shape (every field of every kind optional): for consumers that render
 * entries generically (a table column per field, a CSV row).
 */
export type FlatHistoryEntry = Pick<HistoryEntry, 'lsn' | 'kind' | 'at'> & {
  [K in keyof EveryField]?: EveryField[K] | (K extends 'status' ? string : never);
};

export function flatEntry(entry: HistoryEntry): FlatHistoryEntry {
  return entry as unknown as FlatHistoryEntry;
}
