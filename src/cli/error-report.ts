// Every failure becomes one line on stderr and a documented exit code (docs/cli.md#exit-codes).
// Errors are told apart by their `code` (WAL_* for the library's, errno names for the file
// system's), never by message text. A file-system error is said in words, with its path and
// what was being done, not as Node's raw `EACCES: permission denied, scandir '…'`.
import { CommanderError } from 'commander';
import { ErrorCode, WalError } from '../errors.js';
import { type CliIo, CommandFailure, ExitCode, UsageError } from './cli-io.js';
import { humanLine } from './output.js';
import { escapeBlock } from './untrusted-text.js';

const ERRNO_WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'does not exist',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'the file is too large',
  EROFS: 'the file system is read-only',
  EIO: 'input/output error (a failing disk?)',
  EMFILE: 'too many open files (raise ulimit -n)',
  ENFILE: 'too many open files in the system',
  EBUSY: 'busy',
  EEXIST: 'already exists',
};

const SYSCALL_VERBS: Record<string, string> = {
  open: 'open',
  scandir: 'list',
  opendir: 'list',
  read: 'read',
  write: 'write',
  stat: 'stat',
  lstat: 'stat',
  fstat: 'stat',
  access: 'access',
  mkdir: 'create',
  rename: 'rename',
  unlink: 'delete',
  rmdir: 'delete',
  fsync: 'sync',
  fdatasync: 'sync',
  ftruncate: 'truncate',
  utime: 'touch',
};

interface SystemErrorFields {
  code: string;
  syscall?: string;
  path?: string;
}

function systemError(error: unknown): SystemErrorFields | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, syscall, path } = error as Record<string, unknown>;
  if (typeof code !== 'string' || !/^E[A-Z0-9]+$/.test(code)) return undefined;
  return {
    code,
    ...(typeof syscall === 'string' ? { syscall } : {}),
    ...(typeof path === 'string' ? { path } : {}),
  };
}

/** `permission denied (EACCES)` for a Node file-system error; `fallback` for anything else. */
export function describeErrno(error: unknown, fallback: string): string {
  const errno = systemError(error);
  if (!errno) return fallback;
  return `${ERRNO_WORDS[errno.code] ?? 'failed'} (${errno.code})`;
}

/** The one line for a file-system error: `cannot open <path>: permission denied (EACCES)`. */
function fileSystemLine(errno: SystemErrorFields, operation?: string, path?: string): string {
  const verb = operation ?? SYSCALL_VERBS[errno.syscall ?? ''] ?? errno.syscall ?? 'use';
  const where = path ?? errno.path;
  return `cannot ${verb}${where ? ` ${where}` : ''}: ${describeErrno(errno, errno.code)}`;
}

const EXIT_BY_CODE: Partial<Record<string, ExitCode>> = {
  [ErrorCode.corrupt]: ExitCode.corruption,
  [ErrorCode.locked]: ExitCode.locked,
};

/** Prints `error` as one line (plus its stack with --debug) and returns the exit code. */
export function reportError(error: unknown, io: CliIo, debug: boolean): ExitCode {
  if (error instanceof CommanderError) {
    // Commander printed the line already (main's outputError); help and version exit 0.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  const { line, exit } = describe(error);
  io.stderr.write(humanLine(`exec-wal: ${line}`));
  if (debug && error instanceof Error && error.stack)
    io.stderr.write(`${escapeBlock(error.stack)}\n`);
  return exit;
}

function describe(error: unknown): { line: string; exit: ExitCode } {
  if (error instanceof UsageError) return { line: error.message, exit: ExitCode.usage };
  if (error instanceof CommandFailure) return { line: error.message, exit: error.exit };
  if (error instanceof WalError) {
    const exit = EXIT_BY_CODE[error.code] ?? ExitCode.error;
    // A wrapped file-system error: said in words from its fields (the operation and path of a
    // coded I/O error when the library gives them, else the errno's own), not Node's raw text.
    const errno = systemError(error.cause);
    const io = error.code === ErrorCode.io || error.code === ErrorCode.diskFull;
    if (io && errno) {
      const { operation, path } = error as WalError & { operation?: unknown; path?: unknown };
      return {
        line: fileSystemLine(
          errno,
          typeof operation === 'string' ? operation : undefined,
          typeof path === 'string' ? path : undefined,
        ),
        exit,
      };
    }
    return { line: error.message, exit };
  }
  const errno = systemError(error);
  if (errno) return { line: fileSystemLine(errno), exit: ExitCode.error };
  const message = error instanceof Error ? error.message : String(error);
  return {
    line: `internal error: ${message} (run with --debug for the stack trace)`,
    exit: ExitCode.error,
  };
}
