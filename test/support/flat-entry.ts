// History entries as one loose shape, for tests that compare fields across kinds.
import type {
  CancelledEntry,
  CleanupEntry,
  CompletedEntry,
  HistoryEntry,
  QueuedEntry,
  StartedEntry,
} from '../../src/journal/history-entry.js';

type Every = CompletedEntry & StartedEntry & CleanupEntry & QueuedEntry & Omit<CancelledEntry, 'status' | 'success'>;
export type FlatEntry = Pick<HistoryEntry, 'lsn' | 'kind' | 'at'> & Partial<Omit<Every, 'lsn' | 'kind' | 'at'>>;

export function flat(entry: HistoryEntry): FlatEntry {
  return entry as unknown as FlatEntry;
}
