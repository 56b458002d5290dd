// Resolving the journal path argument: the positional argument, else EXEC_WAL_PATH.
import { existsSync, statSync } from 'node:fs';
import { ErrorCode, WalError } from '../errors.js';

export class UsageError extends Error {}

export function journalPath(
  argument: string | undefined,
  env: Record<string, string | undefined>,
): string {
  const path = argument ?? env.EXEC_WAL_PATH;
  if (!path) throw new UsageError('missing journal path: pass <path> or set EXEC_WAL_PATH');
  return path;
}

/** For read-only commands: the directory must exist (a writer would create it). */
export function existingJournal(path: string): string {
  if (!existsSync(path))
    throw new WalError(ErrorCode.io, `no journal at ${path}: the directory does not exist`);
  if (!statSync(path).isDirectory()) {
    throw new WalError(ErrorCode.io, `${path} is not a journal directory (it is a file)`);
  }
  return path;
}
