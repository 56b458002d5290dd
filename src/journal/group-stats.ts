// Stats grouped by a value (the source, or one attribute key such as `org`), cumulative like
// per-action stats. Bounded: at most maxGroups distinct values; later values are counted in
// the '(other)' group (a documented overflow, never silent growth).
import { ActionStatsAccumulator, type ActionStatsState } from './action-stats.js';
import type { GroupStats } from './journal-types.js';

export const OTHER_GROUP = '(other)';

/** What a grouping groups by: 'source', or an attribute key. */
export type GroupBy = 'source' | { attribute: string };

export function groupKey(by: GroupBy): string {
  return by === 'source' ? 'source' : `attr:${by.attribute}`;
}

export class GroupStatsTable {
  readonly key: string;
  readonly capacity: number;
  readonly #groups = new Map<string, ActionStatsAccumulator>();

  constructor(key: string, capacity: number) {
    this.key = key;
    this.capacity = capacity;
  }

  /** The accumulator of `value` (made on first sight, or the overflow group past the cap). */
  of(value: string): ActionStatsAccumulator {
    let acc = this.#groups.get(value);
    if (acc) return acc;
    const name = this.#groups.size >= this.capacity ? OTHER_GROUP : value;
    acc = this.#groups.get(name);
    if (!acc) {
      acc = new ActionStatsAccumulator(name);
      this.#groups.set(name, acc);
    }
    return acc;
  }

  snapshot(): GroupStats[] {
    return [...this.#groups.values()].map((acc) => {
      const { actionId, ...stats } = acc.snapshot();
      return { group: actionId, ...stats };
    });
  }

  toState(): ActionStatsState[] {
    return [...this.#groups.values()].map((acc) => acc.toState());
  }

  restore(states: readonly ActionStatsState[]): void {
    for (const state of states)
      this.#groups.set(state.actionId, ActionStatsAccumulator.fromState(state));
  }
}

/** The value an execution has for a grouping ('' when it has none). */
export function groupValue(
  key: string,
  source: string,
  attributes: Record<string, string> | undefined,
): string {
  if (key === 'source') return source;
  return attributes?.[key.slice('attr:'.length)] ?? '';
}
