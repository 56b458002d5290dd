// Power loss during checkpoints and retention (reliability plan #14). A WalStore with small
// segments, frequent automatic checkpoints, explicit checkpoint() calls and a retention policy
// runs on CrashFs (test/support/crash-fs.ts); crash states are taken mostly around checkpoint
// files, unlinks and directory syncs. Each state must satisfy, before and after reopening:
//
// - coverage: no segment is gone that a checkpoint on that disk (one that validates) does not
//   cover: the first segment starts at most one past the newest valid checkpoint. A state where
//   a checkpoint's rename was not durable but a segment unlink it allowed was is caught here
//   (the `mixed` kind persists any subset of a directory's unsynced changes);
// - a checkpoint that open loads validates (a partial one is never loaded; skipped ones are
//   listed in the recovery report);
// - the reopened store (checkpoint + replayed suffix) equals the brute-force fold of a written
//   prefix reaching every acknowledged record; 5 more records, and a reread, agree.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, parseCheckpointName } from '../../src/format/checkpoint-codec.js';
import { parseSegmentName } from '../../src/format/segment-name.js';
import { WalStore } from '../../src/store/wal-store.js';
import type { FileSystem } from '../../src/wal/file-system.js';
import type { RetentionPolicy } from '../../src/wal/segment-retention.js';
import type { Durability } from '../../src/wal/wal-writer.js';
import { CrashFs, type CrashFsEvent, type CrashKind, crashKinds } from '../support/crash-fs.js';
import {
  allFailures,
  boundSeam,
  checkCrashStates,
  checkStoreState,
  inBursts,
  journalCaller,
  type Taken,
  type Tally,
  takeCrashStates,
} from '../support/crash-runs.js';
import { LogOracle } from '../support/oracle.js';
import { recordResult } from '../support/reliability-log.js';
import { randomInt, seededRandom, tier, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

const budget = tier === 'torture' ? { runs: 600, moments: 20 } : { runs: 16, moments: 14 };
/** Per test: the fast tier shares 2 cores with other suites; the torture tier runs for hours. */
const timeoutMs = tier === 'torture' ? 6 * 3_600_000 : 180_000;

const limits = { maxHistoryEntries: 30, maxInFlight: 10_000, maxActions: 10_000 };

const tally: Tally = new Map();
/** States whose recovery report listed a checkpoint it skipped (damaged or partial). */
let skippedCheckpoints = 0;

afterAll(() => {
  let cases = 0;
  let refused = 0;
  for (const kind of crashKinds) {
    const entry = tally.get(kind);
    if (!entry) continue;
    recordResult(
      14,
      `power loss during checkpoint and retention (${kind})`,
      entry.cases,
      entry.failures.length,
    );
    cases += entry.cases;
    refused += entry.refused;
  }
  if (cases > 0) {
    const known = 'power loss during checkpoint and retention: open refused a crash state';
    recordResult(14, known, cases, refused);
    console.log(
      `checkpoint power loss: ${cases} crash states, ${refused} refused as mid-log (known ` +
        `limit), ${skippedCheckpoints} with a checkpoint skipped at open`,
    );
  }
  removeTempDirs();
});

interface Run {
  mode: Durability;
  seed: number;
  maxSegmentBytes: number;
  /** Wraps the seam the store sees (the harness tests drop syncs with it). */
  wrap?: (fs: FileSystem) => FileSystem;
  /** Retention to use instead of a random one; null: none (a fallback finds every record). */
  retention?: RetentionPolicy | null;
  /** Crash states to take at each moment, and when (default: one of each kind, chanceFor). */
  kinds?: readonly CrashKind[];
  chance?: (event: CrashFsEvent) => number;
}

/** Checkpoint files, unlinks and directory syncs are where a crash state is most telling. */
function chanceFor(appends: number): (event: CrashFsEvent) => number {
  const base = budget.moments / (appends * 4);
  return (event) =>
    isCheckpointFile(event.path) || event.op === 'unlink' || event.op === 'sync-dir'
      ? Math.min(1, base * 6)
      : base;
}

async function checkpointRun(run: Run, into: Tally): Promise<void> {
  const random = seededRandom(run.seed);
  const root = tempDir('checkpoint-power-loss');
  const crashFs = new CrashFs(root);
  const dir = join(root, 'journal');
  const oracle = new LogOracle();
  const taken: Taken[] = [];
  const total = randomInt(random, 60, 160);
  crashFs.onEvent = (event) => {
    if (event.op === 'write') oracle.observeWrite(event.path, event.position, event.bytes);
  };
  takeCrashStates(
    crashFs,
    seededRandom(run.seed ^ 0x5bd1e995),
    run.chance ?? chanceFor(total),
    () => oracle.ackedLsn,
    taken,
    run.kinds ?? kindsFor,
  );
  const retention: RetentionPolicy | undefined =
    run.retention !== undefined
      ? (run.retention ?? undefined)
      : random() < 0.7
        ? { maxSegments: randomInt(random, 1, 4) }
        : { maxBytes: 2 * run.maxSegmentBytes + randomInt(random, 0, 4) * 4096 };
  const options = {
    ...limits,
    durability: run.mode,
    maxSegmentBytes: run.maxSegmentBytes,
    checkpointEveryBytes: randomInt(random, 2, 12) * 1024,
    retention,
    syncIntervalMs: 1,
  };
  const store = await WalStore.open(dir, {
    ...options,
    fs: run.wrap ? run.wrap(crashFs) : crashFs,
  });
  const call = journalCaller(store, random);
  const acknowledge = (lsn: number) => {
    if (run.mode === 'fsync') oracle.acknowledged(lsn);
  };
  // Besides the automatic ones, a checkpoint now and then; in 'interval' mode it syncs first,
  // so everything folded before it is acknowledged when it resolves.
  const sometimesCheckpoint = async () => {
    if (random() >= 0.15) return;
    const result = await store.checkpoint();
    oracle.acknowledged(result.lsn);
  };
  await inBursts(random, total, async () => acknowledge(await call()), sometimesCheckpoint);
  const upTo = store.lastLsn;
  await store.close();
  oracle.acknowledged(upTo);
  crashFs.onEvent = undefined;
  if (crashFs.eventError) throw crashFs.eventError;
  await checkCrashStates(taken, {
    crashFs,
    dir,
    tally: into,
    label: `replay with CHECKPOINT_POWER_LOSS_RUN=${run.mode}:${run.seed}:${run.maxSegmentBytes}`,
    keepFailures: run.wrap === undefined,
    reopen: async (stateDir, ackedLsn) => {
      expectCovered(stateDir);
      const report = await checkStoreState(stateDir, oracle, ackedLsn, options);
      if (report.rejectedCheckpoints.length > 0) skippedCheckpoints += 1;
    },
  });
  rmSync(root, { recursive: true, force: true });
}

/**
 * Throws unless every segment missing from the front of the log is covered by a checkpoint on
 * this disk that validates. Run on the state as the power loss left it, before any reopen.
 */
function expectCovered(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // the log directory itself never became durable: an empty log
  }
  const bases = names.map(parseSegmentName).filter((b): b is number => b !== undefined);
  const first = Math.min(...bases);
  if (bases.length === 0 || first === 1) return;
  let newestValid = 0;
  for (const name of names) {
    const lsn = parseCheckpointName(name);
    if (lsn === undefined || lsn <= newestValid) continue;
    const verdict = decodeCheckpoint(readFileSync(join(dir, name)));
    if (verdict.ok && verdict.lsn === lsn) newestValid = lsn;
  }
  if (newestValid < first - 1) {
    throw new Error(
      `segments before lsn ${first} are gone but the newest valid checkpoint is at lsn ` +
        `${newestValid} (files: ${names.sort().join(', ')})`,
    );
  }
}

