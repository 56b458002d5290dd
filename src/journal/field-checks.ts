// The write-side checks of a payload built from an API call, from its kind's field table: each
// field's kind, its limit (src/limits.ts) and well-formed Unicode, before anything is written.
// A bad value throws WalValidationError naming the field, the limit and the value's problem.
import { ErrorCode, WalValidationError } from '../errors.js';
import { encodePayload } from '../format/payload-codec.js';
import { defaults } from '../limits.js';
import type { FieldSpec, FieldTable } from './field-table.js';

export function invalid(message: string): never {
  throw new WalValidationError(ErrorCode.invalidArgument, message);
}

export function tooLarge(message: string): never {
  throw new WalValidationError(ErrorCode.limitExceeded, message);
}

/** UTF-8 size of `text`, or a bound of it when that is all a limit check needs. */
export function utf8Bytes(text: string, limit = 0): number {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short strings pass without being measured.
  if (text.length * 3 <= limit) return text.length;
  return Buffer.byteLength(text, 'utf8');
}

/** A string of at most `limit` UTF-8 bytes, well-formed (a lone surrogate would not round-trip). */
export function checkString(
  field: string,
  value: unknown,
  limit: number,
  empty: 'allowed' | 'refused',
): string {
  if (typeof value !== 'string') invalid(`${field} must be a string, got ${typeof value}`);
  if (empty === 'refused' && value.length === 0) invalid(`${field} must be a non-empty string`);
  if (utf8Bytes(value, limit) > limit)
    tooLarge(`${field} is ${utf8Bytes(value)} bytes, more than the limit of ${limit}`);
  if (!value.isWellFormed())
    invalid(
      `${field} holds a lone UTF-16 surrogate, which cannot be stored; send well-formed text`,
    );
  return value;
}

export function checkNumber(
  field: string,
  value: unknown,
  min: number,
  max: number,
  what: string,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    invalid(`${field} must be ${what} from ${min} to ${max}, got ${describe(value)}`);
  return value;
}

export function checkInteger(field: string, value: unknown, min: number, max: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max)
    invalid(`${field} must be an integer from ${min} to ${max}, got ${describe(value)}`);
  return value as number;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value.slice(0, 40)}'` : String(value);
}

/** Checks every field of `payload` (built from a call) against `fields`. */
export function checkFields(fields: FieldTable, payload: object): void {
  const named = payload as Record<string, unknown>;
  for (const field of fields) {
    const value = named[field.name];
    if (value === undefined) {
      if (field.required) invalid(`${field.name} is required`);
      continue;
    }
    checkField(field, value);
  }
}

export function checkField(field: FieldSpec, value: unknown): void {
  const { name } = field;
  switch (field.type) {
    case 'id':
      checkString(name, value, defaults.maxIdBytes, 'refused');
      return;
    case 'label':
      checkString(name, value, defaults.maxIdBytes, 'allowed');
      return;
    case 'text':
      checkString(name, value, defaults.maxTextBytes, 'allowed');
      return;
    case 'time':
      checkNumber(name, value, 0, defaults.maxTimeMs, 'epoch milliseconds');
      return;
    case 'duration':
      checkNumber(name, value, 0, defaults.maxDurationMs, 'milliseconds');
      return;
    case 'percent':
      checkNumber(name, value, 0, 100, 'a percentage');
      return;
    case 'integer':
      checkInteger(name, value, field.min ?? 0, field.max ?? Number.MAX_SAFE_INTEGER);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') invalid(`${name} must be a boolean, got ${describe(value)}`);
      return;
    case 'code':
      if (!field.codes!.includes(value as string))
        invalid(`${name} must be one of ${field.codes!.join(', ')}, got ${describe(value)}`);
      return;
    case 'attributes':
    case 'metrics':
      checkMap(field, value);
      return;
    case 'ids':
      checkIds(name, value);
      return;
    case 'document':
      checkDocument(name, value);
      return;
    case 'bytes':
      if (!(value instanceof Uint8Array)) invalid(`${name} must be bytes`);
      return;
  }
}

function checkMap(field: FieldSpec, value: unknown): void {
  const { name } = field;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(`${name} must be an object`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > defaults.maxMapEntries)
    tooLarge(
      `${name} has ${entries.length} entries, more than the limit of ${defaults.maxMapEntries}`,
    );
  for (const [key, item] of entries) {
    if (key.length === 0) invalid(`${name} has an empty key`);
    checkString(`${name} key '${key.slice(0, 40)}'`, key, defaults.maxMapItemBytes, 'refused');
    // msgpack readers rename it and plain objects turn it into the prototype: it would be lost.
    if (key === '__proto__') invalid(`${name} key '__proto__' is reserved; use another key`);
    if (field.type === 'attributes')
      checkString(`${name}.${key}`, item, defaults.maxMapItemBytes, 'allowed');
    else
      checkNumber(`${name}.${key}`, item, -Number.MAX_VALUE, Number.MAX_VALUE, 'a finite number');
  }
}

function checkIds(name: string, value: unknown): void {
  if (!Array.isArray(value)) invalid(`${name} must be a list of ids`);
  if (value.length === 0) invalid(`${name} must not be empty`);
  if (value.length > defaults.maxIdsPerRecord)
    tooLarge(`${name} has ${value.length} ids, more than the limit of ${defaults.maxIdsPerRecord}`);
  for (const id of value) checkString(`${name}[]`, id, defaults.maxIdBytes, 'refused');
}

/** Plain data only (no class instances, functions, cycles), bounded depth and encoded size. */
function checkDocument(name: string, value: unknown): void {
  const visit = (item: unknown, depth: number, path: string): void => {
    if (depth > defaults.maxDocumentDepth)
      tooLarge(`${name} nests deeper than ${defaults.maxDocumentDepth} levels at ${path}`);
    if (item === null || typeof item === 'boolean') return;
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) invalid(`${path} must be a finite number`);
      return;
    }
    if (typeof item === 'string') {
      if (!item.isWellFormed()) invalid(`${path} holds a lone UTF-16 surrogate`);
      return;
    }
    if (Array.isArray(item)) {
      item.forEach((element, i) => {
        visit(element, depth + 1, `${path}[${i}]`);
      });
      return;
    }
    const proto = typeof item === 'object' ? Object.getPrototypeOf(item) : undefined;
    if (proto !== Object.prototype && proto !== null)
      invalid(`${path} must be plain data (null, boolean, number, string, array, object)`);
    for (const [key, element] of Object.entries(item as object)) {
      if (key === '__proto__') invalid(`${path} key '__proto__' is reserved`);
      visit(element, depth + 1, `${path}.${key}`);
    }
  };
  visit(value, 0, name);
  const bytes = encodePayload(value).length;
  if (bytes > defaults.maxTextBytes)
    tooLarge(`${name} encodes to ${bytes} bytes, more than the limit of ${defaults.maxTextBytes}`);
}
