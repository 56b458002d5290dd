// Reopen idempotence and leaks (reliability plan #16): open -> recover -> close, many times, on a
// journal with a torn tail, a leftover temp file and a checkpoint; after a fault injected on the
// k-th call of each kind (test/support/faulty-fs.ts, k swept, transient and sticky) in open,
// repair and close; and on power-loss crash states (test/support/crash-fs.ts). Every time:
// the state is the same, the open file descriptors (entries of /proc/self/fd) come back to
// their baseline, and no lock directory (or break marker) is left after close.
import {
  appendFileSync,
  cpSync,
  existsSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WalError } from '../../src/errors.js';
import { WalStore, type WalStoreOptions } from '../../src/store/wal-store.js';
import { CrashFs, type CrashKind, crashKinds } from '../support/crash-fs.js';
import { inBursts, journalCaller } from '../support/crash-runs.js';
import { FaultyFileSystem, type FsCall } from '../support/faulty-fs.js';
import { recordResult } from '../support/reliability-log.js';
import { randomBytesFrom, seededRandom, tier, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';
import { segmentNames } from '../support/byte-poke.js';

const budget =
  tier === 'torture'
    ? { cycles: 300, crashStates: 400, calls: 1500 }
    : { cycles: 25, crashStates: 30, calls: 150 };
/** Per test: the fast tier shares 2 cores with other suites; the torture tier runs longer. */
const timeoutMs = tier === 'torture' ? 3_600_000 : 120_000;

const options: WalStoreOptions = {
  maxHistoryEntries: 50,
  maxSegmentBytes: 8192,
  checkpointEveryBytes: 0,
};

const results: { fault: string; cases: number; failures: string[] }[] = [];

afterAll(() => {
  for (const { fault, cases, failures } of results) {
    recordResult(16, fault, cases, failures.length);
  }
  removeTempDirs();
});

/** Runs `check` per case, keeping every failure message instead of stopping at the first. */
async function sweep(fault: string, cases: (() => Promise<void>)[]): Promise<string[]> {
  const failures: string[] = [];
  for (const [i, check] of cases.entries()) {
    try {
      await check();
    } catch (error) {
      failures.push(`case ${i}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  results.push({ fault, cases: cases.length, failures });
  return failures;
}

function openFds(): string[] {
  return readdirSync('/proc/self/fd').map((fd) => {
    try {
      return `${fd} -> ${readlinkSync(`/proc/self/fd/${fd}`)}`;
    } catch {
      return `${fd} (gone)`;
    }
  });
}

let baselineFds = Number.POSITIVE_INFINITY;

beforeAll(async () => {
  // One open and close first: modules and the native checksum load lazily, once.
  const dir = await makeJournal(1);
  const store = await WalStore.open(dir, options);
  await store.close();
  await new Promise((resolve) => setTimeout(resolve, 20));
  baselineFds = openFds().length;
});

/** Throws unless the descriptor count is back to the baseline (after letting closes settle). */
async function expectFdsAtBaseline(what: string): Promise<void> {
  for (let tries = 0; tries < 20; tries++) {
    if (openFds().length <= baselineFds) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(
    `${what}: ${openFds().length} descriptors open, baseline ${baselineFds}:\n  ${openFds().join('\n  ')}`,
  );
}

/**
 * No lock directory and no break marker left. A lock renamed away to be deleted (a grave,
 * `writer.lock.removing-*`) is no lock: it is allowed only when `graves` says the fault made its
 * deletion impossible (a sticky unlink, readdir or rmdir failure); a later open sweeps it.
 */
function expectNoLock(dir: string, what: string, graves: 'allowed' | 'refused' = 'refused'): void {
  const left = existsSync(dir)
    ? readdirSync(dir).filter(
        (name) =>
          name.startsWith('writer.lock') &&
          !(graves === 'allowed' && name.startsWith('writer.lock.removing-')),
      )
    : [];
  if (left.length > 0) throw new Error(`${what}: lock left behind: ${left.join(', ')}`);
}

/** Everything a store answers about its state, for comparison across opens. */
function view(store: WalStore): string {
  return JSON.stringify({
    lastLsn: store.lastLsn,
    counters: store.counters,
    stats: store.allActionStats(),
    executions: store.recentActionExecutions(1_000_000),
    failures: store.recentFailures(1_000_000),
    cleanups: store.recentCleanupOperations(1_000_000),
    inFlight: store.inFlight().map((open) => [open.lsn, open.executionId]),
  });
}

/** A journal with a checkpoint, records after it, a torn tail and a leftover temp file. */
async function makeJournal(seed: number): Promise<string> {
  const random = seededRandom(seed);
  const dir = join(tempDir('reopen-leaks'), 'journal');
  const store = await WalStore.open(dir, options);
  const call = journalCaller(store, random);
  await inBursts(random, 80, call);
  await store.checkpoint();
  await inBursts(random, 40, call);
  await store.close();
  const last = segmentNames(dir).at(-1)!;
  appendFileSync(join(dir, last), randomBytesFrom(random, 700));
  writeFileSync(join(dir, `${'f'.repeat(16)}.wal.tmp`), 'left by a crashed rotation');
  return dir;
}

/** A fresh copy of the journal in `source` (each faulted open may repair its own copy). */
function copyOf(source: string): string {
  const dir = join(tempDir('reopen-leaks-copy'), 'journal');
  cpSync(source, dir, { recursive: true });
  return dir;
}

/** Open, read the state, close; then descriptors at baseline and no lock. */
async function cycle(
  dir: string,
  extra: WalStoreOptions = {},
  graves: 'allowed' | 'refused' = 'refused',
): Promise<string> {
  const store = await WalStore.open(dir, { ...options, ...extra });
  let state: string;
  try {
    state = view(store);
  } finally {
    await store.close();
  }
  await expectFdsAtBaseline(`after closing ${dir}`);
  expectNoLock(dir, `after closing ${dir}`, graves);
  return state;
}

describe('reopen idempotence and leaks', () => {
  it(
    'open -> recover -> close many times: same state, descriptors back, no lock',
    async () => {
      await withSeed('reopen-leaks cycles', async (_, seed) => {
        const journal = await makeJournal(seed);
        const reference = await cycle(copyOf(journal));
        const dir = copyOf(journal);
        const cases = Array.from({ length: budget.cycles }, (_, i) => async () => {
          const state = await cycle(dir, i % 5 === 4 ? { readOnly: true } : {});
          if (state !== reference) throw new Error(`open ${i + 1} gave another state`);
        });
        const failures = await sweep('reopen cycles (torn tail, temp file, checkpoint)', cases);
        expect(failures.slice(0, 3)).toEqual([]);
      });
    },
    timeoutMs,
  );

  it(
    'after a fault on the k-th call of each kind (transient, sticky): the same state once reopened',
    async () => {
      await withSeed('reopen-leaks faults', async (_, seed) => {
        const journal = await makeJournal(seed);
        const reference = await cycle(copyOf(journal));
        // How many calls of each kind a clean open + close makes: k is swept over all of them.
        const counting = new FaultyFileSystem();
        await cycle(copyOf(journal), { fs: counting });
        for (const sticky of [false, true]) {
          const cases: (() => Promise<void>)[] = [];
          for (const call of Object.keys(counting.calls) as FsCall[]) {
            for (let nth = 1; nth <= counting.calls[call]; nth++) {
              cases.push(async () => {
                const dir = copyOf(journal);
                const fs = new FaultyFileSystem([{ call, nth, sticky, error: 'EIO' }]);
                const what = `${sticky ? 'sticky' : 'transient'} EIO on ${call} #${nth}`;
                const undeletable = sticky && ['unlink', 'readdir', 'rmdir'].includes(call);
                try {
                  const state = await cycle(dir, { fs }, undeletable ? 'allowed' : 'refused');
                  if (state !== reference)
                    throw new Error(`${what}: open succeeded with another state`);
                } catch (error) {
                  if (!(error instanceof WalError)) {
                    throw new Error(`${what}: not a WalError: ${String(error)}`);
                  }
                  await expectFdsAtBaseline(`${what}, failed open`);
                  expectNoLock(dir, `${what}, failed open`, undeletable ? 'allowed' : 'refused');
                }
                // A grave the fault left is swept by an open once older than a removal takes.
                if ((await cycle(dir, {}, undeletable ? 'allowed' : 'refused')) !== reference)
                  throw new Error(`${what}: reopened to another state`);
              });
            }
          }
          const kind = sticky ? 'sticky' : 'transient';
          const failures = await sweep(
            `reopen after a ${kind} injected fault (k-th call swept)`,
            cases,
          );
          expect(failures.slice(0, 3)).toEqual([]);
        }
      });
    },
    timeoutMs,
  );

  it(
    'after a failed sync the writer closes cleanly: descriptors back, no lock',
    async () => {
      await withSeed('reopen-leaks failed close', async (_, seed) => {
        const journal = await makeJournal(seed);
        const cases = (['fdatasync', 'write'] as const).flatMap((call) =>
          [false, true].map((sticky) => async () => {
            const dir = copyOf(journal);
            const fs = new FaultyFileSystem();
            const store = await WalStore.open(dir, { ...options, fs });
            fs.failNext(call, { error: 'EIO' }, 1, sticky);
            const failed = await store
              .cleanupExecuted('s', { resourceId: 'r', action: 'delete', success: true })
              .then(
                () => undefined,
                (error: unknown) => error,
              );
            if (!(failed instanceof WalError)) throw new Error(`${call}: the append did not fail`);
            await store.close().catch(() => undefined);
            await expectFdsAtBaseline(`after a failed ${call}`);
            expectNoLock(dir, `after a failed ${call}`);
            await cycle(dir);
          }),
        );
        // 'interval': the sync close() makes fails; close still releases everything.
        cases.push(async () => {
          const dir = copyOf(journal);
          const fs = new FaultyFileSystem();
          const store = await WalStore.open(dir, { ...options, fs, durability: 'interval' });
          await store.cleanupExecuted('s', { resourceId: 'r', action: 'delete', success: true });
          fs.failNext('fdatasync', { error: 'EIO' });
          const failed = await store.close().then(
            () => undefined,
            (error: unknown) => error,
          );
          await expectFdsAtBaseline('after a failed sync in close');
          expectNoLock(dir, 'after a failed sync in close');
          if (!(failed instanceof WalError)) {
            throw new Error(`close after a failed sync: not a WalError: ${String(failed)}`);
          }
          await cycle(dir);
        });
        const failures = await sweep('close after a failed write or sync', cases);
        expect(failures.slice(0, 3)).toEqual([]);
      });
    },
    timeoutMs,
  );

  it(
    'on power-loss crash states: every reopen gives the state the first one did',
    async () => {
      await withSeed('reopen-leaks crash states', async (random, seed) => {
        const root = tempDir('reopen-leaks-crash');
        const crashFs = new CrashFs(root);
        const dir = join(root, 'journal');
        const states: { root: string; kind: CrashKind }[] = [];
        const crashRandom = seededRandom(seed ^ 0x5bd1e995);
        crashFs.onEvent = () => {
          if (states.length < budget.crashStates && crashRandom() < 0.3) {
            const kind = crashKinds[states.length % crashKinds.length]!;
            states.push({ root: crashFs.crashState(crashRandom, kind).root, kind });
          }
        };
        const store = await WalStore.open(dir, {
          ...options,
          fs: crashFs,
          checkpointEveryBytes: 6000,
        });
        await inBursts(random, budget.calls, journalCaller(store, random));
        await store.close();
        crashFs.onEvent = undefined;
        const cases = states.map(({ root: stateRoot, kind }) => async () => {
          const stateDir = join(stateRoot, 'journal');
          try {
            let first: string | undefined;
            for (let i = 0; i < 3; i++) {
              let state: string;
              try {
                state = await cycle(stateDir);
              } catch (error) {
                // Refused as mid-log damage (the known limit, see power-loss.test.ts): the refusal
                // must leak nothing either, and be the same every time.
                await expectFdsAtBaseline(`${kind} state, refused open`);
                expectNoLock(stateDir, `${kind} state, refused open`);
                state = `refused: ${error instanceof Error ? error.message : String(error)}`;
              }
              first ??= state;
              if (state !== first)
                throw new Error(`${kind} state: open ${i + 1} gave another state`);
            }
          } finally {
            rmSync(stateRoot, { recursive: true, force: true });
          }
        });
        const failures = await sweep('reopen cycles on power-loss crash states', cases);
        expect(cases.length).toBeGreaterThan(0);
        expect(failures.slice(0, 3)).toEqual([]);
      });
    },
    timeoutMs,
  );
});
