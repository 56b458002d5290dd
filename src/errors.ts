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
  /**
   * Boot and pid namespace of the holder (Linux; absent elsewhere): pids are comparable only
   * between processes with the same hostId (src/wal/process-liveness.ts).
   */
  hostId?: string;
  /** The holder's start time in clock ticks after boot (/proc/<pid>/stat field 22). */
  startTicks?: number;
}

/**
 * Why a lock was not taken: its holder is another writer of this process, a process proven to
 * run, one on another host (or boot, or pid namespace), one whose liveness cannot be checked,
 * a holder that has not recorded itself (yet), or another opener taking the lock over now.
 */
export type LockRefusal =
  | 'heldHere'
  | 'holderAlive'
  | 'holderElsewhere'
  | 'holderUnverifiable'
  | 'holderUnknown'
  | 'takeoverInProgress';

export interface LockedDetails {
  cause?: unknown;
  refusal?: LockRefusal;
  /** Why the holder's liveness could not be checked (refusal 'holderUnverifiable'). */
  why?: string;
  /** When the lock turns stale unless refreshed (its mtime + lockStaleMs). */
  staleAtMs?: number;
}

export class WalLockedError extends WalError {
  readonly holder: LockHolder | undefined;
  readonly refusal: LockRefusal | undefined;
  /** When the lock may be taken over if its holder stops refreshing it, if known. */
  readonly staleAtMs: number | undefined;
  constructor(dir: string, holder: LockHolder | undefined, details: LockedDetails = {}) {
    super(ErrorCode.locked, lockedMessage(dir, holder, details), { cause: details.cause });
    this.holder = holder;
    this.refusal = details.refusal;
    this.staleAtMs = details.staleAtMs;
  }
}

function lockedMessage(dir: string, holder: LockHolder | undefined, details: LockedDetails) {
  const who = holder
    ? `pid ${holder.pid} on ${holder.hostname} since ${new Date(holder.sinceMs).toISOString()}`
    : 'a writer that has not recorded itself';
  const freed =
    details.staleAtMs === undefined
      ? 'once its lock is lockStaleMs old'
      : `at ${new Date(details.staleAtMs).toISOString()} (lockStaleMs after its last refresh)`;
  const stop = 'open it read-only, or stop that writer';
  switch (details.refusal) {
    case 'heldHere':
      return `${dir} is locked by another writer in this process (${who}); close that writer first, or open the log read-only`;
    case 'holderAlive':
      return `${dir} is locked by a running writer (${who}); ${stop}`;
    case 'holderElsewhere':
      return `${dir} is locked by a writer on another host, boot or pid namespace (${who}), which cannot be checked from here; ${stop}; if it is gone, the lock is free ${freed}`;
    case 'holderUnverifiable':
      return `${dir} is locked by a writer (${who}) that cannot be checked here (${details.why}); ${stop}; if it is gone, the lock is free ${freed}`;
    case 'holderUnknown':
      return `${dir} is locked by ${who} (yet); retry, or open it read-only; if no writer runs, the lock is free ${freed}`;
    case 'takeoverInProgress':
      return `${dir} is being taken over by another process just now${holder ? ` (from ${who})` : ''}; retry, or open it read-only`;
    default:
      return `${dir} is locked by a writer (${who}); ${stop}`;
  }
}

export class WalValidationError extends WalError {
  constructor(
    code: typeof ErrorCode.invalidArgument | typeof ErrorCode.limitExceeded,
    message: string,
  ) {
    super(code, message);
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

/**
 * This writer lost its lock (WAL_LOCK_LOST): another process took the lock over (this one was
 * paused past lockStaleMs), or the lock could not be refreshed. A WalFailedError: the writer
 * refuses every later append, and nothing it did not acknowledge was written after the loss.
 */
export class WalLockLostError extends WalFailedError {
  constructor(dir: string, what: string, options?: { cause?: unknown }) {
    super(
      ErrorCode.lockLost,
      `lost the writer lock on ${dir}: ${what}; this writer stopped; reopen the log (another ` +
        'writer may hold it now)',
      options,
    );
  }
}

/**
 * Wraps a file-system error with what was being done and where; the original is `cause`. A
 * lost writer lock, caught by the fence inside any such step, stays WAL_LOCK_LOST as it is.
 */
export function ioError(action: string, path: string, cause: unknown): WalError {
  if (cause instanceof WalLockLostError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new WalError(ErrorCode.io, `${action} ${path} failed: ${detail}`, { cause });
}
