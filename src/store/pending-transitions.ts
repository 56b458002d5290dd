// Calls validated but not yet folded. A record is folded only once it is durable, but a second
// call for the same execution may arrive before that: it must be judged against the state the
// first call leads to, not the state before it, or two completions of one execution would both
// pass. So each accepted call leaves its resulting state here until its append settles; the
// same goes for what counts toward a cap (executions queued or running, new actions, erasures).
import type { LifecyclePlace } from '../journal/execution-lifecycle.js';

interface PendingExecution {
  place: LifecyclePlace;
  attempt: number;
  steps: number;
  count: number;
}

export class PendingTransitions {
  readonly #executions = new Map<string, PendingExecution>();
  readonly #actions = new Map<string, number>();
  readonly #keys = new Map<string, string>();
  queued = 0;
  running = 0;
  erasedIds = 0;
  eraseFilters = 0;

  placeOf(executionId: string): PendingExecution | undefined {
    return this.#executions.get(executionId);
  }

  has(executionId: string): boolean {
    return this.#executions.has(executionId);
  }

  /** An action not yet in stats that a pending record will add. */
  hasAction(actionId: string): boolean {
    return this.#actions.has(actionId);
  }

  get newActions(): number {
    return this.#actions.size;
  }

  /** The execution a pending record gave this scoped idempotency key. */
  keyOwner(scopedKey: string): string | undefined {
    return this.#keys.get(scopedKey);
  }

  /**
   * Marks a call accepted; `settle` (once its append resolved or failed) removes what it added.
   * `adds` says what it counts toward the caps.
   */
  accept(
    executionId: string | undefined,
    next: { place: LifecyclePlace; attempt: number; steps: number } | undefined,
    adds: {
      action?: string;
      key?: string;
      queued?: number;
      running?: number;
      erasedIds?: number;
      eraseFilters?: number;
    },
  ): () => void {
    if (executionId !== undefined && next) {
      const entry = this.#executions.get(executionId);
      this.#executions.set(executionId, { ...next, count: (entry?.count ?? 0) + 1 });
    }
    if (adds.action !== undefined)
      this.#actions.set(adds.action, (this.#actions.get(adds.action) ?? 0) + 1);
    if (adds.key !== undefined && executionId !== undefined) this.#keys.set(adds.key, executionId);
    this.queued += adds.queued ?? 0;
    this.running += adds.running ?? 0;
    this.erasedIds += adds.erasedIds ?? 0;
    this.eraseFilters += adds.eraseFilters ?? 0;
    return () => {
      if (executionId !== undefined && next) {
        const entry = this.#executions.get(executionId);
        if (entry && --entry.count === 0) this.#executions.delete(executionId);
      }
      if (adds.action !== undefined) {
        const n = (this.#actions.get(adds.action) ?? 1) - 1;
        if (n === 0) this.#actions.delete(adds.action);
        else this.#actions.set(adds.action, n);
      }
      if (adds.key !== undefined && this.#keys.get(adds.key) === executionId)
        this.#keys.delete(adds.key);
      this.queued -= adds.queued ?? 0;
      this.running -= adds.running ?? 0;
      this.erasedIds -= adds.erasedIds ?? 0;
      this.eraseFilters -= adds.eraseFilters ?? 0;
    };
  }
}
