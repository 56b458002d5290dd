// Every system in the comparison, exec-wal first.
import type { BenchSystem } from './bench-system.js';
import { execWalSystem } from './exec-wal-system.js';
import { jsonlSystem } from './peer-jsonl.js';
import { levelSystem } from './peer-leveldb.js';
import { rawSystem } from './peer-raw.js';
import { sqliteSystem } from './peer-sqlite.js';

export const systems: BenchSystem[] = [
  execWalSystem,
  sqliteSystem,
  levelSystem,
  jsonlSystem,
  rawSystem,
];
