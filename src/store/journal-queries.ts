// The queries of a store (docs/api.md#queries): from the folded state at once (history rings,
// stats, what is queued and running), or from the records on disk (an execution's whole
// lifecycle, windows of stats). Reads only; copies out, so a caller cannot change the state.
import { emptyActionStats } from '../journal/action-stats.js';
import { liveDetail } from '../journal/execution-detail.js';
import type { LiveExecution } from '../journal/execution-table.js';
import { checkString } from '../journal/field-checks.js';
import { type GroupBy, groupKey } from '../journal/group-stats.js';
import type { HistoryEntry, HistoryFilter } from '../journal/history-filter.js';
import type { JournalState } from '../journal/journal-state.js';
import type {
  ActionExecutionRecord,
  ActionStats,
  CleanupRecord,
  ExecutionDetail,
  GroupStats,
  InFlightExecution,
  QueuedExecution,
} from '../journal/journal-types.js';
import { defaults } from '../limits.js';
import { checkLimit } from './call-checks.js';
import type { ExecutionPlaces } from './execution-place.js';
import type { ListContext } from './execution-listing.js';
import { scanExecution } from './execution-scan.js';
import type { OpenedJournal } from './journal-open.js';
import { checkOptionKeys } from './option-keys.js';
import { groupStatsFromHistory, statsKinds } from './window-stats.js';

export class JournalQueries {
  readonly #parts: OpenedJournal;
  readonly #state: JournalState;
  readonly #places: ExecutionPlaces;

  constructor(parts: OpenedJournal, places: ExecutionPlaces) {
    this.#parts = parts;
    this.#state = parts.state;
    this.#places = places;
  }

  recentExecutions(limit: number): ActionExecutionRecord[] {
    return structuredClone(this.#state.executions.newest(checkLimit(limit)));
  }

  recentFailures(limit: number): ActionExecutionRecord[] {
    return structuredClone(this.#state.failures.newest(checkLimit(limit)));
  }

  recentCleanups(limit: number): CleanupRecord[] {
    return structuredClone(this.#state.cleanups.newest(checkLimit(limit)));
  }

  actionStats(actionId: string): ActionStats {
    return this.#state.actions.get(actionId)?.snapshot() ?? emptyActionStats(actionId);
  }

  allActionStats(): ActionStats[] {
    return [...this.#state.actions.values()].map((acc) => acc.snapshot());
  }

  async groupStats(
    options: { by: GroupBy; since?: number; until?: number },
    history: (filter: HistoryFilter) => AsyncGenerator<HistoryEntry>,
  ): Promise<GroupStats[]> {
    checkOptionKeys('groupStats options', options, ['by', 'since', 'until']);
    const by = options?.by;
    if (
      by !== 'source' &&
      (typeof by !== 'object' || by === null || typeof by.attribute !== 'string')
    )
      checkString("groupStats 'by' ('source' or { attribute: key })", undefined, 0, 'refused');
    const key = groupKey(by);
    const table = this.#state.groups.get(key);
    if (table && options.since === undefined && options.until === undefined)
      return table.snapshot();
    if (!this.#parts.path) return table?.snapshot() ?? [];
    const filter: HistoryFilter = { kinds: statsKinds };
    if (options.since !== undefined) filter.since = options.since;
    if (options.until !== undefined) filter.until = options.until;
    return groupStatsFromHistory(history(filter), key);
  }

  inFlight(): InFlightExecution[] {
    const out: InFlightExecution[] = [];
    for (const live of this.#state.table.live.values()) {
      if (live.status !== 'running') continue;
      const entry: InFlightExecution = {
        lsn: live.startLsn ?? live.firstLsn,
        executionId: live.executionId,
        actionId: live.actionId,
        source: live.source,
        executionType: live.executionType,
        attempt: live.attempt,
        startedAt: live.startedAt ?? live.firstAt,
        state: this.#places.isInterrupted(live) ? 'interrupted' : 'running',
      };
      if (live.attributes) entry.attributes = { ...live.attributes };
      if (live.percent !== undefined) entry.percent = live.percent;
      const message = live.progress.newest(1)[0]?.message;
      if (message !== undefined) entry.progressMessage = message;
      if (live.queuedAt !== undefined) entry.queuedAt = live.queuedAt;
      if (live.requestId !== undefined) entry.requestId = live.requestId;
      out.push(entry);
    }
    return out;
  }

  queued(): QueuedExecution[] {
    const out: QueuedExecution[] = [];
    for (const live of this.#state.table.live.values())
      if (live.status === 'queued') out.push(queuedOf(live));
    return out.sort((a, b) => b.priority - a.priority || a.lsn - b.lsn);
  }

  /** From memory alone (an in-memory store has no disk): live executions only. */
  liveDetail(executionId: string): ExecutionDetail | undefined {
    const live = this.#state.table.live.get(executionId);
    if (!live) return undefined;
    const place = this.#places.ofLive(live);
    return liveDetail(
      live,
      place === 'queued' ? 'queued' : place === 'interrupted' ? 'interrupted' : 'running',
    );
  }

  async getExecution(executionId: string): Promise<ExecutionDetail | undefined> {
    checkString('executionId', executionId, defaults.maxIdBytes, 'refused');
    const place = this.#places.committed(executionId);
    if (place === 'erased') return undefined;
    if (!this.#parts.path) return this.liveDetail(executionId);
    // Where its records are, when the state still knows: from its first record to its last.
    const live = this.#state.table.live.get(executionId);
    const ended = this.#state.table.ended.get(executionId);
    const fromLsn = live?.firstLsn ?? ended?.firstLsn;
    const toLsn = live ? undefined : ended?.endLsn;
    const builder = await scanExecution(
      {
        ...this.listContext().range,
        ...(fromLsn === undefined ? {} : { fromLsn }),
        ...(toLsn === undefined ? {} : { toLsn }),
      },
      executionId,
    );
    const detail = builder.detail(place === 'interrupted' ? 'interrupted' : 'running');
    if (!detail) return undefined;
    const subject = {
      executionId,
      actionId: detail.actionId,
      firstLsn: detail.firstLsn,
      firstAt: detail.queuedAt ?? detail.attempts[0]?.startedAt,
      attributes: detail.attributes,
    };
    return this.#state.erased.hides(subject) ? undefined : detail;
  }

  listContext(): ListContext {
    const { fs, path, recovery } = this.#parts;
    return {
      range: {
        fs,
        dir: path ?? '',
        recovery: recovery === 'salvage' ? 'salvage' : 'point-in-time',
      },
      erased: this.#state.erased,
      runningAs: (id) => (this.#places.committed(id) === 'interrupted' ? 'interrupted' : 'running'),
    };
  }
}

function queuedOf(live: LiveExecution): QueuedExecution {
  const out: QueuedExecution = {
    lsn: live.firstLsn,
    executionId: live.executionId,
    actionId: live.actionId,
    source: live.source,
    executionType: live.executionType,
    priority: live.priority,
    queuedAt: live.queuedAt ?? live.firstAt,
    readyAt: live.readyAt,
    attempts: live.attempt,
    maxAttempts: live.maxAttempts,
  };
  if (live.attributes) out.attributes = { ...live.attributes };
  for (const key of [
    'requestId',
    'approvalId',
    'queueTimeoutMs',
    'executionTimeoutMs',
    'lastError',
  ] as const) {
    const value = live[key];
    if (value !== undefined) (out as unknown as Record<string, unknown>)[key] = value;
  }
  return out;
}
