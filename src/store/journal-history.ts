// Audit history from disk: every journal record still on disk, in LSN order, as one flat entry
// shape (same field names as the API). Completions carry their start's source, type, attempt
// and attributes when the start is on disk too; starts still open at the end of the log are
// reported once more as `interrupted` entries, so an auditor sees exactly what never finished.
// Memory is bounded by the starts in flight (maxInFlight), never by the log.
import { defaults } from '../limits.js';
import type { WalRecord } from '../wal/segment-reader.js';
import { readCleanup, readCompleted, readStarted } from './record-codec.js';
import {
  type ExecutionStatus,
  isSuccess,
  RecordType,
  type StartedPayload,
} from './journal-records.js';

/** `interrupted`: started, never completed, and no writer is alive; `in-flight`: same, beside a live writer. */
export type HistoryKind = 'started' | 'completed' | 'cleanup' | 'interrupted' | 'in-flight';

export interface HistoryEntry {
  lsn: number;
  kind: HistoryKind;
  /** When it happened: startedAt, completedAt or executedAt. */
  at: number;
  executionId?: string;
  actionId?: string;
  source?: string;
  executionType?: string;
  attempt?: number;
  attributes?: Record<string, string>;
  status?: ExecutionStatus;
  success?: boolean;
  durationMs?: number;
  output?: string;
  error?: string;
  metrics?: Record<string, number>;
  startedAt?: number;
  completedAt?: number;
  scannerId?: string;
  resourceId?: string;
  action?: string;
  executedAt?: number;
}

export interface HistoryFilter {
  fromLsn?: number;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  actionId?: string;
  status?: ExecutionStatus;
  source?: string;
  kinds?: readonly HistoryKind[];
}

/** Turns records into history entries, joining completions to their starts (bounded). */
export class HistoryJoin {
  #open = new Map<string, StartedPayload & { lsn: number }>();

  /** The entry for `record`, or undefined for a record kind history does not show. */
  entry(record: WalRecord): HistoryEntry | undefined {
    switch (record.type) {
      case RecordType.actionStarted: {
        const start = readStarted(record);
        if (this.#open.size >= defaults.maxInFlight)
          this.#open.delete(this.#open.keys().next().value as string);
        this.#open.set(start.executionId, { ...start, lsn: record.lsn });
        return startedEntry(record.lsn, 'started', start);
      }
      case RecordType.actionCompleted: {
        const done = readCompleted(record);
        const start = this.#open.get(done.executionId);
        this.#open.delete(done.executionId);
        const entry: HistoryEntry = {
          lsn: record.lsn,
          kind: 'completed',
          at: done.completedAt,
          executionId: done.executionId,
          actionId: done.actionId,
          source: start?.source ?? done.source ?? '',
          executionType: start?.executionType ?? done.executionType ?? '',
          attempt: start?.attempt ?? 1,
          status: done.status,
          success: isSuccess(done.status),
          durationMs: done.durationMs,
          completedAt: done.completedAt,
        };
        if (start?.attributes) entry.attributes = start.attributes;
        if (start) entry.startedAt = start.startedAt;
        if (done.output !== undefined) entry.output = done.output;
        if (done.error !== undefined) entry.error = done.error;
        if (done.metrics) entry.metrics = done.metrics;
        return entry;
      }
      case RecordType.cleanupExecuted: {
        const c = readCleanup(record);
        const entry: HistoryEntry = {
          lsn: record.lsn,
          kind: 'cleanup',
          at: c.executedAt,
          scannerId: c.scannerId,
          resourceId: c.resourceId,
          action: c.action,
          success: c.success,
          executedAt: c.executedAt,
        };
        if (c.error !== undefined) entry.error = c.error;
        return entry;
      }
      default:
        return undefined;
    }
  }

  /** Starts never completed, in start order, as entries of `kind` (with their start's LSN). */
  unfinished(kind: 'interrupted' | 'in-flight'): HistoryEntry[] {
    return [...this.#open.values()].map((start) => startedEntry(start.lsn, kind, start));
  }
}

function startedEntry(lsn: number, kind: HistoryKind, start: StartedPayload): HistoryEntry {
  const entry: HistoryEntry = {
    lsn,
    kind,
    at: start.startedAt,
    executionId: start.executionId,
    actionId: start.actionId,
    source: start.source,
    executionType: start.executionType,
    attempt: start.attempt,
    startedAt: start.startedAt,
  };
  if (start.attributes) entry.attributes = start.attributes;
  return entry;
}

/** Whether `entry` passes every filter given (filters AND). */
export function matchesFilter(entry: HistoryEntry, filter: HistoryFilter): boolean {
  if (filter.fromLsn !== undefined && entry.lsn < filter.fromLsn) return false;
  if (filter.since !== undefined && entry.at < filter.since) return false;
  if (filter.until !== undefined && entry.at >= filter.until) return false;
  if (filter.actionId !== undefined && entry.actionId !== filter.actionId) return false;
  if (filter.status !== undefined && entry.status !== filter.status) return false;
  if (filter.source !== undefined && entry.source !== filter.source) return false;
  if (filter.kinds !== undefined && !filter.kinds.includes(entry.kind)) return false;
  return true;
}
