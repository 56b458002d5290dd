// Bad input gets a named error, never a silent default (issue 12 §4): every option that takes a
// value, of every command, is walked from the program's own definition and given bad values of
// its kind; each must be a usage error (exit 2) with one line naming the option and the
// accepted forms, before anything reads the journal. A new option whose kind this test does not
// know fails the test, so none is left out.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { repoRoot, runCli, spawnCli } from '../support/cli-run.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

let journal: string;
beforeAll(() => {
  journal = join(tempDir('bad-input'), 'basic');
  cpSync(join(repoRoot, 'fixtures', 'v2', 'basic'), journal, { recursive: true });
});
afterAll(removeTempDirs);

/** Bad values per kind of value, by the option's placeholder. */
const BAD: Record<string, string[]> = {
  count: ['abc', '-1', '1.5', '1e3', '0x10', '', ' 5', '5 ', '+5', '99999999999999999999'],
  lsn: ['abc', '-1', '1.5', '', '12abc', '1e3', '99999999999999999999'],
  size: ['abc', '-5', '5x', '', '0', 'MiB', '1.2.3', '5 MiB'],
  duration: ['5', 'abc', '0s', '-1d', '1y', '', '1.d', '7 d'],
  time: [
    'yesterday',
    '2026-02-31',
    '2026-13-01',
    '1',
    '',
    '2026-11-23T25:00',
    '2026-11-23 08:00',
    '5',
  ],
  name: [''],
  attribute: ['org', '=acme', '', '__proto__=x'],
  groupBy: ['', 'org', 'attr:', 'action', 'ATTR:org'],
  choice: ['bogus', '', 'TABLE'],
};
const PLACEHOLDER_KIND: Record<string, keyof typeof BAD> = {
  '<count>': 'count',
  '<lsn>': 'lsn',
  '<size>': 'size',
  '<duration>': 'duration',
  '<time>': 'time',
  '<name>': 'name',
  '<source>': 'name',
  '<id>': 'name',
  '<key=value>': 'attribute',
  '<grouping>': 'groupBy',
  '<actor>': 'name',
  '<reason>': 'name',
};

interface OptionShape {
  flags: string;
  long?: string;
  required: boolean;
  argChoices?: string[];
}

const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };
const program = buildProgram(
  io,
  async () => {},
  () => '0.0.0',
);
const valued = program.commands.flatMap((command) =>
  (command.options as unknown as OptionShape[])
    .filter((o) => o.required)
    .map((option) => ({ command: command.name(), option })),
);

function kindOf(option: OptionShape): keyof typeof BAD {
  if (option.argChoices) return 'choice';
  const placeholder = /<[^>]+>/.exec(option.flags)?.[0] ?? '';
  const kind = PLACEHOLDER_KIND[placeholder];
  if (!kind) throw new Error(`no bad values known for ${option.flags}: add its kind to this test`);
  return kind;
}

/** The arguments before the option: the journal, and the id `show` needs. */
const lead = (command: string) => (command === 'show' ? [journal, '1'] : [journal]);

describe('every option value is checked', () => {
  it('the walk covers every command that takes option values', () => {
    const commands = new Set(valued.map((v) => v.command));
    for (const name of ['stats', 'recent', 'cleanups', 'inflight', 'show', 'tail', 'export'])
      expect(commands).toContain(name);
    for (const name of ['verify', 'repair', 'compact', 'info']) expect(commands).toContain(name);
    expect(valued.length).toBeGreaterThan(30);
  });

  for (const { command, option } of valued) {
    it(`${command} ${option.flags}`, async () => {
      const kind = kindOf(option);
      const bad = [...BAD[kind]!];
      // A count that must be positive refuses 0 too.
      if (kind === 'count' && /--limit|--keep-segments/.test(option.flags)) bad.push('0');
      for (const value of bad) {
        const result = await runCli([command, ...lead(command), option.long!, value]);
        const what = `${command} ${option.long} '${value}'`;
        expect(result.code, `${what}: ${result.stdout}${result.stderr}`).toBe(2);
        expect(result.stdout, what).toBe('');
        const lines = result.stderr.split('\n').filter(Boolean);
        expect(lines, what).toHaveLength(1);
        expect(lines[0], what).toContain(option.long!);
        expect(lines[0], what).toMatch(/expected an? [a-z]+|Allowed choices are/);
      }
    });
  }

  it('a missing value is a usage error too', async () => {
    for (const { command, option } of valued) {
      const result = await runCli([command, ...lead(command), option.long!]);
      expect(result.code, `${command} ${option.long}`).toBe(2);
      expect(result.stderr).toContain(option.long!);
    }
  });
});

