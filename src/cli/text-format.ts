// How values look in tables: durations human-readable, times relative, text cut to fit.

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms === 0) return '0ms';
  if (ms < 1) return `${ms.toFixed(2)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  if (ms >= 2 * 86_400_000) {
    return `${Math.floor(ms / 86_400_000)}d${String(Math.floor((ms % 86_400_000) / 3_600_000)).padStart(2, '0')}h`;
  }
  if (ms < 3_600_000)
    return `${Math.floor(ms / 60_000)}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
  return `${Math.floor(ms / 3_600_000)}h${String(Math.floor((ms % 3_600_000) / 60_000)).padStart(2, '0')}m`;
}

export function formatAgo(epochMs: number | undefined, nowMs: number): string {
  if (epochMs === undefined) return '-';
  const delta = nowMs - epochMs;
  if (delta < 0) return 'in future';
  if (delta < 1000) return 'just now';
  if (delta >= 2 * 86_400_000) return `${Math.floor(delta / 86_400_000)}d ago`;
  return `${formatDuration(delta).replace(/\.\d+s$/, 's')} ago`;
}

export function isoTime(epochMs: number | undefined): string {
  return epochMs === undefined ? '' : new Date(epochMs).toISOString();
}

export function cut(text: string, width: number): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length <= width ? oneLine : `${oneLine.slice(0, Math.max(0, width - 1))}…`;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
  /** Most characters this column may take; longer values are cut with an ellipsis. */
  maxWidth?: number;
}

/** A plain aligned table, `gap` spaces between columns, no trailing spaces. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[], gap = 2): string {
  const cells = rows.map((row) => columns.map((c) => cut(c.value(row), c.maxWidth ?? 200)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((r) => r[i]!.length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) =>
        columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!),
      )
      .join(' '.repeat(gap))
      .trimEnd();
  return `${[line(columns.map((c) => c.header)), ...cells.map(line)].join('\n')}\n`;
}

/** RFC 4180 CSV: fields with commas, quotes or newlines are quoted, quotes doubled. */
export function renderCsv<T>(
  rows: readonly T[],
  columns: readonly { header: string; value: (row: T) => string }[],
): string {
  const field = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return `${[
    columns.map((c) => field(c.header)).join(','),
    ...rows.map((r) => columns.map((c) => field(c.value(r))).join(',')),
  ].join('\n')}\n`;
}
