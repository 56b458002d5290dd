// How history entries (store.history / follow) are printed by tail, export and show: one line
// each in a table, JSON Lines with the API's field names, or CSV with fixed columns.
import type { HistoryEntry } from '../store/journal-history.js';
import { UsageError } from './journal-path.js';
import type { Painter } from './terminal-style.js';
import { cut, formatAgo, formatDuration, isoTime } from './text-format.js';

export type TimeFormat = 'relative' | 'iso' | 'raw';
export const timeFormats: readonly TimeFormat[] = ['relative', 'iso', 'raw'];

const TIME_FIELDS = ['at', 'startedAt', 'completedAt', 'executedAt'] as const;

/** A copy of `entry` with its time fields in `format` (raw: epoch ms, as the API returns). */
export function withTimes(
  entry: HistoryEntry,
  format: TimeFormat,
  nowMs: number,
): Record<string, unknown> {
  if (format === 'raw') return entry as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...entry };
  for (const field of TIME_FIELDS) {
    const value = entry[field];
    if (value !== undefined)
      out[field] = format === 'iso' ? isoTime(value) : formatAgo(value, nowMs);
  }
  return out;
}

export function jsonLine(entry: HistoryEntry, format: TimeFormat, nowMs: number): string {
  return `${JSON.stringify(withTimes(entry, format, nowMs))}\n`;
}

export const CSV_COLUMNS = [
  'lsn',
  'kind',
  'at',
  'executionId',
  'actionId',
  'source',
  'executionType',
  'attempt',
  'status',
  'success',
  'durationMs',
  'startedAt',
  'completedAt',
  'scannerId',
  'resourceId',
  'action',
  'executedAt',
  'error',
  'output',
] as const;

function csvField(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\n`;
}

export function csvLine(entry: HistoryEntry, format: TimeFormat, nowMs: number): string {
  const row = withTimes(entry, format === 'relative' ? 'iso' : format, nowMs);
  return `${CSV_COLUMNS.map((c) => csvField(row[c])).join(',')}\n`;
}

/** One human line: `lsn time kind action status duration detail`. */
export function textLine(
  entry: HistoryEntry,
  format: TimeFormat,
  nowMs: number,
  paint: Painter,
): string {
  const when =
    format === 'relative'
      ? formatAgo(entry.at, nowMs)
      : format === 'raw'
        ? String(entry.at)
        : isoTime(entry.at);
  const lsn = String(entry.lsn).padStart(7);
  if (entry.kind === 'cleanup') {
    const outcome = entry.success ? 'ok' : 'failed';
    return `${lsn} ${when} cleanup   ${entry.scannerId} ${entry.action} ${entry.resourceId} ${paint.status(outcome)}${entry.error ? ` ${cut(entry.error, 60)}` : ''}\n`;
  }
  const kind = entry.kind.padEnd(9);
  if (entry.kind === 'completed') {
    const detail = entry.error ?? entry.output ?? '';
    return `${lsn} ${when} ${kind} ${entry.actionId} ${paint.status(entry.status ?? '')} ${formatDuration(entry.durationMs ?? 0)}${detail ? ` ${cut(detail, 60)}` : ''}\n`;
  }
  const state =
    entry.kind === 'started'
      ? ''
      : ` ${paint.status(entry.kind === 'interrupted' ? 'interrupted' : 'running')}`;
  return `${lsn} ${when} ${kind} ${entry.actionId}${entry.source ? ` (${entry.source})` : ''} attempt ${entry.attempt}${state}\n`;
}

export type EntryFormat = 'table' | 'wide' | 'json' | 'jsonl' | 'csv';

/** Default time format per output format: ISO-8601 UTC in tables and CSV, epoch ms (as the API) in JSON. */
export function defaultTimeFormat(output: EntryFormat): TimeFormat {
  return output === 'json' || output === 'jsonl' ? 'raw' : 'iso';
}

export function checkTimeFormat(value: string | undefined): TimeFormat | undefined {
  if (value === undefined) return undefined;
  if (!timeFormats.includes(value as TimeFormat))
    throw new UsageError(`--time-format must be one of ${timeFormats.join(', ')}`);
  return value as TimeFormat;
}
