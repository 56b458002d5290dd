// The journal records on the wire (docs/format.md#journal-records). Format v2 writes each
// payload as a positional msgpack array (the field tables below are part of the format); v1
// wrote maps keyed by field name. Readers accept both, forever. The shape is checked here: a
// checksummed frame with a malformed payload was written by a buggy or foreign writer and is
// refused by name (WAL_CORRUPT) rather than folded.
//
// Evolution: a new optional field is appended to the end of its table; a reader ignores
// elements past the fields it knows and treats missing trailing elements as absent. An
// absent optional field is nil (trailing nils are not written). A field's position never moves.
import { ErrorCode, WalError } from '../errors.js';
import type { WalRecord } from '../wal/segment-reader.js';
import {
  type CleanupPayload,
  type CompletedPayload,
  type ExecutionStatus,
  executionStatuses,
  type JournalRecord,
  RecordType,
  type StartedPayload,
} from './journal-records.js';

/** Status codes of a v2 completion: the index in this list (never reordered, only appended). */
const statusCodes: readonly ExecutionStatus[] = ['succeeded', 'failed', 'timed_out', 'cancelled'];

/** The fields up to the last one present; absent ones before it as nil. */
function trimmed(fields: unknown[]): unknown[] {
  let end = fields.length;
  while (end > 0 && fields[end - 1] === undefined) end--;
  const out = end === fields.length ? fields : fields.slice(0, end);
  for (let i = 0; i < end; i++) if (out[i] === undefined) out[i] = null;
  return out;
}

/** v2, type 1: [executionId, actionId, source, executionType, attempt, startedAt, attributes?] */
export function startedToWire(p: StartedPayload): unknown[] {
  return trimmed([
    p.executionId,
    p.actionId,
    p.source,
    p.executionType,
    p.attempt,
    p.startedAt,
    p.attributes,
  ]);
}

/**
 * v2, type 2: [executionId, actionId, status code, durationMs, completedAt, output?, error?,
 * metrics?, source?, executionType?]
 */
export function completedToWire(p: CompletedPayload): unknown[] {
  const code = statusCodes.indexOf(p.status);
  // A status added to ExecutionStatus but not here would write -1 and poison every later open.
  if (code < 0) throw new Error(`status '${p.status}' has no code in record-codec.ts`);
  return trimmed([
    p.executionId,
    p.actionId,
    code,
    p.durationMs,
    p.completedAt,
    p.output,
    p.error,
    p.metrics,
    p.source,
    p.executionType,
  ]);
}

/** v2, type 3: [scannerId, resourceId, action, success, executedAt, error?] */
export function cleanupToWire(p: CleanupPayload): unknown[] {
  return trimmed([p.scannerId, p.resourceId, p.action, p.success, p.executedAt, p.error]);
}

function invalid(record: WalRecord, what: string): WalError {
  return new WalError(
    ErrorCode.corrupt,
    `record at lsn ${record.lsn} (type ${record.type}) has an invalid payload: ${what}`,
  );
}

/** Field `index` of a v2 array or `key` of a v1 map; nil reads as absent. */
function pick(value: unknown, index: number, key: string): unknown {
  const x = Array.isArray(value) ? value[index] : (value as Record<string, unknown>)[key];
  return x === null ? undefined : x;
}

function checkShape(record: WalRecord): unknown {
  const value = record.value;
  if (typeof value !== 'object' || value === null) throw invalid(record, 'not a map or array');
  return value;
}

function str(record: WalRecord, value: unknown, index: number, key: string): string {
  const x = pick(value, index, key);
  if (typeof x !== 'string') throw invalid(record, `${key} is not a string`);
  return x;
}

function num(record: WalRecord, value: unknown, index: number, key: string): number {
  const x = pick(value, index, key);
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw invalid(record, `${key} is not a finite number`);
  }
  return x;
}

