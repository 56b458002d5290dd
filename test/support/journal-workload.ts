// A deterministic execution-journal workload for the checkpoint, retention, history, follow and
// checkpoint-crash tests. `journalOps(seed, count)` is a pure function: a child process and its
// parent compute the same ops, every id, time and duration is explicit, so the record each op
// writes is known in advance (`opRecord`), whatever process or concurrency wrote it. The oracle
// of a log is then a *full replay* of those records written afresh into another directory
// (`referenceStore`), compared through the public queries (`journalView`); the oracle of
// history() and follow() is `expectedHistory`, an independent join of the same records.
import type { HistoryEntry } from '../../src/journal/history-filter.js';
import {
  type CleanupPayload,
  type CompletedPayload,
  type ExecutionStatus,
  RecordType,
  type StartedPayload,
} from '../../src/journal/journal-records.js';
import type { JournalCounters } from '../../src/journal/journal-state.js';
import type {
  ActionExecutionRecord,
  ActionStats,
  CleanupRecord,
  InFlightExecution,
} from '../../src/journal/journal-types.js';
import type {
  CleanupOptions,
  CompleteOptions,
  StartOptions,
  WalStore,
  WalStoreOptions,
} from '../../src/store/wal-store.js';
import { WalStore as Store } from '../../src/store/wal-store.js';
import { type RecordInput, WalWriter } from '../../src/wal/wal-writer.js';
import { randomInt, seededRandom } from './random.js';

/** Epoch ms of op 0; op i happens at T0 + i seconds. */
export const T0 = Date.UTC(2026, 0, 1);

export type JournalOp =
  | { kind: 'start'; actionId: string; options: StartOptions & { executionId: string } }
  | {
      kind: 'complete';
      actionId: string;
      options: CompleteOptions & { status: ExecutionStatus; durationMs: number };
      /** The id the store must resolve (equals options.executionId when that is given). */
      executionId: string;
    }
  | { kind: 'cleanup'; scannerId: string; options: CleanupOptions };

export interface WorkloadShape {
  /** Only unmatched completions (one record each, no state between them). */
  completionsOnly?: boolean;
  /** Also completions without executionId (oldest-start rule): only for sequential callers. */
  oldestRule?: boolean;
  /** Distinct action ids. Default 8. */
  actions?: number;
  /** Starts kept open at most. Default 40. */
  maxOpen?: number;
}

const sources = ['cron:nightly', 'api', 'manual', ''];
const types = ['command', 'http', ''];
const statuses: ExecutionStatus[] = ['succeeded', 'failed', 'timed_out', 'cancelled'];

/** Ops 0..count-1 of stream `seed`, simulated against the in-flight set they build. */
export function journalOps(seed: number, count: number, shape: WorkloadShape = {}): JournalOp[] {
  const random = seededRandom((seed ^ 0x2545f491) >>> 0);
  const actions = shape.actions ?? 8;
  const maxOpen = shape.maxOpen ?? 40;
  const open: { executionId: string; actionId: string }[] = [];
  const ops: JournalOp[] = [];
  const actionOf = () => `action-${randomInt(random, 0, actions - 1)}`;
  for (let i = 0; i < count; i++) {
    const at = T0 + i * 1000;
    const roll = shape.completionsOnly ? 0.8 : random();
    if ((roll < 0.4 || (roll < 0.75 && open.length === 0)) && open.length < maxOpen) {
      const executionId = `${seed}-e${i}`;
      const actionId = actionOf();
      const options: StartOptions & { executionId: string } = {
        executionId,
        source: sources[randomInt(random, 0, sources.length - 1)]!,
        executionType: types[randomInt(random, 0, types.length - 1)]!,
        attempt: random() < 0.2 ? randomInt(random, 2, 4) : 1,
        startedAt: at,
      };
      if (random() < 0.4) options.attributes = { host: `web-${i % 5}`, op: String(i) };
      open.push({ executionId, actionId });
      ops.push({ kind: 'start', actionId, options });
    } else if (roll < 0.85) {
      const matched = roll < 0.75 && open.length > 0;
      const byOldest = matched && shape.oldestRule === true && random() < 0.3;
      let target: { executionId: string; actionId: string };
      if (!matched) target = { executionId: `${seed}-u${i}`, actionId: actionOf() };
      else if (byOldest) {
        const actionId = open[randomInt(random, 0, open.length - 1)]!.actionId;
        target = open.find((o) => o.actionId === actionId)!;
      } else target = open[randomInt(random, 0, open.length - 1)]!;
      if (matched) open.splice(open.indexOf(target), 1);
      const status = random() < 0.65 ? 'succeeded' : statuses[randomInt(random, 1, 3)]!;
      const options: CompleteOptions & { status: ExecutionStatus; durationMs: number } = {
        status,
        durationMs: random() < 0.03 ? 0 : Math.round(Math.exp(random() * 10) * 1000) / 1000,
        completedAt: at,
      };
      if (!byOldest) options.executionId = target.executionId;
      if (status !== 'succeeded' && random() < 0.8) options.error = `error at op ${i}`;
      if (random() < 0.2) options.output = `output ${i}`;
      if (random() < 0.5) options.metrics = { tokens: randomInt(random, 1, 5000), cost: i / 7 };
      ops.push({ kind: 'complete', options, ...target });
    } else {
      const options: CleanupOptions = {
        resourceId: `lock:${randomInt(random, 0, 20)}`,
        action: random() < 0.5 ? 'release' : 'delete',
        success: random() < 0.8,
        executedAt: at,
      };
      if (!options.success) options.error = `cleanup failed at op ${i}`;
      ops.push({ kind: 'cleanup', scannerId: `scanner-${randomInt(random, 0, 2)}`, options });
    }
  }
  return ops;
}

