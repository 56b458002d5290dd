// The execution-journal records as they are stored in frame payloads (docs/format.md#journal-
// records). Frame types 1..127 are critical, 128..255 ancillary (safe for older readers to skip).
// New record kinds are additive: a new type number, never a changed meaning of an old one.

export const RecordType = {
  actionStarted: 1,
  actionCompleted: 2,
  cleanupExecuted: 3,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

export const ExecutionStatus = {
  succeeded: 'succeeded',
  failed: 'failed',
  timedOut: 'timed_out',
  cancelled: 'cancelled',
} as const;
export type ExecutionStatus = (typeof ExecutionStatus)[keyof typeof ExecutionStatus];
export const executionStatuses: readonly ExecutionStatus[] = Object.values(ExecutionStatus);

/** Payload of type 1. Times are epoch milliseconds. */
export interface StartedPayload {
  executionId: string;
  actionId: string;
  source: string;
  executionType: string;
  attempt: number;
  startedAt: number;
  attributes?: Record<string, string>;
}

/** Payload of type 2. `executionId` is the start it completes, resolved when it was written. */
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

export type JournalRecord =
  | { type: typeof RecordType.actionStarted; lsn: number; value: StartedPayload }
  | { type: typeof RecordType.actionCompleted; lsn: number; value: CompletedPayload }
  | { type: typeof RecordType.cleanupExecuted; lsn: number; value: CleanupPayload };

export function isSuccess(status: ExecutionStatus): boolean {
  return status === 'succeeded';
}
