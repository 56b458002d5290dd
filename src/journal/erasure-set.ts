// What erase records hid (docs/lifecycle.md#erasure): executions by id, and filters matching every
// execution first recorded before the filter's record. Queries consult it at once; compaction
// later replaces the records' bytes with redacted frames. Bounded: at most maxErasedIds ids and
// maxEraseFilters filters (the recorder refuses more: run `exec-wal compact`).
import type { ErasedPayload } from './journal-records.js';

export interface EraseFilter {
  lsn: number;
  actionId?: string;
  before?: number;
  attributes?: Record<string, string>;
}

/** What a filter is matched against: an execution's first record. */
export interface ErasureSubject {
  executionId: string;
  actionId?: string | undefined;
  firstLsn?: number | undefined;
  firstAt?: number | undefined;
  attributes?: Record<string, string> | undefined;
}

export class ErasureSet {
  readonly ids = new Set<string>();
  readonly filters: EraseFilter[] = [];

  get empty(): boolean {
    return this.ids.size === 0 && this.filters.length === 0;
  }

  add(lsn: number, erased: ErasedPayload): void {
    for (const id of erased.executionIds ?? []) this.ids.add(id);
    if (erased.executionIds === undefined) {
      const filter: EraseFilter = { lsn };
      if (erased.actionId !== undefined) filter.actionId = erased.actionId;
      if (erased.before !== undefined) filter.before = erased.before;
      if (erased.attributes !== undefined) filter.attributes = erased.attributes;
      this.filters.push(filter);
    }
  }

  /** After compaction redacted every record they hide. */
  clear(): void {
    this.ids.clear();
    this.filters.length = 0;
  }

  hides(subject: ErasureSubject): boolean {
    if (this.ids.has(subject.executionId)) return true;
    return this.filters.some((filter) => matchesFilter(filter, subject));
  }
}

export function matchesFilter(
  filter: Omit<EraseFilter, 'lsn'> & { lsn?: number },
  subject: ErasureSubject,
): boolean {
  if (
    filter.lsn !== undefined &&
    (subject.firstLsn === undefined || subject.firstLsn >= filter.lsn)
  )
    return false;
  if (filter.actionId !== undefined && subject.actionId !== filter.actionId) return false;
  if (
    filter.before !== undefined &&
    (subject.firstAt === undefined || subject.firstAt >= filter.before)
  )
    return false;
  if (filter.attributes !== undefined) {
    for (const [key, value] of Object.entries(filter.attributes)) {
      if (subject.attributes?.[key] !== value) return false;
    }
  }
  return true;
}