describe('combinations and other input', () => {
  const cases: [string, string[], RegExp][] = [
    [
      '--since after --until',
      ['stats', '--since', '1h', '--until', '2h'],
      /--since must be before --until/,
    ],
    [
      'export window',
      ['export', '--since', 'now', '--until', '1d'],
      /--since must be before --until/,
    ],
    ['--json with -o', ['stats', '--json', '-o', 'csv'], /--json.*cannot be used with.*--output/],
    ['tail -n with --after-lsn', ['tail', '-n', '5', '--after-lsn', '3'], /cannot be used with/],
    ['repair --dry-run -y', ['repair', '--dry-run', '-y'], /cannot be used with/],
    ['an extra argument', ['stats', 'extra'], /too many arguments/],
    ['an unknown option', ['stats', '--frobnicate'], /unknown option '--frobnicate'/],
    ['export -o json', ['export', '-o', 'json'], /Allowed choices are jsonl, csv/],
  ];
  for (const [what, [command, ...rest], message] of cases) {
    it(what, async () => {
      const result = await runCli([command!, journal, ...rest]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    });
  }

  it('an empty path, an empty EXEC_WAL_PATH, an empty show id', async () => {
    expect((await runCli(['stats', ''])).stderr).toMatch(/the journal path is empty/);
    expect((await runCli(['stats'], { EXEC_WAL_PATH: '' })).code).toBe(2);
    const show = await runCli(['show', journal, '']);
    expect(show.code).toBe(2);
    expect(show.stderr).toMatch(/execution id or an lsn/);
  });

  it('a bad EXEC_WAL_NOW is named, and a good one fixes the clock', async () => {
    const bad = await runCli(['stats', journal], { EXEC_WAL_NOW: 'tomorrow' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^exec-wal: EXEC_WAL_NOW must be an ISO time .* got 'tomorrow'\n$/);
    const at = await runCli(['stats', journal, '--json'], { EXEC_WAL_NOW: '2030-01-01T00:00:00Z' });
    expect(JSON.parse(at.stdout).generatedAt).toBe('2030-01-01T00:00:00.000Z');
    const ms = await runCli(['stats', journal, '--json'], { EXEC_WAL_NOW: '1893456000000' });
    expect(JSON.parse(ms.stdout).generatedAt).toBe('2030-01-01T00:00:00.000Z');
  });

  it('good values of each kind are taken as meant', async () => {
    const now = { EXEC_WAL_NOW: '2026-11-23T12:00:00Z' };
    const window = async (args: string[]) =>
      JSON.parse((await runCli(['stats', journal, '--json', ...args], now)).stdout).window;
    expect(await window(['--since', '2026-11-23'])).toMatchObject({
      since: '2026-11-23T00:00:00.000Z',
    });
    expect(await window(['--since', '2026-11-23T08:00:00+02:00'])).toMatchObject({
      since: '2026-11-23T06:00:00.000Z',
    });
    expect(await window(['--since', '2026-11-23T08:00'])).toMatchObject({
      since: '2026-11-23T08:00:00.000Z',
    });
    expect(await window(['--since', '1.5h', '--until', 'now'])).toMatchObject({
      since: '2026-11-23T10:30:00.000Z',
      until: '2026-11-23T12:00:00.000Z',
    });
    const dry = await runCli(['compact', journal, '--dry-run', '--keep-bytes', '1.5k']);
    expect(dry.code, dry.stderr).toBe(0);
  });

  it('the real binary: export --from-lsn abc exits 2 and prints nothing on stdout', () => {
    const result = spawnCli(['export', journal, '--from-lsn', 'abc']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      "exec-wal: option '--from-lsn <lsn>' argument 'abc' is invalid. expected an lsn: a whole number >= 0 (e.g. 4711)\n",
    );
  });
});
