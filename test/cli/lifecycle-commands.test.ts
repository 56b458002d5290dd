// The lifecycle through the CLI (docs/cli.md): inflight separates queued and running with
// progress, show prints an execution's timeline, recent and export filter by source and
// attribute, stats groups by source or attribute, delete hides executions (confirmation first)
// and compact removes their bytes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WalStore } from '../../src/store/wal-store.js';
import { runCli } from '../support/cli-run.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);
let journal: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  journal = join(tempDir('lifecycle-cli'), 'journal');
  const store = await WalStore.open(journal);
  const retried = await store.actionExecutionQueued('deploy', {
    source: 'hitl',
    attributes: { org: 'acme', user: 'u-1' },
    maxAttempts: 3,
    priority: 5,
    queuedAt: T0,
  });
  ids.retried = retried.executionId;
  await store.actionExecutionStarted('deploy', {
    executionId: retried.executionId,
    startedAt: T0 + 1000,
  });
  await store.executionStepStarted(retried.executionId, 'fetch', { at: T0 + 1100 });
  await store.actionExecutionProgress(retried.executionId, {
    percent: 40,
    message: 'fetching',
    at: T0 + 1200,
  });
  await store.executionStepCompleted(retried.executionId, 'fetch', {
    success: false,
    error: 'HTTP 503',
    at: T0 + 1300,
  });
  await store.actionExecutionCompleted('deploy', {
    executionId: retried.executionId,
    success: false,
    error: 'HTTP 503',
    durationMs: 400,
    completedAt: T0 + 1400,
    retryAt: T0 + 5000,
  });
  await store.actionExecutionStarted('deploy', {
    executionId: retried.executionId,
    startedAt: T0 + 5100,
  });
  await store.actionExecutionCompleted('deploy', {
    executionId: retried.executionId,
    success: true,
    output: 'deployed',
    durationMs: 900,
    completedAt: T0 + 6000,
  });
  const cancelled = await store.actionExecutionQueued('deploy', {
    source: 'auto',
    attributes: { org: 'globex' },
    queuedAt: T0 + 100,
  });
  ids.cancelled = cancelled.executionId;
  await store.actionExecutionCancelled(cancelled.executionId, {
    actor: 'alice',
    reason: 'wrong target',
    cancelledAt: T0 + 200,
  });
  const waiting = await store.actionExecutionQueued('scan', {
    source: 'auto',
    attributes: { org: 'acme' },
    priority: 1,
    queuedAt: T0 + 300,
  });
  ids.waiting = waiting.executionId;
  const running = await store.actionExecutionStarted('scan', {
    source: 'cron',
    attributes: { org: 'globex', user: 'u-2' },
    startedAt: T0 + 400,
  });
  ids.running = running.executionId;
  await store.actionExecutionProgress(running.executionId, {
    percent: 70,
    message: 'scanning host 7',
    at: T0 + 500,
  });
  const secret = await store.actionExecutionStarted('report', {
    attributes: { user: 'u-9' },
    startedAt: T0 + 600,
  });
  await store.actionExecutionCompleted('report', {
    executionId: secret.executionId,
    success: true,
    output: 'private-QQX-output',
    durationMs: 5,
    completedAt: T0 + 700,
  });
  ids.report = secret.executionId;
  await store.close();
});

const env = { EXEC_WAL_NOW: new Date(T0 + 10_000).toISOString() };
const json = async (args: string[]) => {
  const result = await runCli([...args, '-o', 'json'], env);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
};

