// `exec-wal stats <path>`: per-action statistics, all-time (from replayed state), or for a
// window / source computed from the history on disk.
import { emptyActionStats } from '../journal/action-stats.js';
import type { RecoveryMode } from '../store/journal-admin.js';
import type { GroupBy } from '../journal/group-stats.js';
import type { ActionStats } from '../journal/journal-types.js';
import { statsFromHistory } from '../store/window-stats.js';
import { type CliIo, UsageError } from './cli-io.js';
import { openForReading } from './journal-path.js';
import { type Column, humanLine, isHuman, renderList } from './output.js';
import { type OutputOptions, renderContext } from './render-context.js';
import { isoTime, plural } from './text-format.js';

type StatsSort = 'total' | 'failures' | 'success' | 'p95' | 'last' | 'name';

export interface StatsOptions extends OutputOptions {
  action?: string;
  source?: string;
  /** Epoch ms (parsed by the option's parser). */
  since?: number;
  until?: number;
  sort: StatsSort;
  recovery?: RecoveryMode;
  /** Group by the source or an attribute instead of by action. */
  by?: GroupBy;
}

const sorters: Record<StatsSort, (a: ActionStats, b: ActionStats) => number> = {
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
  const ctx = renderContext(io, options);
  const { since, until, source } = options;
  if (since !== undefined && until !== undefined && since >= until)
    throw new UsageError('--since must be before --until');
  const windowed = since !== undefined || until !== undefined || source !== undefined;
  if (options.by !== undefined && (source !== undefined || options.action !== undefined))
    throw new UsageError('--by groups every execution: it does not take --source or --action');
  const store = await openForReading(path, options.recovery, io);
  try {
    let rows: ActionStats[];
    let scope = '';
    if (options.by !== undefined) {
      const groups = await store.groupStats({
        by: options.by,
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
      });
      rows = groups.map(({ group, ...stats }) => ({ ...stats, actionId: group }));
      scope = `grouped by ${groupLabel(options.by)}${windowed ? ` from ${since === undefined ? 'the oldest record on disk' : isoTime(since)} to ${until === undefined ? 'now' : isoTime(until)}` : ''}`;
    } else if (windowed) {
      const filter = {
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
        ...(source === undefined ? {} : { source }),
      };
      const result = await statsFromHistory(
        (f) => store.history(f),
        filter,
        store.diskUsage().oldestLsn,
      );
      rows = result.actions;
      if (options.action)
        rows = [
          rows.find((r) => r.actionId === options.action) ?? emptyActionStats(options.action),
        ];
      const from = since === undefined ? 'the oldest record on disk' : isoTime(since);
      const to = until === undefined ? 'now' : isoTime(until);
      scope = `window ${from} to ${to}${source === undefined ? '' : `, source ${source}`} (from history on disk, which starts at lsn ${result.firstLsnOnDisk ?? '-'})`;
    } else {
      rows = options.action ? [store.actionStats(options.action)] : store.allActionStats();
    }
    rows.sort((a, b) => sorters[options.sort](a, b) || a.actionId.localeCompare(b.actionId));
    if (isHuman(ctx.format)) {
      const what = windowed ? 'windowed' : 'all-time';
      io.stdout.write(
        humanLine(
          `${what} stats of ${path} (${plural(rows.length, 'action')}, through lsn ${store.lastLsn})`,
        ),
      );
      if (scope !== '') io.stdout.write(humanLine(scope));
    }
    io.stdout.write(
      renderList(
        rows,
        {
          columns: options.by === undefined ? statsColumns : groupedColumns(options.by),
          // One space between columns keeps the default table within 80 columns.
          gap: 1,
          document: (actions) => ({
            path,
            scope: windowed ? 'window' : 'all-time',
            groupedBy: options.by === undefined ? undefined : groupLabel(options.by),
            window: windowed ? { since: isoTime(since), until: isoTime(until), source } : undefined,
            lastLsn: store.lastLsn,
            generatedAt: isoTime(ctx.nowMs),
            actions,
          }),
        },
        ctx,
      ),
    );
    return 0;
  } finally {
    await store.close();
  }
}

/** A measure of an action with no executions is absent (`-`), not zero. */
const measured =
  (pick: (s: ActionStats) => number) =>
  (s: ActionStats): number | undefined =>
    s.totalExecutions === 0 ? undefined : pick(s);

function groupLabel(by: GroupBy): string {
  return by === 'source' ? 'source' : `attr:${by.attribute}`;
}

/** The same columns, the first naming the group instead of the action. */
function groupedColumns(by: GroupBy): readonly Column<ActionStats>[] {
  const header = by === 'source' ? 'SOURCE' : by.attribute.toUpperCase();
  return [{ ...statsColumns[0]!, header, name: 'group' }, ...statsColumns.slice(1)];
}

const statsColumns: readonly Column<ActionStats>[] = [
  { header: 'ACTION', name: 'action', kind: 'text', value: (s) => s.actionId, maxWidth: 16 },
  { header: 'TOTAL', name: 'total', kind: 'number', value: (s) => s.totalExecutions },
  { header: 'OK', name: 'successes', kind: 'number', value: (s) => s.successes },
  { header: 'FAIL', name: 'failures', kind: 'number', value: (s) => s.failures },
  { header: 'OK%', name: 'successRate', kind: 'percent', value: measured((s) => s.successRate) },
  {
    header: 'AVG',
    name: 'avgDurationMs',
    kind: 'duration',
    value: measured((s) => s.avgDurationMs),
  },
  {
    header: 'P50',
    name: 'p50DurationMs',
    kind: 'duration',
    value: measured((s) => s.p50DurationMs),
  },
  {
    header: 'P95',
    name: 'p95DurationMs',
    kind: 'duration',
    value: measured((s) => s.p95DurationMs),
  },
  {
    header: 'P99',
    name: 'p99DurationMs',
    kind: 'duration',
    value: measured((s) => s.p99DurationMs),
  },
  {
    header: 'LAST RUN',
    name: 'lastRunAt',
    kind: 'time',
    value: (s) => s.lastCompletedAt ?? s.lastStartedAt,
    in: ['table', 'wide'],
  },
  {
    header: 'LAST',
    name: 'lastCompletedAt',
    kind: 'time',
    value: (s) => s.lastCompletedAt,
    in: ['csv'],
  },
  {
    header: 'LAST ERROR',
    name: 'lastError',
    kind: 'text',
    value: (s) => s.lastError,
    maxWidth: 60,
    in: ['wide', 'csv'],
  },
  {
    header: 'METRICS',
    name: 'metricsTotals',
    kind: 'json',
    value: (s) => s.metricsTotals,
    in: ['csv'],
  },
  // Added with the lifecycle records (CSV columns only ever appended).
  {
    header: 'WAIT P95',
    name: 'queueWaitP95Ms',
    kind: 'duration',
    value: (s) => (s.queueWait.count === 0 ? undefined : s.queueWait.p95Ms),
    in: ['wide', 'csv'],
  },
  {
    header: 'RETRIED OK%',
    name: 'retrySuccessRate',
    kind: 'percent',
    value: (s) => (s.retriedExecutions === 0 ? undefined : s.retrySuccessRate),
    in: ['wide', 'csv'],
  },
];
