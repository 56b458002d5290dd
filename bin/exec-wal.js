#!/usr/bin/env node
// Thin shim over the built CLI (run `make build` first when working from a checkout).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