describe('lifecycle commands', () => {
  it('inflight lists queued executions first (dispatch order), then running ones with progress', async () => {
    const rows = await json(['inflight', journal]);
    expect(
      rows.map((r: { executionId: string; state: string }) => [r.executionId, r.state]),
    ).toEqual([
      [ids.waiting, 'queued'],
      [ids.running, 'interrupted'],
    ]);
    expect(rows[1]).toMatchObject({ percent: 70, message: 'scanning host 7' });
    const text = await runCli(['inflight', journal, '-o', 'wide'], env);
    expect(text.stdout).toMatch(/queued\s+scan/);
    expect(text.stdout).toMatch(/scanning host 7/);
  });

  it('show prints an execution as its fields and a timeline, oldest first', async () => {
    const { stdout, code } = await runCli(
      ['show', journal, ids.retried!, '--time-format', 'iso'],
      env,
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^status\s+succeeded$/m);
    expect(stdout).toMatch(/^attempts\s+2 of 3$/m);
    const events = stdout
      .split('\n')
      .filter((l) => /^\d{4}-\d\d-\d\dT/.test(l))
      .map((l) => l.split(/\s{2,}/)[1]);
    expect(events).toEqual([
      'queued',
      'attempt 1',
      'step fetch',
      'progress',
      'step fetch',
      'attempt 1',
      'attempt 2',
      'attempt 2',
    ]);
    expect(stdout).toMatch(/failed · HTTP 503 · retry from 2026-12-01T08:00:05\.000Z/);
    const cancelled = await runCli(['show', journal, ids.cancelled!], env);
    expect(cancelled.stdout).toMatch(/cancelled\s+by alice: wrong target/);
    const detail = await json(['show', journal, ids.retried!]);
    expect(detail).toMatchObject({
      executionId: ids.retried,
      status: 'succeeded',
      attempts: [
        { attempt: 1, status: 'failed' },
        { attempt: 2, status: 'succeeded' },
      ],
    });
  });

  it('recent and export filter by source and attributes', async () => {
    const recent = await json(['recent', journal, '--attr', 'org=acme']);
    expect(recent.map((r: { executionId: string }) => r.executionId)).toEqual([
      ids.retried,
      ids.retried,
    ]);
    expect(
      (await json(['recent', journal, '--source', 'auto'])).map(
        (r: { executionId: string }) => r.executionId,
      ),
    ).toEqual([ids.cancelled]);
    expect(await json(['recent', journal, '--attr', 'org=acme', '--attr', 'user=u-2'])).toEqual([]);
    const exported = (await runCli(['export', journal, '--attr', 'user=u-2'], env)).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(new Set(exported.map((e: { executionId: string }) => e.executionId))).toEqual(
      new Set([ids.running]),
    );
    expect(exported.map((e: { kind: string }) => e.kind)).toEqual([
      'started',
      'progress',
      'interrupted',
    ]);
  });

  it('stats groups by source and by an attribute', async () => {
    const bySource = await json(['stats', journal, '--by', 'source']);
    expect(bySource.groupedBy).toBe('source');
    expect(
      Object.fromEntries(
        bySource.actions.map((g: { actionId: string; totalExecutions: number }) => [
          g.actionId,
          g.totalExecutions,
        ]),
      ),
    ).toMatchObject({ hitl: 2, auto: 1 });
    const byOrg = await json(['stats', journal, '--by', 'attr:org']);
    expect(
      Object.fromEntries(
        byOrg.actions.map((g: { actionId: string; successes: number }) => [
          g.actionId,
          g.successes,
        ]),
      ),
    ).toMatchObject({ acme: 1 });
    const table = await runCli(['stats', journal, '--by', 'attr:user'], env);
    expect(table.stdout).toMatch(/^USER\s+TOTAL/m);
    expect(
      (await runCli(['stats', journal, '--by', 'source', '--action', 'deploy'], env)).code,
    ).toBe(2);
  });

  it('delete asks first, hides the execution once confirmed, and compact removes its bytes', async () => {
    const asked = await runCli(['delete', journal, ids.report!], env);
    expect(asked.code).toBe(2);
    expect(asked.stdout).toMatch(new RegExp(ids.report!));
    expect(asked.stderr).toMatch(/pass -y/);
    const live = await runCli(['delete', journal, ids.running!, '-y'], env);
    expect(live.code).toBe(1);
    expect(live.stderr).toMatch(/interrupted/);
    const done = await runCli(
      ['delete', journal, ids.report!, '-y', '--reason', 'user request'],
      env,
    );
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/hidden now/);
    expect((await runCli(['show', journal, ids.report!], env)).code).toBe(1);
    expect(JSON.stringify(await json(['recent', journal]))).not.toContain(ids.report);
    const bytes = () =>
      readdirSync(journal)
        .filter((n) => n.endsWith('.wal'))
        .map((n) => readFileSync(join(journal, n)).toString('latin1'))
        .join('');
    expect(bytes()).toContain('private-QQX-output');
    const compact = await runCli(['compact', journal], env);
    expect(compact.code, compact.stderr).toBe(0);
    expect(compact.stdout).toMatch(/removed the bytes of 2 records of deleted executions/);
    expect(bytes()).not.toContain('private-QQX-output');
    expect((await runCli(['verify', journal], env)).code).toBe(0);
  });
});
