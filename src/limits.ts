// Every bound in exec-wal, with its unit and default, in one place (documented in docs/api.md
// and docs/format.md). Format maxima are fixed by the on-disk format; the rest are defaults a
// caller may lower (or, where stated, raise up to the format maximum).

const KiB = 1024;
const MiB = 1024 * KiB;

/** Fixed by format v1: a reader rejects any frame whose declared payload exceeds this. */
export const FORMAT_PAYLOAD_BYTES_MAX = 16 * MiB;
/** Fixed by format v1: the frames of one atomic batch may not exceed this in total. */
export const FORMAT_BATCH_BYTES_MAX = 64 * MiB;

export const defaults = {
  /** Largest payload one record may encode to (writer side; at most FORMAT_PAYLOAD_BYTES_MAX). */
  maxRecordBytes: 4 * MiB,
  /** Largest atomic batch, frames included (at most FORMAT_BATCH_BYTES_MAX). */
  maxBatchBytes: 16 * MiB,
  /** Records in one append() call. */
  maxBatchRecords: 10_000,
  /** Rotation threshold for a segment file. */
  maxSegmentBytes: 64 * MiB,
  /** Smallest allowed rotation threshold (keeps tests honest, stops pathological configs). */
  minSegmentBytes: 4 * KiB,
  /** Segments a log may hold before open refuses (a directory listing is read whole). */
  maxSegments: 100_000,
  /** Bytes queued for writing but not yet written before append() rejects (back-pressure). */
  maxQueuedBytes: 256 * MiB,
  /** Durability mode 'interval': longest time between a write and its fdatasync. */
  syncIntervalMs: 100,
  /** Writer lock: a lock not refreshed for this long may be taken over. */
  lockStaleMs: 5_000,
  /** Read buffer used by replay and verify (one per open reader). */
  readChunkBytes: 1 * MiB,
} as const;
