// The whole folded state as one plain value, for checkpoints: rings oldest first, live and
// recently ended executions, per-action and grouped stats with their sketches, the idempotency
// index, erasures, counters. `restoreState` of a snapshot then folding the records after it
// equals folding the whole log (tested). Version 1 snapshots (before the lifecycle) restore too.
import { ErrorCode, WalError } from '../errors.js';
import { ActionStatsAccumulator, type ActionStatsState } from './action-stats.js';
import type { EraseFilter } from './erasure-set.js';
import {
  type EndedExecution,
  type LiveExecution,
  newLiveExecution,
  type ProgressPoint,
} from './execution-table.js';
import type { IdempotencyEntry } from './idempotency-index.js';
import type { StartedPayload } from './journal-records.js';
import {
  emptyCounters,
  type JournalCounters,
  type JournalLimits,
  JournalState,
} from './journal-state.js';
import type { ActionExecutionRecord, CleanupRecord } from './journal-types.js';
import { RingBuffer } from './ring-buffer.js';

export const SNAPSHOT_VERSION = 2;

type LiveSnapshot = Omit<LiveExecution, 'progress'> & { progress: ProgressPoint[] };

export interface JournalSnapshot {
  version: number;
  lastLsn: number;
  counters: JournalCounters;
  executions: ActionExecutionRecord[];
  failures: ActionExecutionRecord[];
  cleanups: CleanupRecord[];
  actions: ActionStatsState[];
  // Version 1 kept only the running starts.
  inFlight?: { lsn: number; start: StartedPayload }[];
  // Version 2.
  historyCapacity?: number;
  historyEvicted?: number;
  live?: LiveSnapshot[];
  ended?: EndedExecution[];
  groups?: { key: string; stats: ActionStatsState[] }[];
  idempotency?: [string, IdempotencyEntry][];
  erasedIds?: string[];
  eraseFilters?: EraseFilter[];
}

export function snapshotState(state: JournalState): JournalSnapshot {
  return {
    version: SNAPSHOT_VERSION,
    lastLsn: state.lastLsn,
    counters: { ...state.counters },
    executions: state.executions.oldestFirst(),
    failures: state.failures.oldestFirst(),
    cleanups: state.cleanups.oldestFirst(),
    actions: [...state.actions.values()].map((acc) => acc.toState()),
    historyCapacity: state.executions.capacity,
    historyEvicted: state.executions.evicted + state.failures.evicted + state.cleanups.evicted,
    live: [...state.table.live.values()].map((live) => ({
      ...live,
      attempts: live.attempts.map((a) => ({ ...a })),
      steps: live.steps.map((s) => ({ ...s })),
      progress: live.progress.oldestFirst(),
    })),
    ended: [...state.table.ended.values()].map((e) => ({ ...e })),
    groups: [...state.groups.values()].map((table) => ({ key: table.key, stats: table.toState() })),
    idempotency: state.idempotency.entries().map(([key, entry]) => [key, { ...entry }]),
    erasedIds: [...state.erased.ids],
    eraseFilters: state.erased.filters.map((f) => ({ ...f })),
  };
}

/** What restoring could not carry over under the current limits (the loader may replay instead). */
export interface RestoreGaps {
  /** The rings were full at a smaller capacity than maxHistoryEntries now asks for. */
  historyGrew: boolean;
  /** Grouped stats asked for now (statsAttributes) that the checkpoint did not keep. */
  missingGroups: string[];
}

/**
 * Rebuilds state from a snapshot under the current `limits` (a smaller ring keeps the newest
 * entries; live executions or actions past a smaller cap are dropped and counted).
 */
export function restoreState(
  snapshot: JournalSnapshot,
  limits: JournalLimits,
): { state: JournalState; gaps: RestoreGaps } {
  if (snapshot?.version !== 1 && snapshot?.version !== SNAPSHOT_VERSION) {
    throw new WalError(
      ErrorCode.unsupported,
      `checkpoint state version ${String(snapshot?.version)} is not supported`,
    );
  }
  const state = new JournalState(limits);
  state.lastLsn = snapshot.lastLsn;
  Object.assign(state.counters, emptyCounters(), snapshot.counters);
  for (const record of snapshot.executions) state.executions.push(record);
  for (const record of snapshot.failures) state.failures.push(record);
  for (const record of snapshot.cleanups) state.cleanups.push(record);
  for (const live of snapshot.live ?? fromVersion1(snapshot, limits)) {
    const progress = new RingBuffer<ProgressPoint>(limits.maxProgressEntries);
    for (const point of live.progress) progress.push(point);
    state.table.setLive({ ...live, progress });
  }
  for (const ended of snapshot.ended ?? []) state.table.addEnded(ended);
  state.counters.inFlightEvicted += state.table.evictedLive;
  for (const stats of snapshot.actions.slice(0, limits.maxActions)) {
    state.actions.set(stats.actionId, ActionStatsAccumulator.fromState(stats));
  }
  const kept = new Set<string>();
  for (const group of snapshot.groups ?? []) {
    const table = state.groups.get(group.key);
    if (!table) continue;
    table.restore(group.stats);
    kept.add(group.key);
  }
  state.idempotency.restore(snapshot.idempotency ?? []);
  for (const id of snapshot.erasedIds ?? []) state.erased.ids.add(id);
  state.erased.filters.push(...(snapshot.eraseFilters ?? []));
  const capacity = snapshot.historyCapacity ?? 0;
  const historyGrew =
    capacity > 0
      ? capacity < limits.maxHistoryEntries && (snapshot.historyEvicted ?? 0) > 0
      : snapshot.executions.length < limits.maxHistoryEntries &&
        state.counters.completions > snapshot.executions.length;
  return {
    state,
    gaps: { historyGrew, missingGroups: [...state.groups.keys()].filter((key) => !kept.has(key)) },
  };
}

/** The live entries of a version-1 snapshot: its running starts. */
function fromVersion1(snapshot: JournalSnapshot, limits: JournalLimits): LiveSnapshot[] {
  return (snapshot.inFlight ?? []).map(({ lsn, start }) => {
    const live = newLiveExecution(
      {
        executionId: start.executionId,
        actionId: start.actionId,
        status: 'running',
        firstLsn: lsn,
        firstAt: start.startedAt,
        source: start.source,
        executionType: start.executionType,
      },
      limits.maxProgressEntries,
    );
    if (start.attributes) live.attributes = start.attributes;
    live.attempt = start.attempt;
    live.startLsn = lsn;
    live.startedAt = start.startedAt;
    live.attempts.push({ attempt: start.attempt, startLsn: lsn, startedAt: start.startedAt });
    return { ...live, progress: [] };
  });
}