/** Records `op` through the store's API; resolves with its LSN (checks the resolved id). */
export async function applyOp(store: WalStore, op: JournalOp): Promise<number> {
  switch (op.kind) {
    case 'start':
      return (await store.actionExecutionStarted(op.actionId, op.options)).lsn;
    case 'complete': {
      const done = await store.actionExecutionCompleted(op.actionId, op.options);
      if (done.executionId !== op.executionId) {
        throw new Error(`completion resolved ${done.executionId}, expected ${op.executionId}`);
      }
      return done.lsn;
    }
    case 'cleanup':
      return (await store.cleanupExecuted(op.scannerId, op.options)).lsn;
  }
}

/** The record `op` writes, exactly as the store builds its payload. */
export function opRecord(op: JournalOp): RecordInput {
  switch (op.kind) {
    case 'start': {
      const { executionId, source, executionType, attempt, startedAt, attributes } = op.options;
      const value: Record<string, unknown> = {
        executionId,
        actionId: op.actionId,
        source: source ?? '',
        executionType: executionType ?? '',
        attempt: attempt ?? 1,
        startedAt,
      };
      if (attributes) value.attributes = attributes;
      return { type: RecordType.actionStarted, value };
    }
    case 'complete': {
      const { status, durationMs, completedAt, output, error, metrics } = op.options;
      const value: Record<string, unknown> = {
        executionId: op.executionId,
        actionId: op.actionId,
        status,
        durationMs,
        completedAt,
      };
      if (output !== undefined) value.output = output;
      if (error !== undefined) value.error = error;
      if (metrics) value.metrics = metrics;
      return { type: RecordType.actionCompleted, value };
    }
    case 'cleanup': {
      const { resourceId, action, success, executedAt, error } = op.options;
      const value: Record<string, unknown> = {
        scannerId: op.scannerId,
        resourceId,
        action,
        success,
        executedAt,
      };
      if (error !== undefined) value.error = error;
      return { type: RecordType.cleanupExecuted, value };
    }
  }
}

/** Writes `records` as LSNs 1..n into the empty directory `dir` (no checkpoint, no retention). */
export async function writeJournalLog(dir: string, records: readonly RecordInput[]): Promise<void> {
  const writer = await WalWriter.open(dir, { durability: 'none' });
  try {
    for (let i = 0; i < records.length; i += 1000) {
      await writer.append(records.slice(i, i + 1000));
    }
  } finally {
    await writer.close();
  }
}

/**
 * The full-replay oracle: `records` written as LSNs 1..n into the empty `dir`, then opened (no
 * checkpoint exists there, so every record is folded). The caller closes it.
 */
