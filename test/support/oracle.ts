// The model a crash test checks a recovered log against (reliability plan #3, #14, #16): every
// record a writer appended, in LSN order, and the acknowledged watermark (the highest LSN whose
// append promise resolved in durability 'fsync', or that a resolved sync() covered). After any
// crash the recovered records must be an exact prefix of what was written (no gap, no duplicate,
// no reordering, every value equal: 0 garbage), at least as long as the watermark at the crash.
// For journal workloads the store's state must equal a brute-force fold of that prefix.
import { basename } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { SEGMENT_HEADER_BYTES } from '../../src/format/constants.js';
import { framePayload, readFrameHeader } from '../../src/format/frame-codec.js';
import { decodePayload } from '../../src/format/payload-codec.js';
import { parseSegmentName } from '../../src/format/segment-name.js';
import { applyRecord } from '../../src/journal/journal-fold.js';
import { JournalState } from '../../src/journal/journal-state.js';
import { type InMemoryOptions, limitsFrom } from '../../src/store/store-options.js';
import type { WalStore } from '../../src/store/wal-store.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';

export class LogOracle {
  /** Record with LSN n is `written[n - 1]`. */
  readonly written: WalRecord[] = [];
  /** Highest LSN known durable (0: none). */
  ackedLsn = 0;

  /** Notes a record handed to the writer; LSNs must come 1, 2, 3, ... */
  wrote(record: WalRecord): void {
    if (record.lsn !== this.written.length + 1) {
      throw new Error(`oracle: wrote lsn ${record.lsn}, expected ${this.written.length + 1}`);
    }
    this.written.push(record);
  }

  /** Notes that every record up to `lsn` is acknowledged (durable). */
  acknowledged(lsn: number): void {
    this.ackedLsn = Math.max(this.ackedLsn, lsn);
  }

  /**
   * Notes the frames of a write to a segment file (`position` past the header): how a test
   * learns what a WalStore wrote without reaching into it. Writes hold whole frames.
   */
  observeWrite(path: string, position: number, bytes: Buffer): void {
    if (parseSegmentName(basename(path)) === undefined || position < SEGMENT_HEADER_BYTES) return;
    for (const record of recordsIn(bytes)) this.wrote(record);
  }

  /**
   * Throws unless `recovered` (records from `fromLsn` on) is an exact prefix of what was
   * written that reaches `ackedLsn` (default: the watermark now). Returns the last LSN.
   */
  check(
    recovered: readonly WalRecord[],
    options: { ackedLsn?: number; fromLsn?: number } = {},
  ): number {
    const ackedLsn = options.ackedLsn ?? this.ackedLsn;
    const fromLsn = options.fromLsn ?? 1;
    recovered.forEach((record, i) => {
      const lsn = fromLsn + i;
      if (record.lsn !== lsn) {
        throw new Error(`record ${i} has lsn ${record.lsn}, expected ${lsn} (gap or reorder)`);
      }
      const written = this.written[lsn - 1];
      if (!written) throw new Error(`lsn ${lsn} was never written (${this.written.length} were)`);
      if (record.type !== written.type || !isDeepStrictEqual(record.value, written.value)) {
        throw new Error(`lsn ${lsn} differs from what was written (garbage record)`);
      }
    });
    const lastLsn = fromLsn + recovered.length - 1;
    if (lastLsn < ackedLsn) {
      throw new Error(
        `lost acknowledged records: recovered up to lsn ${lastLsn}, acknowledged up to ${ackedLsn}`,
      );
    }
    return lastLsn;
  }

  /** The brute-force fold of records 1..lastLsn, the reference for a reopened store. */
  foldJournal(lastLsn: number, options: InMemoryOptions): JournalState {
    const state = new JournalState(limitsFrom(options));
    for (const record of this.written.slice(0, lastLsn)) applyRecord(state, record);
    return state;
  }

  /**
   * Throws unless `store` answers exactly what folding the first `store.lastLsn` written records
   * answers, and that prefix reaches `ackedLsn`. Returns the store's last LSN.
   */
  checkJournal(
    store: WalStore,
    limits: InMemoryOptions,
    options: { ackedLsn?: number } = {},
  ): number {
    const lastLsn = store.lastLsn;
    const ackedLsn = options.ackedLsn ?? this.ackedLsn;
    if (lastLsn > this.written.length) {
      throw new Error(`store is at lsn ${lastLsn}, only ${this.written.length} were written`);
    }
    if (lastLsn < ackedLsn) {
      throw new Error(
        `lost acknowledged records: store at lsn ${lastLsn}, acknowledged up to ${ackedLsn}`,
      );
    }
    const expected = stateView(this.foldJournal(lastLsn, limits));
    const actual = storeView(store);
    for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
      if (!isDeepStrictEqual(actual[key], expected[key])) {
        throw new Error(
          `store ${key} differs from the fold of lsn 1..${lastLsn}: ` +
            `got ${clip(actual[key])}, expected ${clip(expected[key])}`,
        );
      }
    }
    return lastLsn;
  }
}

/** Decodes the whole frames in `bytes` (as written by a writer; checksums not checked). */
export function recordsIn(bytes: Buffer): WalRecord[] {
  const records: WalRecord[] = [];
  // Zeros written ahead of the data (docs/durability.md#preallocation) hold no frames.
  if (bytes.every((byte) => byte === 0)) return records;
  for (let at = 0; at < bytes.length; ) {
    const check = readFrameHeader(bytes, at, bytes.length - at);
    if (!check.ok) throw new Error(`oracle: write does not hold whole frames (${check.reason})`);
    const { header } = check;
    records.push({
      lsn: header.lsn,
      type: header.type,
      value: decodePayload(framePayload(bytes, at, header)),
    });
    at += header.frameBytes;
  }
  return records;
}

const ALL = 1_000_000;

function stateView(state: JournalState) {
  return {
    lastLsn: state.lastLsn,
    counters: { ...state.counters },
    stats: [...state.actions.values()].map((acc) => acc.snapshot()),
    executions: state.executions.newest(ALL),
    failures: state.failures.newest(ALL),
    cleanups: state.cleanups.newest(ALL),
    inFlight: [...state.table.live.values()]
      .filter((live) => live.status === 'running')
      .map((live) => [live.startLsn, live.executionId]),
  };
}

function storeView(store: WalStore): ReturnType<typeof stateView> {
  return {
    lastLsn: store.lastLsn,
    counters: store.counters,
    stats: store.allActionStats(),
    executions: store.recentActionExecutions(ALL),
    failures: store.recentFailures(ALL),
    cleanups: store.recentCleanupOperations(ALL),
    inFlight: store.inFlight().map((open) => [open.lsn, open.executionId]),
  };
}

function clip(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}
