// The one fold: `applyRecord(state, record)` decodes a record by its kind and folds it. The
// store folds the payloads it built itself with `applyPayload`, without decoding them back;
// both end in the kind's own `fold`, so a live store and a replay reach the same state.
import type { JournalState } from './journal-state.js';
import type { RecordKind } from './record-kind.js';
import { decodeRecord, type RawRecord } from './record-registry.js';

/** Folds one record into `state`. Throws WAL_UNSUPPORTED for an unknown critical type. */
export function applyRecord(state: JournalState, record: RawRecord): void {
  const decoded = decodeRecord(record);
  if (!decoded) {
    state.counters.records += 1;
    state.counters.ignoredRecords += 1;
    state.lastLsn = record.lsn;
    return;
  }
  applyPayload(state, record.lsn, decoded.kind, decoded.payload);
}

export function applyPayload<P extends object>(
  state: JournalState,
  lsn: number,
  kind: RecordKind<P>,
  payload: P,
): void {
  state.counters.records += 1;
  state.lastLsn = lsn;
  kind.fold(state, lsn, payload);
}
