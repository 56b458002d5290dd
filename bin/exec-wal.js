#!/usr/bin/env node
// Thin shim over the built CLI (dist/, made by `npm run build`, `make build`, or `prepare` when
// npm installs the package from git).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'exec-wal: dist/ is missing: build it first (`npm run build` or `make build`)\n',
  );
  process.exit(1);
}
const { main } = await import(entry.href);

// A closed pipe (`exec-wal export ... | head`) is a normal way for a reader to stop.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// Ctrl-C ends `tail -f` cleanly (exit 0); a second Ctrl-C exits at once.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort();
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: interrupt.signal,
});
