// Field tables: the one declaration of a record kind's payload (docs/format.md#journal-records).
// Field i of a table is element i of the v2 array; its `name` is the v1 map key and the API and
// history field name. From a table come the wire form (toWire), the checked decode of a v1 map
// or v2 array (fromWire: a malformed payload is refused by name, never folded), and the
// write-side checks of a payload built from an API call (field-checks.ts).
//
// Evolution: a new optional field is appended to the end of its table; a reader ignores elements
// past the fields it knows and reads missing trailing elements as absent. Absent optional fields
// are nil (trailing nils are not written). A field's position never moves.
import { ErrorCode, WalError } from '../errors.js';

export type FieldType =
  /** Non-empty string of at most maxIdBytes. */
  | 'id'
  /** String (may be empty) of at most maxIdBytes. */
  | 'label'
  /** Free text of at most maxTextBytes; masked before it is written. */
  | 'text'
  /** Epoch milliseconds. */
  | 'time'
  /** Milliseconds, 0..maxDurationMs. */
  | 'duration'
  /** An integer from `min` to `max`. */
  | 'integer'
  /** 0..100. */
  | 'percent'
  | 'boolean'
  /** String to string, at most maxMapEntries; values masked by key. */
  | 'attributes'
  /** String to finite number, at most maxMapEntries. */
  | 'metrics'
  /** One of `codes`; written as its index. */
  | 'code'
  /** Ids, at most maxIdsPerRecord. */
  | 'ids'
  /** Plain data (the action request), at most maxTextBytes encoded; strings masked. */
  | 'document'
  /** Raw bytes (a digest). */
  | 'bytes';

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  readonly required: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly codes?: readonly string[];
}

export type FieldTable = readonly FieldSpec[];

/** Shorthands for the kind modules' tables. */
export const req = (name: string, type: FieldType, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  name,
  type,
  required: true,
  ...extra,
});
export const opt = (name: string, type: FieldType, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  name,
  type,
  required: false,
  ...extra,
});

/** The v2 positional array of `payload`: trailing absent fields dropped, inner ones nil. */
export function toWire(fields: FieldTable, payload: object): unknown[] {
  const named = payload as Record<string, unknown>;
  let end = fields.length;
  while (end > 0 && named[fields[end - 1]!.name] === undefined) end--;
  const out = new Array<unknown>(end);
  for (let i = 0; i < end; i++) {
    const field = fields[i]!;
    const value = named[field.name];
    if (value === undefined) out[i] = null;
    else if (field.type === 'code') out[i] = codeOf(field, value as string);
    else out[i] = value;
  }
  return out;
}

function codeOf(field: FieldSpec, name: string): number {
  const code = field.codes!.indexOf(name);
  // A name added to a union but not to its codes would write -1 and poison every later open.
  if (code < 0) throw new Error(`${field.name} '${name}' has no wire code`);
  return code;
}

/** Where a decoded record came from, for the error naming it. */
export interface RecordPlace {
  lsn: number;
  type: number;
}

export function invalidPayload(place: RecordPlace, what: string): WalError {
  return new WalError(
    ErrorCode.corrupt,
    `record at lsn ${place.lsn} (type ${place.type}) has an invalid payload: ${what}`,
  );
}

/**
 * The named payload of a v2 array or v1 map, its fields' kinds checked (not the writer's
 * limits: a log written with larger limits still reads). Throws WAL_CORRUPT naming the field,
 * or WAL_UNSUPPORTED for a code newer than this version knows.
 */
export function fromWire<T>(fields: FieldTable, place: RecordPlace, value: unknown): T {
  if (typeof value !== 'object' || value === null)
    throw invalidPayload(place, 'not a map or array');
  const positional = Array.isArray(value);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const raw = positional
      ? (value as unknown[])[i]
      : Object.hasOwn(value, field.name)
        ? (value as Record<string, unknown>)[field.name]
        : undefined;
    if (raw === undefined || raw === null) {
      if (field.required) throw invalidPayload(place, `${field.name} is missing`);
      continue;
    }
    out[field.name] = decodeField(field, place, raw);
  }
  return out as T;
}

function decodeField(field: FieldSpec, place: RecordPlace, raw: unknown): unknown {
  switch (field.type) {
    case 'id':
    case 'label':
    case 'text':
      if (typeof raw !== 'string') throw invalidPayload(place, `${field.name} is not a string`);
      return raw;
    case 'time':
    case 'duration':
    case 'integer':
    case 'percent':
      if (typeof raw !== 'number' || !Number.isFinite(raw))
        throw invalidPayload(place, `${field.name} is not a finite number`);
      return raw;
    case 'boolean':
      if (typeof raw !== 'boolean') throw invalidPayload(place, `${field.name} is not a boolean`);
      return raw;
    case 'attributes':
    case 'metrics':
      return decodeMap(field, place, raw);
    case 'code':
      return decodeCode(field, place, raw);
    case 'ids':
      if (!Array.isArray(raw) || raw.some((id) => typeof id !== 'string'))
        throw invalidPayload(place, `${field.name} is not a list of strings`);
      return raw;
    case 'document':
      return raw;
    case 'bytes':
      if (!(raw instanceof Uint8Array)) throw invalidPayload(place, `${field.name} is not binary`);
      return raw;
  }
}

function decodeMap(field: FieldSpec, place: RecordPlace, raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw instanceof Uint8Array)
    throw invalidPayload(place, `${field.name} is not a map`);
  const wanted = field.type === 'attributes' ? 'string' : 'number';
  // msgpackr never decodes a `__proto__` key (it renames it), and writers refuse one.
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(raw)) {
    if (typeof item !== wanted)
      throw invalidPayload(place, `${field.name}.${key} is not a ${wanted}`);
    out[key] = item;
  }
  return out;
}

function decodeCode(field: FieldSpec, place: RecordPlace, raw: unknown): string {
  const codes = field.codes!;
  // v2 writes the index; v1 maps carried the name itself.
  if (typeof raw === 'string' && codes.includes(raw)) return raw;
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= codes.length) {
    throw new WalError(
      ErrorCode.unsupported,
      `record at lsn ${place.lsn} (type ${place.type}) has ${field.name} code ${raw}, which this ` +
        'exec-wal does not know; it was written by a newer version: upgrade exec-wal',
    );
  }
  const name = typeof raw === 'number' ? codes[raw] : undefined;
  if (name === undefined) throw invalidPayload(place, `unknown ${field.name} ${String(raw)}`);
  return name;
}
