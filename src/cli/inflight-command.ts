// `exec-wal inflight <path>`: executions not ended — queued ones (waiting for their first
// attempt, or for a retry's backoff) in dispatch order, then running ones oldest first with
// their progress; those started before the last crash or restart (no writer alive) are
// 'interrupted'.
import type { RecoveryMode } from '../store/journal-admin.js';
import type { CliIo } from './cli-io.js';
import { openForReading } from './journal-path.js';
import { type Column, renderList } from './output.js';
import { type OutputOptions, renderContext } from './render-context.js';

export interface InflightOptions extends OutputOptions {
  action?: string;
  recovery?: RecoveryMode;
}

/** One row: a queued or a running execution. */
export interface InflightRow {
  state: 'queued' | 'running' | 'interrupted';
  executionId: string;
  actionId: string;
  source: string;
  executionType: string;
  attempt: number;
  /** queued: when it became ready (queued, or a retry's backoff); running: its start. */
  since: number;
  /** Queued: the LSN of its first record; running: of its start. */
  lsn: number;
  priority?: number;
  percent?: number;
  message?: string;
  attributes?: Record<string, string>;
  lastError?: string;
}

export async function inflightCommand(
  path: string,
  options: InflightOptions,
  io: CliIo,
): Promise<number> {
  const ctx = renderContext(io, options);
  const store = await openForReading(path, options.recovery, io);
  try {
    const queued: InflightRow[] = store.queued().map((q) => ({
      state: 'queued',
      executionId: q.executionId,
      actionId: q.actionId,
      source: q.source,
      executionType: q.executionType,
      attempt: q.attempts,
      since: q.readyAt,
      lsn: q.lsn,
      priority: q.priority,
      ...(q.attributes ? { attributes: q.attributes } : {}),
      ...(q.lastError === undefined ? {} : { lastError: q.lastError }),
    }));
    const running: InflightRow[] = store.inFlight().map((r) => ({
      state: r.state,
      executionId: r.executionId,
      actionId: r.actionId,
      source: r.source,
      executionType: r.executionType,
      attempt: r.attempt,
      since: r.startedAt,
      lsn: r.lsn,
      ...(r.percent === undefined ? {} : { percent: r.percent }),
      ...(r.progressMessage === undefined ? {} : { message: r.progressMessage }),
      ...(r.attributes ? { attributes: r.attributes } : {}),
    }));
    const rows = [...queued, ...running].filter(
      (e) => options.action === undefined || e.actionId === options.action,
    );
    io.stdout.write(
      renderList(
        rows,
        { columns: inflightColumns(ctx.nowMs), empty: 'nothing queued or running' },
        ctx,
      ),
    );
    return 0;
  } finally {
    await store.close();
  }
}

function inflightColumns(nowMs: number): Column<InflightRow>[] {
  return [
    { header: 'LSN', name: 'lsn', kind: 'number', value: (r) => r.lsn },
    { header: 'STATE', name: 'state', kind: 'status', value: (r) => r.state },
    { header: 'ID', name: 'executionId', kind: 'text', value: (r) => r.executionId, in: ['csv'] },
    { header: 'ACTION', name: 'actionId', kind: 'text', value: (r) => r.actionId, maxWidth: 20 },
    { header: 'SINCE', name: 'since', kind: 'time', value: (r) => r.since, in: ['table', 'wide'] },
    {
      header: 'AGE',
      name: 'ageMs',
      kind: 'duration',
      value: (r) => Math.max(0, nowMs - r.since),
      in: ['table', 'wide'],
    },
    { header: 'PROGRESS', name: 'percent', kind: 'number', value: (r) => r.percent },
    { header: 'SOURCE', name: 'source', kind: 'text', value: (r) => r.source, maxWidth: 16 },
    {
      header: 'ATTEMPT',
      name: 'attempt',
      kind: 'number',
      value: (r) => r.attempt,
      in: ['wide', 'csv'],
    },
    {
      header: 'PRIORITY',
      name: 'priority',
      kind: 'number',
      value: (r) => r.priority,
      in: ['wide', 'csv'],
    },
    { header: 'SINCE', name: 'since', kind: 'time', value: (r) => r.since, in: ['csv'] },
    {
      header: 'TYPE',
      name: 'executionType',
      kind: 'text',
      value: (r) => r.executionType,
      in: ['csv'],
    },
    {
      header: 'EXECUTION',
      name: 'executionId',
      kind: 'text',
      value: (r) => r.executionId,
      maxWidth: 12,
      in: ['table', 'wide'],
    },
    {
      header: 'MESSAGE',
      name: 'message',
      kind: 'text',
      value: (r) => r.message ?? r.lastError,
      maxWidth: 40,
      in: ['wide', 'csv'],
    },
    {
      header: 'ATTRIBUTES',
      name: 'attributes',
      kind: 'json',
      value: (r) => r.attributes,
      in: ['wide', 'csv'],
    },
  ];
}
