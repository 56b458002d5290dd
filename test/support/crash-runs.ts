// The parts the power-loss suites share (test/reliability/power-loss, checkpoint-power-loss,
// reopen-leaks): workloads that append in concurrent bursts (group commit) through a CrashFs,
// crash states taken at seeded random seam events, and the reopen-and-check of each state
// against a LogOracle, with a tally per crash kind.
import { rmSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { WalCorruptionError } from '../../src/errors.js';
import type { CleanupPayload } from '../../src/journal/journal-records.js';
import { decodeRecord } from '../../src/journal/record-registry.js';
import { WalStore, type WalStoreOptions } from '../../src/store/wal-store.js';
import type { FileSystem } from '../../src/wal/file-system.js';
import { replayLog } from '../../src/wal/log-replay.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import { type RecordInput, WalWriter } from '../../src/wal/wal-writer.js';
import { segmentNames } from './byte-poke.js';
import {
  CrashFs,
  type CrashFsEvent,
  type CrashKind,
  type CrashState,
  crashKinds,
} from './crash-fs.js';
import { LogOracle } from './oracle.js';
import { randomBytesFrom, randomInt } from './random.js';

/** A crash state waiting to be checked, with what the oracle knew at that instant. */
export interface Taken {
  state: CrashState;
  ackedLsn: number;
  /** Which seam event it was taken after, for failure messages. */
  moment: string;
}

export interface KindTally {
  cases: number;
  failures: string[];
  /**
   * States open refused as mid-log damage although every damaged byte was unsynced (a later
   * page of an unsynced write survived an earlier one: docs/recovery.md "Known limit"). Each
   * was checked to lose nothing acknowledged: point-in-time repair, then the same check passed.
   */
  refused: number;
}

export type Tally = Map<CrashKind, KindTally>;

export function kindTally(tally: Tally, kind: CrashKind): KindTally {
  let entry = tally.get(kind);
  if (!entry) {
    entry = { cases: 0, failures: [], refused: 0 };
    tally.set(kind, entry);
  }
  return entry;
}

export function allFailures(tally: Tally): string[] {
  return [...tally.values()].flatMap((entry) => entry.failures);
}

/**
 * After each seam event, with probability `chance(event)`, takes one crash state of every kind
 * in `kinds` (or `kinds(event)`; composes with an onEvent already set, which runs first). `ackedLsn` is read at
 * that instant; a test raises it when its await of an append resumes, a moment after the writer
 * resolved, so a state taken in between checks a slightly lower watermark: conservative, and
 * the next states check the rest.
 */
export function takeCrashStates(
  crashFs: CrashFs,
  random: () => number,
  chance: (event: CrashFsEvent) => number,
  ackedLsn: () => number,
  taken: Taken[],
  kinds: readonly CrashKind[] | ((event: CrashFsEvent) => readonly CrashKind[]) = crashKinds,
): void {
  const previous = crashFs.onEvent;
  let events = 0;
  crashFs.onEvent = (event) => {
    previous?.(event);
    events += 1;
    if (random() >= chance(event)) return;
    const moment = `event ${events} (${event.op} ${event.path.split('/').at(-1)})`;
    for (const kind of typeof kinds === 'function' ? kinds(event) : kinds) {
      taken.push({ state: crashFs.crashState(random, kind), ackedLsn: ackedLsn(), moment });
    }
  };
}

/** Issues `total` calls in bursts of 1..6 concurrent ones, awaiting the first or all of them. */
export async function inBursts(
  random: () => number,
  total: number,
  call: () => Promise<unknown>,
  between?: () => Promise<unknown>,
): Promise<void> {
  const inFlight = new Set<Promise<unknown>>();
  for (let issued = 0; issued < total; ) {
    const burst = Math.min(total - issued, randomInt(random, 1, 6));
    for (let i = 0; i < burst; i++, issued++) {
      const p = call().finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    if (between) await between();
    if (random() < 0.5) {
      if (inFlight.size > 0) await Promise.race(inFlight);
    } else await Promise.all(inFlight);
  }
  await Promise.all(inFlight);
}

/** A record of 10 B to 64 KiB (log-uniform), its value naming its LSN. */
export function randomRecord(random: () => number, lsn: number): RecordInput {
  const bytes = Math.round(Math.exp(Math.log(10) + random() * Math.log(65536 / 10)));
  const pad = randomBytesFrom(random, Math.ceil(bytes / 2))
    .toString('hex')
    .slice(0, bytes);
  return { type: random() < 0.9 ? 1 : 200, value: { lsn, pad } };
}

/** One random journal call (start, completion of an acknowledged start, cleanup); its LSN. */
export function journalCaller(store: WalStore, random: () => number): () => Promise<number> {
  // Executions started (running) and queued, as this caller made them: every call it makes is a
  // legal step of the state machine (docs/lifecycle.md), each exactly one record.
  const open: { actionId: string; executionId: string; steps: number }[] = [];
  const queued: { actionId: string; executionId: string; attempts: number }[] = [];
  let n = 0;
  return async () => {
    const i = n++;
    const roll = random();
    const actionId = `action-${randomInt(random, 0, 4)}`;
    if (roll < 0.1) {
      const executionId = `q${i}`;
      const { lsn } = await store.actionExecutionQueued(actionId, {
        executionId,
        maxAttempts: 3,
        priority: randomInt(random, 0, 3),
        queuedAt: 1_000_000 + i,
        attributes: random() < 0.5 ? { org: `org-${i % 3}` } : undefined,
        request:
          random() < 0.3 ? { size: i, pad: 'r'.repeat(randomInt(random, 1, 300)) } : undefined,
      });
      queued.push({ actionId, executionId, attempts: 0 });
      return lsn;
    }
    if (roll < 0.2 && queued.length > 0) {
      const target = queued.splice(randomInt(random, 0, queued.length - 1), 1)[0]!;
      if (random() < 0.2) {
        const { lsn } = await store.actionExecutionCancelled(target.executionId, {
          actor: 'ops',
          reason: `cancel ${i}`,
          cancelledAt: 2_000_000 + i,
        });
        return lsn;
      }
      const { lsn } = await store.actionExecutionStarted(target.actionId, {
        executionId: target.executionId,
        startedAt: 1_500_000 + i,
      });
      open.push({ actionId: target.actionId, executionId: target.executionId, steps: 0 });
      return lsn;
    }
    if (roll < 0.3 && open.length > 0) {
      const target = open[randomInt(random, 0, open.length - 1)]!;
      if (random() < 0.5 && target.steps < 60) {
        target.steps += 1;
        const { lsn } = await store.executionStepCompleted(
          target.executionId,
          `step-${target.steps}`,
          {
            success: random() < 0.9,
            durationMs: randomInt(random, 1, 500),
            at: 1_600_000 + i,
          },
        );
        return lsn;
      }
      const { lsn } = await store.actionExecutionProgress(target.executionId, {
        percent: randomInt(random, 0, 100),
        message: random() < 0.7 ? `progress ${i}` : undefined,
        at: 1_600_000 + i,
      });
      return lsn;
    }
    if (roll < 0.55 || open.length === 0) {
      const executionId = `e${i}`;
      const attributes =
        random() < 0.3 ? { pad: 'x'.repeat(randomInt(random, 1, 200)) } : undefined;
      const { lsn } = await store.actionExecutionStarted(actionId, {
        executionId,
        startedAt: 1_000_000 + i,
        attributes,
      });
      open.push({ actionId, executionId, steps: 0 });
      return lsn;
    }
    if (roll < 0.9) {
      const target = open.splice(randomInt(random, 0, open.length - 1), 1)[0]!;
      const failed = random() < 0.3;
      const state = store.executionState(target.executionId);
      // A queued execution that failed may be queued again for its next attempt.
      const retry =
        failed && target.executionId.startsWith('q') && state === 'running' && random() < 0.5;
      const { lsn } = await store.actionExecutionCompleted(target.actionId, {
        executionId: target.executionId,
        status: failed ? 'failed' : 'succeeded',
        durationMs: Math.round(random() * 5000),
        completedAt: 2_000_000 + i,
        error: failed ? `boom ${i}` : undefined,
        output: random() < 0.2 ? 'o'.repeat(randomInt(random, 1, 3000)) : undefined,
        retryAt:
          retry && store.queued().length < 1000 && attemptsLeft(store, target.executionId)
            ? 2_500_000 + i
            : undefined,
      });
      if (store.executionState(target.executionId) === 'queued')
        queued.push({ ...target, attempts: 1 });
      return lsn;
    }
    const { lsn } = await store.cleanupExecuted(`scanner-${i % 3}`, {
      resourceId: `r${i}`,
      action: 'delete',
      success: random() < 0.8,
      executedAt: 3_000_000 + i,
    });
    return lsn;
  };
}

/** Whether a queued-then-started execution may be retried (its attempts below maxAttempts 3). */
function attemptsLeft(store: WalStore, executionId: string): boolean {
  const running = store.inFlight().find((e) => e.executionId === executionId);
  return running !== undefined && running.attempt < 3;
}

/**
 * Checks every crash state with `reopen` (which throws on any violation). Open must never refuse
 * a crash state: its damage lies only in bytes that were never synced, which is a torn tail.
 * A refusal is counted in `refused` and fails the state.
 */
export async function checkCrashStates(
  taken: Taken[],
  options: {
    crashFs: CrashFs;
    /** The log directory under the CrashFs root. */
    dir: string;
    tally: Tally;
    reopen: (stateDir: string, ackedLsn: number) => Promise<void>;
    /** Prefix of failure messages (seed, run). */
    label: string;
    /** Keep the directories of the first 20 failing states per kind (default true). */
    keepFailures?: boolean;
  },
): Promise<void> {
  const { crashFs, dir, tally, reopen, label } = options;
  const logName = relative(crashFs.root, dir);
  for (const { state, ackedLsn, moment } of taken) {
    const entry = kindTally(tally, state.kind);
    entry.cases += 1;
    const stateDir = crashFs.pathIn(state, dir);
    try {
      try {
        await reopen(stateDir, ackedLsn);
      } catch (error) {
        if (!(error instanceof WalCorruptionError)) throw error;
        // Damage in durable bytes would be the simulator's bug; in unsynced bytes, the reader's:
        // a sync point (docs/format.md#flags) follows any damage that was ever durable.
        expectUnsyncedDamage(error, state, logName, stateDir);
        entry.refused += 1;
        throw new Error(
          `open refused a crash state whose damage is only in unsynced bytes: ${error.message}`,
        );
      }
      rmSync(state.root, { recursive: true, force: true });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const keep = options.keepFailures !== false && entry.failures.length < 20;
      if (!keep) rmSync(state.root, { recursive: true, force: true });
      entry.failures.push(
        `${label}, ${state.kind} at ${moment}: ${message}\n  crash state ` +
          `${keep ? `kept in ${state.root}` : 'removed'}\n  ${state.changes.join('\n  ')}`,
      );
    }
  }
}

/** Throws unless `error` is about the last segment at or past its durable length. */
function expectUnsyncedDamage(
  error: WalCorruptionError,
  state: CrashState,
  logName: string,
  stateDir: string,
): void {
  const { segment, offset } = error.location;
  const durable = state.durableBytes.get(`${logName}/${segment}`);
  const last = segmentNames(stateDir).at(-1);
  if (segment !== last || durable === undefined || offset < durable) {
    throw new Error(
      `open refused damage in durable bytes (${segment} at offset ${offset}, durable ` +
        `${durable} B, last segment ${last}): ${error.message}`,
    );
  }
}

/**
 * Reopens a writer's crash state in the default mode: the records must be a prefix of what was
 * written reaching `ackedLsn`; then 5 more appends, and a reread must give all of them.
 */
export async function checkWriterState(
  dir: string,
  oracle: LogOracle,
  ackedLsn: number,
  maxSegmentBytes: number,
): Promise<void> {
  const recovered: WalRecord[] = [];
  const writer = await WalWriter.open(dir, { maxSegmentBytes }, (r) => recovered.push(r));
  const extra: WalRecord[] = [];
  try {
    const lastLsn = oracle.check(recovered, { ackedLsn });
    await Promise.all(
      [0, 1, 2, 3, 4].map(async (i) => {
        const record = { type: 1, value: { after: lastLsn, i } };
        const result = await writer.append([record]);
        extra[i] = { lsn: result.firstLsn, ...record };
      }),
    );
  } finally {
    await writer.close();
  }
  const reread: WalRecord[] = [];
  const report = replayLog(dir, {}, (r) => reread.push(r));
  if (report.tail.status !== 'clean') {
    throw new Error(`reread after 5 appends found a torn tail: ${JSON.stringify(report.tail)}`);
  }
  if (!isDeepStrictEqual(reread, [...recovered, ...extra])) {
    throw new Error(
      `reread after 5 appends: ${reread.length} records, expected ${recovered.length + 5}`,
    );
  }
}

/**
 * Like checkWriterState, but the reopen (tail repair included), the 5 appends and the close run
 * on a CrashFs over the crash state, which takes crash states of its own (power loss during
 * recovery); each is checked with checkWriterState into `nested`: every record the first crash
 * left on disk must survive, and every append of the recovery session that resolved.
 */
export async function checkWriterStateNested(
  stateDir: string,
  oracle: LogOracle,
  ackedLsn: number,
  maxSegmentBytes: number,
  random: () => number,
  nested: Tally,
  label: string,
): Promise<void> {
  const crashFs = new CrashFs(dirname(stateDir));
  const session = new LogOracle();
  const taken: Taken[] = [];
  let opened = false;
  // During open the records it will recover are not known yet: -1 stands for "all of them".
  takeCrashStates(
    crashFs,
    random,
    () => 0.1,
    () => (opened ? session.ackedLsn : -1),
    taken,
  );
  const recovered: WalRecord[] = [];
  const writer = await WalWriter.open(stateDir, { fs: crashFs, maxSegmentBytes }, (r) =>
    recovered.push(r),
  );
  try {
    const lastLsn = oracle.check(recovered, { ackedLsn });
    for (const record of recovered) session.wrote(record);
    session.acknowledged(lastLsn);
    opened = true;
    await Promise.all(
      [0, 1, 2, 3, 4].map(async (i) => {
        const record = { type: 1, value: { during: lastLsn, i } };
        session.wrote({ lsn: lastLsn + 1 + i, ...record });
        const result = await writer.append([record]);
        session.acknowledged(result.lastLsn);
      }),
    );
  } finally {
    await writer.close();
    crashFs.onEvent = undefined;
  }
  for (const entry of taken) if (entry.ackedLsn === -1) entry.ackedLsn = recovered.length;
  await checkCrashStates(taken, {
    crashFs,
    dir: stateDir,
    tally: nested,
    label: `${label}, power loss during recovery`,
    reopen: (nestedDir, nestedAcked) =>
      checkWriterState(nestedDir, session, nestedAcked, maxSegmentBytes),
  });
}

/**
 * Reopens a journal's crash state: the store must equal the brute-force fold of a written
 * prefix reaching `ackedLsn` (checkpoint + suffix included); 5 more cleanups, then a reread of
 * the records on disk must be that prefix (from the first one retention kept) and the 5.
 */
export async function checkStoreState(
  dir: string,
  oracle: LogOracle,
  ackedLsn: number,
  options: WalStoreOptions,
): Promise<WalStore['recoveryReport']> {
  const store = await WalStore.open(dir, { ...options, fs: undefined });
  let lastLsn: number;
  try {
    lastLsn = oracle.checkJournal(store, options, { ackedLsn });
    for (let i = 0; i < 5; i++) {
      await store.cleanupExecuted('after-crash', {
        resourceId: `r${i}`,
        action: 'delete',
        success: true,
        executedAt: 9_000_000 + i,
      });
    }
  } finally {
    await store.close();
  }
  const reread: WalRecord[] = [];
  const report = replayLog(dir, {}, (r) => reread.push(r));
  if (report.tail.status !== 'clean') throw new Error('reread after 5 appends found a torn tail');
  const fromLsn = reread[0]?.lsn ?? lastLsn + 1;
  oracle.check(reread.slice(0, lastLsn - fromLsn + 1), { ackedLsn: 0, fromLsn });
  const after = reread
    .slice(lastLsn - fromLsn + 1)
    .map((r) => [r.lsn, (decodeRecord(r)!.payload as CleanupPayload).resourceId]);
  const want = [0, 1, 2, 3, 4].map((i) => [lastLsn + 1 + i, `r${i}`]);
  if (!isDeepStrictEqual(after, want)) {
    throw new Error(`reread after 5 appends: ${JSON.stringify(after)}`);
  }
  return store.recoveryReport;
}

const seamMethods = [
  'open',
  'close',
  'read',
  'write',
  'fdatasync',
  'truncate',
  'size',
  'syncDir',
  'rename',
  'unlink',
  'readdir',
  'mkdir',
  'exists',
  'stat',
  'sameFile',
  'fstat',
  'rmdir',
  'utimes',
] as const satisfies readonly (keyof FileSystem)[];
/** Fails to compile when the seam gains a method this list does not name. */
const seamMethodsComplete: Exclude<keyof FileSystem, (typeof seamMethods)[number]> extends never
  ? true
  : never = true;
void seamMethodsComplete;

/** The seam's methods bound to `fs`, as a plain object a test can spread and override. */
export function boundSeam(fs: FileSystem): FileSystem {
  const out: Record<string, unknown> = {};
  for (const key of seamMethods) out[key] = (fs[key] as (...args: never[]) => unknown).bind(fs);
  return out as unknown as FileSystem;
}
