// The one output module of the CLI (docs/cli.md#output-formats). A command describes its columns
// (header, machine name, kind of value, alignment, width) or its fields; this module renders them
// as `table`, `wide`, `json`, `jsonl` or `csv`. Every human format escapes untrusted text
// (untrusted-text.ts); JSON and CSV carry the exact values.
//
// A new command declares `Column<T>[]` and writes `renderList(rows, { columns, empty },
// renderContext(io, options))`; rows that arrive one by one use `streamList`, one record in full
// `renderFields`, and any other line of human text `humanLine`, so nothing reaches a terminal
// unescaped.
import type { Painter } from './terminal-style.js';
import { formatAgo, formatBytes, formatDuration, isoTime } from './text-format.js';
import { escapeBlock, escapeCut, escapeLine, safeJson, visibleWidth } from './untrusted-text.js';

export const OutputFormat = ['table', 'wide', 'json', 'jsonl', 'csv'] as const;
export type OutputFormat = (typeof OutputFormat)[number];

export const TimeFormat = ['relative', 'iso', 'raw'] as const;
export type TimeFormat = (typeof TimeFormat)[number];

/**
 * What a cell holds, which decides how each format shows it:
 *
 * | kind     | table / wide                      | csv                     |
 * |----------|-----------------------------------|-------------------------|
 * | text     | escaped, cut to the column width  | exact                   |
 * | block    | as text; a field keeps its lines  | exact                   |
 * | status   | as text, coloured with --color    | exact                   |
 * | number   | as is                             | as is                   |
 * | percent  | a ratio as `94.3%`                | the ratio               |
 * | duration | ms as `1.25s`, `1m42s`            | ms                      |
 * | bytes    | `88 KiB`                          | bytes                   |
 * | time     | epoch ms per --time-format        | ISO-8601 UTC (raw: ms)  |
 * | json     | an object as JSON, escaped        | JSON                    |
 *
 * An absent value is `-` in a table (empty for text) and an empty CSV field.
 */
export type CellKind =
  | 'text'
  | 'block'
  | 'status'
  | 'number'
  | 'percent'
  | 'duration'
  | 'bytes'
  | 'time'
  | 'json';

/** Where a column appears: in the default table, in `-o wide`, in CSV. */
export type ColumnPlace = 'table' | 'wide' | 'csv';

export interface Column<T> {
  /** The table header. */
  header: string;
  /** The CSV header: the API's field name where there is one. */
  name: string;
  kind: CellKind;
  value: (row: T) => unknown;
  /** Default: right for numbers, durations, sizes and percentages, else left. */
  align?: 'left' | 'right';
  /**
   * Text: most characters in the default table (longer text is cut with `…`; wide allows
   * WIDE_CELL_WIDTH). Other kinds are never cut; in a streamed table this is their width.
   */
  maxWidth?: number;
  /** Default: everywhere. */
  in?: readonly ColumnPlace[];
}

export interface RenderContext {
  format: OutputFormat;
  timeFormat: TimeFormat;
  nowMs: number;
  paint: Painter;
}

export interface ListView<T> {
  columns: readonly Column<T>[];
  /** One row in JSON and JSON Lines (default: the row as the API returns it). */
  json?: (row: T) => unknown;
  /** The `-o json` document (default: the array of rows). */
  document?: (rows: unknown[]) => unknown;
  /** Printed instead of a table with no rows. */
  empty?: string;
  /** Spaces between table columns (default 2). */
  gap?: number;
}

/** Cells of a text column in `-o wide` may be this long (or the column's maxWidth if more). */
export const WIDE_CELL_WIDTH = 120;
const TABLE_CELL_WIDTH = 60;
const RIGHT: ReadonlySet<CellKind> = new Set(['number', 'percent', 'duration', 'bytes']);
const TEXTUAL: ReadonlySet<CellKind> = new Set(['text', 'block', 'status', 'json']);

export const isHuman = (format: OutputFormat) => format === 'table' || format === 'wide';

/** Every row in `ctx.format`. */
export function renderList<T>(rows: readonly T[], view: ListView<T>, ctx: RenderContext): string {
  const json = view.json ?? ((row: T) => row);
  if (ctx.format === 'json') {
    const values = rows.map(json);
    return jsonDocument(view.document ? view.document(values) : values);
  }
  if (ctx.format === 'jsonl') return rows.map((row) => jsonLine(json(row))).join('');
  if (ctx.format === 'csv') {
    const columns = placed(view.columns, 'csv');
    return (
      csvRecord(columns.map((c) => c.name)) + rows.map((r) => csvRow(r, columns, ctx)).join('')
    );
  }
  if (rows.length === 0 && view.empty !== undefined) return humanLine(view.empty);
  const columns = placed(view.columns, ctx.format);
  const cells = rows.map((row) => columns.map((c) => humanCell(c, row, ctx)));
  const widths = columns.map((c, i) =>
    Math.max(visibleWidth(c.header), ...cells.map((r) => visibleWidth(r[i]!))),
  );
  const line = (values: readonly string[], paint: boolean) =>
    `${values
      .map((v, i) => pad(columns[i]!, v, widths[i]!, paint ? ctx.paint : undefined))
      .join(' '.repeat(view.gap ?? 2))
      .trimEnd()}\n`;
  return line(
    columns.map((c) => c.header),
    false,
  ).concat(...cells.map((r) => line(r, true)));
}

/**
 * A renderer for rows that arrive one by one (tail -f, export): the table has fixed column
 * widths (maxWidth, or the width of the value kind), so every line is final when written.
 */
