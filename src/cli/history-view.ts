// History entries (store.history / follow) as tail, export and show print them: a streamed
// table, JSON Lines with the API's field names, or CSV with fixed columns (fields are only ever
// added, at the end: attributes and metrics are JSON cells).
import type { HistoryEntry } from '../store/journal-history.js';
import { formatDuration } from './text-format.js';
import {
  type Column,
  type Field,
  formatTime,
  type ListView,
  type RenderContext,
  type TimeFormat,
} from './output.js';

const TIME_FIELDS = ['at', 'startedAt', 'completedAt', 'executedAt'] as const;

/** A copy of `entry` with its time fields in `format` (raw: epoch ms, as the API returns). */
export function withTimes(
  entry: HistoryEntry,
  ctx: Pick<RenderContext, 'timeFormat' | 'nowMs'>,
): Record<string, unknown> {
  if (ctx.timeFormat === 'raw') return entry as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...entry };
  for (const field of TIME_FIELDS) {
    const value = entry[field];
    if (value !== undefined) out[field] = formatTime(value, ctx);
  }
  return out;
}

/** Default time format: ISO-8601 UTC in tables and CSV, epoch ms (as the API) in JSON. */
export function defaultTimeFormat(output: string): TimeFormat {
  return output === 'json' || output === 'jsonl' ? 'raw' : 'iso';
}

const text = (pick: (e: HistoryEntry) => unknown): Column<HistoryEntry>['value'] => pick;

function status(e: HistoryEntry): string | undefined {
  if (e.kind === 'cleanup') return e.success ? 'ok' : 'failed';
  if (e.kind === 'interrupted') return 'interrupted';
  if (e.kind === 'in-flight') return 'running';
  return e.status;
}

function detail(e: HistoryEntry): string {
  if (e.kind === 'completed') return e.error ?? e.output ?? '';
  if (e.kind === 'cleanup') return `${e.action} ${e.resourceId}${e.error ? `: ${e.error}` : ''}`;
  return `attempt ${e.attempt}${e.source ? ` from ${e.source}` : ''}`;
}

const machine = (name: keyof HistoryEntry, kind: Column<HistoryEntry>['kind']) =>
  ({ header: name, name, kind, value: (e) => e[name], in: ['csv'] }) satisfies Column<HistoryEntry>;

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
  { header: 'TOOK', name: 'durationMs', kind: 'duration', value: (e) => e.durationMs },
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
