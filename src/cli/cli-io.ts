// What a command may touch: two streams, the environment and a clock. Tests pass buffers; the
// bin shim passes the process's own.
import { parseIsoTime } from './option-values.js';

export interface CliIo {
  stdout: {
    write(text: string): unknown;
    isTTY?: boolean;
    once?(event: 'drain', listener: () => void): unknown;
  };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Aborted on Ctrl-C: ends `tail -f`. */
  signal?: AbortSignal;
}

/** Writes `text`; when the stream's buffer is full, waits for it to drain (bounded memory). */
export async function writeOut(io: CliIo, text: string): Promise<void> {
  if (io.stdout.write(text) === false && io.stdout.once) {
    await new Promise<void>((resolve) => io.stdout.once?.('drain', resolve));
  }
}

/** Exit codes (docs/cli.md#exit-codes). A torn tail alone is reported but exits 0. */
export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
  corruption: 3,
  locked: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A bad command line: printed as one line, exit 2. */
export class UsageError extends Error {}

/** A failure the CLI itself found (a journal path it cannot use): one line, `exit`. */
export class CommandFailure extends Error {
  readonly exit: ExitCode;
  constructor(exit: ExitCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.exit = exit;
  }
}

/** The journal path: the command's argument, else EXEC_WAL_PATH. */
export function journalPath(
  argument: string | undefined,
  env: Record<string, string | undefined>,
): string {
  const path = argument ?? env.EXEC_WAL_PATH;
  if (path === undefined || path === '') {
    throw new UsageError(
      argument === ''
        ? 'the journal path is empty: pass a directory or set EXEC_WAL_PATH'
        : 'missing journal path: pass <path> or set EXEC_WAL_PATH',
    );
  }
  return path;
}

/**
 * The CLI's clock: EXEC_WAL_NOW (an ISO time or epoch ms) when set, so that relative times and
 * ages like `--since 1h` give reproducible output (docs examples, tests); else the real clock.
 * Retention decisions (`compact --keep-age`) always use the real clock.
 */
export function clockOf(env: Record<string, string | undefined>): () => number {
  const fixed = env.EXEC_WAL_NOW;
  if (fixed === undefined || fixed === '') return Date.now;
  const ms = /^\d{1,16}$/.test(fixed) ? Number(fixed) : parseIsoTime(fixed);
  if (ms === undefined) {
    throw new UsageError(
      `EXEC_WAL_NOW must be an ISO time (2026-11-23T16:30:00Z) or epoch milliseconds, got '${fixed}'`,
    );
  }
  return () => ms;
}
