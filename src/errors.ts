// The one error hierarchy. Every error has a stable `code` (documented in docs/api.md#errors);
// subclasses exist only where callers branch differently. Messages are lowercase facts with a
// location and, where useful, the command to run next.

export const ErrorCode = {
  corrupt: 'WAL_CORRUPT',
  locked: 'WAL_LOCKED',
  invalidArgument: 'WAL_INVALID_ARGUMENT',
  limitExceeded: 'WAL_LIMIT_EXCEEDED',
  closed: 'WAL_CLOSED',
  failed: 'WAL_FAILED',
  diskFull: 'WAL_DISK_FULL',
  lockLost: 'WAL_LOCK_LOST',
  unsupported: 'WAL_UNSUPPORTED',
  io: 'WAL_IO',
  readOnly: 'WAL_READ_ONLY',
  segmentGone: 'WAL_SEGMENT_GONE',
  checkpointMismatch: 'WAL_CHECKPOINT_MISMATCH',
  checkpointMissing: 'WAL_CHECKPOINT_MISSING',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class WalError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Where a damaged byte range was found. `offset` is a byte offset inside `segment`. */
export interface CorruptionLocation {
  dir: string;
  segment: string;
  offset: number;
  /** The sequence number the reader expected at `offset`. */
  expectedLsn: number;
  reason: string;
}

export class WalCorruptionError extends WalError {
  readonly location: CorruptionLocation;
  constructor(location: CorruptionLocation) {
    super(
      ErrorCode.corrupt,
      `${location.reason} in ${location.segment} at offset ${location.offset} ` +
        `(expected lsn ${location.expectedLsn}); run \`exec-wal verify ${location.dir}\``,
    );
    this.location = location;
  }
}

/** Who holds the writer lock, as written by the holder when it took the lock. */
export interface LockHolder {
  pid: number;
  hostname: string;
  sinceMs: number;
  token: string;
}

export class WalLockedError extends WalError {
  readonly holder: LockHolder | undefined;
  constructor(dir: string, holder: LockHolder | undefined, options?: { cause?: unknown }) {
    const who = holder
      ? `pid ${holder.pid} on ${holder.hostname} since ${new Date(holder.sinceMs).toISOString()}`
      : 'an unknown process';
    super(
      ErrorCode.locked,
      `${dir} is locked by a writer (${who}); open it read-only or stop that writer`,
      options,
    );
    this.holder = holder;
  }
}

export class WalValidationError extends WalError {
  constructor(
    code: typeof ErrorCode.invalidArgument | typeof ErrorCode.limitExceeded,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

export class WalClosedError extends WalError {
  constructor(dir: string) {
    super(ErrorCode.closed, `the log at ${dir} is closed`);
  }
}

/**
 * The log refused further appends because an earlier write or sync failed (or the lock was
 * lost). `cause` holds the original error. Reopen the log to recover.
 */
export class WalFailedError extends WalError {
  constructor(
    code: typeof ErrorCode.failed | typeof ErrorCode.diskFull | typeof ErrorCode.lockLost,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** Wraps a file-system error with what was being done and where; the original is `cause`. */
export function ioError(action: string, path: string, cause: unknown): WalError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new WalError(ErrorCode.io, `${action} ${path} failed: ${detail}`, { cause });
}
