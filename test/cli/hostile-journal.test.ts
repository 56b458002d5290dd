// Journal data is untrusted text (issue 12 §3): a journal whose every string field holds
// terminal escapes (OSC retitle + BEL, CSI clear screen, SGR, C1 CSI, DEL, bidi overrides and
// isolates, lone C0 controls, CR/LF/TAB, line separators) and a formula, in a directory whose
// name holds one too. Every command in every human format prints no raw control character and
// keeps one table row per line; every machine format gives back the exact strings.
import { flatEntry } from '../../src/journal/history-entry.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HistoryEntry, WalStore } from '../../src/index.js';
import { csvObjects } from '../support/csv-parse.js';
import { runCli, spawnCli } from '../support/cli-run.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

const NASTY =
  '\u001b]0;pwned\u0007|\u001b[2J\u001b[H|\u001b[31mred\u001b[0m|\u009b2J|a\u007fb|' +
  'abc\u202edcba|\u2066x\u2069|\u200e\u200f\u061c|\u0000\u0001\u0008\u000b\u000c\u000e\u001f|' +
  'one\ntwo\r\nthree\tfour|a\u2028b\u2029c|\ufeff';
const hostile = (tag: string) => `${tag}:${NASTY}`;
const FORMULA = '=HYPERLINK("http://evil.example","click")';

/** A character a terminal could act on; a newline ends a line and is allowed. */
const RAW = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const NOW = { EXEC_WAL_NOW: '2026-11-23T12:00:00Z' };

let journal: string;
let history: HistoryEntry[];
const EXECUTION = hostile('exec');
const OPEN = hostile('open');

beforeAll(async () => {
  journal = join(tempDir('hostile'), `journal \u001b]0;dir\u0007\u202e`);
  const store = await WalStore.open(journal);
  const at = Date.parse('2026-11-23T10:00:00Z');
  await store.actionExecutionStarted(hostile('action'), {
    executionId: EXECUTION,
    source: hostile('source'),
    executionType: hostile('type'),
    attributes: { [hostile('key')]: hostile('value'), formula: FORMULA },
    startedAt: at,
  });
  await store.actionExecutionCompleted(hostile('action'), {
    executionId: EXECUTION,
    status: 'failed',
    durationMs: 1500,
    error: hostile('error'),
    output: hostile('output'),
    metrics: { [hostile('metric')]: 7 },
    completedAt: at + 1500,
  });
  await store.actionExecutionCompleted(FORMULA, {
    success: true,
    durationMs: 3,
    output: FORMULA,
    source: '+cmd|calc',
    completedAt: at + 2000,
  });
  await store.cleanupExecuted(hostile('scanner'), {
    resourceId: hostile('resource'),
    action: hostile('cleanup'),
    success: false,
    error: hostile('cleanup-error'),
    executedAt: at + 3000,
  });
  await store.actionExecutionStarted(hostile('action'), {
    executionId: OPEN,
    source: hostile('source'),
    attributes: { [hostile('key')]: hostile('value') },
    startedAt: at + 4000,
  });
  await store.close();
  const reader = await WalStore.open(journal, { readOnly: true });
  history = [];
  for await (const entry of reader.history()) history.push(entry);
  await reader.close();
});
afterAll(removeTempDirs);

/** What a human format must satisfy: no raw control character on either stream. */
function expectSafe(result: { stdout: string; stderr: string }, what: string) {
  const out = `${result.stdout}${result.stderr}`;
  const raw = RAW.exec(out);
  expect(
    raw,
    `${what}: raw U+${raw?.[0].codePointAt(0)?.toString(16)} at ${raw?.index}`,
  ).toBeNull();
}

const human = ['table', 'wide'] as const;

