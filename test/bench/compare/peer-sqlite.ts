// SQLite through better-sqlite3, in WAL mode, configured the way its users make it fast and
// durable (each choice is written into the report).
import { join } from 'node:path';
import type { BenchSystem, Sink } from './bench-system.js';
import { GroupCommitter } from './bench-system.js';
import { openSqlite, type SqliteDatabase } from './peer-modules.js';
import { type BenchRecord, emptyTotals, type Fold, sizes, type Totals } from './workload.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS executions (
  id INTEGER PRIMARY KEY, action_id TEXT NOT NULL, source TEXT NOT NULL,
  execution_type TEXT NOT NULL, success INTEGER NOT NULL, duration_ms INTEGER NOT NULL,
  output TEXT, error TEXT, completed_at INTEGER NOT NULL)`;
const INSERT = `INSERT INTO executions (action_id, source, execution_type, success, duration_ms,
  output, error, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
const AGGREGATE = `SELECT count(*) AS count, coalesce(sum(success), 0) AS successes,
  coalesce(sum(duration_ms), 0) AS sumMs, min(duration_ms) AS minMs, max(duration_ms) AS maxMs
  FROM executions WHERE action_id = ?`;

function dbPath(dir: string): string {
  return join(dir, 'journal.sqlite');
}

function openDb(dir: string, synchronous: 'FULL' | 'OFF'): SqliteDatabase {
  const db = openSqlite(dbPath(dir));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(SCHEMA);
  return db;
}

function row(r: BenchRecord): unknown[] {
  return [
    r.actionId,
    r.source,
    r.executionType,
    r.success ? 1 : 0,
    r.durationMs,
    r.output,
    r.error,
    r.completedAt,
  ];
}

export const sqliteSystem: BenchSystem = {
  name: 'SQLite',
  variants: { W5: ['indexed', 'table scan'] },
  config: {
    W1: 'WAL mode, `synchronous=FULL`, one transaction (autocommit INSERT) per record',
    W2: 'WAL mode, `synchronous=FULL`, app-level group commit: one transaction per group of queued records',
    W3: 'WAL mode, `synchronous=OFF`, 1,000-row transactions, one final `synchronous=FULL` commit',
    W4: '`SELECT * ... ORDER BY id` through `iterate()`',
    W5: 'indexed: `CREATE INDEX (action_id, success, duration_ms)` built untimed after the load, then one aggregate `SELECT`; table scan: the same `SELECT` without the index',
  },

  async open(dir, workload): Promise<Sink> {
    const db = openDb(dir, workload === 'W3' ? 'OFF' : 'FULL');
    const insert = db.prepare(INSERT);
    const insertMany = db.transaction((records: BenchRecord[]) => {
      for (const r of records) insert.run(...row(r));
    });
    if (workload === 'W1') {
      return { append: (r) => void insert.run(...row(r)), close: () => db.close() };
    }
    if (workload === 'W2') {
      const group = new GroupCommitter<BenchRecord>((records) => insertMany(records));
      return { append: (r) => group.append(r), close: () => db.close() };
    }
    let buffered: BenchRecord[] = [];
    return {
      append(r) {
        buffered.push(r);
        if (buffered.length >= sizes.bufferedBatch) {
          insertMany(buffered);
          buffered = [];
        }
        return undefined;
      },
      close() {
        if (buffered.length > 0) insertMany(buffered);
        db.pragma('synchronous = FULL');
        db.exec('BEGIN IMMEDIATE; DELETE FROM executions WHERE id < 0; COMMIT');
        db.close();
      },
    };
  },

  async replay(dir, fold: Fold) {
    const db = openSqlite(dbPath(dir));
    const rows = db.prepare('SELECT * FROM executions ORDER BY id').iterate();
    for (const r of rows) {
      fold.add(r.action_id as string, r.success === 1, r.duration_ms as number, r);
    }
    db.close();
  },

  prepared: ['indexed'],

  async prepare(dir) {
    const db = openSqlite(dbPath(dir));
    db.exec(
      'CREATE INDEX IF NOT EXISTS executions_by_action ON executions (action_id, success, duration_ms)',
    );
    db.close();
  },

  async answer(dir, actionId, variant): Promise<Totals> {
    const db = openSqlite(dbPath(dir));
    const sql =
      variant === 'indexed'
        ? AGGREGATE
        : AGGREGATE.replace('FROM executions', 'FROM executions NOT INDEXED');
    const got = db.prepare(sql).get(actionId);
    db.close();
    if (!got || got.count === 0) return emptyTotals();
    return {
      count: got.count,
      successes: got.successes,
      sumMs: got.sumMs,
      minMs: got.minMs,
      maxMs: got.maxMs,
    } as Totals;
  },
};
