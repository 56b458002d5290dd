// No raw errno reaches a user (issue 12 §2): every CLI command over every way a journal path can
// be unusable (missing, a file, under a file, a directory it may not read, one it may not write,
// a segment it may not read) prints one line naming the path and the cause in words, and exits
// with the documented code (1). Path cases run in-process and through the real binary; mode-bit
// cases run as a user the kernel checks (test/support/unprivileged.ts), else skip loudly.
import { chmodSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, repoRoot, runCli, spawnCli } from '../support/cli-run.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';
import { unprivileged } from '../support/unprivileged.js';

afterAll(removeTempDirs);

/** Every command, with what it needs besides the path. */
const READERS: string[][] = [
  ['stats'],
  ['stats', '--since', '1d'],
  ['recent'],
  ['cleanups'],
  ['inflight'],
  ['show', '1'],
  ['tail'],
  ['export'],
  ['export', '-o', 'csv'],
  ['verify'],
  ['info'],
  ['compact', '--dry-run'],
  ['repair', '--dry-run'],
];
const WRITERS: string[][] = [
  ['compact', '--keep-segments', '1'],
  ['repair', '-y'],
  ['repair', '--mode', 'point-in-time', '-y'],
];
const ALL = [...READERS, ...WRITERS];

const args = (command: string[], path: string) => [command[0]!, path, ...command.slice(1)];

/** One line on stderr, nothing on stdout, exit 1, no raw Node error text, no stack. */
function expectOneLine(result: CliResult, line: RegExp, what: string) {
  expect(result.code, `${what}: ${result.stderr}`).toBe(1);
  expect(result.stdout, what).toBe('');
  expect(result.stderr, what).toMatch(line);
  expect(result.stderr.split('\n').filter(Boolean), what).toHaveLength(1);
  expect(result.stderr, what).not.toMatch(/\bE[A-Z]+: |\n\s+at |internal error/);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let root: string;
let file: string;
beforeAll(() => {
  root = tempDir('access');
  file = join(root, 'a-file');
  writeFileSync(file, 'not a journal');
});

describe('paths that are not a journal directory', () => {
  const cases = (): [string, string, string][] => [
    ['missing', join(root, 'missing'), 'does not exist'],
    ['a file', file, 'is a file, not a directory'],
    [
      'under a file',
      join(file, 'journal'),
      'cannot be reached: a part of the path is not a directory (ENOTDIR)',
    ],
  ];

  it('every command, in-process', async () => {
    for (const [what, path, why] of cases()) {
      for (const command of ALL) {
        expectOneLine(
          await runCli(args(command, path)),
          new RegExp(
            `^exec-wal: cannot open journal: ${escapeRegExp(path)} ${escapeRegExp(why)}\\n$`,
          ),
          `${command.join(' ')} on ${what}`,
        );
      }
    }
  });

  it('the real binary says the same', () => {
    for (const [what, path, why] of cases()) {
      for (const command of [['stats'], ['verify'], ['compact', '--keep-segments', '1']]) {
        const result = spawnCli(args(command, path));
        expectOneLine(
          result,
          new RegExp(
            `^exec-wal: cannot open journal: ${escapeRegExp(path)} ${escapeRegExp(why)}\\n$`,
          ),
          `${command[0]} on ${what} (spawned)`,
        );
      }
    }
  });
});

describe('mode bits', () => {
  const user = unprivileged();
  if (!user.run) process.stderr.write(`SKIPPED permission cases of journal-access: ${user.how}\n`);
  const run = user.run ?? (async () => ({ code: -1, stdout: '', stderr: '' }));

  /** A copy of fixtures/v2/basic under a root that user may traverse. */
  function journal(name: string): string {
    const base = tempDir(`access-${name}`);
    user.share(base);
    const dir = join(base, 'journal');
    cpSync(join(repoRoot, 'fixtures', 'v2', 'basic'), dir, { recursive: true });
    chmodSync(dir, 0o755);
    return dir;
  }

  it.skipIf(!user.run)(`a directory it may not read (${user.how})`, async () => {
    const dir = journal('noread');
    chmodSync(dir, 0o111);
    for (const command of ALL) {
      expectOneLine(
        await run(args(command, dir)),
        new RegExp(
          `^exec-wal: cannot open journal: ${escapeRegExp(dir)} is not readable \\(permission denied\\)\\n$`,
        ),
        command.join(' '),
      );
    }
  });

  it.skipIf(!user.run)(`a directory it may not write (${user.how})`, async () => {
    const dir = journal('nowrite');
    chmodSync(dir, 0o555);
    for (const command of READERS) {
      const result = await run(args(command, dir));
      expect(result.code, `${command.join(' ')}: ${result.stderr}`).toBe(0);
    }
    for (const command of WRITERS) {
      expectOneLine(
        await run(args(command, dir)),
        new RegExp(
          `^exec-wal: cannot open journal for writing: ${escapeRegExp(dir)} is not writable \\(permission denied\\); run as its owner\\n$`,
        ),
        command.join(' '),
      );
    }
  });

  it.skipIf(!user.run)(`a segment it may not read (${user.how})`, async () => {
    const dir = journal('segment');
    const segment = join(dir, '0000000000000001.wal');
    chmodSync(dir, 0o777); // writable, so the writers get as far as the segment
    chmodSync(segment, 0o000);
    for (const command of ALL) {
      expectOneLine(
        await run(args(command, dir)),
        new RegExp(
          `^exec-wal: cannot [a-z ]+ ${escapeRegExp(segment)}: permission denied \\(EACCES\\)\\n$`,
        ),
        command.join(' '),
      );
    }
  });

  it('a directory made for these cases is really refused to that user', () => {
    // Guards the guard: without a user the kernel checks, the cases above would pass vacuously.
    if (!user.run) return;
    const dir = journal('probe');
    mkdirSync(join(dir, 'sub'), { mode: 0o700 });
    chmodSync(join(dir, 'sub'), 0o000);
    return run(['stats', join(dir, 'sub')]).then((result) => {
      expect(result.stderr).toMatch(/is not readable \(permission denied\)/);
    });
  });
});
