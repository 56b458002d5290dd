// Stats over a time window, a source or a grouping not kept in memory, computed by streaming
// the history on disk (the replayed state is all-time). Bounded: at most maxActions (or
// maxGroups) accumulators, later keys go uncounted (per action) or to '(other)' (per group);
// the executions open during the pass are remembered up to maxInFlight + maxQueued.
import { ActionStatsAccumulator } from '../journal/action-stats.js';
import { finalOf } from '../journal/execution-fold.js';
import { GroupStatsTable, groupValue } from '../journal/group-stats.js';
import type { HistoryEntry, HistoryFilter } from '../journal/history-filter.js';
import type { ActionStats, GroupStats } from '../journal/journal-types.js';
import { defaults } from '../limits.js';

export interface WindowStats {
  actions: ActionStats[];
  /** First LSN still on disk: a window reaching before it is incomplete. */
  firstLsnOnDisk: number | undefined;
  untrackedRecords: number;
}

/** The kinds a stats pass reads. */
export const statsKinds = ['queued', 'started', 'completed', 'cancelled'] as const;

/** Folds the stats-relevant entries into accumulators picked by `accumulatorOf` (undefined: skip). */
async function foldEntries(
  entries: AsyncIterable<HistoryEntry>,
  accumulatorOf: (entry: HistoryEntry) => ActionStatsAccumulator | undefined,
): Promise<void> {
  // When each open execution became ready to start (for queue waits), bounded.
  const readyAt = new Map<string, number>();
  const cap = defaults.maxInFlight + defaults.maxQueued;
  const remember = (id: string, at: number) => {
    readyAt.delete(id);
    if (readyAt.size >= cap) readyAt.delete(readyAt.keys().next().value as string);
    readyAt.set(id, at);
  };
  for await (const entry of entries) {
    const acc = accumulatorOf(entry);
    if (!acc) continue;
    switch (entry.kind) {
      case 'queued':
        acc.recordQueued();
        remember(entry.executionId, entry.queuedAt);
        break;
      case 'started': {
        const ready = readyAt.get(entry.executionId);
        readyAt.delete(entry.executionId);
        acc.recordStart(entry.startedAt, ready === undefined ? undefined : entry.startedAt - ready);
        if (entry.attempt > 1 && ready === undefined) acc.recordSeparateRetry();
        break;
      }
      case 'completed': {
        const ran = entry.timedOut !== 'queue';
        acc.recordEnd(
          entry.status,
          ran ? entry.durationMs : undefined,
          entry.attempt,
          entry.at,
          entry.error,
          entry.metrics,
        );
        if (entry.retryAt !== undefined) remember(entry.executionId, entry.retryAt);
        else {
          readyAt.delete(entry.executionId);
          acc.recordFinal(finalOf(entry.status), entry.attempt);
        }
        break;
      }
      case 'cancelled':
        readyAt.delete(entry.executionId);
        acc.recordEnd('cancelled', entry.durationMs, 1, entry.at, entry.reason, undefined);
        acc.recordFinal('cancelled', 1);
        break;
      default:
        break;
    }
  }
}

export async function statsFromHistory(
  history: (filter: HistoryFilter) => AsyncIterable<HistoryEntry>,
  filter: HistoryFilter,
  firstLsnOnDisk: number | undefined,
): Promise<WindowStats> {
  const accumulators = new Map<string, ActionStatsAccumulator>();
  let untrackedRecords = 0;
  await foldEntries(history({ ...filter, kinds: statsKinds }), (entry) => {
    const actionId = 'actionId' in entry ? entry.actionId : undefined;
    if (actionId === undefined) return undefined;
    let acc = accumulators.get(actionId);
    if (!acc) {
      if (accumulators.size >= defaults.maxActions) {
        untrackedRecords += 1;
        return undefined;
      }
      acc = new ActionStatsAccumulator(actionId);
      accumulators.set(actionId, acc);
    }
    return acc;
  });
  return {
    actions: [...accumulators.values()].map((a) => a.snapshot()),
    firstLsnOnDisk,
    untrackedRecords,
  };
}

/** Grouped stats of the entries (a window, or a grouping not kept in memory). */
export async function groupStatsFromHistory(
  entries: AsyncIterable<HistoryEntry>,
  key: string,
): Promise<GroupStats[]> {
  const table = new GroupStatsTable(key, defaults.maxGroups);
  await foldEntries(entries, (entry) => {
    if (!('executionId' in entry)) return undefined;
    return table.of(groupValue(key, entry.source ?? '', entry.attributes));
  });
  return table.snapshot();
}
