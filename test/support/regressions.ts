// Regression fixtures of the decoder fuzzing (reliability plan #15): every failing input a fuzz
// run finds is kept as fixtures/regressions/<name>/, a log directory holding the segment files as
// they were when the reader misbehaved, plus:
//
//   README.md         one line: what it broke, and the seed that found it
//   written.msgpack   the records that were written (the oracle), when known
//   setup.json        how it was read (chunkBytes, fromLsn, unreadable ranges, fromStart)
//
// Readers ignore those three names (they are not segment names). test/reliability/fuzz.test.ts
// replays every directory on every run.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePayload, encodePayload } from '../../src/format/payload-codec.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import type { Oracle, ReadSetup } from './decode-check.js';
import { type LogFiles, loadFiles, writeFiles } from './log-image.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('no package.json above test/support');
    dir = parent;
  }
  return dir;
}

export const REGRESSIONS_DIR = resolve(repoRoot(), 'fixtures/regressions');

const README = 'README.md';
const WRITTEN = 'written.msgpack';
const SETUP = 'setup.json';

export interface Regression {
  name: string;
  dir: string;
  note: string;
  files: LogFiles;
  oracle: Oracle;
  setup: ReadSetup;
}

/**
 * Keeps a failing input as fixtures/regressions/<name>/ (left alone when it exists already, so
 * a rerun never rewrites a committed fixture). Returns the directory.
 */
export function saveRegression(
  name: string,
  files: ReadonlyMap<string, Buffer>,
  note: string,
  oracle: Oracle = {},
  setup: ReadSetup = {},
): string {
  const dir = join(REGRESSIONS_DIR, name);
  if (existsSync(dir)) return dir;
  mkdirSync(dir, { recursive: true });
  writeFiles(dir, files);
  writeFileSync(join(dir, README), `${note.replaceAll('\n', ' ')}\n`);
  if (oracle.written) writeFileSync(join(dir, WRITTEN), encodePayload(oracle.written));
  writeFileSync(
    join(dir, SETUP),
    `${JSON.stringify({ ...setup, fromStart: oracle.fromStart ?? false }, null, 2)}\n`,
  );
  return dir;
}

export function loadRegressions(): Regression[] {
  if (!existsSync(REGRESSIONS_DIR)) return [];
  return readdirSync(REGRESSIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const dir = join(REGRESSIONS_DIR, name);
      const files = loadFiles(dir);
      const note = files.get(README)?.toString('utf8').trim() ?? '';
      const written = files.get(WRITTEN);
      const setupFile = files.get(SETUP);
      const { fromStart, ...setup } = setupFile
        ? (JSON.parse(setupFile.toString('utf8')) as ReadSetup & { fromStart?: boolean })
        : {};
      for (const extra of [README, WRITTEN, SETUP]) files.delete(extra);
      const oracle: Oracle = {
        written: written ? (decodePayload(written) as WalRecord[]) : undefined,
        fromStart: fromStart ?? false,
      };
      return { name, dir, note, files, oracle, setup };
    });
}
