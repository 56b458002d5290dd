// Runs the CLI in-process with captured streams, or as a real child process of bin/exec-wal.js.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
  });
  return { code, stdout, stderr };
}

export const repoRoot = resolve(import.meta.dirname, '..', '..');

/** Spawns the real binary (needs `make build`: bin/exec-wal.js loads dist/). */
export function spawnCli(args: string[], env: Record<string, string> = {}): CliResult {
  if (!existsSync(join(repoRoot, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `make build` before these tests');
  }
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'exec-wal.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
