import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ActionStats, WalStore } from '../../src/index.js';
import { runCli, spawnCli } from '../support/cli-run.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

let journal: string;

beforeAll(async () => {
  journal = join(tempDir('cli'), 'journal');
  const store = await WalStore.open(journal, { maxSegmentBytes: 4096 });
  for (let i = 0; i < 60; i++) {
    const actionId = ['deploy', 'backup', 'notify'][i % 3]!;
    const { executionId } = await store.actionExecutionStarted(actionId, {
      source: 'cron',
      startedAt: 1_700_000_000_000 + i * 1000,
    });
    await store.actionExecutionCompleted(actionId, {
      executionId,
      status: i % 7 === 0 ? 'failed' : 'succeeded',
      durationMs: 100 + i,
      completedAt: 1_700_000_000_500 + i * 1000,
      ...(i % 7 === 0 ? { error: `boom ${i}` } : {}),
    });
  }
  await store.cleanupExecuted('stale-locks', {
    resourceId: 'lock:deploy',
    action: 'release',
    success: true,
  });
  await store.close();
});
afterAll(removeTempDirs);

describe('exec-wal stats', () => {
  it('prints a table of every action within 80 columns', async () => {
    const { code, stdout } = await runCli(['stats', journal]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^all-time stats of .* \(3 actions, through lsn 121\)$/);
    expect(lines[1]).toMatch(
      /^ACTION\s+TOTAL\s+OK\s+FAIL\s+OK%\s+AVG\s+P50\s+P95\s+P99\s+LAST RUN$/,
    );
    expect(
      lines
        .slice(2)
        .map((l) => l.split(/\s+/)[0])
        .sort(),
    ).toEqual(['backup', 'deploy', 'notify']);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('--json prints the same numbers as the API', async () => {
    const { code, stdout } = await runCli(['stats', journal, '--json']);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { scope: string; actions: ActionStats[] };
    expect(doc.scope).toBe('all-time');
    const store = await WalStore.open(journal, { readOnly: true });
    for (const row of doc.actions)
      expect(row).toEqual(JSON.parse(JSON.stringify(store.actionStats(row.actionId))));
    expect(doc.actions.map((a) => a.totalExecutions).reduce((a, b) => a + b)).toBe(60);
  });

  it('--action filters, an unknown action shows zero counts', async () => {
    const deploy = JSON.parse(
      (await runCli(['stats', journal, '--action', 'deploy', '-o', 'json'])).stdout,
    );
    expect(deploy.actions).toHaveLength(1);
    expect(deploy.actions[0].totalExecutions).toBe(20);
    const none = JSON.parse(
      (await runCli(['stats', journal, '--action', 'nope', '--json'])).stdout,
    );
    expect(none.actions[0]).toMatchObject({ actionId: 'nope', totalExecutions: 0 });
  });

  it('uses EXEC_WAL_PATH when no path is given, and refuses with exit 2 when neither is', async () => {
    expect((await runCli(['stats'], { EXEC_WAL_PATH: journal })).code).toBe(0);
    const missing = await runCli(['stats']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/EXEC_WAL_PATH/);
  });

  it('names a missing journal and exits 1', async () => {
    const { code, stderr } = await runCli(['stats', join(journal, 'nope')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^exec-wal: cannot open journal: .*nope does not exist\n$/);
  });

  it('rejects unknown options with exit 2', async () => {
    expect((await runCli(['stats', journal, '--frobnicate'])).code).toBe(2);
    expect((await runCli(['stats', journal, '-o', 'yaml'])).code).toBe(2);
  });
});

describe('exec-wal recent', () => {
  it('prints the newest executions first, -n bounds them, --failed filters', async () => {
    const all = JSON.parse((await runCli(['recent', journal, '-n', '5', '--json'])).stdout);
    expect(all.map((r: { lsn: number }) => r.lsn)).toEqual([120, 118, 116, 114, 112]);
    const failed = JSON.parse((await runCli(['recent', journal, '--failed', '--json'])).stdout);
    expect(failed.every((r: { success: boolean }) => !r.success)).toBe(true);
    expect(failed).toHaveLength(9);
    const table = await runCli(['recent', journal, '-n', '3']);
    expect(table.stdout.split('\n')[0]).toMatch(/^LSN\s+WHEN\s+ACTION\s+STATUS\s+TOOK\s+ERROR$/);
    expect(table.stdout.trimEnd().split('\n')).toHaveLength(4);
  });
});

describe('exec-wal verify', () => {
  it('passes a clean journal with exit 0', async () => {
    const { code, stdout } = await runCli(['verify', journal]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^PASS 0000000000000001\.wal lsn 1-/m);
    expect(stdout).toMatch(/^OK: \d+ segments, 121 records/m);
  });

  it('reports a torn tail but exits 0', async () => {
    const copy = join(tempDir('torn'), 'j');
    cpSync(journal, copy, { recursive: true });
    const segments = (await import('node:fs'))
      .readdirSync(copy)
      .filter((n) => n.endsWith('.wal'))
      .sort();
    const last = join(copy, segments.at(-1)!);
    const bytes = readFileSync(last);
    writeFileSync(last, bytes.subarray(0, bytes.length - 5));
    const { code, stdout } = await runCli(['verify', copy]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^TORN .*torn tail/m);
  });

  it('finds corruption in a sealed segment, names segment and offset, exits 3', async () => {
    const copy = join(tempDir('corrupt'), 'j');
    cpSync(journal, copy, { recursive: true });
    const first = join(copy, '0000000000000001.wal');
    const bytes = readFileSync(first);
    bytes[600] = bytes[600]! ^ 0x40;
    writeFileSync(first, bytes);
    const { code, stdout, stderr } = await runCli(['verify', copy]);
    expect(code).toBe(3);
    expect(stdout).toMatch(
      /^FAIL 0000000000000001\.wal checksum mismatch at offset \d+; last good lsn \d+/m,
    );
    expect(stderr).toMatch(/corruption found/);
    // Reading commands refuse a corrupt journal with exit 3 and point at verify.
    const stats = await runCli(['stats', copy]);
    expect(stats.code).toBe(3);
    expect(stats.stderr).toMatch(/exec-wal verify/);
    // ...and salvage reads what is intact.
    expect((await runCli(['stats', copy, '--recovery', 'salvage'])).code).toBe(0);
  });
});

describe('the real binary', () => {
  it('runs stats, recent and verify as a child process', () => {
    const stats = spawnCli(['stats', journal]);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/^ACTION/m);
    expect(
      spawnCli(['recent', journal, '-n', '2', '-o', 'jsonl']).stdout.trim().split('\n'),
    ).toHaveLength(2);
    expect(spawnCli(['verify', journal]).code).toBe(0);
    const help = spawnCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:/);
  });

  it('works beside a live writer', async () => {
    const dir = join(tempDir('live'), 'j');
    const writer = await WalStore.open(dir);
    await writer.actionExecutionCompleted('live', { success: true, durationMs: 5 });
    const result = spawnCli(['stats', dir, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).actions[0]).toMatchObject({
      actionId: 'live',
      totalExecutions: 1,
    });
    await writer.close();
  });
});
