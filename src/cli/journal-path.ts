// Resolving the journal path argument: the positional argument, else EXEC_WAL_PATH.
import { existsSync, statSync } from 'node:fs';
import { ErrorCode, WalError } from '../errors.js';
import { WalStore } from '../store/wal-store.js';
import type { RecoveryMode } from '../wal/recovery-policy.js';
import type { CliIo } from './cli-io.js';
import { progressBar } from './terminal-style.js';

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

/** The journal opened read-only for a command, with a progress bar for long replays. */
export async function openForReading(
  path: string,
  recovery: string | undefined,
  io: CliIo,
): Promise<WalStore> {
  const progress = progressBar(io, 'replay');
  try {
    return await WalStore.open(existingJournal(path), {
      readOnly: true,
      recovery: recovery as RecoveryMode | undefined,
      onProgress: progress,
    });
  } finally {
    progress.done();
  }
}

/** A `-n` count: a positive integer, `fallback` when absent. */
export function parseCount(text: string | undefined, fallback: number): number {
  const count = Number(text ?? fallback);
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`-n must be a positive integer, got '${text}'`);
  return count;
}
