// The peers live in their own package (test/bench/peers, installed by `make bench` only, never
// by `make test`), so they are loaded with a require rooted there. The types below are the few
// calls this benchmark makes, written out rather than adding @types packages to the project.
import { createRequire } from 'node:module';

const peers = createRequire(new URL('../../../../test/bench/peers/package.json', import.meta.url));

export interface SqliteStatement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): Record<string, number> | undefined;
  iterate(...params: unknown[]): IterableIterator<Record<string, unknown>>;
}

export interface SqliteDatabase {
  pragma(source: string): unknown;
  exec(source: string): void;
  prepare(source: string): SqliteStatement;
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}

export function openSqlite(path: string): SqliteDatabase {
  const Database = peers('better-sqlite3') as new (path: string) => SqliteDatabase;
  return new Database(path);
}

export interface LevelBatchOp {
  type: 'put';
  key: string;
  value: string;
}

export interface LevelIterator {
  nextv(size: number): Promise<[string, string][]>;
  close(): Promise<void>;
}

export interface LevelDatabase {
  open(): Promise<void>;
  put(key: string, value: string, options?: { sync?: boolean }): Promise<void>;
  batch(ops: LevelBatchOp[], options?: { sync?: boolean }): Promise<void>;
  iterator(): LevelIterator;
  close(): Promise<void>;
}

export function openLevel(path: string): LevelDatabase {
  const { ClassicLevel } = peers('classic-level') as {
    ClassicLevel: new (
      path: string,
      options: { keyEncoding: string; valueEncoding: string },
    ) => LevelDatabase;
  };
  return new ClassicLevel(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
}

export function peerVersion(name: string): string {
  return (peers(`${name}/package.json`) as { version: string }).version;
}
