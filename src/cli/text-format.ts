// How values look to a reader: durations human-readable, times relative or ISO, sizes binary,
// counts with their noun in the right number.

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

/** ISO-8601 UTC; a time a Date cannot hold (past year 275760) prints as its number. */
export function isoTime(epochMs: number | undefined): string {
  if (epochMs === undefined) return '';
  return Math.abs(epochMs) <= 8.64e15 ? new Date(epochMs).toISOString() : String(epochMs);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** `1 segment`, `2 segments`; `noun` is the singular, `many` the plural when not noun + s. */
export function plural(count: number, noun: string, many = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : many}`;
}
