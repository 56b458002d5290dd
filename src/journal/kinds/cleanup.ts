// Kind `cleanup` (type 3, critical): a scanner released or removed a resource.
import { opt, req } from '../field-table.js';
import type { CleanupEntry } from '../history-entry.js';
import { type CleanupPayload, RecordType } from '../journal-records.js';
import type { CleanupRecord } from '../journal-types.js';
import { noContext, type RecordKind } from '../record-kind.js';

export const cleanupKind: RecordKind<CleanupPayload> = {
  name: 'cleanup',
  type: RecordType.cleanupExecuted,
  summary: 'a cleanup ran (scanner, resource, action, outcome)',
  maskPrefix: 'cleanup',
  fields: [
    req('scannerId', 'id'),
    req('resourceId', 'id'),
    req('action', 'id'),
    req('success', 'boolean'),
    req('executedAt', 'time'),
    opt('error', 'text'),
  ],
  executionIdOf: () => undefined,
  eventOf: () => undefined,
  timeOf: (p) => p.executedAt,

  fold(state, lsn, p) {
    state.counters.cleanups += 1;
    const record: CleanupRecord = {
      lsn,
      scannerId: p.scannerId,
      resourceId: p.resourceId,
      action: p.action,
      success: p.success,
      executedAt: p.executedAt,
    };
    if (p.error !== undefined) record.error = p.error;
    state.cleanups.push(record);
  },

  entry(lsn, p): CleanupEntry {
    const entry: CleanupEntry = {
      lsn,
      kind: 'cleanup',
      at: p.executedAt,
      scannerId: p.scannerId,
      resourceId: p.resourceId,
      action: p.action,
      success: p.success,
      executedAt: p.executedAt,
    };
    if (p.error !== undefined) entry.error = p.error;
    return entry;
  },

  join: noContext,
  detail(entry) {
    const e = entry as CleanupEntry;
    return `${e.action} ${e.resourceId}${e.error ? `: ${e.error}` : ''}`;
  },
};
