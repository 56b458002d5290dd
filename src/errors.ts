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
  illegalTransition: 'WAL_ILLEGAL_TRANSITION',
  unknownExecution: 'WAL_UNKNOWN_EXECUTION',
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
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * A call asked for a lifecycle step its execution's state does not allow (docs/lifecycle.md):
 * progress after completion, completing a cancelled execution, a second completion, a reused
 * id. Nothing was written. `code` is WAL_ILLEGAL_TRANSITION, or WAL_UNKNOWN_EXECUTION when the
 * journal has never seen (or no longer remembers) the execution.
 */
export class WalStateError extends WalError {
  readonly executionId: string;
  readonly state: string;
  readonly event: string;
  readonly legal: readonly string[];
  constructor(executionId: string, state: string, event: string, legal: readonly string[]) {
    const code = state === 'unknown' ? ErrorCode.unknownExecution : ErrorCode.illegalTransition;
    const where =
      state === 'unknown' ? 'the journal does not know it' : `it is ${state.replace('_', ' ')}`;
    const allowed =
      legal.length > 0
        ? `; legal now: ${legal.join(', ')}`
        : '; nothing more may be recorded for it';
    super(
      code,
      `cannot record '${event}' for execution ${executionId}: ${where}${allowed} (docs/lifecycle.md)`,
    );
    this.executionId = executionId;
    this.state = state;
    this.event = event;
    this.legal = legal;
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

/** The codes a failed file-system call surfaces as: one per cause. */
export type IoErrorCode =
  | typeof ErrorCode.io
  | typeof ErrorCode.diskFull
  | typeof ErrorCode.segmentGone;

/**
 * A file-system call failed: `operation` ('listing', 'opening', 'reading', ...) on `path`, the
 * original error as `cause` and its errno code as `errno`. The code is WAL_DISK_FULL when the
 * cause is ENOSPC, EFBIG or EDQUOT, WAL_SEGMENT_GONE when a segment being read was removed
 * (retention beside a reader), WAL_IO otherwise.
 */
export class WalIoError extends WalError {
  readonly path: string;
  readonly operation: string;
  /** The cause's errno code ('ENOENT', 'EACCES', ...), when it had one. */
  readonly errno: string | undefined;
  constructor(
    code: IoErrorCode,
    operation: string,
    path: string,
    message: string,
    options: { cause: unknown },
  ) {
    super(code, message, options);
    this.path = path;
    this.operation = operation;
    this.errno = errnoOf(options.cause);
  }
}

/** The errno code of a Node file-system error ('ENOENT', ...), or undefined. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Errno codes that mean the disk (or the file-size limit, or the quota) has no room. */
const NO_SPACE: ReadonlySet<string> = new Set(['ENOSPC', 'EFBIG', 'EDQUOT']);

/** Whether `error` (or the file-system error it wraps) says the disk has no room. */
export function isNoSpaceError(error: unknown): boolean {
  if (error instanceof WalError) return error.code === ErrorCode.diskFull;
  const errno = errnoOf(error);
  return errno !== undefined && NO_SPACE.has(errno);
}

/** What happened, as a fact about `path`, and what to do about it, per errno code. */
function describeErrno(path: string, errno: string | undefined): [string, string] | undefined {
  switch (errno) {
    case 'ENOENT':
      return [`${path} does not exist`, 'check the path'];
    case 'ENOTDIR':
      return [
        `${path} is not a directory (it, or one above it, is a file)`,
        "give the journal's directory",
      ];
    case 'EISDIR':
      return [`${path} is a directory, not a file`, 'move it out of the journal directory'];
    case 'EACCES':
    case 'EPERM':
      return [
        'permission denied',
        `give this user access to ${path} (read to read the journal, write to write it)`,
      ];
    case 'EROFS':
      return ['the file system is read-only', 'open the journal read-only'];
    case 'ENOSPC':
      return ['no space left on the device', 'free space and retry'];
    case 'EDQUOT':
      return ['the disk quota is exhausted', 'free space or raise the quota and retry'];
    case 'EFBIG':
      return ['the file-size limit was reached', 'raise the limit (ulimit -f) and retry'];
    case 'EMFILE':
    case 'ENFILE':
      return ['too many open files', 'raise the open-file limit (ulimit -n) and retry'];
    case 'EIO':
      return ['the device reported an i/o error', 'check the disk'];
    default:
      return undefined;
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
 * cause that is already a WalError keeps its code and is returned as it is.
 */
export function ioError(action: string, path: string, cause: unknown): WalError {
  if (cause instanceof WalError) return cause;
  const errno = errnoOf(cause);
  const detail = cause instanceof Error ? cause.message : String(cause);
  const known = describeErrno(path, errno);
  const message = known
    ? `${action} ${path} failed: ${known[0]} (${errno}); ${known[1]}`
    : `${action} ${path} failed: ${detail}`;
  const code = isNoSpaceError(cause) ? ErrorCode.diskFull : ErrorCode.io;
  return new WalIoError(code, action, path, message, { cause });
}
