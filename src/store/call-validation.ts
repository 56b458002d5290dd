// Checks of every WalStore call's input, before anything is written: a bad call throws
// WalValidationError naming the field and the limit, and the store stays usable.
import { ErrorCode, WalValidationError } from '../errors.js';
import { defaults } from '../limits.js';
import { type ExecutionStatus, executionStatuses } from './journal-records.js';

function fail(message: string): never {
  throw new WalValidationError(ErrorCode.invalidArgument, message);
}

function tooLarge(message: string): never {
  throw new WalValidationError(ErrorCode.limitExceeded, message);
}

/** UTF-8 size of `text`, or a bound of it when that is all a limit check needs. */
function utf8Bytes(text: string, limit = 0): number {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short strings pass without being measured.
  if (text.length * 3 <= limit) return text.length;
  return Buffer.byteLength(text, 'utf8');
}

/** A non-empty id of at most maxIdBytes UTF-8 bytes. */
export function checkId(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) fail(`${field} must be a non-empty string`);
  if (utf8Bytes(value, defaults.maxIdBytes) > defaults.maxIdBytes) {
    tooLarge(
      `${field} is ${utf8Bytes(value)} bytes, more than the limit of ${defaults.maxIdBytes}`,
    );
  }
  return value;
}

/** An optional label (source, executionType): a string of at most maxIdBytes, default ''. */
export function checkLabel(field: string, value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') fail(`${field} must be a string`);
  if (utf8Bytes(value, defaults.maxIdBytes) > defaults.maxIdBytes) {
    tooLarge(
      `${field} is ${utf8Bytes(value)} bytes, more than the limit of ${defaults.maxIdBytes}`,
    );
  }
  return value;
}

export function checkText(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(`${field} must be a string`);
  if (utf8Bytes(value, defaults.maxTextBytes) > defaults.maxTextBytes) {
    tooLarge(
      `${field} is ${utf8Bytes(value)} bytes, more than the limit of ${defaults.maxTextBytes}`,
    );
  }
  return value;
}

export function checkDurationMs(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(`durationMs must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}

export function checkTime(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(`${field} must be epoch milliseconds (a finite number >= 0), got ${String(value)}`);
  }
  return value;
}

export function checkAttempt(value: unknown): number {
  if (value === undefined) return 1;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 1_000_000) {
    fail(`attempt must be an integer from 1 to 1000000, got ${String(value)}`);
  }
  return value as number;
}

/** Resolves `status` and `success` (either may be given; they must agree). */
export function checkOutcome(success: unknown, status: unknown): ExecutionStatus {
  if (status !== undefined && !executionStatuses.includes(status as ExecutionStatus)) {
    fail(`status must be one of ${executionStatuses.join(', ')}, got ${String(status)}`);
  }
  if (success !== undefined && typeof success !== 'boolean') fail('success must be a boolean');
  if (status === undefined && success === undefined) fail('give success or status');
  const resolved: ExecutionStatus =
    (status as ExecutionStatus | undefined) ?? (success ? 'succeeded' : 'failed');
  if (success !== undefined && success !== (resolved === 'succeeded')) {
    fail(`success ${String(success)} contradicts status '${resolved}'`);
  }
  return resolved;
}

function checkMap<T>(
  field: string,
  value: unknown,
  checkValue: (key: string, item: unknown) => T,
): Record<string, T> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(`${field} must be an object`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > defaults.maxMapEntries) {
    tooLarge(
      `${field} has ${entries.length} entries, more than the limit of ${defaults.maxMapEntries}`,
    );
  }
  const out: Record<string, T> = {};
  for (const [key, item] of entries) {
    if (key.length === 0 || utf8Bytes(key) > defaults.maxMapItemBytes) {
      tooLarge(`${field} key '${key.slice(0, 40)}' must be 1 to ${defaults.maxMapItemBytes} bytes`);
    }
    out[key] = checkValue(key, item);
  }
  return out;
}

export function checkAttributes(value: unknown): Record<string, string> | undefined {
  return checkMap('attributes', value, (key, item) => {
    if (typeof item !== 'string') fail(`attributes.${key} must be a string`);
    if (utf8Bytes(item) > defaults.maxMapItemBytes) {
      tooLarge(
        `attributes.${key} is ${utf8Bytes(item)} bytes, more than ${defaults.maxMapItemBytes}`,
      );
    }
    return item;
  });
}

export function checkMetrics(value: unknown): Record<string, number> | undefined {
  return checkMap('metrics', value, (key, item) => {
    if (typeof item !== 'number' || !Number.isFinite(item))
      fail(`metrics.${key} must be a finite number`);
    return item;
  });
}

export function checkLimit(value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 0) {
    fail(`limit must be an integer >= 0, got ${String(value)}`);
  }
  return value as number;
}

export function checkBound(field: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) {
    fail(`${field} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value as number;
}
