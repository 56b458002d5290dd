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
  /** Zeros a syncing writer keeps ahead of its data in the active segment (0: none). */
  preallocateBytes: 1 * MiB,
  /** Largest preallocateBytes a caller may choose. */
  maxPreallocateBytes: 64 * MiB,
  /** Durability mode 'interval': longest time between a write and its fdatasync. */
  syncIntervalMs: 100,
  /** Writer lock: a lock not refreshed for this long may be taken over. */
  lockStaleMs: 5_000,
  /** Read buffer used by replay and verify (one per open reader). */
  readChunkBytes: 1 * MiB,

  // Execution journal (WalStore).
  /** Entries kept by each history ring buffer (executions, failures, cleanups). */
  maxHistoryEntries: 1000,
  /** Executions started and not yet completed. A start past it is refused. */
  maxInFlight: 10_000,
  /** Distinct action ids with statistics. A new action past it is refused. */
  maxActions: 10_000,
  /** UTF-8 bytes of any id, source, executionType or cleanup action. */
  maxIdBytes: 256,
  /** UTF-8 bytes of an output or error text. */
  maxTextBytes: 64 * KiB,
  /** Entries of an attributes map (string values) or a metrics map (finite numbers). */
  maxMapEntries: 32,
  /** UTF-8 bytes of an attribute key or value, or of a metric name. */
  maxMapItemBytes: 256,
  /** Automatic checkpoint after this many bytes of appends since the last one. */
  checkpointEveryBytes: 64 * MiB,
  /** Interrupted executions listed one by one in a recovery report (the rest are counted). */
  maxReportedInterrupted: 100,

  // The execution lifecycle (docs/lifecycle.md).
  /** Largest epoch-ms time a record may carry (the end of JavaScript's Date range). */
  maxTimeMs: 8.64e15,
  /** Largest duration or timeout a record may carry (about 31.7 years). */
  maxDurationMs: 1e12,
  /** Executions queued and not yet started (retries waiting included). A queue past it is refused. */
  maxQueued: 100_000,
  /**
   * Ended executions remembered by id, so a second completion or a reused id is refused (older
   * ones read as unknown: a documented eviction). Each costs ~100 bytes of checkpoint.
   */
  maxEndedTracked: 10_000,
  /** Progress updates kept per execution in memory while it runs (oldest evicted). */
  maxProgressEntries: 20,
  /** Steps kept per execution in memory while it runs (a step past it is refused). */
  maxStepsPerExecution: 64,
  /** Attempts one execution may be given (maxAttempts). */
  maxAttempts: 1000,
  /** Priority range of a queued execution (higher runs first). */
  maxPriority: 1_000_000,
  /** Idempotency keys remembered (oldest evicted first). */
  maxIdempotencyKeys: 100_000,
  /** How long an idempotency key returns the execution it first made. */
  idempotencyWindowMs: 24 * 3_600_000,
  /** Executions erased by id and not yet compacted away (a delete past it is refused). */
  maxErasedIds: 100_000,
  /** Erase filters remembered (a delete by filter past it is refused). */
  maxEraseFilters: 1000,
  /** Ids one erase record may name. */
  maxIdsPerRecord: 1000,
  /** Nesting of a request document. */
  maxDocumentDepth: 16,
  /** Distinct values per grouping (source, or one attribute key); the rest go to '(other)'. */
  maxGroups: 1000,
  /** Items one listExecutions page may hold. */
  maxListLimit: 1000,
  /** Listeners per event on a store. */
  maxListeners: 100,
} as const;