function optionalStr(record: WalRecord, value: unknown, index: number, key: string) {
  const x = pick(value, index, key);
  if (x !== undefined && typeof x !== 'string') throw invalid(record, `${key} is not a string`);
  return x as string | undefined;
}

function optionalMap<T>(record: WalRecord, value: unknown, index: number, key: string) {
  const x = pick(value, index, key);
  if (x !== undefined && (typeof x !== 'object' || Array.isArray(x))) {
    throw invalid(record, `${key} is not a map`);
  }
  return x as Record<string, T> | undefined;
}

export function readStarted(record: WalRecord): StartedPayload {
  const v = checkShape(record);
  const p: StartedPayload = {
    executionId: str(record, v, 0, 'executionId'),
    actionId: str(record, v, 1, 'actionId'),
    source: str(record, v, 2, 'source'),
    executionType: str(record, v, 3, 'executionType'),
    attempt: num(record, v, 4, 'attempt'),
    startedAt: num(record, v, 5, 'startedAt'),
  };
  const attributes = optionalMap<string>(record, v, 6, 'attributes');
  if (attributes) p.attributes = attributes;
  return p;
}

export function readCompleted(record: WalRecord): CompletedPayload {
  const v = checkShape(record);
  const code = pick(v, 2, 'status');
  const status = typeof code === 'number' ? statusCodes[code] : code;
  if (!executionStatuses.includes(status as ExecutionStatus)) {
    throw invalid(record, `unknown status ${String(code)}`);
  }
  const p: CompletedPayload = {
    executionId: str(record, v, 0, 'executionId'),
    actionId: str(record, v, 1, 'actionId'),
    status: status as ExecutionStatus,
    durationMs: num(record, v, 3, 'durationMs'),
    completedAt: num(record, v, 4, 'completedAt'),
  };
  const output = optionalStr(record, v, 5, 'output');
  const error = optionalStr(record, v, 6, 'error');
  const metrics = optionalMap<number>(record, v, 7, 'metrics');
  const source = optionalStr(record, v, 8, 'source');
  const executionType = optionalStr(record, v, 9, 'executionType');
  if (output !== undefined) p.output = output;
  if (error !== undefined) p.error = error;
  if (metrics) p.metrics = metrics;
  if (source !== undefined) p.source = source;
  if (executionType !== undefined) p.executionType = executionType;
  return p;
}

export function readCleanup(record: WalRecord): CleanupPayload {
  const v = checkShape(record);
  const success = pick(v, 3, 'success');
  if (typeof success !== 'boolean') throw invalid(record, 'success is not a boolean');
  const p: CleanupPayload = {
    scannerId: str(record, v, 0, 'scannerId'),
    resourceId: str(record, v, 1, 'resourceId'),
    action: str(record, v, 2, 'action'),
    success,
    executedAt: num(record, v, 4, 'executedAt'),
  };
  const error = optionalStr(record, v, 5, 'error');
  if (error !== undefined) p.error = error;
  return p;
}

/** The wire form of a payload the store is about to append. */
export function toWire(
  type: RecordType,
  payload: StartedPayload | CompletedPayload | CleanupPayload,
): unknown[] {
  switch (type) {
    case RecordType.actionStarted:
      return startedToWire(payload as StartedPayload);
    case RecordType.actionCompleted:
      return completedToWire(payload as CompletedPayload);
    default:
      return cleanupToWire(payload as CleanupPayload);
  }
}

/**
 * A log record as a journal record (named payload, v1 or v2 shape); undefined for a type the
 * journal does not know (ancillary types, or critical ones of a newer version).
 */
export function decodeJournalRecord(record: WalRecord): JournalRecord | undefined {
  switch (record.type) {
    case RecordType.actionStarted:
      return { type: record.type, lsn: record.lsn, value: readStarted(record) };
    case RecordType.actionCompleted:
      return { type: record.type, lsn: record.lsn, value: readCompleted(record) };
    case RecordType.cleanupExecuted:
      return { type: record.type, lsn: record.lsn, value: readCleanup(record) };
    default:
      return undefined;
  }
}
