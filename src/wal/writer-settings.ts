// What a writer is configured with and what it accepts: options and their defaults and bounds
// (src/limits.ts) and the durability modes (docs/durability.md). Records are validated and
// encoded as they are staged (src/wal/append-arena.ts).
import { ErrorCode, WalValidationError } from '../errors.js';
import { defaults, FORMAT_BATCH_BYTES_MAX, FORMAT_PAYLOAD_BYTES_MAX } from '../limits.js';
import type { FileSystem } from './file-system.js';
import type { ResumePoint } from './log-reader.js';
import type { RecoveryMode } from './recovery-policy.js';

export const Durability = { fsync: 'fsync', interval: 'interval', none: 'none' } as const;
export type Durability = (typeof Durability)[keyof typeof Durability];

export interface WalWriterOptions {
  durability?: Durability;
  /** 'interval' mode: longest time a written record waits for its fdatasync. */
  syncIntervalMs?: number;
  recovery?: RecoveryMode;
  maxSegmentBytes?: number;
  maxRecordBytes?: number;
  maxBatchBytes?: number;
  maxQueuedBytes?: number;
  /**
   * Zeros written ahead of the data so that a durable append changes no file size
   * (docs/durability.md#preallocation). Default: 1 MiB for 'fsync' and 'interval', 0 for 'none'.
   */
  preallocateBytes?: number;
  lockStaleMs?: number;
  fs?: FileSystem;
  onProgress?: (progress: { bytesDone: number; bytesTotal: number }) => void;
  /** Replay starts at this LSN (records below it are not handed to onRecord). */
  fromLsn?: number;
  /** Where record fromLsn starts, if known (a checkpoint's resume point); checked before use. */
  resumeAt?: ResumePoint;
}

export interface RecordInput {
  /** Frame type 1..255; types >= 128 are safe for older readers to skip. */
  type: number;
  value: unknown;
}

export interface AppendResult {
  firstLsn: number;
  lastLsn: number;
}

export type Settings = Required<
  Omit<WalWriterOptions, 'fs' | 'onProgress' | 'fromLsn' | 'resumeAt'>
>;

export function resolveSettings(options: WalWriterOptions): Settings {
  const settings: Settings = {
    durability: options.durability ?? 'fsync',
    syncIntervalMs: options.syncIntervalMs ?? defaults.syncIntervalMs,
    recovery: options.recovery ?? 'tolerate-tail',
    maxSegmentBytes: options.maxSegmentBytes ?? defaults.maxSegmentBytes,
    maxRecordBytes: options.maxRecordBytes ?? defaults.maxRecordBytes,
    maxBatchBytes: options.maxBatchBytes ?? defaults.maxBatchBytes,
    maxQueuedBytes: options.maxQueuedBytes ?? defaults.maxQueuedBytes,
    preallocateBytes:
      options.preallocateBytes ?? (options.durability === 'none' ? 0 : defaults.preallocateBytes),
    lockStaleMs: options.lockStaleMs ?? defaults.lockStaleMs,
  };
  checkRange(
    'maxSegmentBytes',
    settings.maxSegmentBytes,
    defaults.minSegmentBytes,
    Number.MAX_SAFE_INTEGER,
  );
  checkRange('maxRecordBytes', settings.maxRecordBytes, 1, FORMAT_PAYLOAD_BYTES_MAX);
  checkRange('maxBatchBytes', settings.maxBatchBytes, 1, FORMAT_BATCH_BYTES_MAX);
  checkRange('maxQueuedBytes', settings.maxQueuedBytes, 1, Number.MAX_SAFE_INTEGER);
  checkRange('syncIntervalMs', settings.syncIntervalMs, 1, 60_000);
  checkRange('preallocateBytes', settings.preallocateBytes, 0, defaults.maxPreallocateBytes);
  checkRange('lockStaleMs', settings.lockStaleMs, 2_000, 600_000);
  if (!Object.values(Durability).includes(settings.durability)) {
    throw new WalValidationError(
      ErrorCode.invalidArgument,
      `durability must be 'fsync', 'interval' or 'none', got '${settings.durability}'`,
    );
  }
  return settings;
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new WalValidationError(
      ErrorCode.invalidArgument,
      `${name} must be an integer from ${min} to ${max}, got ${value}`,
    );
  }
}
