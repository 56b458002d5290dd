// The in-memory state of a journal. The one fold that builds it is `applyRecord` (journal-fold.ts),
// deterministic (no clock, no I/O, no randomness), so the same log always replays to the same
// state, whether in open(), a read-only open or the CLI. Every collection is bounded
// (docs/api.md#limits); what a bound pushes out is counted, never silently dropped.
import { ActionStatsAccumulator } from './action-stats.js';
import { ErasureSet } from './erasure-set.js';
import { ExecutionTable } from './execution-table.js';
import { GroupStatsTable, groupValue } from './group-stats.js';
import { IdempotencyIndex } from './idempotency-index.js';
import type { ActionExecutionRecord, CleanupRecord } from './journal-types.js';
import { RingBuffer } from './ring-buffer.js';

export interface JournalLimits {
  maxHistoryEntries: number;
  maxInFlight: number;
  maxActions: number;
  maxQueued: number;
  maxEndedTracked: number;
  maxIdempotencyKeys: number;
  maxGroups: number;
  maxProgressEntries: number;
  /** The attribute whose value scopes idempotency keys (default 'org'). */
  tenantAttribute: string;
  /** Attribute keys with all-time grouped stats in memory (besides the source). */
  statsAttributes: readonly string[];
}

export interface JournalCounters {
  records: number;
  starts: number;
  completions: number;
  cleanups: number;
  queued: number;
  progress: number;
  steps: number;
  cancellations: number;
  erasures: number;
  /** Records compaction replaced with what is left of an erased execution's record. */
  redacted: number;
  /** Completions whose executionId matched no start in flight. */
  unmatchedCompletions: number;
  /** Ancillary records of types this version does not know (skipped by the format rule). */
  ignoredRecords: number;
  /** Live executions evicted (oldest first) by replay of a log written with a larger cap. */
  inFlightEvicted: number;
  /** Records of actions beyond maxActions during replay: in the histories, not in stats. */
  untrackedActionRecords: number;
  /** Steps an old or foreign log made that the state machine does not allow (folded anyway). */
  illegalTransitions: number;
}

export function emptyCounters(): JournalCounters {
  return {
    records: 0,
    starts: 0,
    completions: 0,
    cleanups: 0,
    queued: 0,
    progress: 0,
    steps: 0,
    cancellations: 0,
    erasures: 0,
    redacted: 0,
    unmatchedCompletions: 0,
    ignoredRecords: 0,
    inFlightEvicted: 0,
    untrackedActionRecords: 0,
    illegalTransitions: 0,
  };
}

export class JournalState {
  readonly limits: JournalLimits;
  readonly executions: RingBuffer<ActionExecutionRecord>;
  readonly failures: RingBuffer<ActionExecutionRecord>;
  readonly cleanups: RingBuffer<CleanupRecord>;
  readonly table: ExecutionTable;
  readonly actions = new Map<string, ActionStatsAccumulator>();
  /** 'source' and one table per statsAttributes key ('attr:<key>'). */
  readonly groups = new Map<string, GroupStatsTable>();
  readonly idempotency: IdempotencyIndex;
  readonly erased = new ErasureSet();
  readonly counters: JournalCounters = emptyCounters();
  lastLsn = 0;

  constructor(limits: JournalLimits) {
    this.limits = limits;
    this.executions = new RingBuffer(limits.maxHistoryEntries);
    this.failures = new RingBuffer(limits.maxHistoryEntries);
    this.cleanups = new RingBuffer(limits.maxHistoryEntries);
    this.table = new ExecutionTable(limits);
    this.idempotency = new IdempotencyIndex(limits.maxIdempotencyKeys);
    for (const key of ['source', ...limits.statsAttributes.map((a) => `attr:${a}`)]) {
      this.groups.set(key, new GroupStatsTable(key, limits.maxGroups));
    }
  }

  /** The stats accumulator of `actionId`, made on first sight unless maxActions is reached. */
  statsFor(actionId: string): ActionStatsAccumulator | undefined {
    let stats = this.actions.get(actionId);
    if (!stats && this.actions.size < this.limits.maxActions) {
      stats = new ActionStatsAccumulator(actionId);
      this.actions.set(actionId, stats);
    }
    if (!stats) this.counters.untrackedActionRecords += 1;
    return stats;
  }

  /** Every accumulator a fact about this execution counts in: its action's and its groups'. */
  statsTargets(
    actionId: string,
    source: string,
    attributes: Record<string, string> | undefined,
  ): ActionStatsAccumulator[] {
    const targets: ActionStatsAccumulator[] = [];
    const action = this.statsFor(actionId);
    if (action) targets.push(action);
    for (const [key, table] of this.groups)
      targets.push(table.of(groupValue(key, source, attributes)));
    return targets;
  }

  /** The tenant that scopes an idempotency key of an execution with `attributes`. */
  tenantOf(attributes: Record<string, string> | undefined): string {
    return attributes?.[this.limits.tenantAttribute] ?? '';
  }

  /** Removes erased executions from the history rings (they must not be shown any more). */
  dropErasedFromRings(hidden: (record: ActionExecutionRecord) => boolean): void {
    for (const ring of [this.executions, this.failures]) ring.removeWhere(hidden);
  }
}
