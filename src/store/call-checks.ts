// Checks of call arguments that are not record fields: bounds, limits, outcomes, known keys of
// option objects. A bad call throws WalValidationError naming the argument; nothing is written.
import { invalid } from '../journal/field-checks.js';

/** An integer option from 1 to `max`, `fallback` when absent. */
export function checkBound(field: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) {
    invalid(`${field} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value as number;
}

/** A count of entries to return: an integer >= 0. */
export function checkLimit(value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 0) {
    invalid(`limit must be an integer >= 0, got ${String(value)}`);
  }
  return value as number;
}

/** Resolves `status` and `success` (either may be given; they must agree). */
export function checkOutcome<S extends string>(
  success: unknown,
  status: unknown,
  statuses: readonly S[],
  succeeded: S,
  failed: S,
): S {
  if (status !== undefined && !statuses.includes(status as S)) {
    invalid(`status must be one of ${statuses.join(', ')}, got ${String(status)}`);
  }
  if (success !== undefined && typeof success !== 'boolean') invalid('success must be a boolean');
  if (status === undefined && success === undefined) invalid('give success or status');
  const resolved = (status as S | undefined) ?? (success ? succeeded : failed);
  if (success !== undefined && success !== (resolved === succeeded)) {
    invalid(`success ${String(success)} contradicts status '${resolved}'`);
  }
  return resolved;
}

/** An options argument that must be an object. */
export function checkObject(what: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(`${what} must be an object`);
}
