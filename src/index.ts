// Public API of exec-wal. The layers: cli -> store -> journal -> wal -> format (README#layout).
export * from './errors.js';
export { defaults as limits, FORMAT_BATCH_BYTES_MAX, FORMAT_PAYLOAD_BYTES_MAX } from './limits.js';
export { crcImplementation } from './format/checksum.js';
export type { FileStat, FileSystem, OpenMode } from './wal/file-system.js';
export { nodeFileSystem } from './wal/file-system.js';
export type {
  DamageReport,
  ScanReport,
  SegmentStatus,
  SegmentSummary,
  TailReport,
} from './wal/log-reader.js';
export { iterateLog, type ReplayOptions, replayLog } from './wal/log-replay.js';
export {
  type DamageKind,
  type RecoveryAction,
  RecoveryMode,
  recoveryModes,
  recoveryTable,
} from './wal/recovery-policy.js';
export type { WalRecord } from './wal/segment-reader.js';
export type { TailRepair } from './wal/tail-repair.js';
export {
  type AppendResult,
  Durability,
  type OpenReport,
  type RecordInput,
  WalWriter,
  type WalWriterOptions,
} from './wal/wal-writer.js';
export { type ActionStatsState, emptyActionStats } from './journal/action-stats.js';
export {
  assertTransition,
  isTerminal,
  type LifecycleEvent,
  lifecycleEvents,
  type LifecyclePlace,
  type LifecycleState,
  lifecycleStates,
  legalEvents,
  nextState,
  terminalStates,
  transitions,
} from './journal/execution-lifecycle.js';
export type * from './journal/journal-records.js';
export {
  ExecutionStatus,
  executionStatuses,
  RecordType,
  stepStatuses,
  timeoutKinds,
} from './journal/journal-records.js';
export type { FieldSpec, FieldTable, FieldType } from './journal/field-table.js';
export type { KindName, RecordKind } from './journal/record-kind.js';
export {
  type DecodedRecord,
  decodeRecord,
  encodeRecord,
  kindOfType,
  type RawRecord,
  recordKinds,
} from './journal/record-registry.js';
export { applyRecord } from './journal/journal-fold.js';
export { type JournalCounters, type JournalLimits, JournalState } from './journal/journal-state.js';
export type * from './journal/journal-types.js';
export type * from './journal/history-entry.js';
export { historyKinds } from './journal/history-entry.js';
export type { HistoryFilter } from './journal/history-filter.js';
export { type GroupBy, OTHER_GROUP } from './journal/group-stats.js';
export {
  QuantileSketch,
  SKETCH_MAX_BINS,
  SKETCH_RELATIVE_ACCURACY,
} from './journal/quantile-sketch.js';
export {
  builtinSecretPatterns,
  REDACTED,
  type RedactOptions,
  SecretMasker,
} from './journal/secret-masker.js';
export { WalStore } from './store/wal-store.js';
export type * from './store/store-options.js';
export type { ExecutionPage, ListFilter } from './store/execution-listing.js';
export { type StoreEvent, type StoreListener, storeEvents } from './store/journal-events.js';
export type { CheckpointResult } from './store/journal-checkpoints.js';
export type { RetentionPolicy } from './wal/segment-retention.js';
export { type FollowOptions, followLog } from './wal/log-follower.js';
export { planRepair, type RepairMode, type RepairReport, repairLog } from './wal/log-repair.js';
