// What a command may touch: two streams and the environment. Tests pass buffers; the bin shim
// passes the process's own.

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

export const OutputFormat = ['table', 'wide', 'json', 'jsonl', 'csv'] as const;
export type OutputFormat = (typeof OutputFormat)[number];

/**
 * `-o` when given, `json` for --json, else a plain table (no colour, no progress bar when stdout
 * is not a TTY; scripts should ask for a machine format with -o).
 */
export function chooseFormat(options: { output?: string; json?: boolean }): OutputFormat {
  if (options.json) return 'json';
  return (options.output as OutputFormat | undefined) ?? 'table';
}
