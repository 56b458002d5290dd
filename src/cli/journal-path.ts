// The journal a command works on, checked before anything opens it so that each way of being
// unusable is one named line (docs/cli.md#errors), and opened read-only with a progress bar and
// a warning on stderr for what replay skipped.
import { accessSync, constants, statSync } from 'node:fs';
import type { RecoveryMode } from '../store/journal-admin.js';
import type { WalStore } from '../store/wal-store.js';
import { type CliIo, CommandFailure, ExitCode } from './cli-io.js';
import { describeErrno } from './error-report.js';
import { humanLine } from './output.js';
import { progressBar } from './terminal-style.js';
import { plural } from './text-format.js';

/** What a command needs of the directory: to read it, or (compact, repair) to change it too. */
export type JournalAccess = 'read' | 'write';

/**
 * `path` when it is a directory this process may read (and, for 'write', change); otherwise a
 * one-line failure (exit 1) saying which of those it is not. A writer would create a missing directory;
 * these commands never do.
 */
export function existingJournal(path: string, access: JournalAccess): string {
  let isDirectory: boolean;
  let isFile: boolean;
  try {
    const stats = statSync(path);
    isDirectory = stats.isDirectory();
    isFile = stats.isFile();
  } catch (cause) {
    const missing = (cause as { code?: unknown }).code === 'ENOENT';
    throw cannotOpen(
      path,
      missing ? 'does not exist' : `cannot be reached: ${describeErrno(cause, String(cause))}`,
      cause,
    );
  }
  if (isFile) throw cannotOpen(path, 'is a file, not a directory');
  if (!isDirectory) throw cannotOpen(path, 'is not a directory');
  try {
    accessSync(path, constants.R_OK | constants.X_OK);
  } catch (cause) {
    throw cannotOpen(path, 'is not readable (permission denied)', cause);
  }
  if (access === 'write') {
    try {
      accessSync(path, constants.W_OK);
    } catch (cause) {
      throw new CommandFailure(
        ExitCode.error,
        `cannot open journal for writing: ${path} is not writable (permission denied); run as its owner`,
        { cause },
      );
    }
  }
  return path;
}

function cannotOpen(path: string, why: string, cause?: unknown): CommandFailure {
  return new CommandFailure(ExitCode.error, `cannot open journal: ${path} ${why}`, { cause });
}

/**
 * The journal opened read-only, with a progress bar for long replays. What replay skipped (a
 * torn tail; damaged ranges under --recovery salvage) is a warning on stderr: the answer still
 * comes, and the exit code stays 0.
 */
export async function openForReading(
  path: string,
  recovery: RecoveryMode | undefined,
  io: CliIo,
): Promise<WalStore> {
  existingJournal(path, 'read');
  // Loaded here, not at the top: the commands that never open a store (verify, repair) and
  // --help should not pay for loading it.
  const { WalStore } = await import('../store/wal-store.js');
  const progress = progressBar(io, 'replay');
  let store: WalStore;
  try {
    store = await WalStore.open(path, {
      readOnly: true,
      ...(recovery === undefined ? {} : { recovery }),
      onProgress: progress,
    });
  } finally {
    progress.done();
  }
  const { tail, damage } = store.recoveryReport;
  if (tail.status === 'torn') {
    io.stderr.write(
      humanLine(
        `exec-wal: warning: ${path} ends in a torn tail (a crash artefact): ${plural(tail.droppedBytes, 'byte')} ` +
          `after lsn ${tail.lastLsn} in ${tail.segment} at offset ${tail.offset} (${tail.reason}) are not read; ` +
          'the next writer cuts them',
      ),
    );
  }
  const skipped = damage.filter((d) => d.kind === 'mid-log');
  if (skipped.length > 0) {
    const bytes = skipped.reduce((sum, d) => sum + d.droppedBytes, 0);
    io.stderr.write(
      humanLine(
        `exec-wal: warning: ${plural(skipped.length, 'damaged range')} (${plural(bytes, 'byte')}) not read ` +
          `(--recovery ${store.recoveryReport.mode}), the first in ${skipped[0]!.segment} at offset ` +
          `${skipped[0]!.offset}; \`exec-wal verify ${path}\` lists them`,
      ),
    );
  }
  return store;
}
