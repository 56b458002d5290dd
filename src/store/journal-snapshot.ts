// The whole folded state as one plain value, for checkpoints: rings oldest first, in-flight
// starts in start order, per-action stats with their sketches, counters. `restoreState` of a
// snapshot then folding the records after it equals folding the whole log (tested).
import { ErrorCode, WalError } from '../errors.js';
import { ActionStatsAccumulator, type ActionStatsState } from './action-stats.js';
import type { StartedPayload } from './journal-records.js';
import { type JournalCounters, type JournalLimits, JournalState } from './journal-state.js';
import type { ActionExecutionRecord, CleanupRecord } from './journal-types.js';

export const SNAPSHOT_VERSION = 1;

export interface JournalSnapshot {
  version: number;
  lastLsn: number;
  counters: JournalCounters;
  executions: ActionExecutionRecord[];
  failures: ActionExecutionRecord[];
  cleanups: CleanupRecord[];
  inFlight: { lsn: number; start: StartedPayload }[];
  actions: ActionStatsState[];
}

export function snapshotState(state: JournalState): JournalSnapshot {
  return {
    version: SNAPSHOT_VERSION,
    lastLsn: state.lastLsn,
    counters: { ...state.counters },
    executions: state.executions.oldestFirst(),
    failures: state.failures.oldestFirst(),
    cleanups: state.cleanups.oldestFirst(),
    inFlight: [...state.inFlight.values()].map((open) => ({ lsn: open.lsn, start: open.start })),
    actions: [...state.actions.values()].map((acc) => acc.toState()),
  };
}

/**
 * Rebuilds state from a snapshot under the current `limits` (a smaller ring keeps the newest
 * entries; actions or in-flight starts past a smaller cap are dropped and counted).
 */
export function restoreState(snapshot: JournalSnapshot, limits: JournalLimits): JournalState {
  if (snapshot?.version !== SNAPSHOT_VERSION) {
    throw new WalError(
      ErrorCode.unsupported,
      `checkpoint state version ${String(snapshot?.version)} is not supported`,
    );
  }
  const state = new JournalState(limits);
  state.lastLsn = snapshot.lastLsn;
  Object.assign(state.counters, snapshot.counters);
  for (const record of snapshot.executions) state.executions.push(record);
  for (const record of snapshot.failures) state.failures.push(record);
  for (const record of snapshot.cleanups) state.cleanups.push(record);
  for (const open of snapshot.inFlight.slice(-limits.maxInFlight))
    state.inFlight.set(open.start.executionId, open);
  state.counters.inFlightEvicted += Math.max(0, snapshot.inFlight.length - limits.maxInFlight);
  for (const stats of snapshot.actions.slice(0, limits.maxActions)) {
    state.actions.set(stats.actionId, ActionStatsAccumulator.fromState(stats));
  }
  return state;
}
