// Every command, as a real child process of bin/exec-wal.js, on a golden fixture journal
// (fixtures/v1/basic: 3 actions, a failed migrate, two cleanups, one interrupted backup).
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressBar, PROGRESS_MIN_BYTES } from '../../src/cli/terminal-style.js';
import { repoRoot, spawnCli } from '../support/cli-run.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

let journal: string;
const snapshot = (dir: string) =>
  new Map(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n)).toString('base64')]));

beforeAll(() => {
  journal = join(tempDir('fixture-commands'), 'basic');
  cpSync(join(repoRoot, 'fixtures', 'v1', 'basic'), journal, { recursive: true });
});
afterAll(removeTempDirs);

describe('every command on fixtures/v1/basic', () => {
  it('read-only commands exit 0, say what the fixture holds, and change no byte', () => {
    const before = snapshot(journal);
    const stats = spawnCli(['stats', journal, '--json']);
    expect(stats.code).toBe(0);
    const actions = JSON.parse(stats.stdout).actions.map(
      (a: { actionId: string; totalExecutions: number }) => [a.actionId, a.totalExecutions],
    );
    expect(actions).toEqual([
      ['migrate', 2],
      ['deploy', 1],
      ['backup', 0],
    ]);
    expect(spawnCli(['recent', journal, '--failed', '-o', 'jsonl']).stdout).toMatch(
      /"error":"lock timeout"/,
    );
    expect(spawnCli(['cleanups', journal, '--failed', '-o', 'jsonl']).stdout).toMatch(
      /"error":"permission denied"/,
    );
    const inflight = JSON.parse(spawnCli(['inflight', journal, '--json']).stdout);
    expect(inflight).toEqual([
      expect.objectContaining({ executionId: 'run-4', state: 'interrupted' }),
    ]);
    expect(JSON.parse(spawnCli(['show', journal, 'run-4', '--json']).stdout)).toMatchObject({
      status: 'interrupted',
      actionId: 'backup',
    });
    expect(JSON.parse(spawnCli(['show', journal, '4', '--json']).stdout)).toMatchObject({
      lsn: 4,
      status: 'failed',
    });
    const tail = spawnCli(['tail', journal, '-n', '2', '-o', 'jsonl']).stdout.trim().split('\n');
    expect(tail.map((l) => JSON.parse(l).lsn)).toEqual([11, 12]);
    const exported = spawnCli(['export', journal])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(exported.filter((e) => e.kind !== 'interrupted').map((e) => e.lsn)).toEqual([
      1,
      2,
      3,
      4,
      5,
      8,
      10,
      11,
      12, // 6, 7, 9: ancillary types, skipped
    ]);
    expect(spawnCli(['verify', journal]).code).toBe(0);
    expect(JSON.parse(spawnCli(['info', journal, '--json']).stdout)).toMatchObject({
      segments: 1,
      newestLsn: 12,
      lockHolder: null,
    });
    expect(spawnCli(['compact', journal, '--keep-segments', '1', '--dry-run']).code).toBe(0);
    expect(spawnCli(['repair', journal, '--dry-run']).stdout).toMatch(/nothing to repair/);
    expect(snapshot(journal)).toEqual(before);
  });

  it('compact writes a checkpoint and the stats stay the same', () => {
    const copy = join(tempDir('fixture-compact'), 'basic');
    cpSync(journal, copy, { recursive: true });
    const before = JSON.parse(spawnCli(['stats', copy, '--json']).stdout).actions;
    expect(spawnCli(['compact', copy]).code).toBe(0);
    expect(readdirSync(copy).some((n) => n.startsWith('checkpoint-'))).toBe(true);
    expect(JSON.parse(spawnCli(['stats', copy, '--json']).stdout).actions).toEqual(before);
  });
});

describe('progress bar', () => {
  const io = (isTTY: boolean) => {
    const out = { text: '' };
    return {
      out,
      io: {
        stdout: { write: () => true },
        stderr: { isTTY, write: (s: string) => (out.text += s) },
        env: {},
      },
    };
  };

  it('draws on a TTY for reads over the threshold, and clears itself', () => {
    const { out, io: tty } = io(true);
    const bar = progressBar(tty, 'verify');
    bar({ bytesDone: PROGRESS_MIN_BYTES, bytesTotal: 2 * PROGRESS_MIN_BYTES });
    expect(out.text).toMatch(/^\rverify \[#{15}\.{15}\] 50% 32\/64 MiB$/);
    bar.done();
    expect(out.text.endsWith('\r\u001b[K')).toBe(true);
  });

  it('stays silent off a TTY and for small reads', () => {
    const { out, io: pipe } = io(false);
    progressBar(pipe, 'verify')({ bytesDone: 1, bytesTotal: 4 * PROGRESS_MIN_BYTES });
    const { out: out2, io: tty } = io(true);
    progressBar(tty, 'verify')({ bytesDone: 1, bytesTotal: 1024 });
    expect(out.text + out2.text).toBe('');
  });
});
