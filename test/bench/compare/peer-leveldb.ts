// LevelDB through classic-level: keys are zero-padded sequence numbers (so iteration is in
// write order), values are JSON (V8's JSON beats msgpackr for this object without records).
import type { BenchSystem, Sink } from './bench-system.js';
import { GroupCommitter } from './bench-system.js';
import { type LevelBatchOp, type LevelDatabase, openLevel } from './peer-modules.js';
import { type BenchRecord, emptyTotals, addToTotals, type Fold, sizes } from './workload.js';

function key(seq: number): string {
  return seq.toString().padStart(12, '0');
}

function op(seq: number, r: BenchRecord): LevelBatchOp {
  return { type: 'put', key: key(seq), value: JSON.stringify(r) };
}

async function openDb(dir: string): Promise<LevelDatabase> {
  const db = openLevel(dir);
  await db.open();
  return db;
}

async function scan(dir: string, each: (r: BenchRecord) => void): Promise<void> {
  const db = await openDb(dir);
  const it = db.iterator();
  for (;;) {
    const entries = await it.nextv(1000);
    if (entries.length === 0) break;
    for (const [, value] of entries) each(JSON.parse(value) as BenchRecord);
  }
  await it.close();
  await db.close();
}

export const levelSystem: BenchSystem = {
  name: 'LevelDB',
  variants: { W2: ['app group commit', 'concurrent sync puts'] },
  config: {
    W1: '`put(key, json, { sync: true })`, one awaited put per record',
    W2: 'app group commit: one `batch(ops, { sync: true })` per group of queued records; or each producer awaiting its own `put(..., { sync: true })`',
    W3: '`batch()` of 1,000 puts without sync, the last batch with `{ sync: true }`',
    W4: 'iterator `nextv(1000)` in key order, `JSON.parse` per value',
    W5: 'no secondary index: a full scan, as W4',
  },

  async open(dir, workload, variant): Promise<Sink> {
    const db = await openDb(dir);
    let seq = 0;
    if (workload === 'W1' || variant === 'concurrent sync puts') {
      return {
        append: (r) => db.put(key(seq++), JSON.stringify(r), { sync: true }),
        close: () => db.close(),
      };
    }
    if (workload === 'W2') {
      const group = new GroupCommitter<LevelBatchOp>((ops) => db.batch(ops, { sync: true }));
      return { append: (r) => group.append(op(seq++, r)), close: () => db.close() };
    }
    let buffered: LevelBatchOp[] = [];
    return {
      append(r) {
        buffered.push(op(seq++, r));
        if (buffered.length < sizes.bufferedBatch) return;
        const ops = buffered;
        buffered = [];
        return db.batch(ops);
      },
      async close() {
        await db.batch(buffered, { sync: true });
        await db.close();
      },
    };
  },

  async replay(dir, fold: Fold) {
    await scan(dir, (r) => fold.add(r.actionId, r.success, r.durationMs, r));
  },

  async answer(dir, actionId) {
    const totals = emptyTotals();
    await scan(dir, (r) => {
      if (r.actionId === actionId) addToTotals(totals, r.success, r.durationMs);
    });
    return totals;
  },
};
