// A fixed-capacity ring: pushing past capacity evicts the oldest item (a documented eviction,
// counted in `evicted`). Reads are newest first.

export class RingBuffer<T> {
  readonly capacity: number;
  #items: (T | undefined)[];
  #next = 0;
  #size = 0;
  #evicted = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('ring capacity must be >= 1');
    this.capacity = capacity;
    this.#items = new Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Items pushed out by newer ones since the ring was made. */
  get evicted(): number {
    return this.#evicted;
  }

  push(item: T): void {
    if (this.#size === this.capacity) this.#evicted += 1;
    else this.#size += 1;
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
  }

  /** Up to `limit` items, newest first, optionally only those matching `keep`. */
  newest(limit: number, keep?: (item: T) => boolean): T[] {
    const out: T[] = [];
    for (let i = 1; i <= this.#size && out.length < limit; i++) {
      const item = this.#items[(this.#next - i + this.capacity) % this.capacity] as T;
      if (!keep || keep(item)) out.push(item);
    }
    return out;
  }

  /** Removes every item `drop` selects, keeping the order of the rest (erasure; O(capacity)). */
  removeWhere(drop: (item: T) => boolean): number {
    const kept = this.oldestFirst().filter((item) => !drop(item));
    const removed = this.#size - kept.length;
    if (removed === 0) return 0;
    this.#items = new Array(this.capacity);
    this.#next = 0;
    this.#size = 0;
    const evicted = this.#evicted;
    for (const item of kept) this.push(item);
    this.#evicted = evicted;
    return removed;
  }

  /** All items, oldest first (for checkpoints). */
  oldestFirst(): T[] {
    return this.newest(this.#size).reverse();
  }
}
