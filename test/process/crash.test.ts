// Process crashes (reliability plan #1 and #2). A real writer process (children/append-writer)
// appends a deterministic stream with durability 'fsync' and is SIGKILLed at random moments, or
// kills itself at a named crash point. After every death the log must open (tolerate-tail), hold
// every acknowledged record, be an exact prefix of what was written (no gap, no duplicate, no
// garbage: every value is recomputed) and take appends from the next LSN. Each test reuses one
// directory across kills, so repairs and rotations accumulate. Children run from dist/:
// `make build` first (make test does).
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SEGMENT_HEADER_BYTES } from '../../src/format/constants.js';
import { encodeBatch, frameBytesFor } from '../../src/format/frame-codec.js';
import { encodePayload } from '../../src/format/payload-codec.js';
import { decodeSegmentHeader } from '../../src/format/segment-header.js';
import { crashPointNames } from '../../src/wal/crash-point.js';
import { replayLog } from '../../src/wal/log-replay.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import { type OpenReport, WalWriter } from '../../src/wal/wal-writer.js';
import { LOCK_DIR_NAME, readHolder } from '../../src/wal/writer-lock.js';
import { type Child, killChildren, spawnChild } from '../support/child-process.js';
import { streamMismatch, streamRecord } from '../support/crash-stream.js';
import { randomBytesFrom, randomInt, tier, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterEach(killChildren);
afterAll(removeTempDirs);

const logs = tier === 'torture' ? 8 : 4;
const killsPerLog = tier === 'torture' ? 80 : 26;
const logTimeoutMs = tier === 'torture' ? 900_000 : 60_000;

/** Records LSN firstLsn + i (i < count) are record i of the stream seeded `seed`. */
interface Run {
  seed: number;
  firstLsn: number;
  count: number;
}

/** What the log must hold: the runs of every writer so far, in LSN order. */
class LogModel {
  readonly runs: Run[] = [];

  get nextLsn(): number {
    const last = this.runs.at(-1);
    return last ? last.firstLsn + last.count : 1;
  }
}

interface ChildRun {
  child: Child;
  seed: number;
  /** LSN the child's record 0 gets (it reports the same in its `ready` line). */
  firstLsn: number;
}

interface Check {
  lastLsn: number;
  report: OpenReport;
}

function spawnWriter(
  dir: string,
  model: LogModel,
  seed: number,
  segmentBytes: number,
  env: Record<string, string> = {},
): ChildRun {
  const child = spawnChild('append-writer', [dir, String(seed), String(segmentBytes)], env);
  return { child, seed, firstLsn: model.nextLsn };
}

const readyLsn = (child: Child) => {
  const line = child.lines.find((l) => l.startsWith('ready '));
  return line === undefined ? undefined : Number(line.slice(6));
};

const ackCount = (child: Child) => child.lines.filter((l) => l.startsWith('ack ')).length;

/** Highest LSN the child acknowledged (0 when none). */
function ackedLsn(child: Child): number {
  let acked = 0;
  for (const line of child.lines) {
    if (line.startsWith('ack ')) acked = Math.max(acked, Number(line.slice(4)));
  }
  return acked;
}

/**
 * After the child died: it died by SIGKILL and never reported anything unexpected; its `ready`
 * LSN was the model's; then the parent removes the dead child's lock (the operator's move after
 * a crash, instead of waiting out lockStaleMs) and reopens and checks the log.
 */
async function afterDeath(
  dir: string,
  model: LogModel,
  run: ChildRun,
  parentSeed: number,
  damage: () => void = () => {},
) {
  const exit = await run.child.exited;
  const fatal = run.child.lines.find((l) => l.startsWith('fatal'));
  expect(fatal, run.child.describe()).toBeUndefined();
  expect(exit.signal, run.child.describe()).toBe('SIGKILL');
  const ready = readyLsn(run.child);
  if (ready !== undefined) expect(ready).toBe(run.firstLsn);
  damage();
  removeDeadLock(dir, run.child.pid);
  return reopenAndCheck(dir, model, run, ackedLsn(run.child), parentSeed);
}

function removeDeadLock(dir: string, deadPid: number): void {
  const holder = readHolder(dir);
  if (holder && holder.pid !== deadPid) {
    throw new Error(`writer.lock is held by pid ${holder.pid}, not by the dead child ${deadPid}`);
  }
  rmSync(join(dir, LOCK_DIR_NAME), { recursive: true, force: true });
}

/**
 * Reopens the log with a WalWriter and checks every record against the model plus the dead
 * child's run (of unknown length, at least up to its last ack); fixes that run's length; then
 * appends 1-3 records of a parent stream and checks they get the next LSNs.
 */
async function reopenAndCheck(
  dir: string,
  model: LogModel,
  run: ChildRun,
  acked: number,
  parentSeed: number,
): Promise<Check> {
  const checker = recordChecker([
    ...model.runs,
    { seed: run.seed, firstLsn: run.firstLsn, count: Number.POSITIVE_INFINITY },
  ]);
  const writer = await WalWriter.open(dir, {}, checker.onRecord);
  try {
    if (checker.problem()) throw new Error(checker.problem());
    const lastLsn = writer.nextLsn - 1;
    expect(lastLsn, 'records read vs the writer position').toBe(checker.lastLsn());
    expect(lastLsn, 'records of earlier, cleanly closed writers').toBeGreaterThanOrEqual(
      run.firstLsn - 1,
    );
    expect(lastLsn, 'every acknowledged record is in the log').toBeGreaterThanOrEqual(acked);
    model.runs.push({ seed: run.seed, firstLsn: run.firstLsn, count: lastLsn - run.firstLsn + 1 });

    const count = 1 + (parentSeed % 3);
    const records = Array.from({ length: count }, (_, i) => streamRecord(parentSeed, i));
    const appended = await writer.append(records);
    expect(appended).toEqual({ firstLsn: lastLsn + 1, lastLsn: lastLsn + count });
    model.runs.push({ seed: parentSeed, firstLsn: lastLsn + 1, count });
    return { lastLsn, report: writer.openReport };
  } finally {
    await writer.close();
  }
}

/** Checks records, handed over in order, against `runs`: LSNs 1, 2, ... and recomputed values. */
function recordChecker(runs: readonly Run[]) {
  let expectedLsn = 1;
  let at = 0;
  let problem: string | undefined;
  return {
    onRecord(record: WalRecord): void {
      if (problem) return;
      if (record.lsn !== expectedLsn) {
        problem = `lsn ${record.lsn} read where ${expectedLsn} was expected (gap or duplicate)`;
        return;
      }
      expectedLsn += 1;
      while (at < runs.length && record.lsn >= runs[at]!.firstLsn + runs[at]!.count) at += 1;
      const owner = runs[at];
      const why = owner
        ? streamMismatch(owner.seed, record.lsn - owner.firstLsn, record)
        : 'past every record ever written';
      if (why) problem = `lsn ${record.lsn}: ${why}`;
    },
    problem: () => problem,
    lastLsn: () => expectedLsn - 1,
  };
}

/** Reads the whole log (read-only) and checks it is exactly the model. */
function checkWholeLog(dir: string, model: LogModel): void {
  const checker = recordChecker(model.runs);
  const scan = replayLog(dir, {}, checker.onRecord);
  if (checker.problem()) throw new Error(checker.problem());
  expect(scan.tail.status).toBe('clean');
  expect(scan.lastLsn).toBe(model.nextLsn - 1);
}

/** Kills the running child at a moment drawn from `random`: during start-up, after a delay or
 * right after its k-th acknowledgement. */
async function killAtRandom(child: Child, random: () => number): Promise<void> {
  const plan = random();
  if (plan < 0.15) {
    await delay(randomInt(random, 0, 60));
  } else {
    await child.waitFor('ready line', () => readyLsn(child), 30_000);
    if (plan < 0.6) {
      await delay(randomInt(random, 0, 120));
    } else {
      const k = randomInt(random, 1, 40);
      await child.waitFor(`ack #${k}`, () => (ackCount(child) >= k ? true : undefined), 30_000);
    }
  }
  child.signal('SIGKILL');
}

describe('a writer process SIGKILLed at random moments', () => {
  for (let log = 0; log < logs; log++) {
    it(
      `log ${log}: ${killsPerLog} kills, each reopened and checked`,
      async () => {
        await withSeed(`crash log ${log}`, async (random) => {
          const dir = join(tempDir('crash'), 'log');
          const segmentBytes = randomInt(random, 16, 256) * 1024;
          const model = new LogModel();
          let repairs = 0;
          let damaged = 0;
          for (let kill = 0; kill < killsPerLog; kill++) {
            const run = spawnWriter(dir, model, randomInt(random, 1, 2 ** 31), segmentBytes);
            await killAtRandom(run.child, random);
            // A quarter of the deaths also leave a torn last write (SIGKILL alone rarely does).
            let damage: TailDamage | undefined;
            const check = await afterDeath(dir, model, run, randomInt(random, 1, 2 ** 31), () => {
              if (random() < 0.25) damage = damageTail(dir, random);
            });
            if (damage) damaged += 1;
            if (damage && damage !== 'zeros') {
              expect(check.report.repair, `${damage} at the tail was repaired`).toBeDefined();
            }
            if (check.report.repair) repairs += 1;
          }
          checkWholeLog(dir, model);
          console.info(
            `crash log ${log}: ${killsPerLog} kills, ${model.nextLsn - 1} records, ` +
              `${damaged} torn tails made, ${repairs} tail repairs, ${readdirSync(dir).length} files`,
          );
        });
      },
      logTimeoutMs,
    );
  }
});

/** The crash points a WalWriter reaches; checkpoint:* and retention:* belong to the store and
 * are crashed at by test/process/checkpoint-crash.test.ts. */
const writerPoints = crashPointNames.filter((name) => /^(append|rotate|repair):/.test(name));
const storePoints = crashPointNames.filter((name) => /^(checkpoint|retention):/.test(name));

describe('a writer process crashing at each named crash point', () => {
  it('covers every crash point (a new one must be added to a crash test)', () => {
    expect([...writerPoints, ...storePoints].sort()).toEqual([...crashPointNames].sort());
  });

  it.each(writerPoints)('%s', async (point) => {
    await withSeed(`crash point ${point}`, async (random) => {
      const dir = join(tempDir('crash-point'), 'log');
      const segmentBytes = 16 * 1024;
      const model = new LogModel();
      // Some data first, so that the crash lands in a log with history.
      const warmUp = spawnWriter(dir, model, randomInt(random, 1, 2 ** 31), segmentBytes);
      await warmUp.child.waitFor('ack #5', () => (ackCount(warmUp.child) >= 5 ? true : undefined));
      warmUp.child.signal('SIGKILL');
      await afterDeath(dir, model, warmUp, randomInt(random, 1, 2 ** 31));

      const repairing = point.startsWith('repair:');
      if (repairing) tearTail(dir, random);
      const after = repairing
        ? 1
        : point.startsWith('rotate:')
          ? randomInt(random, 1, 3)
          : randomInt(random, 1, 30);
      const run = spawnWriter(dir, model, randomInt(random, 1, 2 ** 31), segmentBytes, {
        EXEC_WAL_CRASH_POINT: point,
        EXEC_WAL_CRASH_AFTER: String(after),
      });
      // Never reaching the point is a failure too: the wait times out.
      await run.child.waitFor(`death at ${point} (after ${after})`, () => run.child.exit, 30_000);
      if (repairing) expect(readyLsn(run.child), 'died while opening').toBeUndefined();
      const check = await afterDeath(dir, model, run, randomInt(random, 1, 2 ** 31));
      if (point === 'repair:after-backup') expect(check.report.repair?.action).toBe('truncated');
      if (point === 'repair:after-truncate') {
        expect(check.report.repair).toBeUndefined();
        expect(check.report.scan.tail.status).toBe('clean');
      }

      // And the log goes on: one more writer, killed, checked.
      const next = spawnWriter(dir, model, randomInt(random, 1, 2 ** 31), segmentBytes);
      await next.child.waitFor('ack #3', () => (ackCount(next.child) >= 3 ? true : undefined));
      next.child.signal('SIGKILL');
      await afterDeath(dir, model, next, randomInt(random, 1, 2 ** 31));
      checkWholeLog(dir, model);
    });
  });
});

function lastSegment(dir: string): string | undefined {
  // A kill before the child's open created the directory leaves no log at all.
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir)
    .filter((name) => name.endsWith('.wal'))
    .sort()
    .at(-1);
}

