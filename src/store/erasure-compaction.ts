// Erasure compaction (docs/lifecycle.md#erasure): after deleteExecution(s), the erased
// executions' records are still on disk; this replaces each of them with a `redacted` record
// (the same LSN, the replaced record's type and SHA-256, and only what stats count) in every
// sealed segment, after sealing the active one. One pass over the log finds the records (an
// execution's first record decides whether a filter hides it), then each segment that holds
// some is rewritten whole (src/wal/segment-rewrite.ts). Under the writer lock.
import { createHash } from 'node:crypto';
import type { ErasureSet } from '../journal/erasure-set.js';
import type { ExecutionContext } from '../journal/record-kind.js';
import { redactedKind } from '../journal/kinds/redacted.js';
import type { RedactedPayload } from '../journal/journal-records.js';
import { decodeRecord, encodeRecord } from '../journal/record-registry.js';
import { decodePayload, encodePayload } from '../format/payload-codec.js';
import { defaults } from '../limits.js';
import type { FileSystem } from '../wal/file-system.js';
import { iterateLog } from '../wal/log-replay.js';
import { listSegments } from '../wal/segment-list.js';
import { rewriteSegment } from '../wal/segment-rewrite.js';
import type { WalWriter } from '../wal/wal-writer.js';

export interface CompactionResult {
  segmentsRewritten: string[];
  recordsRedacted: number;
}

/** Executions the pass remembers at once (their first record decides a filter). */
const OPEN_CAPACITY = defaults.maxInFlight + defaults.maxQueued;

export async function compactErased(
  fs: FileSystem,
  dir: string,
  writer: WalWriter,
  erased: ErasureSet,
): Promise<CompactionResult> {
  if (erased.empty) return { segmentsRewritten: [], recordsRedacted: 0 };
  await writer.seal();
  // Records at or past the active segment's base are not rewritten (none can be erased: an
  // erased execution had ended, and nothing more is recorded for it).
  const sealedBelow = listSegments(fs, dir).at(-1)?.baseLsn ?? Number.POSITIVE_INFINITY;
  const doomed = findErasedRecords(fs, dir, erased, sealedBelow);
  const result: CompactionResult = { segmentsRewritten: [], recordsRedacted: 0 };
  for (const [segment, lsns] of doomed) {
    const replaced = await rewriteSegment(fs, dir, segment, (frame) =>
      lsns.has(frame.lsn) ? redact(frame) : undefined,
    );
    if (replaced > 0) result.segmentsRewritten.push(segment);
    result.recordsRedacted += replaced;
  }
  return result;
}

/** The LSNs of the erased executions' records, by the segment that holds them. */
function findErasedRecords(
  fs: FileSystem,
  dir: string,
  erased: ErasureSet,
  sealedBelow: number,
): Map<string, Set<number>> {
  const segments = listSegments(fs, dir);
  const segmentOf = (lsn: number) => segments.filter((s) => s.baseLsn <= lsn).at(-1)?.name;
  const open = new Map<
    string,
    Pick<ExecutionContext, 'actionId' | 'firstLsn' | 'firstAt' | 'attributes'>
  >();
  const doomed = new Map<string, Set<number>>();
  const scan = iterateLog(dir, { recovery: 'point-in-time', fs });
  try {
    for (let step = scan.next(); !step.done; step = scan.next()) {
      const record = step.value;
      if (record.lsn >= sealedBelow) break;
      const decoded = decodeRecord(record);
      if (!decoded) continue;
      const id = decoded.kind.executionIdOf(decoded.payload);
      if (id === undefined) continue;
      let known = open.get(id);
      if (!known) {
        const p = decoded.payload as { actionId?: string; attributes?: Record<string, string> };
        known = {
          actionId: p.actionId ?? '',
          firstLsn: record.lsn,
          firstAt: decoded.kind.timeOf(decoded.payload),
        };
        if (p.attributes) known.attributes = p.attributes;
        if (open.size >= OPEN_CAPACITY) open.delete(open.keys().next().value as string);
        open.set(id, known);
      }
      if (!erased.hides({ executionId: id, ...known })) continue;
      const segment = segmentOf(record.lsn);
      if (segment === undefined) continue;
      const lsns = doomed.get(segment) ?? new Set<number>();
      doomed.set(segment, lsns);
      lsns.add(record.lsn);
    }
  } finally {
    scan.return(undefined as never);
  }
  return doomed;
}

/** The redacted record standing in for `frame`: its type, digest and what stats count. */
function redact(frame: { lsn: number; type: number; payload: Buffer }): {
  type: number;
  payload: Uint8Array;
} {
  const decoded = decodeRecord({
    lsn: frame.lsn,
    type: frame.type,
    value: decodePayload(frame.payload),
  });
  const p = (decoded?.payload ?? {}) as Record<string, unknown>;
  const redacted: RedactedPayload = {
    originalType: frame.type,
    digest: createHash('sha256').update(frame.payload).digest(),
  };
  if (typeof p.actionId === 'string') redacted.actionId = p.actionId;
  if (decoded?.kind.name === 'completed') {
    redacted.status = p.status as RedactedPayload['status'];
    redacted.durationMs = p.durationMs as number;
  } else if (decoded?.kind.name === 'cancelled') {
    redacted.status = 'cancelled';
    if (typeof p.durationMs === 'number') redacted.durationMs = p.durationMs;
  }
  if (decoded) redacted.at = decoded.kind.timeOf(decoded.payload);
  return {
    type: redactedKind.type,
    payload: encodePayload(encodeRecord(redactedKind, redacted).value),
  };
}
