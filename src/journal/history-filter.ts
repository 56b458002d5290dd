// Filters over history entries (history(), export, tail): every given field must match (AND).
import { invalid } from './field-checks.js';
import { type HistoryEntry, type HistoryKind, historyKinds } from './history-entry.js';
import { type ExecutionStatus, executionStatuses } from './journal-records.js';

export type { HistoryEntry, HistoryKind, StartedEntry } from './history-entry.js';

export interface HistoryFilter {
  fromLsn?: number;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  actionId?: string;
  executionId?: string;
  /** Entries that carry this status (completions, cancellations, step ends). */
  status?: ExecutionStatus;
  source?: string;
  /** Every given attribute must be equal. */
  attributes?: Record<string, string>;
  kinds?: readonly HistoryKind[];
}

export const historyFilterKeys: readonly (keyof HistoryFilter)[] = [
  'fromLsn',
  'since',
  'until',
  'actionId',
  'executionId',
  'status',
  'source',
  'attributes',
  'kinds',
];

/** Whether `entry` passes every filter given. */
export function matchesFilter(entry: HistoryEntry, filter: HistoryFilter): boolean {
  if (filter.fromLsn !== undefined && entry.lsn < filter.fromLsn) return false;
  if (filter.since !== undefined && entry.at < filter.since) return false;
  if (filter.until !== undefined && entry.at >= filter.until) return false;
  if (filter.kinds !== undefined && !filter.kinds.includes(entry.kind)) return false;
  const fields = entry as unknown as Partial<Record<string, unknown>>;
  if (filter.actionId !== undefined && fields.actionId !== filter.actionId) return false;
  if (filter.executionId !== undefined && fields.executionId !== filter.executionId) return false;
  if (filter.status !== undefined && fields.status !== filter.status) return false;
  if (filter.source !== undefined && fields.source !== filter.source) return false;
  if (filter.attributes !== undefined) {
    const attributes = fields.attributes as Record<string, string> | undefined;
    for (const [key, value] of Object.entries(filter.attributes)) {
      if (attributes?.[key] !== value) return false;
    }
  }
  return true;
}

/** Throws WalValidationError naming the first filter value of the wrong kind. */
export function checkHistoryFilter(filter: HistoryFilter): void {
  const f = filter as Record<string, unknown>;
  const lsn = f.fromLsn;
  if (lsn !== undefined && (!Number.isInteger(lsn) || (lsn as number) < 0))
    invalid(`fromLsn must be an integer >= 0, got ${String(lsn)}`);
  for (const key of ['since', 'until'] as const) {
    const value = f[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value)))
      invalid(`${key} must be epoch milliseconds (a finite number), got ${JSON.stringify(value)}`);
  }
  for (const key of ['actionId', 'executionId', 'source'] as const) {
    if (f[key] !== undefined && typeof f[key] !== 'string') invalid(`${key} must be a string`);
  }
  if (f.status !== undefined && !executionStatuses.includes(f.status as ExecutionStatus))
    invalid(
      `status must be one of ${executionStatuses.join(', ')}, got ${JSON.stringify(f.status)}`,
    );
  if (f.kinds !== undefined) {
    if (!Array.isArray(f.kinds)) invalid('kinds must be a list of history kinds');
    for (const kind of f.kinds) {
      if (!historyKinds.includes(kind))
        invalid(`kinds has '${String(kind)}'; kinds: ${historyKinds.join(', ')}`);
    }
  }
  if (f.attributes !== undefined) {
    const attributes = f.attributes;
    if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes))
      invalid('attributes must be an object of strings');
    for (const [key, value] of Object.entries(attributes)) {
      if (typeof value !== 'string') invalid(`attributes.${key} must be a string`);
    }
  }
}