/** Appends 1-4096 bytes of garbage to the last segment: a torn tail the next open repairs. */
function tearTail(dir: string, random: () => number): void {
  const last = lastSegment(dir);
  if (!last) throw new Error(`no segment in ${dir}`);
  const garbage = randomBytesFrom(random, randomInt(random, 1, 4096));
  garbage[0] = garbage[0]! | 1;
  appendFileSync(join(dir, last), garbage);
}

type TailDamage = 'torn batch' | 'garbage' | 'zeros';

/** Records of a batch that was never acknowledged: none may ever be read back. */
const TORN_SEED = 0x70a4;

/**
 * Leaves the last segment as a crash in the middle of a write would: a strict prefix of a real
 * batch (right LSNs and salt, so its whole frames check, but the batch has no final frame),
 * garbage, or zeros (a file extended but never written).
 */
function damageTail(dir: string, random: () => number): TailDamage {
  const last = lastSegment(dir);
  const roll = random();
  if (!last || roll < 0.2) {
    if (last) appendFileSync(join(dir, last), Buffer.alloc(randomInt(random, 1, 8192)));
    return 'zeros';
  }
  const path = join(dir, last);
  const verdict = decodeSegmentHeader(readFileSync(path).subarray(0, SEGMENT_HEADER_BYTES));
  // Whole frames of the next LSNs only after a clean end: after a tail the child already tore
  // (big writes do tear), they would be frames that check after damage, which no crash leaves.
  const scan = roll < 0.4 ? undefined : replayLog(dir, {}, () => {});
  if (scan?.tail.status !== 'clean' || verdict.kind !== 'ok') {
    tearTail(dir, random);
    return 'garbage';
  }
  const frames = Array.from({ length: randomInt(random, 2, 6) }, (_, i) => ({
    type: 1,
    payload: encodePayload(streamRecord(TORN_SEED, i).value),
  }));
  const batch = encodeBatch(frames, scan.lastLsn + 1, verdict.header.salt);
  // Half the time right after a whole frame: frames that check, of a batch that never ended.
  const wholeFrames = randomInt(random, 1, frames.length - 1);
  const cut =
    random() < 0.5
      ? frames.slice(0, wholeFrames).reduce((sum, f) => sum + frameBytesFor(f.payload.length), 0)
      : randomInt(random, 1, batch.length - 1);
  appendFileSync(path, batch.subarray(0, cut));
  return 'torn batch';
}
