// `exec-wal stats <path>`: per-action statistics, all-time (from replayed state).
import type { ActionStats } from '../store/journal-types.js';
import { emptyActionStats } from '../store/action-stats.js';
import { statsFromHistory } from '../store/window-stats.js';
import { parseWindow } from './time-window.js';
import { type CliIo, chooseFormat, OutputFormat } from './cli-io.js';
import { openForReading, UsageError } from './journal-path.js';
import {
  type Column,
  formatAgo,
  formatDuration,
  isoTime,
  renderCsv,
  renderTable,
} from './text-format.js';

export interface StatsOptions {
  action?: string;
  source?: string;
  since?: string;
  until?: string;
  sort?: string;
  json?: boolean;
  output?: string;
  recovery?: string;
}

export const statsSorts = ['total', 'failures', 'success', 'p95', 'last', 'name'] as const;

const sorters: Record<(typeof statsSorts)[number], (a: ActionStats, b: ActionStats) => number> = {
  total: (a, b) => b.totalExecutions - a.totalExecutions,
  failures: (a, b) => b.failures - a.failures,
  success: (a, b) => a.successRate - b.successRate,
  p95: (a, b) => b.p95DurationMs - a.p95DurationMs,
  last: (a, b) => (b.lastCompletedAt ?? 0) - (a.lastCompletedAt ?? 0),
  name: () => 0,
};

export async function statsCommand(
  path: string,
  options: StatsOptions,
  io: CliIo,
): Promise<number> {
  const format = chooseFormat(options);
  const sort = (options.sort ?? 'total') as (typeof statsSorts)[number];
  if (!statsSorts.includes(sort))
    throw new UsageError(`--sort must be one of ${statsSorts.join(', ')}`);
  const now = Date.now();
  const window = parseWindow(options, now);
  const windowed =
    window.since !== undefined || window.until !== undefined || options.source !== undefined;
  const store = await openForReading(path, options.recovery, io);
  try {
    let rows: ActionStats[];
    let scope = 'all-time';
    if (windowed) {
      const filter = {
        ...window,
        ...(options.source === undefined ? {} : { source: options.source }),
      };
      const result = await statsFromHistory(store, filter);
      rows = result.actions;
      if (options.action)
        rows = [
          rows.find((r) => r.actionId === options.action) ?? emptyActionStats(options.action),
        ];
      const from = window.since === undefined ? 'the oldest record on disk' : isoTime(window.since);
      const to = window.until === undefined ? 'now' : isoTime(window.until);
      scope = `window ${from} to ${to}${options.source === undefined ? '' : `, source ${options.source}`} (from history on disk, which starts at lsn ${result.firstLsnOnDisk ?? '-'})`;
    } else {
      rows = options.action ? [store.actionStats(options.action)] : store.allActionStats();
    }
    rows = rows.sort((a, b) => sorters[sort](a, b) || a.actionId.localeCompare(b.actionId));
    const now = Date.now();
    if (format === 'json') {
      const doc = {
        path,
        scope: windowed ? 'window' : 'all-time',
        window: windowed
          ? { since: isoTime(window.since), until: isoTime(window.until), source: options.source }
          : undefined,
        lastLsn: store.lastLsn,
        generatedAt: isoTime(now),
        actions: rows,
      };
      io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else if (format === 'jsonl') {
      for (const row of rows) io.stdout.write(`${JSON.stringify(row)}\n`);
    } else if (format === 'csv') {
      io.stdout.write(renderCsv(rows, machineColumns));
    } else {
      const what = windowed ? 'windowed' : 'all-time';
      io.stdout.write(
        `${what} stats of ${path} (${rows.length} actions, through lsn ${store.lastLsn})\n`,
      );
      if (windowed) io.stdout.write(`${scope}\n`);
      // One space between columns keeps the default table within 80 columns.
      const columns =
        format === 'wide' ? [...tableColumns(now, 40), lastErrorColumn] : tableColumns(now, 16);
      io.stdout.write(renderTable(rows, columns, 1));
    }
    return 0;
  } finally {
    await store.close();
  }
}

const pct = (s: ActionStats) =>
  s.totalExecutions === 0 ? '-' : `${(s.successRate * 100).toFixed(1)}%`;
const ms = (value: number, s: ActionStats) =>
  s.totalExecutions === 0 ? '-' : formatDuration(value);

function tableColumns(now: number, actionWidth: number): Column<ActionStats>[] {
  return [
    { header: 'ACTION', value: (s) => s.actionId, maxWidth: actionWidth },
    { header: 'TOTAL', value: (s) => String(s.totalExecutions), align: 'right' },
    { header: 'OK', value: (s) => String(s.successes), align: 'right' },
    { header: 'FAIL', value: (s) => String(s.failures), align: 'right' },
    { header: 'OK%', value: pct, align: 'right' },
    { header: 'AVG', value: (s) => ms(s.avgDurationMs, s), align: 'right' },
    { header: 'P50', value: (s) => ms(s.p50DurationMs, s), align: 'right' },
    { header: 'P95', value: (s) => ms(s.p95DurationMs, s), align: 'right' },
    { header: 'P99', value: (s) => ms(s.p99DurationMs, s), align: 'right' },
    { header: 'LAST RUN', value: (s) => formatAgo(s.lastCompletedAt ?? s.lastStartedAt, now) },
  ];
}

const lastErrorColumn: Column<ActionStats> = {
  header: 'LAST ERROR',
  value: (s) => s.lastError ?? '',
  maxWidth: 60,
};

const machineColumns = [
  { header: 'action', value: (s: ActionStats) => s.actionId },
  { header: 'total', value: (s: ActionStats) => String(s.totalExecutions) },
  { header: 'successes', value: (s: ActionStats) => String(s.successes) },
  { header: 'failures', value: (s: ActionStats) => String(s.failures) },
  { header: 'successRate', value: (s: ActionStats) => String(s.successRate) },
  { header: 'avgDurationMs', value: (s: ActionStats) => String(s.avgDurationMs) },
  { header: 'p50DurationMs', value: (s: ActionStats) => String(s.p50DurationMs) },
  { header: 'p95DurationMs', value: (s: ActionStats) => String(s.p95DurationMs) },
  { header: 'p99DurationMs', value: (s: ActionStats) => String(s.p99DurationMs) },
  { header: 'lastCompletedAt', value: (s: ActionStats) => isoTime(s.lastCompletedAt) },
  { header: 'lastError', value: (s: ActionStats) => s.lastError ?? '' },
];

export { OutputFormat };
