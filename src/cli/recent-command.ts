// `exec-wal recent <path>`: the newest executions from the replayed ring buffers.
import type { ExecutionStatus, RecoveryMode } from '../store/journal-admin.js';
import type { ActionExecutionRecord } from '../journal/journal-types.js';
import type { CliIo } from './cli-io.js';
import { openForReading } from './journal-path.js';
import { type Column, renderList } from './output.js';
import { type OutputOptions, renderContext } from './render-context.js';

export interface RecentOptions extends OutputOptions {
  limit: number;
  failed?: boolean;
  action?: string;
  status?: ExecutionStatus;
  source?: string;
  /** Every given attribute must be equal. */
  attr?: Record<string, string>;
  recovery?: RecoveryMode;
}

export async function recentCommand(
  path: string,
  options: RecentOptions,
  io: CliIo,
): Promise<number> {
  const ctx = renderContext(io, options);
  const store = await openForReading(path, options.recovery, io);
  try {
    const source = options.failed
      ? store.recentFailures(Number.MAX_SAFE_INTEGER)
      : store.recentActionExecutions(Number.MAX_SAFE_INTEGER);
    const rows = source
      .filter((r) => options.action === undefined || r.actionId === options.action)
      .filter((r) => options.status === undefined || r.status === options.status)
      .filter((r) => options.source === undefined || r.source === options.source)
      .filter((r) => Object.entries(options.attr ?? {}).every(([k, v]) => r.attributes?.[k] === v))
      .slice(0, options.limit);
    io.stdout.write(
      renderList(rows, { columns: recentColumns, empty: 'no executions recorded' }, ctx),
    );
    return 0;
  } finally {
    await store.close();
  }
}

type Row = ActionExecutionRecord;

const recentColumns: readonly Column<Row>[] = [
  { header: 'LSN', name: 'lsn', kind: 'number', value: (r) => r.lsn },
  { header: 'ID', name: 'executionId', kind: 'text', value: (r) => r.executionId, in: ['csv'] },
  {
    header: 'WHEN',
    name: 'completedAt',
    kind: 'time',
    value: (r) => r.completedAt,
    in: ['table', 'wide'],
  },
  { header: 'ACTION', name: 'actionId', kind: 'text', value: (r) => r.actionId, maxWidth: 18 },
  {
    header: 'SOURCE',
    name: 'source',
    kind: 'text',
    value: (r) => r.source,
    maxWidth: 24,
    in: ['wide', 'csv'],
  },
  {
    header: 'TYPE',
    name: 'executionType',
    kind: 'text',
    value: (r) => r.executionType,
    in: ['csv'],
  },
  { header: 'STATUS', name: 'status', kind: 'status', value: (r) => r.status },
  { header: 'OK', name: 'success', kind: 'text', value: (r) => String(r.success), in: ['csv'] },
  { header: 'TOOK', name: 'durationMs', kind: 'duration', value: (r) => r.durationMs },
  {
    header: 'ATTEMPT',
    name: 'attempt',
    kind: 'number',
    value: (r) => r.attempt,
    in: ['wide', 'csv'],
  },
  { header: 'STARTED', name: 'startedAt', kind: 'time', value: (r) => r.startedAt, in: ['csv'] },
  {
    header: 'COMPLETED',
    name: 'completedAt',
    kind: 'time',
    value: (r) => r.completedAt,
    in: ['csv'],
  },
  {
    header: 'ERROR',
    name: 'error',
    kind: 'text',
    value: (r) => r.error,
    maxWidth: 24,
    in: ['table', 'csv'],
  },
  {
    header: 'EXECUTION',
    name: 'executionId',
    kind: 'text',
    value: (r) => r.executionId,
    maxWidth: 36,
    in: ['wide'],
  },
  {
    header: 'ERROR / OUTPUT',
    name: 'detail',
    kind: 'text',
    value: (r) => r.error ?? r.output,
    in: ['wide'],
  },
  { header: 'OUTPUT', name: 'output', kind: 'text', value: (r) => r.output, in: ['csv'] },
  {
    header: 'ATTRIBUTES',
    name: 'attributes',
    kind: 'json',
    value: (r) => r.attributes,
    in: ['csv'],
  },
  { header: 'METRICS', name: 'metrics', kind: 'json', value: (r) => r.metrics, in: ['csv'] },
];