/** At a segment unlink, extra `mixed` states: each persists another subset of the directory. */
function kindsFor(event: CrashFsEvent): readonly CrashKind[] {
  const unlink = event.op === 'unlink' && event.path.endsWith('.wal');
  return unlink ? [...crashKinds, 'mixed', 'mixed', 'mixed'] : crashKinds;
}

/** A checkpoint file or its temp file (by name: the test directories have 'checkpoint' in theirs). */
function isCheckpointFile(path: string): boolean {
  return basename(path).startsWith('checkpoint-');
}

async function runs(mode: Durability, count: number, body: (run: Run) => Promise<void>) {
  const spec = process.env.CHECKPOINT_POWER_LOSS_RUN?.split(':');
  if (spec) {
    if (spec[0] === mode)
      await body({ mode, seed: Number(spec[1]), maxSegmentBytes: Number(spec[2]) });
    return;
  }
  await withSeed(`checkpoint-power-loss ${mode}`, async (random) => {
    for (let i = 0; i < count; i++) {
      const seed = (random() * 2 ** 32) >>> 0;
      await body({ mode, seed, maxSegmentBytes: randomInt(random, 4, 12) * 1024 });
    }
  });
}

describe('power loss during checkpoints and retention', () => {
  for (const [mode, share] of [
    ['fsync', 0.75],
    ['interval', 0.25],
  ] as const) {
    it(
      `${mode}: checkpoint + suffix is a prefix reaching every ack; nothing deleted uncovered`,
      async () => {
        const before = allFailures(tally).length;
        await runs(mode, Math.ceil(budget.runs * share), (run) => checkpointRun(run, tally));
        const failures = allFailures(tally).slice(before);
        expect(failures.slice(0, 3), `${failures.length} failing crash states`).toEqual([]);
      },
      timeoutMs,
    );
  }

  it('retention leaves at most one segment unlink unsynced at any moment', async () => {
    // With one directory sync after all its unlinks, a disk that kept some of them but not an
    // older one left that old segment before a gap: the store opened (its checkpoint skips the
    // segment) but history() stopped at the gap and `exec-wal verify` failed (found at
    // CHECKPOINT_POWER_LOSS_RUN=fsync:2279536558:4096, a `mixed` state).
    const crashFs = new CrashFs(tempDir('retention-unlinks'));
    const dir = join(crashFs.root, 'journal');
    const store = await WalStore.open(dir, {
      fs: crashFs,
      maxSegmentBytes: 4096,
      checkpointEveryBytes: 0,
      retention: { maxSegments: 1 },
    });
    const unsyncedAtUnlink: number[] = [];
    crashFs.onEvent = (event) => {
      if (event.op === 'unlink' && event.path.endsWith('.wal')) {
        unsyncedAtUnlink.push(crashFs.unsyncedDirOps);
      }
    };
    // Enough records for several 4 KiB segments (a v2 cleanup frame is about 56 bytes).
    for (let i = 0; i < 400; i++) {
      await store.cleanupExecuted('s', { resourceId: `r${i}`, action: 'delete', success: true });
    }
    const { removedSegments } = await store.checkpoint();
    await store.close();
    expect(removedSegments.length).toBeGreaterThan(2);
    expect(unsyncedAtUnlink).toEqual(removedSegments.map(() => 1));
  });

  it('the harness catches retention that deletes before the checkpoint rename is durable', async () => {
    // Drops the directory syncs that follow a checkpoint's rename until the event loop turns
    // (its own, pruning's and retention's): a segment unlink can then persist without the
    // rename (a `mixed` state), leaving records uncovered.
    const skipSyncAfterRename = (fs: FileSystem): FileSystem => {
      let skip = false;
      return {
        ...boundSeam(fs),
        rename: (from, to) => {
          fs.rename(from, to);
          if (!isCheckpointFile(to)) return;
          skip = true;
          setImmediate(() => {
            skip = false;
          });
        },
        syncDir: (path) => {
          if (!skip) fs.syncDir(path);
        },
      };
    };
    const harness: Tally = new Map();
    const uncoveredIn = () =>
      allFailures(harness).filter((f) => f.includes('are gone but the newest'));
    await withSeed('checkpoint-power-loss harness', async (random) => {
      // A run exposes the planted bug only when one of its random `mixed` states keeps the
      // unlink and drops the rename (about 4 runs in 5 do): runs go on until one does, up to 12
      // (a miss in all of them, ~1e-8, is a harness that no longer catches it).
      for (let i = 0; i < 12 && uncoveredIn().length === 0; i++) {
        const seed = (random() * 2 ** 32) >>> 0;
        await checkpointRun(
          {
            mode: 'fsync',
            seed,
            maxSegmentBytes: 4096,
            wrap: skipSyncAfterRename,
            retention: { maxSegments: 1 },
            // At every segment unlink, several `mixed` states (each a random subset).
            kinds: ['mixed', 'mixed', 'mixed', 'mixed'],
            chance: (event) => (event.op === 'unlink' && event.path.endsWith('.wal') ? 1 : 0),
          },
          harness,
        );
      }
    });
    expect(uncoveredIn().length).toBeGreaterThan(0);
  });

  it('a partial checkpoint (renamed before its data was durable) is skipped, never loaded', async () => {
    // Drops the fdatasync of checkpoint temp files: crash states then hold checkpoint files that
    // are empty or cut short. Open must skip them (listed in the recovery report) and fall back
    // to an older checkpoint or a full replay: every state still passes every check.
    const skipCheckpointSync = (fs: FileSystem): FileSystem => {
      const checkpointFds = new Set<number>();
      return {
        ...boundSeam(fs),
        open: (path, mode) => {
          const fd = fs.open(path, mode);
          if (isCheckpointFile(path)) checkpointFds.add(fd);
          else checkpointFds.delete(fd);
          return fd;
        },
        fdatasync: async (fd) => {
          if (!checkpointFds.has(fd)) await fs.fdatasync(fd);
        },
      };
    };
    const harness: Tally = new Map();
    const skippedBefore = skippedCheckpoints;
    await withSeed('checkpoint-power-loss partial', async (random) => {
      for (let i = 0; i < 2; i++) {
        const seed = (random() * 2 ** 32) >>> 0;
        const run = { mode: 'fsync' as const, seed, maxSegmentBytes: 4096 };
        await checkpointRun({ ...run, wrap: skipCheckpointSync, retention: null }, harness);
      }
    });
    expect(allFailures(harness).slice(0, 3)).toEqual([]);
    expect(skippedCheckpoints - skippedBefore).toBeGreaterThan(0);
  });
});
