// History entries as one loose shape, for tests that compare fields across kinds.
export {
  type FlatHistoryEntry as FlatEntry,
  flatEntry as flat,
} from '../../src/journal/history-entry.js';
