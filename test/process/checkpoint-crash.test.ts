// Crashes during checkpoint creation and retention. A real WalStore process
// (children/journal-writer) records a deterministic workload over small segments with retention
// and checkpoints (explicit checkpoint() calls, or automatic ones in the background of the
// appends) and kills itself with SIGKILL at a named crash point (EXEC_WAL_CRASH_POINT, on its
// Nth arrival: EXEC_WAL_CRASH_AFTER). Then: no segment is gone that a durable checkpoint does
// not cover, a partial checkpoint (.ckpt.tmp) is never loaded, the reopened state equals a full
// replay of every record in the surviving log, every open gives that same state, and the log
// goes on. Children run from dist/: `npx tsc -p tsconfig.json` first.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { decodeCheckpoint, parseCheckpointName } from '../../src/format/checkpoint-codec.js';
import { TEMP_SUFFIX } from '../../src/format/constants.js';
import { parseSegmentName } from '../../src/format/segment-name.js';
import { decodeRecord } from '../../src/journal/record-registry.js';
import { WalStore, type WalStoreOptions } from '../../src/store/wal-store.js';
import type { CrashPointName } from '../../src/wal/crash-point.js';
import { iterateLog } from '../../src/wal/log-replay.js';
import { LOCK_DIR_NAME, readHolder } from '../../src/wal/writer-lock.js';
import { segmentNames } from '../support/byte-poke.js';
import { killChildren, spawnChild } from '../support/child-process.js';
import {
  applyOp,
  type JournalOp,
  journalOps,
  journalView,
  opRecord,
  referenceStore,
} from '../support/journal-workload.js';
import { randomInt, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterEach(killChildren);
afterAll(removeTempDirs);

const points: CrashPointName[] = [
  'checkpoint:after-temp-write',
  'checkpoint:after-temp-sync',
  'checkpoint:after-rename',
  'retention:after-unlink',
];

const SEGMENT_BYTES = 4096;
const COUNT = 5000;
const storeOptions: WalStoreOptions = {
  maxSegmentBytes: SEGMENT_BYTES,
  retention: { maxSegments: 3 },
  checkpointEveryBytes: 0,
};

/** What the files of a crashed log say, read without opening it. */
function inspect(dir: string) {
  const names = readdirSync(dir);
  const checkpoints = names
    .filter((name) => parseCheckpointName(name) !== undefined)
    .map((name) => {
      const verdict = decodeCheckpoint(readFileSync(join(dir, name)));
      return { name, lsn: parseCheckpointName(name)!, valid: verdict.ok };
    })
    .sort((a, b) => b.lsn - a.lsn);
  const temps = names.filter(
    (name) =>
      name.endsWith(TEMP_SUFFIX) &&
      parseCheckpointName(name.slice(0, -TEMP_SUFFIX.length)) !== undefined,
  );
  const segments = segmentNames(dir);
  return {
    checkpoints,
    temps,
    segments,
    firstLsn: segments[0] ? parseSegmentName(segments[0])! : undefined,
  };
}

/** The full-replay view of ops 0..count-1, written afresh. */
async function referenceView(ops: readonly JournalOp[], count: number) {
  const reference = await referenceStore(tempDir('crash-ref'), ops.slice(0, count).map(opRecord));
  try {
    return journalView(reference);
  } finally {
    await reference.close();
  }
}

describe('a journal process crashing inside checkpoint and retention', () => {
  const cases = points.flatMap((point) => [
    { point, mode: 'checkpoint() calls' as const },
    { point, mode: 'automatic checkpoints' as const },
  ]);
  it.each(cases)('$point, $mode', async ({ point, mode }) => {
    await withSeed(`checkpoint crash ${point} ${mode}`, async (random, seed) => {
      const dir = join(tempDir('checkpoint-crash'), 'log');
      const after = randomInt(random, 1, 4);
      const child = spawnChild(
        'journal-writer',
        [
          dir,
          JSON.stringify({
            seed,
            count: COUNT,
            maxSegmentBytes: SEGMENT_BYTES,
            durability: 'fsync',
            retention: storeOptions.retention,
            concurrency: 3,
            ...(mode === 'checkpoint() calls'
              ? { checkpointEveryOps: randomInt(random, 60, 200) }
              : { checkpointEveryBytes: randomInt(random, 4, 12) * 1024 }),
          }),
        ],
        { EXEC_WAL_CRASH_POINT: point, EXEC_WAL_CRASH_AFTER: String(after) },
      );
      const exit = await Promise.race([child.exited, delay(30_000).then(() => undefined)]);
      expect(exit, `${point} (after ${after}) was never reached`).toBeDefined();
      expect(
        child.lines.find((l) => l.startsWith('fatal')),
        child.describe(),
      ).toBeUndefined();
      expect(exit?.signal, `${child.describe()}; last lines ${child.lines.slice(-3)}`).toBe(
        'SIGKILL',
      );
      expect(child.lines[0]).toBe('ready 1');
      const acked = Math.max(
        0,
        ...child.lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4))),
      );
      // The operator's move after a crash: remove the dead writer's lock.
      expect(readHolder(dir)?.pid).toBe(child.pid);
      rmSync(join(dir, LOCK_DIR_NAME), { recursive: true, force: true });

      // On disk, before anything opens it.
      const disk = inspect(dir);
      const durable = disk.checkpoints.filter((c) => c.valid);
      expect(durable.length, 'every renamed checkpoint is whole').toBe(disk.checkpoints.length);
      const coveredLsn = durable[0]?.lsn ?? 0;
      expect(disk.firstLsn, 'a segment is on disk').toBeDefined();
      expect(
        disk.firstLsn! - 1,
        'every record of a deleted segment is covered by a durable checkpoint',
      ).toBeLessThanOrEqual(coveredLsn);
      if (point.startsWith('checkpoint:after-temp')) {
        expect(disk.temps.length, 'the crash left the partial checkpoint').toBe(1);
      }
      if (point === 'retention:after-unlink') expect(disk.firstLsn).toBeGreaterThan(1);
      const tempLsns = disk.temps.map((t) => parseCheckpointName(t.slice(0, -TEMP_SUFFIX.length))!);

      const ops = journalOps(seed, COUNT);
      // Read-only first (changes nothing), then as writer, twice.
      const views = [];
      let lastLsn = 0;
      for (const readOnly of [true, false, false]) {
        const store = await WalStore.open(dir, { ...storeOptions, readOnly });
        try {
          const report = store.recoveryReport;
          expect(report.checkpoint?.name, 'the newest durable checkpoint is loaded').toBe(
            durable[0]?.name,
          );
          for (const lsn of tempLsns) expect(report.checkpoint?.lsn).not.toBe(lsn);
          lastLsn = store.lastLsn;
          views.push(journalView(store));
        } finally {
          await store.close();
        }
      }
      expect(lastLsn, 'every acknowledged record survived').toBeGreaterThanOrEqual(acked);
      expect(views[1], 'a writer open gives the read-only state').toEqual(views[0]);
      expect(views[2], 'opening twice in a row gives the same state').toEqual(views[1]);

      // The surviving log holds exactly the records written, and the state equals a full
      // replay of all of them (the oracle: the same records written afresh).
      let expectedLsn = disk.firstLsn!;
      for (const record of iterateLog(dir)) {
        expect(record.lsn).toBe(expectedLsn);
        expect(
          isDeepStrictEqual(
            { type: record.type, value: decodeRecord(record)?.payload ?? record.value },
            opRecord(ops[record.lsn - 1]!),
          ),
          `lsn ${record.lsn}`,
        ).toBe(true);
        expectedLsn += 1;
      }
      expect(expectedLsn - 1).toBe(lastLsn);
      expect(views[0]).toEqual(await referenceView(ops, lastLsn));

      // And the journal goes on: a checkpoint clears the leftover, more records, reopen.
      const store = await WalStore.open(dir, storeOptions);
      const result = await store.checkpoint();
      expect(result.lsn).toBe(lastLsn);
      expect(inspect(dir).temps).toEqual([]);
      const kept = inspect(dir).checkpoints;
      expect(kept[0]?.lsn).toBe(lastLsn);
      expect(kept.length).toBeLessThanOrEqual(2);
      const more = Math.min(COUNT, lastLsn + 200);
      for (let i = lastLsn; i < more; i++) expect(await applyOp(store, ops[i]!)).toBe(i + 1);
      await store.close();
      const reopened = await WalStore.open(dir, storeOptions);
      try {
        expect(journalView(reopened)).toEqual(await referenceView(ops, more));
      } finally {
        await reopened.close();
      }
      console.info(
        `${point} (${mode}, after ${after}): died at lsn ${lastLsn} (acked ${acked}), ` +
          `checkpoints ${disk.checkpoints.map((c) => c.lsn).join('/')}, temps ${disk.temps.length}, ` +
          `log starts at ${disk.firstLsn}`,
      );
    });
  });
});
