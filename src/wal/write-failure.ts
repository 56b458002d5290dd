// How a failed write or sync is named: disk full, lock lost (a WalLockLostError, passed on as it
// is), or any other failure; the log is failed until reopened in every case
// (docs/durability.md#failures).
import { ErrorCode, isNoSpaceError, WalFailedError } from '../errors.js';
import type { SegmentFile } from './segment-file.js';

/** Errors that mean the disk (or the file-size limit, or the quota) has no room. */
export const isNoSpace = isNoSpaceError;

export function classifyFailure(
  dir: string,
  segment: SegmentFile | undefined,
  error: unknown,
): WalFailedError {
  if (error instanceof WalFailedError) return error;
  const where = segment ? `${segment.name} in ${dir}` : dir;
  const detail = error instanceof Error ? error.message : String(error);
  if (isNoSpace(error)) {
    return new WalFailedError(
      ErrorCode.diskFull,
      `disk full while writing ${where}: ${detail}; free space and reopen the log`,
      { cause: error },
    );
  }
  return new WalFailedError(
    ErrorCode.failed,
    `write or sync of ${where} failed: ${detail}; reopen the log`,
    { cause: error },
  );
}
