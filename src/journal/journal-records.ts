// The execution-journal records as their kinds define them (docs/format.md#journal-records):
// one payload interface per record kind, the field names being the v1 map keys, the API option
// names and the history field names at once. The wire layout of each is its kind's field table
// (src/journal/kinds/*.ts); the registry (record-registry.ts) maps wire types to kinds.
// New record kinds are additive: a new type number, never a changed meaning of an old one.

/**
 * Wire types (docs/format.md#frame-types): 1..127 critical, 128..255 ancillary. 127, 128, 200 and
 * 255 are never given to a kind: the golden fixtures and the docs use them as the examples of
 * types a journal does not know.
 */
export const RecordType = {
  actionStarted: 1,
  actionCompleted: 2,
  cleanupExecuted: 3,
  executionQueued: 4,
  executionCancelled: 5,
  executionsErased: 6,
  executionProgress: 129,
  stepStarted: 130,
  stepCompleted: 131,
  recordRedacted: 132,
} as const;

/** Types no kind may take (see RecordType). */
export const reservedRecordTypes: readonly number[] = [127, 128, 200, 255];
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/**
 * How one attempt (or a queued execution's wait) ended. Codes on the wire are the index in
 * `executionStatuses` (never reordered, only appended).
 */
export const ExecutionStatus = {
  succeeded: 'succeeded',
  failed: 'failed',
  timedOut: 'timed_out',
  cancelled: 'cancelled',
  /** Only an interrupted attempt that is being retried (docs/lifecycle.md). */
  interrupted: 'interrupted',
} as const;
export type ExecutionStatus = (typeof ExecutionStatus)[keyof typeof ExecutionStatus];
export const executionStatuses: readonly ExecutionStatus[] = [
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'interrupted',
];

/** Which deadline a timed-out execution missed. */
export type TimeoutKind = 'queue' | 'execution';
export const timeoutKinds: readonly TimeoutKind[] = ['queue', 'execution'];

/** A step's outcome: the statuses an attempt can end with, but 'interrupted'. */
export type StepStatus = Exclude<ExecutionStatus, 'interrupted'>;
export const stepStatuses: readonly StepStatus[] = [
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
];

/** A structured value (the action request): msgpack-able plain data, bounded. */
export type DocumentValue =
  | null
  | boolean
  | number
  | string
  | DocumentValue[]
  | { [key: string]: DocumentValue };

/** Payload of type 4: an execution waiting to start. Times epoch ms, timeouts ms. */
export interface QueuedPayload {
  executionId: string;
  actionId: string;
  queuedAt: number;
  source: string;
  requestId?: string;
  approvalId?: string;
  priority?: number;
  attributes?: Record<string, string>;
  /** Attempts allowed in all (first run plus retries). Default 1. */
  maxAttempts?: number;
  queueTimeoutMs?: number;
  executionTimeoutMs?: number;
  idempotencyKey?: string;
  executionType?: string;
  /** The execution a requeue was made of (a new attempt chain). */
  requeuedFrom?: string;
  /** The action request itself, so a restarted process can run it. */
  request?: DocumentValue;
}

/** Payload of type 1. */
export interface StartedPayload {
  executionId: string;
  actionId: string;
  source: string;
  executionType: string;
  attempt: number;
  startedAt: number;
  attributes?: Record<string, string>;
  idempotencyKey?: string;
  requestId?: string;
}

/** Payload of type 2: an attempt ended (or a queued execution's queue deadline passed). */
export interface CompletedPayload {
  executionId: string;
  actionId: string;
  status: ExecutionStatus;
  durationMs: number;
  completedAt: number;
  output?: string;
  error?: string;
  metrics?: Record<string, number>;
  /** Only on a completion that matched no start (else the start's are used). */
  source?: string;
  executionType?: string;
  timedOut?: TimeoutKind;
  /** The execution is queued again for its next attempt, not to start before this time. */
  retryAt?: number;
}

/** Payload of type 3. */
export interface CleanupPayload {
  scannerId: string;
  resourceId: string;
  action: string;
  success: boolean;
  executedAt: number;
  error?: string;
}

/** Payload of type 5: a queued, running or interrupted execution cancelled. */
export interface CancelledPayload {
  executionId: string;
  actionId: string;
  cancelledAt: number;
  actor?: string;
  reason?: string;
  /** How long the cancelled attempt had run (absent when it was still queued). */
  durationMs?: number;
}

/**
 * Payload of type 6: executions erased (hidden at once, their bytes removed by compaction).
 * Either by id, or every execution that had ended before this record and matches the filter.
 */
export interface ErasedPayload {
  erasedAt: number;
  executionIds?: string[];
  actionId?: string;
  /** Executions first recorded before this time. */
  before?: number;
  attributes?: Record<string, string>;
  reason?: string;
}

/** Payload of type 128. */
export interface ProgressPayload {
  executionId: string;
  percent: number;
  at: number;
  message?: string;
  stepId?: string;
}

/** Payload of type 129. */
export interface StepStartedPayload {
  executionId: string;
  stepId: string;
  at: number;
}

/** Payload of type 130. */
export interface StepCompletedPayload {
  executionId: string;
  stepId: string;
  at: number;
  status: StepStatus;
  durationMs?: number;
  error?: string;
}

/**
 * Payload of type 131: what compaction leaves of a record of an erased execution, so that the
 * log keeps every LSN and a replay keeps the same counts (docs/lifecycle.md#erasure).
 */
export interface RedactedPayload {
  /** The wire type of the record it replaced. */
  originalType: number;
  /** SHA-256 of the replaced payload's bytes. */
  digest: Uint8Array;
  actionId?: string;
  status?: ExecutionStatus;
  durationMs?: number;
  at?: number;
}

export function isSuccess(status: ExecutionStatus): boolean {
  return status === 'succeeded';
}
