// Where a checked payload becomes a durable, folded record (house.md: validate → mask →
// encode → append → apply): masked (docs/masking.md), held to the limits again if masking
// changed it, encoded by its kind's field table, appended (resolving per the durability mode),
// folded into state with the same fold replay uses, and announced to listeners.
import { checkFields } from '../journal/field-checks.js';
import { applyPayload } from '../journal/journal-fold.js';
import type { JournalState } from '../journal/journal-state.js';
import type { LiveExecution } from '../journal/execution-table.js';
import { type Masker, maskPayload } from '../journal/payload-masking.js';
import type { ExecutionContext, RecordKind } from '../journal/record-kind.js';
import { encodeRecord } from '../journal/record-registry.js';
import type { JournalEvents } from './journal-events.js';
import { storeEventOf } from './journal-events.js';
import type { JournalLog } from './journal-log.js';
import type { RetentionGuard } from './retention-guard.js';

export class JournalAppender {
  readonly #state: JournalState;
  readonly #log: JournalLog;
  readonly #masker: Masker | undefined;
  readonly #events: JournalEvents;
  readonly #guard: RetentionGuard | undefined;

  constructor(
    state: JournalState,
    log: JournalLog,
    masker: Masker | undefined,
    events: JournalEvents,
    guard: RetentionGuard | undefined,
  ) {
    this.#state = state;
    this.#log = log;
    this.#masker = masker;
    this.#events = events;
    this.#guard = guard;
  }

  async append<P extends object>(kind: RecordKind<P>, payload: P): Promise<number> {
    const masked = this.#masker
      ? maskPayload(kind.fields, payload, this.#masker, kind.maskPrefix)
      : payload;
    // A masker hook may return a longer value: the limits hold for what is written.
    if (masked !== payload) checkFields(kind.fields, masked);
    await this.#guard?.beforeWrite(this.#state);
    const { firstLsn } = await this.#log.append([encodeRecord(kind, masked)]);
    const event = storeEventOf(kind.name, kind.eventOf(masked));
    const wanted = event !== undefined && this.#events.wants(event);
    const id = kind.executionIdOf(masked);
    const known =
      wanted && id !== undefined ? contextOf(this.#state.table.live.get(id)) : undefined;
    applyPayload(this.#state, firstLsn, kind, masked);
    if (wanted) {
      const entry = kind.entry(firstLsn, masked, known);
      if (entry) this.#events.emit(event, entry);
    }
    this.#guard?.afterWrite(this.#state);
    return firstLsn;
  }
}

/** What history would know of a live execution (for the entry an event carries). */
export function contextOf(live: LiveExecution | undefined): ExecutionContext | undefined {
  if (!live) return undefined;
  const known: ExecutionContext = {
    executionId: live.executionId,
    actionId: live.actionId,
    source: live.source,
    executionType: live.executionType,
    firstLsn: live.firstLsn,
    firstAt: live.firstAt,
    attempt: live.attempt,
  };
  if (live.attributes !== undefined) known.attributes = live.attributes;
  if (live.queuedAt !== undefined) known.queuedAt = live.queuedAt;
  if (live.startedAt !== undefined) known.startedAt = live.startedAt;
  if (live.startLsn !== undefined) known.startLsn = live.startLsn;
  return known;
}
