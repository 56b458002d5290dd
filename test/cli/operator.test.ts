// The operator commands: in-process through main(argv, io), plus real spawns of the binary for
// tail -f beside another process, export round trip, repair --dry-run and verify exit codes.
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HistoryEntry, WalStore } from '../../src/index.js';
import { repoRoot, runCli, spawnCli } from '../support/cli-run.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

let journal: string;
let interruptedId: string;

beforeAll(async () => {
  journal = join(tempDir('operator'), 'journal');
  const store = await WalStore.open(journal, { maxSegmentBytes: 4096 });
  for (let i = 0; i < 40; i++) {
    const actionId = ['deploy', 'backup'][i % 2]!;
    const { executionId } = await store.actionExecutionStarted(actionId, {
      source: i % 4 < 2 ? 'cron' : 'api',
      attributes: { n: String(i) },
    });
    await store.actionExecutionCompleted(actionId, {
      executionId,
      status: i % 5 === 0 ? 'timed_out' : 'succeeded',
      durationMs: 10 * i,
      output: `out ${i}`,
      metrics: { cost: i },
    });
  }
  await store.cleanupExecuted('stale-locks', {
    resourceId: 'lock:a',
    action: 'release',
    success: true,
  });
  await store.cleanupExecuted('tmp-files', {
    resourceId: '/tmp/x',
    action: 'delete',
    success: false,
    error: 'EACCES',
  });
  interruptedId = (await store.actionExecutionStarted('backup', { source: 'cron' })).executionId;
  await store.close();
});
afterAll(removeTempDirs);

async function history(dir: string): Promise<HistoryEntry[]> {
  const store = await WalStore.open(dir, { readOnly: true });
  const entries: HistoryEntry[] = [];
  for await (const entry of store.history()) entries.push(entry);
  await store.close();
  return entries;
}

function dirBytes(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir).map((name) => [name, readFileSync(join(dir, name)).toString('base64')]),
  );
}

