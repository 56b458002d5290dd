// The comparison benchmark's workload (docs/benchmarks.md): one record shape for every system,
// the workload sizes, the fold every reader performs (W4) and the totals that verify a run.
// Everything here is deterministic in the record index, so a run is verified by reading back.

export const Workload = {
  W1: 'W1',
  W2: 'W2',
  W3: 'W3',
  W4: 'W4',
  W5: 'W5',
} as const;
export type Workload = (typeof Workload)[keyof typeof Workload];

export const sizes = {
  W1: Number(process.env.BENCH_W1 ?? 5_000),
  W2: Number(process.env.BENCH_W2 ?? 100_000),
  W3: Number(process.env.BENCH_W3 ?? 1_000_000),
  producers: 256,
  /** Records per transaction or write in the buffered workload (SQLite, LevelDB, JSONL, raw). */
  bufferedBatch: 1_000,
  lastRecords: 1_000,
  actions: 200,
  /** The action W5 asks about. */
  askedAction: 'action-7',
};

export interface BenchRecord {
  actionId: string;
  source: string;
  executionType: string;
  success: boolean;
  durationMs: number;
  output: string;
  error: string | null;
  completedAt: number;
}

const BASE_TIME = 1_760_000_000_000;

export function benchRecord(i: number): BenchRecord {
  return {
    actionId: `action-${i % sizes.actions}`,
    source: 'cron:nightly',
    executionType: 'command',
    success: i % 10 !== 0,
    durationMs: 1 + ((i * 37) % 5000),
    output: `ok ${i}`.padEnd(25),
    error: i % 10 === 0 ? 'connection refused' : null,
    completedAt: BASE_TIME + i,
  };
}

export interface Totals {
  count: number;
  successes: number;
  sumMs: number;
  minMs: number;
  maxMs: number;
}

export function emptyTotals(): Totals {
  return { count: 0, successes: 0, sumMs: 0, minMs: Infinity, maxMs: -Infinity };
}

export function addToTotals(t: Totals, success: boolean, durationMs: number): void {
  t.count += 1;
  if (success) t.successes += 1;
  t.sumMs += durationMs;
  if (durationMs < t.minMs) t.minMs = durationMs;
  if (durationMs > t.maxMs) t.maxMs = durationMs;
}

/** W4's fold: per-action totals plus the last 1,000 records (a ring, bounded like ours). */
export class Fold {
  readonly actions = new Map<string, Totals>();
  readonly last: unknown[] = new Array(sizes.lastRecords);
  records = 0;

  add(actionId: string, success: boolean, durationMs: number, record: unknown): void {
    let t = this.actions.get(actionId);
    if (!t) {
      t = emptyTotals();
      this.actions.set(actionId, t);
    }
    addToTotals(t, success, durationMs);
    this.last[this.records % sizes.lastRecords] = record;
    this.records += 1;
  }

  overall(): Totals {
    const all = emptyTotals();
    for (const t of this.actions.values()) {
      all.count += t.count;
      all.successes += t.successes;
      all.sumMs += t.sumMs;
      all.minMs = Math.min(all.minMs, t.minMs);
      all.maxMs = Math.max(all.maxMs, t.maxMs);
    }
    return all;
  }
}

/** What records [0, count) must fold to, overall or for one action. */
export function expectedTotals(count: number, actionId?: string): Totals {
  const t = emptyTotals();
  for (let i = 0; i < count; i++) {
    const r = benchRecord(i);
    if (actionId === undefined || r.actionId === actionId) addToTotals(t, r.success, r.durationMs);
  }
  return t;
}

/** Throws unless `got` equals `want` field by field (a run that does not read back is void). */
export function assertTotals(what: string, got: Totals, want: Totals): void {
  for (const key of Object.keys(want) as (keyof Totals)[]) {
    if (got[key] !== want[key]) {
      throw new Error(`${what}: read back ${key} = ${got[key]}, expected ${want[key]}`);
    }
  }
}
