// History entries (store.history / follow) as tail, export and show print them: a streamed
// table, JSON Lines with the API's field names, or CSV with fixed columns (fields are only ever
// added, at the end: attributes and metrics are JSON cells).
import { type FlatHistoryEntry, flatEntry, type HistoryEntry } from '../journal/history-entry.js';
import { entryDetail } from '../journal/record-registry.js';
import { formatDuration } from './text-format.js';
import {
  type Column,
  type Field,
  formatTime,
  type ListView,
  type RenderContext,
  type TimeFormat,
} from './output.js';

const TIME_FIELDS = [
  'at',
  'queuedAt',
  'startedAt',
  'completedAt',
  'executedAt',
  'cancelledAt',
  'erasedAt',
  'retryAt',
  'before',
] as const;

/** A copy of `entry` with its time fields in `format` (raw: epoch ms, as the API returns). */
export function withTimes(
  entry: HistoryEntry,
  ctx: Pick<RenderContext, 'timeFormat' | 'nowMs'>,
): Record<string, unknown> {
  if (ctx.timeFormat === 'raw') return entry as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...entry };
  const flat = flatEntry(entry);
  for (const field of TIME_FIELDS) {
    const value = flat[field];
    if (value !== undefined) out[field] = formatTime(value, ctx);
  }
  return out;
}

/** Default time format: ISO-8601 UTC in tables and CSV, epoch ms (as the API) in JSON. */
export function defaultTimeFormat(output: string): TimeFormat {
  return output === 'json' || output === 'jsonl' ? 'raw' : 'iso';
}

const text =
  (pick: (e: FlatHistoryEntry) => unknown): Column<HistoryEntry>['value'] =>
  (e) =>
    pick(flatEntry(e));

function status(entry: HistoryEntry): string | undefined {
  const e = flatEntry(entry);
  if (e.kind === 'cleanup') return e.success ? 'ok' : 'failed';
  if (e.kind === 'interrupted') return 'interrupted';
  if (e.kind === 'in-flight') return 'running';
  return e.status;
}

/** What the entry says beyond its columns, as its record kind words it (the registry). */
const detail = (e: HistoryEntry): string => entryDetail(e);

const machine = (name: keyof FlatHistoryEntry & string, kind: Column<HistoryEntry>['kind']) =>
  ({
    header: name,
    name,
    kind,
    value: (e) => flatEntry(e)[name],
    in: ['csv'],
  }) satisfies Column<HistoryEntry>;

/** The columns: a streamed table for people, every field for CSV. */
export const historyColumns: readonly Column<HistoryEntry>[] = [
  { header: 'LSN', name: 'lsn', kind: 'number', value: (e) => e.lsn, maxWidth: 7 },
  machine('kind', 'text'),
  { header: 'TIME', name: 'at', kind: 'time', value: (e) => e.at },
  {
    header: 'KIND',
    name: 'kind',
    kind: 'text',
    value: (e) => e.kind,
    maxWidth: 11,
    in: ['table', 'wide'],
  },
  machine('executionId', 'text'),
  {
    header: 'EXECUTION',
    name: 'executionId',
    kind: 'text',
    value: text((e) => e.executionId),
    maxWidth: 12,
    in: ['wide'],
  },
  {
    header: 'ACTION',
    name: 'actionId',
    kind: 'text',
    value: text((e) => e.actionId ?? e.scannerId),
    maxWidth: 20,
    in: ['table', 'wide'],
  },
  machine('actionId', 'text'),
  machine('source', 'text'),
  machine('executionType', 'text'),
  machine('attempt', 'number'),
  {
    header: 'STATUS',
    name: 'status',
    kind: 'status',
    value: status,
    maxWidth: 11,
    in: ['table', 'wide'],
  },
  machine('status', 'text'),
  machine('success', 'text'),
  { header: 'TOOK', name: 'durationMs', kind: 'duration', value: text((e) => e.durationMs) },
  machine('startedAt', 'time'),
  machine('completedAt', 'time'),
  machine('scannerId', 'text'),
  machine('resourceId', 'text'),
  machine('action', 'text'),
  machine('executedAt', 'time'),
  {
    header: 'DETAIL',
    name: 'detail',
    kind: 'text',
    value: detail,
    maxWidth: 60,
    in: ['table', 'wide'],
  },
  machine('error', 'text'),
  machine('output', 'text'),
  machine('attributes', 'json'),
  machine('metrics', 'json'),
  // Added with the lifecycle records (CSV columns are only ever appended).
  machine('queuedAt', 'time'),
  machine('requestId', 'text'),
  machine('approvalId', 'text'),
  machine('priority', 'number'),
  machine('percent', 'number'),
  machine('message', 'text'),
  machine('stepId', 'text'),
  machine('timedOut', 'text'),
  machine('retryAt', 'time'),
  machine('actor', 'text'),
  machine('reason', 'text'),
];

export function historyView(ctx: RenderContext): ListView<HistoryEntry> {
  return { columns: historyColumns, json: (e) => withTimes(e, ctx) };
}

/** `show`: every field of one entry, in the order the API has them. */
export function historyFields(entry: HistoryEntry): Field[] {
  return Object.entries(entry).map(([label, value]): Field => {
    if ((TIME_FIELDS as readonly string[]).includes(label)) return { label, value, kind: 'time' };
    if (label === 'durationMs')
      return { label, value: `${value} (${formatDuration(value as number)})`, kind: 'text' };
    if (label === 'output' || label === 'error') return { label, value, kind: 'block' };
    return { label, value, kind: typeof value === 'object' ? 'json' : 'text' };
  });
}