describe('human formats print no raw control character', () => {
  const commands: [string, string[], readonly string[]][] = [
    ['stats', [], human],
    ['stats', ['--since', '2000-01-01'], human],
    ['recent', [], human],
    ['cleanups', [], human],
    ['inflight', [], human],
    ['tail', [], human],
    ['show', [EXECUTION], ['table']],
    ['show', [OPEN], ['table']],
    ['show', ['4'], ['table']],
    ['verify', [], ['table']],
    ['info', [], ['table']],
  ];
  for (const [command, args, formats] of commands) {
    for (const format of formats) {
      it(`${command} ${args.length ? '… ' : ''}-o ${format}`, async () => {
        const result = await runCli([command, journal, ...args, '-o', format], NOW);
        expect(result.code, result.stderr).toBe(0);
        expectSafe(result, command);
        // Escaped, visibly: the ESC of the OSC sequence and (where cells are not cut) the RLO.
        if (command !== 'verify') expect(result.stdout).toContain('\\x1b]0;');
        if (format === 'wide' || command === 'show' || command === 'info')
          expect(result.stdout).toContain('\\u202e');
      });
    }
  }

  it('a table row stays one line: newlines and tabs inside cells are escaped', async () => {
    for (const command of ['recent', 'cleanups', 'inflight', 'stats']) {
      for (const format of human) {
        const { stdout } = await runCli([command, journal, '-o', format], NOW);
        const lines = stdout.trimEnd().split('\n');
        const rows = command === 'stats' ? lines.length - 2 : lines.length - 1;
        expect(rows, `${command} -o ${format}:\n${stdout}`).toBe(
          { recent: 2, cleanups: 1, inflight: 1, stats: 2 }[command],
        );
        expect(stdout).not.toContain('\t');
      }
    }
  });

  it('tail streams one line per record', async () => {
    const { stdout } = await runCli(['tail', journal, '-n', '100'], NOW);
    expect(stdout.trimEnd().split('\n')).toHaveLength(1 + 5);
  });

  it('the writer commands (dry runs) and their notes', async () => {
    for (const args of [
      ['compact', journal, '--keep-segments', '1', '--dry-run'],
      ['repair', journal, '--dry-run'],
      ['repair', journal, '--mode', 'salvage', '--dry-run'],
    ]) {
      const result = await runCli(args, NOW);
      expect(result.code, result.stderr).toBe(0);
      expectSafe(result, args.join(' '));
      if (args[0] === 'repair') expect(result.stdout).toContain('\\x1b]0;dir\\x07');
    }
  });

  it('--color always adds colour codes only', async () => {
    for (const command of ['recent', 'cleanups', 'inflight', 'tail', 'verify']) {
      const result = await runCli([command, journal, '--color', 'always'], NOW);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/\u001b\[3\dm/);
      expectSafe(
        { stdout: result.stdout.replace(/\u001b\[\d+m/g, ''), stderr: result.stderr },
        command,
      );
    }
  });

  it('errors that quote user input or journal data are escaped', async () => {
    const cases = [
      ['show', journal, 'nope\u001b]0;x\u0007'],
      ['show', journal, '99999'],
      ['recent', journal, '-n', '\u001b[2J'],
      ['stats', journal, '--since', '\u001b]0;t\u0007'],
      ['stats', join(journal, 'missing\u001b[2J')],
      ['stats', journal, '--sort', '\u009b2J'],
      ['stats', journal, '--frobnicate\u001b[2J'],
      ['nosuchcommand\u202e'],
    ];
    for (const args of cases) {
      const result = await runCli(args, NOW);
      expect(result.code, args.join(' ')).not.toBe(0);
      expectSafe(result, args.join(' '));
      expect(result.stderr.split('\n').filter(Boolean), result.stderr).toHaveLength(1);
    }
  });

  it('the real binary writes the same escaped bytes', () => {
    const result = spawnCli(['recent', journal, '-o', 'wide'], NOW);
    expect(result.code).toBe(0);
    expectSafe(result, 'spawned recent');
    expect(result.stdout).toContain('error:\\x1b]0;pwned\\x07|\\x1b[2J');
  });
});

/** What `inflight` shows of the API's queued() and inFlight(), the fields it must carry exactly. */
function inflightRows(store: WalStore): object[] {
  const queued = store
    .queued()
    .map((q) => ({ executionId: q.executionId, state: 'queued', since: q.readyAt }));
  const running = store.inFlight().map((r) => ({
    executionId: r.executionId,
    state: r.state,
    since: r.startedAt,
    actionId: r.actionId,
    source: r.source,
    attributes: r.attributes,
  }));
  return [...queued, ...running];
}

describe('machine formats carry the exact strings', () => {
  it('stats, recent, cleanups, inflight: json and jsonl equal the API', async () => {
    const store = await WalStore.open(journal, { readOnly: true });
    const api = JSON.parse(
      JSON.stringify({
        stats: store.allActionStats(),
        recent: store.recentActionExecutions(20),
        cleanups: store.recentCleanupOperations(20),
        // inflight lists the queued ones first, then the running ones, as one row shape.
        inflight: inflightRows(store),
      }),
    );
    await store.close();
    const byAction = (rows: { actionId: string }[]) =>
      [...rows].sort((a, b) => a.actionId.localeCompare(b.actionId));
    for (const format of ['json', 'jsonl']) {
      const read = async (command: string) => {
        const { stdout, code } = await runCli([command, journal, '-o', format], NOW);
        expect(code).toBe(0);
        // The JSON text itself is safe to print: controls are \u escapes inside strings.
        expectSafe({ stdout, stderr: '' }, `${command} -o ${format}`);
        if (format === 'json') return JSON.parse(stdout);
        return stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line));
      };
      const stats = await read('stats');
      expect(byAction(format === 'json' ? stats.actions : stats)).toEqual(byAction(api.stats));
      expect(await read('recent')).toEqual(api.recent);
      expect(await read('cleanups')).toEqual(api.cleanups);
      expect(await read('inflight')).toEqual(
        api.inflight.map((row: object) => expect.objectContaining(row)),
      );
    }
    expect(api.recent[1].error).toBe(hostile('error'));
  });

  it('export -o jsonl and tail -o jsonl equal history(), show --json one entry', async () => {
    const exported = (await runCli(['export', journal], NOW)).stdout;
    expectSafe({ stdout: exported, stderr: '' }, 'export');
    const expected = JSON.parse(JSON.stringify(history));
    expect(
      exported
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(expected);
    const tailed = (await runCli(['tail', journal, '-n', '100', '-o', 'jsonl'], NOW)).stdout;
    expect(
      tailed
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(expected.filter((e: HistoryEntry) => e.kind !== 'interrupted'));
    const shown = JSON.parse((await runCli(['show', journal, EXECUTION, '--json'], NOW)).stdout);
    const reader = await WalStore.open(journal, { readOnly: true });
    const detail = await reader.getExecution(EXECUTION);
    await reader.close();
    expect(shown).toEqual(JSON.parse(JSON.stringify(detail)));
    const info = JSON.parse((await runCli(['info', journal, '--json'], NOW)).stdout);
    expect(info.path).toBe(journal);
    const verify = JSON.parse((await runCli(['verify', journal, '--json'], NOW)).stdout);
    expect(verify.path).toBe(journal);
  });

  it('csv is RFC 4180 with CRLF records and round-trips every string (formulas kept as data)', async () => {
    const exported = (await runCli(['export', journal, '-o', 'csv'], NOW)).stdout;
    const rows = csvObjects(exported);
    expect(rows).toHaveLength(history.length);
    rows.forEach((row, i) => {
      const entry = flatEntry(history[i]!);
      for (const field of [
        'executionId',
        'actionId',
        'source',
        'executionType',
        'error',
        'output',
        'scannerId',
        'resourceId',
        'action',
      ] as const) {
        expect(row[field]).toBe(entry[field] ?? '');
      }
      expect(row.attributes === '' ? undefined : JSON.parse(row.attributes!)).toEqual(
        entry.attributes,
      );
      expect(row.metrics === '' ? undefined : JSON.parse(row.metrics!)).toEqual(entry.metrics);
    });
    expect(rows.some((r) => r.output === FORMULA)).toBe(true);
    expect(rows.some((r) => r.source === '+cmd|calc')).toBe(true);
    const exact: Record<string, [string, string]> = {
      stats: ['action', hostile('action')],
      recent: ['error', hostile('error')],
      cleanups: ['scannerId', hostile('scanner')],
      inflight: ['executionId', OPEN],
      tail: ['resourceId', hostile('resource')],
    };
    for (const [command, [field, value]] of Object.entries(exact)) {
      const { stdout, code } = await runCli([command, journal, '-o', 'csv'], NOW);
      expect(code).toBe(0);
      expect(csvObjects(stdout).map((r) => r[field])).toContain(value);
    }
    const recent = csvObjects((await runCli(['recent', journal, '-o', 'csv'], NOW)).stdout);
    expect(recent.find((r) => r.error !== '')?.error).toBe(hostile('error'));
    expect(JSON.parse(recent.find((r) => r.attributes !== '')!.attributes!)).toEqual({
      [hostile('key')]: hostile('value'),
      formula: FORMULA,
    });
  });
});
