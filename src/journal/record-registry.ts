// The registry of record kinds: every kind the journal knows, by wire type and by name, checked
// once when this module loads (two kinds can never share a type or a name, so an unknown wire
// type can never be decoded or encoded as another kind). Adding a kind: its module in kinds/, a
// row here, rows in docs/format.md and docs/lifecycle.md, a fixture, tests.
import { ErrorCode, WalError } from '../errors.js';
import { FRAME_TYPE_IGNORABLE_BIT } from '../format/constants.js';
import { fromWire, toWire } from './field-table.js';
import { reservedRecordTypes } from './journal-records.js';
import { cancelledKind } from './kinds/cancelled.js';
import { cleanupKind } from './kinds/cleanup.js';
import { completedKind } from './kinds/completed.js';
import { erasedKind } from './kinds/erased.js';
import { progressKind } from './kinds/progress.js';
import { queuedKind } from './kinds/queued.js';
import { redactedKind } from './kinds/redacted.js';
import { startedKind } from './kinds/started.js';
import { stepCompletedKind } from './kinds/step-completed.js';
import { stepStartedKind } from './kinds/step-started.js';
import type { HistoryEntry } from './history-entry.js';
import type { KindName, RecordKind } from './record-kind.js';

/** In wire-type order. */
export const recordKinds: readonly RecordKind[] = [
  startedKind,
  completedKind,
  cleanupKind,
  queuedKind,
  cancelledKind,
  erasedKind,
  progressKind,
  stepStartedKind,
  stepCompletedKind,
  redactedKind,
] as readonly RecordKind<never>[] as readonly RecordKind[];

const byType = new Map<number, RecordKind>();
const byName = new Map<string, RecordKind>();
for (const kind of recordKinds) {
  if (!Number.isInteger(kind.type) || kind.type < 1 || kind.type > 255)
    throw new Error(`record kind ${kind.name} has wire type ${kind.type}, outside 1..255`);
  if (reservedRecordTypes.includes(kind.type))
    throw new Error(`record kind ${kind.name} takes reserved type ${kind.type}`);
  if (byType.has(kind.type))
    throw new Error(
      `record kinds ${byType.get(kind.type)!.name} and ${kind.name} share type ${kind.type}`,
    );
  if (byName.has(kind.name)) throw new Error(`two record kinds are named ${kind.name}`);
  const names = new Set(kind.fields.map((f) => f.name));
  if (names.size !== kind.fields.length)
    throw new Error(`record kind ${kind.name} repeats a field name`);
  byType.set(kind.type, kind);
  byName.set(kind.name, kind);
}

export function kindOfType(type: number): RecordKind | undefined {
  return byType.get(type);
}

export function kindNamed(name: KindName): RecordKind {
  return byName.get(name)!;
}

/** A record as the wal layer hands it (structurally: lsn, frame type, decoded msgpack value). */
export interface RawRecord {
  lsn: number;
  type: number;
  value: unknown;
}

/** A record decoded into its kind's named payload. */
export interface DecodedRecord<P extends object = object> {
  lsn: number;
  kind: RecordKind<P>;
  payload: P;
}

/**
 * The named payload of a record: WAL_CORRUPT for a malformed one, WAL_UNSUPPORTED for a critical
 * type this version does not know; undefined for an unknown ancillary type (skipped, by the
 * format's rule).
 */
export function decodeRecord(record: RawRecord): DecodedRecord | undefined {
  const kind = byType.get(record.type);
  if (!kind) {
    if (record.type & FRAME_TYPE_IGNORABLE_BIT) return undefined;
    throw new WalError(
      ErrorCode.unsupported,
      `record at lsn ${record.lsn} has type ${record.type}, which this exec-wal does not know; ` +
        'it was written by a newer version: upgrade exec-wal',
    );
  }
  return { lsn: record.lsn, kind, payload: fromWire(kind.fields, record, record.value) };
}

/** The wire value (a v2 positional array) of `payload` of `kind`. */
export function encodeRecord(
  kind: RecordKind,
  payload: object,
): { type: number; value: unknown[] } {
  return { type: kind.type, value: toWire(kind.fields, payload) };
}

/** The record kind a history entry shows ('interrupted' and 'in-flight' are starts). */
export function kindOfEntry(entry: { kind: string }): RecordKind {
  const name = entry.kind === 'interrupted' || entry.kind === 'in-flight' ? 'started' : entry.kind;
  return byName.get(name) ?? kindNamed('started');
}

/** One line for people: what a history entry says beyond its columns (its kind's detail). */
export function entryDetail(entry: HistoryEntry): string {
  return kindOfEntry(entry).detail(entry);
}
