// What the writer-lock tests share (test/process/lock*.test.ts, test/wal/writer-lock.test.ts):
// lock-holder children, tagged records, and hand-made locks: a lock directory whose owner file
// names whatever holder a test needs (a dead pid, a reused one, another host), of a chosen age.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { LockHolder } from '../../src/errors.js';
import { nodeFileSystem } from '../../src/wal/file-system.js';
import { replayLog } from '../../src/wal/log-replay.js';
import { ownIdentity, type ProcessIdentity } from '../../src/wal/process-liveness.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import type { WalWriter } from '../../src/wal/wal-writer.js';
import { LOCK_DIR_NAME } from '../../src/wal/writer-lock.js';
import { type Child, spawnChild } from './child-process.js';

/** Smaller than the 5 s default (src/limits.ts) to keep the suite fast; 2000 is the minimum. */
export const STALE_MS = 2000;

export interface Tagged {
  who: number;
  tag: string;
  i: number;
}

/** This process's host id and start time; undefined where /proc cannot tell (not Linux). */
export const ownHost: ProcessIdentity | undefined = ownIdentity(nodeFileSystem);

export async function startHolder(dir: string, staleMs = STALE_MS): Promise<Child> {
  const child = spawnChild('lock-holder', [dir, String(staleMs)]);
  await child.message('ready');
  return child;
}

export async function openInChild(child: Child): Promise<Record<string, unknown>> {
  child.send({ cmd: 'open' });
  return child.waitFor('open result', () =>
    child.messages.find((m) => ['opened', 'locked', 'open-failed'].includes(m.type as string)),
  );
}

export const acks = (child: Child) => child.messages.filter((m) => m.type === 'ack');

export function waitForAcks(child: Child, count: number): Promise<true> {
  return child.waitFor(`${count} acks`, () => (acks(child).length >= count ? true : undefined));
}

export function readTagged(dir: string): (Tagged & { lsn: number })[] {
  const records: WalRecord[] = [];
  replayLog(dir, {}, (record) => records.push(record));
  return records.map((r) => ({ lsn: r.lsn, ...(r.value as Tagged) }));
}

export async function appendTagged(
  writer: WalWriter,
  tag: string,
  batches: number,
): Promise<number[]> {
  const lsns: number[] = [];
  for (let b = 0; b < batches; b++) {
    const records = [0, 1].map((i) => ({
      type: 7,
      value: { who: process.pid, tag, i: b * 2 + i },
    }));
    const { firstLsn, lastLsn } = await writer.append(records);
    lsns.push(firstLsn, lastLsn);
  }
  return lsns;
}

export function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/** A pid no process has: that of a process that ran and was reaped. */
export function deadPid(): number {
  const pid = spawnSync('true').pid;
  if (!pid) throw new Error('could not spawn `true`');
  return pid;
}

/**
 * Makes `<dir>/writer.lock` by hand, as a holder that is gone (or elsewhere) would have left
 * it: an owner file with `owner` over defaults (this host, a fresh token; no owner file at all
 * when `owner` is undefined), its mtime `ageMs` in the past. Returns the owner written.
 */
export function makeLock(
  dir: string,
  owner: Partial<LockHolder> | undefined,
  ageMs: number,
): LockHolder | undefined {
  const lockDir = join(dir, LOCK_DIR_NAME);
  mkdirSync(lockDir, { recursive: true });
  let written: LockHolder | undefined;
  if (owner) {
    written = {
      pid: deadPid(),
      hostname: hostname(),
      sinceMs: Date.now() - 60_000,
      token: randomBytes(12).toString('hex'),
      ...ownHost,
      ...owner,
    };
    writeFileSync(join(lockDir, 'owner.json'), JSON.stringify(written));
  }
  const at = new Date(Date.now() - ageMs);
  utimesSync(lockDir, at, at);
  return written;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
