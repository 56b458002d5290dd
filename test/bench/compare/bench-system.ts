// What every system in the comparison provides: a sink per writing workload, a reader that
// folds everything back (W4, and the read-back that verifies W1-W3), and the open-to-first-
// answer path (W5). Variants name a system's alternative configurations of one workload.
import type { BenchRecord, Fold, Totals, Workload } from './workload.js';

export interface Sink {
  /** Resolves (or returns) when the record is as durable as the workload asks. */
  append(record: BenchRecord): Promise<unknown> | undefined;
  /** Flushes and syncs whatever is left (W3's one final sync) and closes. */
  close(): Promise<void> | void;
}

export interface BenchSystem {
  name: string;
  /** Variants per workload; absent means one, called 'default'. */
  variants: Partial<Record<Workload, string[]>>;
  /** The configuration written into the report, per workload. */
  config: Partial<Record<Workload, string>>;
  open(dir: string, workload: 'W1' | 'W2' | 'W3', variant: string): Promise<Sink>;
  replay(dir: string, fold: Fold, variant: string): Promise<void>;
  /** The W4/W5 variants that run on a prepared copy of W3's data set (see prepare). */
  prepared?: string[];
  /** Untimed preparation of that copy: a checkpoint, an index, no checkpoint. */
  prepare?(dir: string, variant: string): Promise<void>;
  answer(dir: string, actionId: string, variant: string): Promise<Totals>;
}

/**
 * App-level group commit for peers that have none: appends made while a flush runs wait for the
 * next one; every flush is one durable write of everything queued.
 */
export class GroupCommitter<T> {
  #queue: { item: T; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #running = false;
  readonly #flush: (items: T[]) => Promise<void> | void;

  constructor(flush: (items: T[]) => Promise<void> | void) {
    this.#flush = flush;
  }

  append(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        queueMicrotask(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const group = this.#queue.splice(0, this.#queue.length);
      try {
        await this.#flush(group.map((g) => g.item));
        for (const g of group) g.resolve();
      } catch (error) {
        for (const g of group) g.reject(error);
      }
      // Let the resolved producers queue their next records before the next flush.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.#running = false;
  }
}
