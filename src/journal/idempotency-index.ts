// Idempotency keys (docs/lifecycle.md#idempotency): a queue or start carrying a key already seen
// in the window returns the execution it made and writes nothing. Keys are scoped by a tenant
// (the value of one attribute, `org` by default), so two tenants may use the same key. The index
// is folded from the records that carry keys, so it survives reopen and is kept in checkpoints.
// Bounded: at most maxIdempotencyKeys entries, the oldest forgotten first (documented eviction).

export interface IdempotencyEntry {
  executionId: string;
  /** When the key was first recorded (epoch ms); it expires windowMs later. */
  at: number;
}

export class IdempotencyIndex {
  readonly capacity: number;
  readonly #entries = new Map<string, IdempotencyEntry>();
  forgotten = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The execution `key` made in `tenant`, if recorded within `windowMs` before `nowMs`. */
  find(tenant: string, key: string, nowMs: number, windowMs: number): IdempotencyEntry | undefined {
    const entry = this.#entries.get(scoped(tenant, key));
    return entry && nowMs - entry.at < windowMs ? entry : undefined;
  }

  record(tenant: string, key: string, executionId: string, at: number): void {
    const id = scoped(tenant, key);
    this.#entries.delete(id);
    if (this.#entries.size >= this.capacity) {
      this.#entries.delete(this.#entries.keys().next().value as string);
      this.forgotten += 1;
    }
    this.#entries.set(id, { executionId, at });
  }

  /** Forgets every key that points at `executionId` (it was erased). */
  forgetExecution(executionId: string): void {
    for (const [id, entry] of this.#entries)
      if (entry.executionId === executionId) this.#entries.delete(id);
  }

  /** Oldest first, for checkpoints. */
  entries(): [string, IdempotencyEntry][] {
    return [...this.#entries];
  }

  restore(entries: readonly [string, IdempotencyEntry][]): void {
    for (const [id, entry] of entries.slice(-this.capacity)) this.#entries.set(id, entry);
  }
}

function scoped(tenant: string, key: string): string {
  return `${tenant}\u0000${key}`;
}