describe('inflight, cleanups, show', () => {
  it('inflight lists the interrupted start with its age', async () => {
    const { code, stdout } = await runCli(['inflight', journal]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^LSN\s+STATE\s+ACTION\s+SINCE\s+AGE/);
    expect(stdout).toMatch(/interrupted\s+backup/);
    const json = JSON.parse((await runCli(['inflight', journal, '--json'])).stdout);
    expect(json).toEqual([
      expect.objectContaining({
        executionId: interruptedId,
        state: 'interrupted',
        actionId: 'backup',
      }),
    ]);
  });

  it('cleanups lists newest first and filters', async () => {
    const all = JSON.parse((await runCli(['cleanups', journal, '--json'])).stdout);
    expect(all.map((c: { scannerId: string }) => c.scannerId)).toEqual([
      'tmp-files',
      'stale-locks',
    ]);
    const failed = JSON.parse(
      (await runCli(['cleanups', journal, '--failed', '-o', 'json'])).stdout,
    );
    expect(failed).toEqual([expect.objectContaining({ scannerId: 'tmp-files', error: 'EACCES' })]);
  });

  it('show finds a record by lsn and an execution by id, in full', async () => {
    const byLsn = JSON.parse((await runCli(['show', journal, '2', '--json'])).stdout);
    expect(byLsn).toMatchObject({
      lsn: 2,
      kind: 'completed',
      actionId: 'deploy',
      output: 'out 0',
      metrics: { cost: 0 },
      attributes: { n: '0' },
      source: 'cron',
    });
    const text = await runCli(['show', journal, '2']);
    expect(text.stdout).toMatch(/^output\s+out 0$/m);
    expect(text.stdout).toMatch(/^durationMs\s+0 \(0ms\)$/m);
    const byId = JSON.parse((await runCli(['show', journal, interruptedId, '--json'])).stdout);
    expect(byId).toMatchObject({
      executionId: interruptedId,
      status: 'interrupted',
      attempts: [{ status: 'interrupted' }],
    });
    const timeline = await runCli(['show', journal, interruptedId]);
    expect(timeline.stdout).toMatch(/^status\s+interrupted$/m);
    expect(timeline.stdout).toMatch(/attempt 1\s+interrupted/);
    const missing = await runCli(['show', journal, '99999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no record with lsn 99999/);
    expect((await runCli(['show', interruptedId, '--json'], { EXEC_WAL_PATH: journal })).code).toBe(
      0,
    );
  });
});

describe('stats windows', () => {
  it('--source and --since compute from history on disk and say so', async () => {
    const { stdout } = await runCli(['stats', journal, '--source', 'api', '--json']);
    const doc = JSON.parse(stdout);
    expect(doc.scope).toBe('window');
    const total = doc.actions.reduce(
      (sum: number, a: { totalExecutions: number }) => sum + a.totalExecutions,
      0,
    );
    expect(total).toBe(20);
    const future = JSON.parse(
      (await runCli(['stats', journal, '--since', '2999-01-01', '--json'])).stdout,
    );
    expect(future.actions).toEqual([]);
    const table = await runCli(['stats', journal, '--since', '1h']);
    expect(table.stdout).toMatch(/^windowed stats of/);
    expect(table.stdout).toMatch(/from history on disk/);
    expect((await runCli(['stats', journal, '--since', 'yesterday-ish'])).code).toBe(2);
  });
});

describe('export', () => {
  it('jsonl round-trips to exactly history()', async () => {
    const result = spawnCli(['export', journal]);
    expect(result.code).toBe(0);
    const parsed = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(parsed).toEqual(JSON.parse(JSON.stringify(await history(journal))));
    expect(parsed.length).toBe(40 * 2 + 2 + 1 + 1);
  });

  it('csv with filters, same as recent', async () => {
    const { stdout } = await runCli(['export', journal, '-o', 'csv', '--status', 'timed_out']);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^lsn,kind,at,executionId,actionId/);
    expect(lines).toHaveLength(1 + 8);
    expect(lines.slice(1).every((l) => l.includes(',timed_out,false,'))).toBe(true);
    expect(lines[1]).toMatch(/,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,/);
  });
});

describe('tail', () => {
  it('prints the last N records and resumes after an lsn', async () => {
    const last = (await runCli(['tail', journal, '-n', '3', '-o', 'jsonl'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).lsn);
    expect(last).toEqual([81, 82, 83]);
    const after = (await runCli(['tail', journal, '--after-lsn', '80', '-o', 'jsonl'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).lsn);
    expect(after).toEqual([81, 82, 83]);
  });

  it('-f follows records appended by another process across rotation, until interrupted', async () => {
    const dir = join(tempDir('tail-f'), 'j');
    const child = join(repoRoot, 'dist', 'test', 'support', 'children', 'journal-appender.js');
    const tail = spawn(
      process.execPath,
      [join(repoRoot, 'bin', 'exec-wal.js'), 'tail', dir, '-f', '--after-lsn', '0', '-o', 'jsonl'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const seen: number[] = [];
    let buffered = '';
    tail.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) seen.push(JSON.parse(line).lsn);
    });
    // The journal must exist before tail opens it: create it, then start tail, then append.
    const first = await WalStore.open(dir);
    await first.close();
    const appender = spawn(process.execPath, [child, dir, '300', '4096'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lastLsn = await new Promise<number>((resolve, reject) => {
      let out = '';
      appender.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const match = /done (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      appender.on('exit', (code) =>
        code === 0 ? undefined : reject(new Error(`appender exited ${code}`)),
      );
    });
    const deadline = Date.now() + 20_000;
    while (seen.length < lastLsn && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    tail.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => tail.on('exit', resolve));
    expect(code).toBe(0);
    expect(seen).toEqual(Array.from({ length: lastLsn }, (_, i) => i + 1));
    expect(readdirSync(dir).filter((n) => n.endsWith('.wal')).length).toBeGreaterThan(3);
  });
});

describe('repair', () => {
  function corruptCopy(): string {
    const copy = join(tempDir('repair'), 'j');
    cpSync(journal, copy, { recursive: true });
    const first = join(copy, '0000000000000001.wal');
    const bytes = readFileSync(first);
    bytes[1000] = bytes[1000]! ^ 0x01;
    writeFileSync(first, bytes);
    return copy;
  }

  it('--dry-run changes nothing (byte for byte), without -y it refuses', async () => {
    const copy = corruptCopy();
    const before = dirBytes(copy);
    for (const mode of ['point-in-time', 'salvage']) {
      const dry = spawnCli(['repair', copy, '--mode', mode, '--dry-run']);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(/^would /m);
      expect(dry.stdout).toMatch(/nothing was changed/);
    }
    const noYes = await runCli(['repair', copy, '--mode', 'point-in-time']);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/pass -y/);
    expect(dirBytes(copy)).toEqual(before);
  });

  it('point-in-time ends the log at the damage, keeps the bytes, and verify passes after', async () => {
    const copy = corruptCopy();
    expect((await runCli(['verify', copy])).code).toBe(3);
    const { code, stdout } = await runCli(['repair', copy, '--mode', 'point-in-time', '-y']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/kept in 0000000000000001\.wal\.broken-\d+/);
    expect((await runCli(['verify', copy])).code).toBe(0);
    const kept = readdirSync(copy).filter((n) => n.includes('.broken-'));
    expect(kept.length).toBeGreaterThan(0);
  });

  it('salvage keeps every readable record and the original whole', async () => {
    const copy = corruptCopy();
    const { code, stdout } = await runCli(['repair', copy, '--mode', 'salvage', '-y']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/original is kept whole at .*\.broken-\d+/);
    expect((await runCli(['verify', copy])).code).toBe(0);
    const records = (await history(copy)).filter((e) => e.kind !== 'interrupted');
    expect(records.length).toBeGreaterThanOrEqual(82);
  });

  it('refuses while a writer holds the lock (exit 4)', async () => {
    const copy = join(tempDir('locked'), 'j');
    cpSync(journal, copy, { recursive: true });
    const writer = await WalStore.open(copy);
    const result = spawnCli(['repair', copy, '-y']);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/locked by a running writer \(pid \d+/);
    const compact = spawnCli(['compact', copy, '--keep-segments', '1']);
    expect(compact.code).toBe(4);
    await writer.close();
  });
});

describe('verify on every corrupted fixture', () => {
  const fixtures = join(repoRoot, 'fixtures', 'v1');
  const expectedExit: Record<string, number> = {
    'bad-checksum-sealed': 3,
    'sequence-gap': 3,
    'frame-gap': 3,
    'torn-tail': 0,
    'torn-batch': 0,
    'zero-tail': 0,
    'garbage-tail': 0,
    basic: 0,
    'multi-segment': 0,
    'stray-files': 0,
    'future-version': 1,
  };
  for (const [name, exit] of Object.entries(expectedExit)) {
    it(`${name} exits ${exit}`, () => {
      const copy = join(tempDir(`fx-${name}`), name);
      cpSync(join(fixtures, name), copy, { recursive: true });
      const result = spawnCli(['verify', copy]);
      expect(result.code, result.stdout + result.stderr).toBe(exit);
      if (exit === 3) expect(result.stdout).toMatch(/^FAIL /m);
      if (name.includes('tail') || name === 'torn-batch') expect(result.stdout).toMatch(/^TORN /m);
    });
  }
});
