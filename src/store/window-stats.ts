// Per-action stats over a time window or a source, computed by streaming the history on disk
// (the replayed state is all-time and does not know windows). Bounded: at most maxActions
// accumulators; records of further actions are skipped and counted.
import { defaults } from '../limits.js';
import { ActionStatsAccumulator } from './action-stats.js';
import type { HistoryFilter } from './journal-history.js';
import type { ActionStats } from './journal-types.js';
import type { WalStore } from './wal-store.js';

export interface WindowStats {
  actions: ActionStats[];
  /** First LSN still on disk: a window reaching before it is incomplete. */
  firstLsnOnDisk: number | undefined;
  untrackedRecords: number;
}

export async function statsFromHistory(
  store: WalStore,
  filter: HistoryFilter,
): Promise<WindowStats> {
  const accumulators = new Map<string, ActionStatsAccumulator>();
  let untrackedRecords = 0;
  for await (const entry of store.history({ ...filter, kinds: ['started', 'completed'] })) {
    const actionId = entry.actionId ?? '';
    let acc = accumulators.get(actionId);
    if (!acc) {
      if (accumulators.size >= defaults.maxActions) {
        untrackedRecords += 1;
        continue;
      }
      acc = new ActionStatsAccumulator(actionId);
      accumulators.set(actionId, acc);
    }
    if (entry.kind === 'started') acc.recordStart(entry.attempt ?? 1, entry.at);
    else
      acc.recordCompletion(
        entry.status!,
        entry.durationMs ?? 0,
        entry.attempt ?? 1,
        entry.at,
        entry.error,
        entry.metrics,
      );
  }
  return {
    actions: [...accumulators.values()].map((a) => a.snapshot()),
    firstLsnOnDisk: store.diskUsage().oldestLsn,
    untrackedRecords,
  };
}