export async function referenceStore(
  dir: string,
  records: readonly RecordInput[],
  limits: Partial<Pick<WalStoreOptions, 'maxHistoryEntries' | 'maxInFlight' | 'maxActions'>> = {},
  options: WalStoreOptions = {},
): Promise<WalStore> {
  await writeJournalLog(dir, records);
  const store = await Store.open(dir, { ...limits, ...options, checkpointEveryBytes: 0 });
  if (store.recoveryReport.checkpoint !== undefined) throw new Error('reference used a checkpoint');
  return store;
}

/** Everything a store answers about its state, for deep comparison. */
export interface JournalView {
  lastLsn: number;
  counters: JournalCounters;
  stats: ActionStats[];
  executions: ActionExecutionRecord[];
  failures: ActionExecutionRecord[];
  cleanups: CleanupRecord[];
  /** Without `state` when asked (a live store says 'running' where a reopened one says 'interrupted'). */
  inFlight: (Omit<InFlightExecution, 'state'> & { state?: InFlightExecution['state'] })[];
}

export function journalView(
  store: WalStore,
  options: { inFlightState?: boolean } = {},
): JournalView {
  const view: JournalView = {
    lastLsn: store.lastLsn,
    counters: store.counters,
    stats: store.allActionStats(),
    executions: store.recentActionExecutions(1_000_000),
    failures: store.recentFailures(1_000_000),
    cleanups: store.recentCleanupOperations(1_000_000),
    inFlight: store.inFlight(),
  };
  return options.inFlightState === false ? withoutInFlightState(view) : view;
}

export function withoutInFlightState(view: JournalView): JournalView {
  return { ...view, inFlight: view.inFlight.map(({ state: _, ...rest }) => rest) };
}

/**
 * What history() must yield for records LSN firstLsn.. (the ones on disk), written here from
 * the documented entry shape: one entry per record, then the starts left open.
 */
export function expectedHistory(
  records: readonly RecordInput[],
  unfinished: 'interrupted' | 'in-flight',
  firstLsn = 1,
): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  const open = new Map<string, { lsn: number; start: StartedPayload }>();
  const startEntry = (
    lsn: number,
    kind: 'started' | 'interrupted' | 'in-flight',
    s: StartedPayload,
  ): HistoryEntry => ({
    lsn,
    kind,
    at: s.startedAt,
    executionId: s.executionId,
    actionId: s.actionId,
    source: s.source,
    executionType: s.executionType,
    attempt: s.attempt,
    startedAt: s.startedAt,
    ...(s.attributes ? { attributes: s.attributes } : {}),
  });
  records.forEach((record, index) => {
    const lsn = index + 1;
    if (lsn < firstLsn) return;
    if (record.type === RecordType.actionStarted) {
      const s = record.value as StartedPayload;
      open.set(s.executionId, { lsn, start: s });
      entries.push(startEntry(lsn, 'started', s));
    } else if (record.type === RecordType.actionCompleted) {
      const c = record.value as CompletedPayload;
      const start = open.get(c.executionId)?.start;
      open.delete(c.executionId);
      entries.push({
        lsn,
        kind: 'completed',
        at: c.completedAt,
        executionId: c.executionId,
        actionId: c.actionId,
        source: start?.source ?? '',
        executionType: start?.executionType ?? '',
        attempt: start?.attempt ?? 1,
        status: c.status,
        success: c.status === 'succeeded',
        durationMs: c.durationMs,
        completedAt: c.completedAt,
        ...(start?.attributes ? { attributes: start.attributes } : {}),
        ...(start ? { startedAt: start.startedAt } : {}),
        ...(c.output !== undefined ? { output: c.output } : {}),
        ...(c.error !== undefined ? { error: c.error } : {}),
        ...(c.metrics ? { metrics: c.metrics } : {}),
      });
    } else {
      const c = record.value as CleanupPayload;
      entries.push({
        lsn,
        kind: 'cleanup',
        at: c.executedAt,
        scannerId: c.scannerId,
        resourceId: c.resourceId,
        action: c.action,
        success: c.success,
        executedAt: c.executedAt,
        ...(c.error !== undefined ? { error: c.error } : {}),
      });
    }
  });
  for (const { lsn, start } of open.values()) entries.push(startEntry(lsn, unfinished, start));
  return entries;
}
