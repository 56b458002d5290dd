// The store's admin face, for the CLI and operators' tools: verify, repair, what a compaction
// would delete, who holds the lock, which CRC32C implementation runs, and the vocabulary those
// take (recovery and repair modes, execution statuses). The CLI reaches the log only through
// this file and WalStore, never src/wal directly.
//
// Light to import: the vocabulary has no dependencies, and each operation loads its code on
// first use, so `exec-wal --help` and the read-only commands never load repair or the lock.
import type { LockHolder } from '../errors.js';
import type { TailReport } from '../wal/log-reader.js';
import type { RepairMode as LogRepairMode, RepairReport } from '../wal/log-repair.js';
import type { RetentionPolicy, SegmentOnDisk } from '../wal/segment-retention.js';
import type { VerifyReport } from './journal-verify.js';

export { type RecoveryMode, recoveryModes } from '../wal/recovery-policy.js';
export { type ExecutionStatus, executionStatuses } from '../journal/journal-records.js';
export type { LockHolder, RepairReport, RetentionPolicy, SegmentOnDisk, VerifyReport };
export type { RepairStep } from '../wal/log-repair.js';
export type { SegmentVerdict } from './journal-verify.js';

/** Repair modes (docs/recovery.md#repair); the same list as the log's, checked below. */
export const repairModes = ['tail', 'point-in-time', 'salvage'] as const;
export type RepairMode = (typeof repairModes)[number];
// Fails to compile when the log gains a repair mode this list lacks (or the other way round).
const sameRepairModes: [LogRepairMode, RepairMode] extends [RepairMode, LogRepairMode]
  ? true
  : never = true;
void sameRepairModes;

type Progress = (progress: { bytesDone: number; bytesTotal: number }) => void;

/** Every segment read in salvage mode and every record folded; read-only. */
export async function verifyJournal(path: string, onProgress?: Progress): Promise<VerifyReport> {
  const { verifyJournal: verify } = await import('./journal-verify.js');
  return verify(path, onProgress);
}

/** What `repair` would do; changes nothing. */
export async function planRepair(path: string, mode: RepairMode): Promise<RepairReport> {
  const { planRepair: plan } = await import('../wal/log-repair.js');
  return plan(path, mode);
}

/** Repairs under the writer lock (WAL_LOCKED while a writer holds it), keeping every byte. */
export async function repairJournal(path: string, mode: RepairMode): Promise<RepairReport> {
  const { repairLog } = await import('../wal/log-repair.js');
  return repairLog(path, mode);
}

export interface CompactionPlan {
  /** The checkpoint would be written at this LSN (the last on disk). */
  checkpointLsn: number;
  /** A torn tail the writer's open would cut first (clean: none). */
  tail: TailReport;
  segments: number;
  doomed: SegmentOnDisk[];
  doomedBytes: number;
}

/**
 * What `compact` would delete, changing nothing. The journal is read as the writer's open would
 * read it (a torn tail is fine; other damage throws WAL_CORRUPT with its place), so a dry run
 * fails exactly where the real compaction would.
 */
export async function planCompaction(
  path: string,
  policy: RetentionPolicy,
): Promise<CompactionPlan> {
  const [{ WalStore }, { statSegments }, { planRetention }, { nodeFileSystem }] = await Promise.all(
    [
      import('./wal-store.js'),
      import('../wal/segment-list.js'),
      import('../wal/segment-retention.js'),
      import('../wal/file-system.js'),
    ],
  );
  const store = await WalStore.open(path, { readOnly: true, recovery: 'tolerate-tail' });
  try {
    const segments = statSegments(nodeFileSystem, path);
    const names = new Set(planRetention(segments, store.lastLsn, policy, Date.now()));
    const doomed = segments.filter((s) => names.has(s.name));
    return {
      checkpointLsn: store.lastLsn,
      tail: store.recoveryReport.tail,
      segments: segments.length,
      doomed,
      doomedBytes: doomed.reduce((sum, s) => sum + s.bytes, 0),
    };
  } finally {
    await store.close();
  }
}

/** Who holds the writer lock, as its owner file says (undefined: nobody wrote one). */
export async function lockHolder(path: string): Promise<LockHolder | undefined> {
  const { readHolder } = await import('../wal/writer-lock.js');
  return readHolder(path);
}

/** `sse4.2 (native)` or `javascript`: the CRC32C implementation this process uses. */
export async function checksumImplementation(): Promise<string> {
  const { crcImplementation } = await import('../format/checksum.js');
  return crcImplementation();
}
