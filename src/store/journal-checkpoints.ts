// Checkpoints of the folded state and the retention they allow (docs/api.md#checkpoints).
//
// A checkpoint at LSN L holds the state after folding records 1..L, and is written only after
// every record up to L is durable. On open the newest checkpoint that validates is loaded and
// only records after L are replayed. Retention then deletes whole segments the checkpoint
// covers. Checkpoints are written one at a time; appends go on meanwhile (only the snapshot,
// an in-memory copy of bounded state, is taken synchronously).
import { performance } from 'node:perf_hooks';
import { ErrorCode, WalError, WalValidationError } from '../errors.js';
import { decodePayload, encodePayload } from '../format/payload-codec.js';
import {
  listCheckpoints,
  type LoadedCheckpoint,
  loadNewestCheckpoint,
  pruneCheckpoints,
  type RejectedCheckpoint,
  writeCheckpoint,
} from '../wal/checkpoint-files.js';
import type { FileSystem } from '../wal/file-system.js';
import type { ScanReport } from '../wal/log-reader.js';
import { segmentSalt, statSegments } from '../wal/segment-list.js';
import { planRetention, type RetentionPolicy, removeSegments } from '../wal/segment-retention.js';
import type { JournalLimits, JournalState } from '../journal/journal-state.js';
import { type JournalSnapshot, restoreState, snapshotState } from '../journal/journal-snapshot.js';
import { listSegments } from '../wal/segment-list.js';

/** Checkpoint files kept: the newest, and one to fall back to if it is damaged. */
export const CHECKPOINTS_KEPT = 2;

export interface CheckpointPayload {
  lsn: number;
  /** Segment holding record `lsn` and its salt: ties the checkpoint to this very log. */
  segment: string | undefined;
  salt: number | undefined;
  /**
   * Byte offset in `segment` where record lsn + 1 starts (or will): open starts reading there
   * instead of at the segment's first frame, after checking it. Absent when it was not known.
   */
  resumeOffset?: number;
  createdAt: number;
  state: JournalSnapshot;
}

export interface CheckpointResult {
  lsn: number;
  name: string;
  bytes: number;
  durationMs: number;
  removedSegments: string[];
}

export interface LoadedState {
  state: JournalState;
  checkpoint: CheckpointPayload & { name: string };
}

/**
 * The newest checkpoint that validates and decodes; damaged ones are listed in `rejected`. A
 * checkpoint that cannot carry what the current limits ask for (a larger history ring than it
 * kept, grouped stats it did not keep) is passed over when the whole log is still on disk, so a
 * full replay gives the answer; when it is not, the checkpoint is used as it is.
 */
export function loadCheckpointState(
  fs: FileSystem,
  dir: string,
  limits: JournalLimits,
): { loaded: LoadedState | undefined; rejected: RejectedCheckpoint[] } {
  if (!fs.exists(dir)) return { loaded: undefined, rejected: [] };
  let loaded: LoadedState | undefined;
  let wholeLog: boolean | undefined;
  const result = loadNewestCheckpoint(fs, dir, (file: LoadedCheckpoint) => {
    try {
      const payload = decodePayload(file.payload) as CheckpointPayload;
      if (payload?.lsn !== file.lsn) return `payload lsn ${String(payload?.lsn)} does not match`;
      const { state, gaps } = restoreState(payload.state, limits);
      if (gaps.historyGrew || gaps.missingGroups.length > 0) {
        wholeLog ??= listSegments(fs, dir)[0]?.baseLsn === 1;
        if (wholeLog) {
          const what = gaps.historyGrew
            ? 'a smaller maxHistoryEntries'
            : `no stats grouped by ${gaps.missingGroups.join(', ')}`;
          return `it kept ${what} than this open asks for; the whole log is replayed instead`;
        }
      }
      loaded = { state, checkpoint: { ...payload, name: file.name } };
      return undefined;
    } catch (error) {
      if (error instanceof WalError && error.code === ErrorCode.unsupported) throw error;
      return `undecodable checkpoint state (${error instanceof Error ? error.message : error})`;
    }
  });
  return { loaded, rejected: result.rejected };
}

/**
 * Checks that the log on disk continues the checkpoint: throws WAL_CHECKPOINT_MISMATCH when
 * the checkpoint is beyond the end of the log, belongs to another log, or records after it are
 * missing; WAL_CHECKPOINT_MISSING when there is no usable checkpoint and the log does not start
 * at its first record.
 */
export function checkLogAgainstCheckpoint(
  fs: FileSystem,
  dir: string,
  scan: ScanReport,
  checkpoint: CheckpointPayload | undefined,
  rejected: readonly RejectedCheckpoint[],
): void {
  const first = scan.segments[0];
  if (!checkpoint) {
    if (first && first.baseLsn > 1) {
      const why =
        rejected.length > 0
          ? `every checkpoint is damaged (${rejected.map((r) => r.name).join(', ')})`
          : 'there is no checkpoint';
      throw new WalError(
        ErrorCode.checkpointMissing,
        `${dir} starts at lsn ${first.baseLsn} (earlier segments were removed) and ${why}, so the state before it ` +
          `cannot be rebuilt; run \`exec-wal verify ${dir}\``,
      );
    }
    return;
  }
  const mismatch = (what: string) =>
    new WalError(
      ErrorCode.checkpointMismatch,
      `${checkpoint.segment ?? 'checkpoint'} in ${dir}: ${what}; run \`exec-wal verify ${dir}\``,
    );
  if (!first) return; // Every segment gone: the log continues after the checkpoint.
  if (first.baseLsn > checkpoint.lsn + 1) {
    throw mismatch(
      `checkpoint at lsn ${checkpoint.lsn} but the log starts at lsn ${first.baseLsn}: records in between are missing`,
    );
  }
  const logLast = Math.max(...scan.segments.map((s) => s.lastLsn));
  if (logLast < checkpoint.lsn) {
    throw mismatch(
      `checkpoint at lsn ${checkpoint.lsn} is beyond the end of the log (last lsn ${logLast})`,
    );
  }
  // The segment holding record `lsn` here must be the one the checkpoint names, with its salt
  // (it may be gone only when retention deleted it whole: the log then starts after the lsn).
  const holder = scan.segments.filter((s) => s.baseLsn <= checkpoint.lsn).at(-1);
  if (holder && checkpoint.segment !== undefined && holder.name !== checkpoint.segment) {
    throw mismatch(
      `checkpoint was taken of another log (lsn ${checkpoint.lsn} is in ${holder.name} here, in ${checkpoint.segment} there)`,
    );
  }
  if (holder && checkpoint.salt !== undefined) {
    const salt = holder.salt ?? segmentSalt(fs, dir, holder.name);
    if (salt !== checkpoint.salt)
      throw mismatch(`checkpoint was taken of another log (segment ${holder.name} differs)`);
  }
}

