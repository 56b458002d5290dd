// Audit history from disk: every journal record as its kind's history entry, in LSN order.
// Entries of an execution carry what its earlier records said (source, attributes, attempt), so
// the join remembers each execution not yet ended; starts still open after the last record are
// reported once more as `interrupted` (or `in-flight`) entries, so an auditor sees exactly what
// never finished. Memory is bounded by `capacity` open executions (oldest forgotten first),
// never by the log.
import type { ErasureSet } from './erasure-set.js';
import type { HistoryEntry, HistoryFilter, StartedEntry } from './history-filter.js';
import type { ExecutionContext } from './record-kind.js';
import { decodeRecord, type RawRecord } from './record-registry.js';

export class HistoryJoin {
  readonly capacity: number;
  readonly #open = new Map<string, ExecutionContext>();
  readonly #erased: ErasureSet | undefined;

  /** `erased`: what is hidden (a store's erasures, known before the scan reaches them). */
  constructor(capacity: number, erased?: ErasureSet) {
    this.capacity = capacity;
    this.#erased = erased;
  }

  /** The entry for `record`, or undefined: a kind history does not show, or an erased one. */
  entry(record: RawRecord): HistoryEntry | undefined {
    const decoded = decodeRecord(record);
    if (!decoded) return undefined;
    const { kind, payload } = decoded;
    const id = kind.executionIdOf(payload);
    const known = id === undefined ? undefined : this.#open.get(id);
    const entry = kind.entry(record.lsn, payload, known);
    if (id !== undefined) {
      const next = kind.join(record.lsn, payload, known);
      this.#open.delete(id);
      if (next) {
        if (this.#open.size >= this.capacity)
          this.#open.delete(this.#open.keys().next().value as string);
        this.#open.set(id, next);
      }
      if (entry && this.#hidden(id, entry, known ?? next)) return undefined;
    }
    return entry;
  }

  #hidden(executionId: string, entry: HistoryEntry, known: ExecutionContext | undefined): boolean {
    if (!this.#erased || this.#erased.empty) return false;
    return this.#erased.hides({
      executionId,
      actionId: known?.actionId ?? ('actionId' in entry ? entry.actionId : undefined),
      firstLsn: known?.firstLsn ?? entry.lsn,
      firstAt: known?.firstAt ?? entry.at,
      attributes: known?.attributes,
    });
  }

  /** Executions started and never ended, in start order, as entries of `kind`. */
  unfinished(kind: 'interrupted' | 'in-flight'): StartedEntry[] {
    const out: StartedEntry[] = [];
    for (const known of this.#open.values()) {
      if (known.startLsn === undefined || known.startedAt === undefined) continue;
      if (this.#erased?.hides({ ...known, firstLsn: known.firstLsn })) continue;
      const entry: StartedEntry = {
        lsn: known.startLsn,
        kind,
        at: known.startedAt,
        executionId: known.executionId,
        actionId: known.actionId,
        source: known.source,
        executionType: known.executionType,
        attempt: known.attempt,
        startedAt: known.startedAt,
      };
      if (known.attributes !== undefined) entry.attributes = known.attributes;
      if (known.queuedAt !== undefined) entry.queuedAt = known.queuedAt;
      out.push(entry);
    }
    return out;
  }
}

export type { HistoryEntry, HistoryFilter };
