// `exec-wal recent <path>`: the newest executions from the replayed ring buffers.
import type { ExecutionStatus } from '../store/journal-records.js';
import { executionStatuses } from '../store/journal-records.js';
import type { ActionExecutionRecord } from '../store/journal-types.js';
import { type CliIo, chooseFormat } from './cli-io.js';
import { openForReading, parseCount, UsageError } from './journal-path.js';
import {
  type Column,
  formatAgo,
  formatDuration,
  isoTime,
  renderCsv,
  renderTable,
} from './text-format.js';

export interface RecentOptions {
  limit?: string;
  failed?: boolean;
  action?: string;
  status?: string;
  json?: boolean;
  output?: string;
  recovery?: string;
}

export async function recentCommand(
  path: string,
  options: RecentOptions,
  io: CliIo,
): Promise<number> {
  const format = chooseFormat(options);
  const limit = parseCount(options.limit, 20);
  if (options.status && !executionStatuses.includes(options.status as ExecutionStatus)) {
    throw new UsageError(`--status must be one of ${executionStatuses.join(', ')}`);
  }
  const store = await openForReading(path, options.recovery, io);
  try {
    const source = options.failed
      ? store.recentFailures(Number.MAX_SAFE_INTEGER)
      : store.recentActionExecutions(Number.MAX_SAFE_INTEGER);
    const rows = source
      .filter((r) => !options.action || r.actionId === options.action)
      .filter((r) => !options.status || r.status === options.status)
      .slice(0, limit);
    if (format === 'json') io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else if (format === 'jsonl')
      for (const row of rows) io.stdout.write(`${JSON.stringify(row)}\n`);
    else if (format === 'csv') io.stdout.write(renderCsv(rows, csvColumns));
    else {
      const now = Date.now();
      const columns = format === 'wide' ? wideColumns(now) : tableColumns(now);
      if (rows.length === 0) io.stdout.write('no executions recorded\n');
      else io.stdout.write(renderTable(rows, columns));
    }
    return 0;
  } finally {
    await store.close();
  }
}

function tableColumns(now: number): Column<ActionExecutionRecord>[] {
  return [
    { header: 'LSN', value: (r) => String(r.lsn), align: 'right' },
    { header: 'WHEN', value: (r) => formatAgo(r.completedAt, now) },
    { header: 'ACTION', value: (r) => r.actionId, maxWidth: 18 },
    { header: 'STATUS', value: (r) => r.status },
    { header: 'TOOK', value: (r) => formatDuration(r.durationMs), align: 'right' },
    { header: 'ERROR', value: (r) => r.error ?? '', maxWidth: 24 },
  ];
}

function wideColumns(now: number): Column<ActionExecutionRecord>[] {
  return [
    ...tableColumns(now).slice(0, 5),
    { header: 'ATTEMPT', value: (r) => String(r.attempt), align: 'right' },
    { header: 'SOURCE', value: (r) => r.source, maxWidth: 24 },
    { header: 'EXECUTION', value: (r) => r.executionId, maxWidth: 36 },
    { header: 'ERROR / OUTPUT', value: (r) => r.error ?? r.output ?? '', maxWidth: 60 },
  ];
}

const csvColumns = [
  { header: 'lsn', value: (r: ActionExecutionRecord) => String(r.lsn) },
  { header: 'executionId', value: (r: ActionExecutionRecord) => r.executionId },
  { header: 'actionId', value: (r: ActionExecutionRecord) => r.actionId },
  { header: 'source', value: (r: ActionExecutionRecord) => r.source },
  { header: 'executionType', value: (r: ActionExecutionRecord) => r.executionType },
  { header: 'status', value: (r: ActionExecutionRecord) => r.status },
  { header: 'success', value: (r: ActionExecutionRecord) => String(r.success) },
  { header: 'durationMs', value: (r: ActionExecutionRecord) => String(r.durationMs) },
  { header: 'attempt', value: (r: ActionExecutionRecord) => String(r.attempt) },
  { header: 'startedAt', value: (r: ActionExecutionRecord) => isoTime(r.startedAt) },
  { header: 'completedAt', value: (r: ActionExecutionRecord) => isoTime(r.completedAt) },
  { header: 'error', value: (r: ActionExecutionRecord) => r.error ?? '' },
  { header: 'output', value: (r: ActionExecutionRecord) => r.output ?? '' },
];