/** What the checkpointer needs of the writer. */
export interface CheckpointedLog {
  sync(): Promise<void>;
  positionAfter(lsn: number): { segment: string; offset: number } | undefined;
}

export interface CheckpointerOptions {
  /** Write a checkpoint after this many bytes of appends; 0: only when asked. */
  everyBytes: number;
  retention: RetentionPolicy | undefined;
}

export class Checkpointer {
  #fs: FileSystem;
  #dir: string;
  #options: CheckpointerOptions;
  #log: CheckpointedLog;
  #lsn: number;
  #running: Promise<CheckpointResult> | undefined;
  #bytesAtLast = 0;
  lastError: unknown;

  constructor(
    fs: FileSystem,
    dir: string,
    lsn: number,
    log: CheckpointedLog,
    options: CheckpointerOptions,
  ) {
    this.#fs = fs;
    this.#dir = dir;
    this.#lsn = lsn;
    this.#log = log;
    this.#options = options;
    const { retention } = options;
    if (retention) checkPolicy(retention);
  }

  /** LSN of the newest durable checkpoint (0 when none). */
  get lsn(): number {
    return this.#lsn;
  }

  /** Checkpoints `state` now (after any running checkpoint), then applies retention. */
  checkpoint(state: JournalState, bytesAppended: number): Promise<CheckpointResult> {
    const previous = this.#running ?? Promise.resolve(undefined);
    const run = previous.catch(() => undefined).then(() => this.#write(state, bytesAppended));
    this.#running = run;
    return run.finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
  }

  /** Starts a background checkpoint when enough bytes were appended since the last one. */
  maybeCheckpoint(state: JournalState, bytesAppended: number): void {
    if (this.#running || this.#options.everyBytes === 0) return;
    if (bytesAppended - this.#bytesAtLast < this.#options.everyBytes) return;
    this.checkpoint(state, bytesAppended).catch((error: unknown) => {
      this.lastError = error;
    });
  }

  /** Starts a background checkpoint unless one is running (the retention byte cap's watermark). */
  checkpointSoon(state: JournalState, bytesAppended: number): void {
    if (this.#running) return;
    this.checkpoint(state, bytesAppended).catch((error: unknown) => {
      this.lastError = error;
    });
  }

  /** Waits for a checkpoint in flight (close() calls this). */
  async settle(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  async #write(state: JournalState, bytesAppended: number): Promise<CheckpointResult> {
    const began = performance.now();
    const snapshot = snapshotState(state);
    const lsn = snapshot.lastLsn;
    // Everything folded was written; make it durable before a checkpoint can reflect it.
    await this.#log.sync();
    const segments = statSegments(this.#fs, this.#dir);
    const holder = segments.filter((s) => s.baseLsn <= lsn).at(-1);
    const payload: CheckpointPayload = {
      lsn,
      segment: holder?.name,
      salt: holder ? segmentSalt(this.#fs, this.#dir, holder.name) : undefined,
      createdAt: Date.now(),
      state: snapshot,
    };
    const position = this.#log.positionAfter(lsn);
    if (position && position.segment === holder?.name) payload.resumeOffset = position.offset;
    const bytes = encodePayload(payload);
    const name = await writeCheckpoint(this.#fs, this.#dir, lsn, bytes);
    this.#lsn = lsn;
    this.#bytesAtLast = bytesAppended;
    pruneCheckpoints(this.#fs, this.#dir, CHECKPOINTS_KEPT);
    const removedSegments = this.#options.retention ? this.applyRetention() : [];
    return {
      lsn,
      name,
      bytes: bytes.length + 32,
      durationMs: performance.now() - began,
      removedSegments,
    };
  }

  /** Deletes the segments retention allows (covered by the newest durable checkpoint). */
  applyRetention(): string[] {
    const policy = this.#options.retention;
    if (!policy) return [];
    const doomed = planRetention(statSegments(this.#fs, this.#dir), this.#lsn, policy, Date.now());
    removeSegments(this.#fs, this.#dir, doomed);
    return doomed;
  }

  /** Checkpoint files on disk, newest first. */
  files(): { name: string; lsn: number }[] {
    return listCheckpoints(this.#fs, this.#dir);
  }
}

function checkPolicy(policy: RetentionPolicy): void {
  for (const [key, value] of Object.entries(policy)) {
    if (value !== undefined && (!Number.isFinite(value) || value < 1)) {
      throw new WalValidationError(
        ErrorCode.invalidArgument,
        `retention.${key} must be a positive number, got ${String(value)}`,
      );
    }
  }
}
