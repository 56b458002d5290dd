// Sizes and durations as operators type them: 64MiB, 1g, 500k, 2048; 7d, 12h, 30m, 45s, 500ms.
import { UsageError } from './journal-path.js';

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** Bytes from "64MiB", "1g", "500k" or a plain number (binary units). */
export function parseSize(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const factor = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || factor === undefined)
    throw new UsageError(`${flag} takes a size like 512MiB, 2g or 1048576, got '${text}'`);
  return Math.floor(Number(match[1]) * factor);
}

/** Milliseconds from "7d", "12h", "30m", "45s", "500ms". */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/i.exec(text.trim());
  if (!match)
    throw new UsageError(`${flag} takes a duration like 7d, 12h, 30m or 45s, got '${text}'`);
  return Math.floor(Number(match[1]) * DURATION_UNITS[match[2]!.toLowerCase()]!);
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
