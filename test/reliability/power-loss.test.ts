// Power loss (reliability plan #3). A writer (WalWriter, and WalStore) runs on CrashFs
// (test/support/crash-fs.ts), which models what the disk holds if power fails: unsynced bytes
// dropped, cut short, or kept in 4 KiB pieces among zeros and garbage, and directory changes not
// yet fsync'd undone. At seeded random moments the test takes a crash state of every kind, then
// reopens each with the real file system in the default recovery mode and checks it against
// the oracle (test/support/oracle.ts): open succeeds, the records are an exact prefix of what
// was written with no garbage, nothing acknowledged is lost; then 5 more appends and a reread.
//
// Durability 'fsync': every record whose append resolved must survive every crash state.
// 'interval' and 'none' lose what was not yet synced (docs/durability.md), so there only what a
// resolved sync() or close() covered must survive.
//
// Known limit (docs/recovery.md): when a later page of an unsynced write survives and an earlier
// one does not, open sees damage followed by valid frames and refuses it as mid-log damage. That
// shape needs only one unsynced write of several frames, so 'fsync' mode meets it too. Such a
// refusal is counted (and logged as its own fault class), and checked to be harmless: the damage
// lies wholly in unsynced bytes, and point-in-time repair then gives a log that passes every
// check above. Replay one run with POWER_LOSS_RUN=<mode>:<run seed>:<maxSegmentBytes> (each
// test of that mode then runs just that one), or a whole test with SEED=<seed>.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WalStore } from '../../src/store/wal-store.js';
import { replayLog } from '../../src/wal/log-replay.js';
import { type FileSystem, nodeFileSystem } from '../../src/wal/file-system.js';
import { type Durability, WalWriter } from '../../src/wal/wal-writer.js';
import { CrashFs, type CrashKind, crashKinds } from '../support/crash-fs.js';
import {
  allFailures,
  boundSeam,
  checkCrashStates,
  checkStoreState,
  checkWriterState,
  checkWriterStateNested,
  inBursts,
  journalCaller,
  randomRecord,
  type Taken,
  type Tally,
  takeCrashStates,
} from '../support/crash-runs.js';
import { LogOracle } from '../support/oracle.js';
import { recordResult } from '../support/reliability-log.js';
import { randomInt, seededRandom, tier, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

/** Runs per test; each run takes a state of every kind at about `moments` seam events. */
const budget =
  tier === 'torture'
    ? { fsyncRuns: 700, storeRuns: 300, lossyRuns: 250, moments: 20, nested: 0.05 }
    : { fsyncRuns: 30, storeRuns: 14, lossyRuns: 8, moments: 15, nested: 0.05 };
/** Per test: the fast tier shares 2 cores with other suites; the torture tier runs for hours. */
const timeoutMs = tier === 'torture' ? 6 * 3_600_000 : 180_000;

const limits = { maxHistoryEntries: 40, maxInFlight: 10_000, maxActions: 10_000 };

const fsyncTally: Tally = new Map();
const lossyTally: Tally = new Map();
/** Crash states taken during the recovery of a crash state (tail repair, 5 appends, close). */
const recoveryTally: Tally = new Map();

afterAll(() => {
  for (const [tally, suffix] of [
    [fsyncTally, ''],
    [lossyTally, ', durability interval/none'],
  ] as const) {
    let cases = 0;
    let refused = 0;
    for (const kind of crashKinds) {
      const entry = tally.get(kind);
      if (!entry) continue;
      const fault = `power loss (${kind})${suffix}`;
      recordResult(3, fault, entry.cases, entry.failures.length);
      cases += entry.cases;
      refused += entry.refused;
      if (entry.refused > 0) {
        console.log(
          `${fault}: open refused ${entry.refused} of ${entry.cases} crash states as mid-log ` +
            'damage (all of it in unsynced bytes; point-in-time repair kept every ack)',
        );
      }
    }
    if (cases > 0)
      recordResult(3, `power loss: open refused a crash state${suffix}`, cases, refused);
  }
  const during = [...recoveryTally.values()];
  if (during.length > 0) {
    const cases = during.reduce((sum, entry) => sum + entry.cases, 0);
    const failures = during.reduce((sum, entry) => sum + entry.failures.length, 0);
    recordResult(3, 'power loss during recovery (tail repair, appends, close)', cases, failures);
  }
  removeTempDirs();
});

interface Run {
  mode: Durability;
  seed: number;
  maxSegmentBytes: number;
  /** Wraps the seam the writer sees (the harness self-test drops syncs with it). */
  wrap?: (fs: FileSystem) => FileSystem;
}

const label = (run: Run) =>
  `replay with POWER_LOSS_RUN=${run.mode}:${run.seed}:${run.maxSegmentBytes}`;

/** Seam events a run of `appends` appends makes, roughly: the crash chance is tuned to it. */
const chanceFor = (appends: number) => () => budget.moments / (appends * 3);

async function writerRun(run: Run, tally: Tally): Promise<void> {
  const random = seededRandom(run.seed);
  const root = tempDir('power-loss');
  const crashFs = new CrashFs(root);
  const dir = join(root, 'log');
  const oracle = new LogOracle();
  const taken: Taken[] = [];
  const total = randomInt(random, 20, 90);
  const crashRandom = seededRandom(run.seed ^ 0x5bd1e995);
  takeCrashStates(crashFs, crashRandom, chanceFor(total), () => oracle.ackedLsn, taken);
  const writer = await WalWriter.open(dir, {
    fs: run.wrap ? run.wrap(crashFs) : crashFs,
    durability: run.mode,
    maxSegmentBytes: run.maxSegmentBytes,
    syncIntervalMs: 1,
  });
  const append = async () => {
    const count = random() < 0.8 ? 1 : randomInt(random, 2, 4);
    const first = writer.nextLsn;
    const records = Array.from({ length: count }, (_, i) => randomRecord(random, first + i));
    for (const [i, record] of records.entries()) oracle.wrote({ lsn: first + i, ...record });
    const result = await writer.append(records);
    if (run.mode === 'fsync') oracle.acknowledged(result.lastLsn);
  };
  // In 'interval' and 'none' modes only a resolved sync() (or close) acknowledges.
  const sometimesSync = async () => {
    if (run.mode === 'fsync' || random() >= 0.1) return;
    const upTo = writer.nextLsn - 1;
    await writer.sync();
    oracle.acknowledged(upTo);
  };
  await inBursts(random, total, append, sometimesSync);
  const upTo = writer.nextLsn - 1;
  await writer.close();
  oracle.acknowledged(upTo);
  crashFs.onEvent = undefined;
  if (crashFs.eventError) throw crashFs.eventError;
  await checkCrashStates(taken, {
    crashFs,
    dir,
    tally,
    label: label(run),
    keepFailures: run.wrap === undefined,
    // Now and then the reopen itself runs on a CrashFs and loses power (in 'fsync' mode).
    reopen: (stateDir, ackedLsn) =>
      run.mode === 'fsync' && run.wrap === undefined && crashRandom() < budget.nested
        ? checkWriterStateNested(
            stateDir,
            oracle,
            ackedLsn,
            run.maxSegmentBytes,
            crashRandom,
            recoveryTally,
            label(run),
          )
        : checkWriterState(stateDir, oracle, ackedLsn, run.maxSegmentBytes),
  });
  rmSync(root, { recursive: true, force: true });
}

/** A journal workload through WalStore; the oracle learns the records from the segment writes. */
async function storeRun(run: Run, tally: Tally): Promise<void> {
  const random = seededRandom(run.seed);
  const root = tempDir('power-loss-store');
  const crashFs = new CrashFs(root);
  const dir = join(root, 'journal');
  const oracle = new LogOracle();
  const taken: Taken[] = [];
  const total = randomInt(random, 30, 120);
  crashFs.onEvent = (event) => {
    if (event.op === 'write') oracle.observeWrite(event.path, event.position, event.bytes);
  };
  const crashRandom = seededRandom(run.seed ^ 0x5bd1e995);
  takeCrashStates(crashFs, crashRandom, chanceFor(total), () => oracle.ackedLsn, taken);
  const options = {
    ...limits,
    durability: run.mode,
    maxSegmentBytes: run.maxSegmentBytes,
    checkpointEveryBytes: 0,
  };
  const store = await WalStore.open(dir, { ...options, fs: crashFs });
  const call = journalCaller(store, random);
  await inBursts(random, total, async () => oracle.acknowledged(await call()));
  await store.close();
  crashFs.onEvent = undefined;
  if (crashFs.eventError) throw crashFs.eventError;
  await checkCrashStates(taken, {
    crashFs,
    dir,
    tally,
    label: `${label(run)} (WalStore)`,
    reopen: async (stateDir, ackedLsn) => {
      await checkStoreState(stateDir, oracle, ackedLsn, options);
    },
  });
  rmSync(root, { recursive: true, force: true });
}

function allCases(tally: Tally): number {
  return [...tally.values()].reduce((sum, entry) => sum + entry.cases, 0);
}

function expectNoFailures(tally: Tally): void {
  const failures = allFailures(tally);
  expect(failures.slice(0, 3), `${failures.length} failing crash states`).toEqual([]);
}

/** POWER_LOSS_RUN=<mode>:<seed>:<maxSegmentBytes> replays that one run, if it is of `mode`. */
function replayRun(mode: Durability): Run | undefined {
  const spec = process.env.POWER_LOSS_RUN?.split(':');
  if (!spec || spec[0] !== mode) return undefined;
  return { mode, seed: Number(spec[1]), maxSegmentBytes: Number(spec[2]) };
}

async function runs(
  mode: Durability,
  count: number,
  segmentKiB: [number, number],
  body: (run: Run) => Promise<void>,
): Promise<void> {
  const replay = replayRun(mode);
  if (replay) return body(replay);
  await withSeed(`power-loss ${mode}`, async (random) => {
    for (let i = 0; i < count; i++) {
      const seed = (random() * 2 ** 32) >>> 0;
      const maxSegmentBytes = randomInt(random, segmentKiB[0], segmentKiB[1]) * 1024;
      await body({ mode, seed, maxSegmentBytes });
    }
  });
}

describe("power loss in durability 'fsync'", () => {
  it(
    'WalWriter: every acknowledged record survives every crash state',
    async () => {
      await runs('fsync', budget.fsyncRuns, [16, 160], (run) => writerRun(run, fsyncTally));
      expectNoFailures(fsyncTally);
      expectNoFailures(recoveryTally);
      expect(allCases(recoveryTally)).toBeGreaterThan(0);
    },
    timeoutMs,
  );

  it(
    'WalStore: the reopened journal is the fold of a written prefix reaching every ack',
    async () => {
      const before = allFailures(fsyncTally).length;
      await runs('fsync', budget.storeRuns, [4, 24], (run) => storeRun(run, fsyncTally));
      expect(allFailures(fsyncTally).slice(before, before + 3)).toEqual([]);
    },
    timeoutMs,
  );
});

describe("power loss in durability 'interval' and 'none'", () => {
  for (const mode of ['interval', 'none'] as const) {
    it(
      `${mode}: open succeeds with a clean prefix holding everything synced`,
      async () => {
        const before = allFailures(lossyTally).length;
        await runs(mode, budget.lossyRuns, [16, 160], (run) => writerRun(run, lossyTally));
        expect(allFailures(lossyTally).slice(before, before + 3)).toEqual([]);
      },
      timeoutMs,
    );
  }
});

describe('regressions found by this suite', () => {
  it("'interval': a rotation racing the sync timer never syncs a closed descriptor", async () => {
    // The timer fired while rotation's fdatasync of the old segment was in flight and started a
    // second one on it; rotation then closed the segment, and the second sync ran on a closed
    // descriptor: EBADF failed the writer, or the new segment had reused the number and was
    // synced instead (found by checkpoint-power-loss, CHECKPOINT_POWER_LOSS_RUN=interval:
    // 2783522736:7168). This seam makes syncs slow and fails one whose descriptor was closed
    // (or reopened) while it waited.
    const delaysMs: number[] = [];
    const opened = new Map<number, number>();
    let opens = 0;
    const fs: FileSystem = {
      ...boundSeam(nodeFileSystem),
      open: (path, mode) => {
        const fd = nodeFileSystem.open(path, mode);
        opened.set(fd, ++opens);
        return fd;
      },
      close: (fd) => {
        opened.delete(fd);
        nodeFileSystem.close(fd);
      },
      fdatasync: async (fd) => {
        const which = opened.get(fd);
        await new Promise((resolve) => setTimeout(resolve, delaysMs.shift() ?? 0));
        if (opened.get(fd) !== which) throw new Error('fdatasync of a descriptor closed meanwhile');
        await nodeFileSystem.fdatasync(fd);
      },
    };
    const dir = tempDir('rotation-race');
    const writer = await WalWriter.open(dir, {
      fs,
      durability: 'interval',
      syncIntervalMs: 1,
      maxSegmentBytes: 4096,
    });
    try {
      await writer.append([{ type: 1, value: 'a'.repeat(3000) }]);
      await new Promise((resolve) => setTimeout(resolve, 20)); // the timer's sync is done
      delaysMs.push(10, 40); // rotation's sync of the old segment; a second one, if any starts
      await writer.append([{ type: 1, value: 'b'.repeat(100) }]); // arms the 1 ms timer
      await writer.append([{ type: 1, value: 'c'.repeat(3000) }]); // rotates
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(writer.failure).toBeUndefined();
      await writer.append([{ type: 1, value: 'd' }]);
    } finally {
      await writer.close();
    }
    const values: unknown[] = [];
    replayLog(dir, {}, (r) => values.push(r.value));
    expect(values.map((v) => String(v)[0])).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('the harness', () => {
  // A writer that skips a sync the engine makes must fail some crash state: otherwise this
  // suite could not see a missing fsync in src.
  const skipping = (what: 'fdatasync' | 'syncDir') => (fs: FileSystem) =>
    ({
      ...boundSeam(fs),
      ...(what === 'fdatasync' ? { fdatasync: async () => {} } : { syncDir: () => {} }),
    }) as FileSystem;

  for (const [what, kind] of [
    ['fdatasync', 'drop-unsynced'],
    ['syncDir', 'undo-dir-ops'],
  ] as const) {
    it(`catches a writer that skips ${what} (${kind} states lose acknowledged records)`, async () => {
      const tally: Tally = new Map();
      await withSeed(`power-loss harness ${what}`, async (random) => {
        for (let i = 0; i < 3; i++) {
          const run: Run = {
            mode: 'fsync',
            seed: (random() * 2 ** 32) >>> 0,
            maxSegmentBytes: 16 * 1024,
            wrap: skipping(what),
          };
          await writerRun(run, tally);
        }
      });
      // Lost acknowledged records, or (a header never synced) a sealed segment open refuses.
      expect(tally.get(kind as CrashKind)?.failures.length).toBeGreaterThan(0);
    });
  }
});