export function streamList<T>(
  view: ListView<T>,
  ctx: RenderContext,
): { head(): string; row(row: T): string } {
  const json = view.json ?? ((row: T) => row);
  if (ctx.format === 'json' || ctx.format === 'jsonl')
    return { head: () => '', row: (row) => jsonLine(json(row)) };
  if (ctx.format === 'csv') {
    const columns = placed(view.columns, 'csv');
    return {
      head: () => csvRecord(columns.map((c) => c.name)),
      row: (row) => csvRow(row, columns, ctx),
    };
  }
  const columns = placed(view.columns, ctx.format);
  const widths = columns.map((c) => Math.max(visibleWidth(c.header), fixedWidth(c, ctx)));
  const gap = ' '.repeat(view.gap ?? 2);
  const line = (values: readonly string[], paint: Painter | undefined) =>
    `${values
      .map((v, i) => pad(columns[i]!, v, widths[i]!, paint))
      .join(gap)
      .trimEnd()}\n`;
  return {
    head: () =>
      line(
        columns.map((c) => c.header),
        undefined,
      ),
    row: (row) =>
      line(
        columns.map((c) => humanCell(c, row, ctx)),
        ctx.paint,
      ),
  };
}

/** One labelled value of a record view (`show`, `info`). */
export interface Field {
  label: string;
  kind: CellKind;
  value: unknown;
}

/** `label  value` lines; a block's further lines continue indented under its value. */
export function renderFields(fields: readonly Field[], ctx: RenderContext): string {
  const shown = fields.filter((f) => f.value !== undefined);
  const width = Math.max(0, ...shown.map((f) => visibleWidth(f.label))) + 1;
  let out = '';
  for (const field of shown) {
    const text =
      field.kind === 'block'
        ? escapeBlock(String(field.value))
        : escapeLine(formatHuman(field, field.value, ctx));
    const [first, ...rest] = text.split('\n');
    out += `${escapeLine(field.label).padEnd(width)} ${first}\n`;
    for (const line of rest) out += `${' '.repeat(width + 1)}${line}\n`;
  }
  return out;
}

/** A line of human text with every unsafe character escaped. */
export function humanLine(text: string): string {
  return `${escapeLine(text)}\n`;
}

export function jsonDocument(value: unknown): string {
  return `${safeJson(value, 2)}\n`;
}

export function jsonLine(value: unknown): string {
  return `${safeJson(value)}\n`;
}

/** One RFC 4180 record: fields with a comma, quote, CR or LF quoted, quotes doubled, CRLF. */
export function csvRecord(fields: readonly string[]): string {
  return `${fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',')}\r\n`;
}

function csvRow<T>(row: T, columns: readonly Column<T>[], ctx: RenderContext): string {
  return csvRecord(columns.map((c) => csvCell(c, c.value(row), ctx)));
}

function csvCell<T>(column: Column<T>, value: unknown, ctx: RenderContext): string {
  if (value === undefined || value === null) return '';
  if (column.kind === 'json') return safeJson(value);
  if (column.kind === 'time' && ctx.timeFormat !== 'raw') return isoTime(value as number);
  return String(value);
}

function placed<T>(columns: readonly Column<T>[], place: ColumnPlace): Column<T>[] {
  return columns.filter((c) => !c.in || c.in.includes(place));
}

/** How many characters a text cell may take. */
function textWidth<T>(column: Column<T>, ctx: RenderContext): number {
  const table = column.maxWidth ?? TABLE_CELL_WIDTH;
  return ctx.format === 'wide' ? Math.max(table, WIDE_CELL_WIDTH) : table;
}

function humanCell<T>(column: Column<T>, row: T, ctx: RenderContext): string {
  const value = column.value(row);
  const textual = TEXTUAL.has(column.kind);
  if (value === undefined || value === null) return textual ? '' : '-';
  const text = formatHuman(column, value, ctx);
  return textual ? escapeCut(text, textWidth(column, ctx)) : escapeLine(text);
}

/** The human text of a value (not yet escaped, except JSON, which is safe already). */
function formatHuman(column: { kind: CellKind }, value: unknown, ctx: RenderContext): string {
  switch (column.kind) {
    case 'percent':
      return `${((value as number) * 100).toFixed(1)}%`;
    case 'duration':
      return formatDuration(value as number);
    case 'bytes':
      return formatBytes(value as number);
    case 'time':
      return formatTime(value as number, ctx);
    case 'json':
      return safeJson(value);
    default:
      return String(value);
  }
}

export function formatTime(epochMs: number, ctx: Pick<RenderContext, 'timeFormat' | 'nowMs'>) {
  if (ctx.timeFormat === 'raw') return String(epochMs);
  return ctx.timeFormat === 'iso' ? isoTime(epochMs) : formatAgo(epochMs, ctx.nowMs);
}

/** The width of a streamed column: a text's cut width, else the width of its kind's values. */
function fixedWidth<T>(column: Column<T>, ctx: RenderContext): number {
  if (TEXTUAL.has(column.kind)) return textWidth(column, ctx);
  if (column.maxWidth !== undefined) return column.maxWidth;
  return STREAM_WIDTHS[column.kind === 'time' ? ctx.timeFormat : column.kind] ?? 7;
}

/** Widths that hold the common values of each kind (a longer value shifts only its line). */
const STREAM_WIDTHS: Partial<Record<CellKind | TimeFormat, number>> = {
  number: 7,
  percent: 6,
  duration: 6,
  bytes: 9,
  iso: 24,
  raw: 13,
  relative: 11,
};

function pad<T>(column: Column<T>, text: string, width: number, paint?: Painter): string {
  const room = ' '.repeat(Math.max(0, width - visibleWidth(text)));
  const shown = paint && column.kind === 'status' ? paint.status(text) : text;
  return (column.align ?? (RIGHT.has(column.kind) ? 'right' : 'left')) === 'right'
    ? room + shown
    : shown + room;
}
