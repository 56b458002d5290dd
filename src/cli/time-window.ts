// --since / --until as journalctl takes them: an ISO date or time ("2026-11-23",
// "2026-11-23T08:00:00Z"), a relative age ("1h", "7d": that long before now), or "now".
import { UsageError } from './journal-path.js';
import { parseDuration } from './unit-parse.js';

export function parseTimePoint(text: string, flag: string, nowMs: number): number {
  const trimmed = text.trim();
  if (trimmed === 'now') return nowMs;
  if (/^\d+(\.\d+)?(ms|s|m|h|d|w)$/i.test(trimmed)) return nowMs - parseDuration(trimmed, flag);
  const parsed = Date.parse(trimmed);
  if (Number.isNaN(parsed)) {
    throw new UsageError(
      `${flag} takes an ISO date or time (2026-11-23T08:00:00Z) or an age (1h, 7d), got '${text}'`,
    );
  }
  return parsed;
}

export interface TimeWindow {
  since?: number;
  until?: number;
}

export function parseWindow(
  options: { since?: string; until?: string },
  nowMs: number,
): TimeWindow {
  const window: TimeWindow = {};
  if (options.since !== undefined) window.since = parseTimePoint(options.since, '--since', nowMs);
  if (options.until !== undefined) window.until = parseTimePoint(options.until, '--until', nowMs);
  if (window.since !== undefined && window.until !== undefined && window.since >= window.until) {
    throw new UsageError('--since must be before --until');
  }
  return window;
}
