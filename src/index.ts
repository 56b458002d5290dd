// Public API of exec-wal. The layers: cli -> store -> wal -> format (docs/architecture in README).
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
export { type ActionStatsState, emptyActionStats } from './store/action-stats.js';
export {
  type CleanupPayload,
  type CompletedPayload,
  ExecutionStatus,
  executionStatuses,
  type JournalRecord,
  RecordType,
  type StartedPayload,
} from './store/journal-records.js';
export {
  decodeJournalRecord,
  readCleanup,
  readCompleted,
  readStarted,
  toWire,
} from './store/record-codec.js';
export {
  applyRecord,
  type JournalCounters,
  type JournalLimits,
  JournalState,
} from './store/journal-state.js';
export type {
  ActionExecutionRecord,
  ActionStats,
  CleanupRecord,
  InFlightExecution,
} from './store/journal-types.js';
export {
  QuantileSketch,
  SKETCH_MAX_BINS,
  SKETCH_RELATIVE_ACCURACY,
} from './store/quantile-sketch.js';
export {
  type CleanupOptions,
  type CompleteOptions,
  type RecoveryReport,
  type StartOptions,
  WalStore,
  type WalStoreOptions,
} from './store/wal-store.js';
export type { HistoryEntry, HistoryFilter, HistoryKind } from './store/journal-history.js';
export type { CheckpointResult } from './store/journal-checkpoints.js';
export type { DiskUsage } from './store/wal-store.js';
export type { RetentionPolicy } from './wal/segment-retention.js';
export { type FollowOptions, followLog } from './wal/log-follower.js';
export { planRepair, type RepairMode, type RepairReport, repairLog } from './wal/log-repair.js';
