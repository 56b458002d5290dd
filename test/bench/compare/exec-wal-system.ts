// exec-wal itself, through its public API only: WalStore.actionExecutionCompleted for every
// write (validation, the fold and group commit included), the log reader or WalStore.open for
// reading back.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type CompletedPayload, decodeRecord, iterateLog, WalStore } from '../../../src/index.js';
import type { BenchSystem, Sink } from './bench-system.js';
import type { BenchRecord, Totals } from './workload.js';

function journal(dir: string): string {
  return join(dir, 'journal');
}

export const execWalSystem: BenchSystem = {
  name: 'exec-wal',
  variants: {
    W4: ['log reader', 'WalStore.open, no checkpoint'],
    W5: ['checkpoint', 'no checkpoint'],
  },
  config: {
    W1: "`WalStore.open(dir)` (durability `'fsync'`), one awaited `actionExecutionCompleted` per record",
    W2: "durability `'fsync'`, 256 producers each awaiting its own `actionExecutionCompleted` (the store's group commit)",
    W3: "durability `'none'`, `actionExecutionCompleted` with at most 1,000 calls in flight, one final `sync()`; automatic checkpoints (every 64 MiB) included",
    W4: 'log reader: `iterateLog(dir)`, `decodeRecord` and the common fold; WalStore.open: read-only, its checkpoint files deleted (untimed) so that it replays all, the full journal fold (stats with quantile sketches, rings, in-flight map)',
    W5: '`WalStore.open(dir, { readOnly: true })` then `actionStats(id)`; checkpoint: one written (untimed) after the load; no checkpoint: checkpoint files deleted, a full replay',
  },

  async open(dir, workload): Promise<Sink> {
    const store = await WalStore.open(journal(dir), {
      durability: workload === 'W3' ? 'none' : 'fsync',
    });
    return {
      append: (r: BenchRecord) =>
        store.actionExecutionCompleted(r.actionId, {
          success: r.success,
          durationMs: r.durationMs,
          output: r.output,
          error: r.error ?? undefined,
          completedAt: r.completedAt,
          source: r.source,
          executionType: r.executionType,
        }),
      async close() {
        await store.sync();
        await store.close();
      },
    };
  },

  async replay(dir, fold, variant) {
    if (variant.startsWith('WalStore.open')) {
      const store = await WalStore.open(journal(dir), { readOnly: true });
      for (const stats of store.allActionStats()) {
        fold.actions.set(stats.actionId, totalsOf(stats));
        fold.records += stats.totalExecutions;
      }
      fold.last.splice(0, fold.last.length, ...store.recentActionExecutions(1000));
      await store.close();
      return;
    }
    for (const record of iterateLog(journal(dir))) {
      const v = decodeRecord(record)!.payload as CompletedPayload;
      fold.add(v.actionId, v.status === 'succeeded', v.durationMs, v);
    }
  },

  prepared: ['WalStore.open, no checkpoint', 'checkpoint', 'no checkpoint'],

  async prepare(dir, variant) {
    if (variant === 'checkpoint') {
      const store = await WalStore.open(journal(dir));
      await store.checkpoint();
      await store.close();
      return;
    }
    for (const name of readdirSync(journal(dir))) {
      if (name.startsWith('checkpoint-')) rmSync(join(journal(dir), name));
    }
  },

  async answer(dir, actionId) {
    const store = await WalStore.open(journal(dir), { readOnly: true });
    const totals = totalsOf(store.actionStats(actionId));
    await store.close();
    return totals;
  },
};

function totalsOf(stats: ReturnType<WalStore['actionStats']>): Totals {
  return {
    count: stats.totalExecutions,
    successes: stats.successes,
    sumMs: Math.round(stats.avgDurationMs * stats.totalExecutions),
    minMs: stats.minDurationMs,
    maxMs: stats.maxDurationMs,
  };
}
