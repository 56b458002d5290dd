// Where an execution stands in the state machine right now (docs/lifecycle.md): from the folded
// state, the calls accepted but not yet folded, and whether its process is gone ('interrupted'
// is derived, never recorded: a running execution whose start came before this open, when no
// writer was alive to finish it).
import type { LifecyclePlace } from '../journal/execution-lifecycle.js';
import type { LiveExecution } from '../journal/execution-table.js';
import type { JournalState } from '../journal/journal-state.js';
import type { PendingTransitions } from './pending-transitions.js';

export class ExecutionPlaces {
  readonly #state: JournalState;
  readonly #pending: PendingTransitions;
  /** Starts up to this LSN were made by a process that is gone (0: every start is alive). */
  readonly #interruptedThrough: number;

  constructor(state: JournalState, pending: PendingTransitions, interruptedThrough: number) {
    this.#state = state;
    this.#pending = pending;
    this.#interruptedThrough = interruptedThrough;
  }

  /** The place of `executionId`, the pending calls included. */
  of(executionId: string): LifecyclePlace {
    return this.#pending.placeOf(executionId)?.place ?? this.committed(executionId);
  }

  /** The place as of the records folded so far. */
  committed(executionId: string): LifecyclePlace {
    const live = this.#state.table.live.get(executionId);
    if (live) return this.ofLive(live);
    if (this.#state.erased.ids.has(executionId)) return 'erased';
    return this.#state.table.ended.get(executionId)?.status ?? 'unknown';
  }

  ofLive(live: LiveExecution): LifecyclePlace {
    if (live.status === 'queued') return 'queued';
    return (live.startLsn ?? 0) <= this.#interruptedThrough ? 'interrupted' : 'running';
  }

  /** Attempts started so far, the pending calls included. */
  attemptsOf(executionId: string): number {
    return (
      this.#pending.placeOf(executionId)?.attempt ??
      this.#state.table.live.get(executionId)?.attempt ??
      0
    );
  }

  /** Steps of the running attempt, the pending calls included. */
  stepsOf(executionId: string): number {
    return (
      this.#pending.placeOf(executionId)?.steps ??
      this.#state.table.live.get(executionId)?.steps.length ??
      0
    );
  }

  isInterrupted(live: LiveExecution): boolean {
    return live.status === 'running' && (live.startLsn ?? 0) <= this.#interruptedThrough;
  }
}
