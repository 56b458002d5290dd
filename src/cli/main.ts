// The exec-wal command line (docs/cli.md). `main(argv, io)` returns the exit code, so commands
// are tested in-process; bin/exec-wal.js is a thin shim over it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliIo, ExitCode } from './cli-io.js';
import { reportError } from './error-report.js';
import { buildProgram } from './program.js';

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(
    io,
    async (command) => {
      exitCode = await command();
    },
    packageVersion,
  );
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io, argv.includes('--debug'));
  }
}

/** The version in exec-wal's package.json (found upwards: src/cli/ or dist/src/cli/). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 4; depth++, dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (manifest.name === 'exec-wal' && manifest.version) return manifest.version;
  }
  return 'unknown';
}
