// One parser per kind of option value, each strict: a value it does not accept is a usage error
// (exit 2) naming the option and the accepted forms, never a silent default. They throw
// commander's InvalidArgumentError, so commander prefixes the option and the value given.
//
//   count       20           a whole number (at least 0 or 1, per option)
//   lsn         4711         a whole number >= 0
//   size        512MiB       a number with a binary unit (b, k/kb/kib, m, g, t), or bytes
//   duration    7d           a number with a unit: ms, s, m, h, d, w (more than 0)
//   time point  2026-11-23   an ISO date (UTC midnight), an ISO date-time (UTC unless it has an
//                            offset), an age (1h: that long before now), or `now`
//   name        deploy       any text but the empty string
import { InvalidArgumentError } from 'commander';

const SAFE_DIGITS = /^\d{1,16}$/;

function wholeNumber(text: string, what: string): number {
  const value = SAFE_DIGITS.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(what);
  return value;
}

/** A count of at least `min`. */
export function countValue(min: 0 | 1): (text: string) => number {
  const what = `expected a count: a whole number >= ${min} (e.g. 20)`;
  return (text) => {
    const value = wholeNumber(text, what);
    if (value < min) throw new InvalidArgumentError(what);
    return value;
  };
}

export function lsnValue(text: string): number {
  return wholeNumber(text, 'expected an lsn: a whole number >= 0 (e.g. 4711)');
}

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

/** Bytes (at least 1) from `512MiB`, `2g`, `1.5GiB` or `1048576`; units are binary. */
export function sizeValue(text: string): number {
  const match = /^(\d{1,16}(?:\.\d{1,6})?)([a-z]*)$/i.exec(text);
  const factor = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  const bytes = factor === undefined ? Number.NaN : Math.floor(Number(match![1]) * factor);
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new InvalidArgumentError(
      'expected a size: a number with a unit b, k, m, g or t (binary: 1k = 1024), e.g. 512MiB, 2g, 1048576',
    );
  }
  return bytes;
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};
const DURATION = /^(\d{1,12}(?:\.\d{1,6})?)(ms|s|m|h|d|w)$/i;
const DURATION_FORMS = 'a number with a unit ms, s, m, h, d or w, e.g. 7d, 12h, 30m, 45s';

/** Milliseconds (more than 0) from `7d`, `12h`, `30m`, `45s`, `500ms`, `1.5h`. */
export function durationValue(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1)
    throw new InvalidArgumentError(`expected a duration: ${DURATION_FORMS}`);
  return ms;
}

function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const ms = Math.floor(Number(match[1]) * DURATION_UNITS[match[2]!.toLowerCase()]!);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/i;
const TIME_POINT_FORMS =
  'expected a time: an ISO date or date-time (2026-11-23, 2026-11-23T08:00:00Z; UTC unless an offset is given), an age (1h, 7d) or now';

/** Epoch ms of `text` as a time point; `nowMs()` for `now` and ages. */
export function timePointValue(nowMs: () => number): (text: string) => number {
  return (text) => {
    if (text === 'now') return nowMs();
    const age = parseDuration(text);
    if (age !== undefined) return nowMs() - age;
    const parsed = parseIsoTime(text);
    if (parsed === undefined) throw new InvalidArgumentError(TIME_POINT_FORMS);
    return parsed;
  };
}

/** Epoch ms of a strict ISO-8601 date or date-time (no offset: UTC), undefined if it is not one. */
export function parseIsoTime(text: string): number | undefined {
  const match = ISO_DATE.exec(text) ?? ISO_DATE_TIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', ms = '0', zone = 'Z'] = match;
  const fields = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
  const check = new Date(utc);
  // Date.UTC rolls 2026-02-31 over to March: a date that does not exist is not a date.
  if (
    check.getUTCFullYear() !== fields[0] ||
    check.getUTCMonth() !== fields[1] - 1 ||
    check.getUTCDate() !== fields[2] ||
    check.getUTCHours() !== fields[3] ||
    check.getUTCMinutes() !== fields[4] ||
    check.getUTCSeconds() !== fields[5]
  ) {
    return undefined;
  }
  const offsetMs = zone.toUpperCase() === 'Z' ? 0 : zoneOffsetMs(zone);
  return offsetMs === undefined ? undefined : utc + Number(ms.padEnd(3, '0')) - offsetMs;
}

function zoneOffsetMs(zone: string): number | undefined {
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}

/** Any text but the empty string (an empty filter would silently match everything). */
export function nameValue(text: string): string {
  if (text === '') throw new InvalidArgumentError('expected a name: not the empty string');
  return text;
}

/**
 * `--attr key=value`, repeatable: each adds one attribute every match must have. The key is
 * text before the first `=` (non-empty); the value may be empty or hold further `=`.
 */
export function attributeValue(
  text: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const at = text.indexOf('=');
  if (at < 1)
    throw new InvalidArgumentError(`expected a key=value pair (like org=acme), got '${text}'`);
  const key = text.slice(0, at);
  if (key === '__proto__')
    throw new InvalidArgumentError("expected an attribute key other than '__proto__'");
  return { ...previous, [key]: text.slice(at + 1) };
}

/** `--by source` or `--by attr:KEY`: what grouped stats group by. */
export function groupByValue(text: string): 'source' | { attribute: string } {
  if (text === 'source') return 'source';
  const match = /^attr:(.+)$/.exec(text);
  if (!match)
    throw new InvalidArgumentError(
      `expected a grouping: source or attr:KEY (like attr:org), got '${text}'`,
    );
  return { attribute: match[1]! };
}
