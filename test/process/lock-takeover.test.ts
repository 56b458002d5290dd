// Taking over the writer lock of a holder proven dead (docs/durability.md#the-writer-lock), with
// real processes: a supervisor's reopen right after SIGKILL succeeds on the first try; exactly
// one of 8 concurrent openers wins a dead holder's lock, every round; a zombie or a reused pid
// counts as dead; a holder elsewhere, or one whose liveness cannot be proven, keeps the stale
// window; a replay longer than lockStaleMs keeps its lock; a writer that exits without close()
// leaves its lock free. Linux only (elsewhere no holder is ever proven dead). Children run from
// dist/: `make build` first (make test does).
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, WalLockedError } from '../../src/errors.js';
import { WalStore } from '../../src/index.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import { LOCK_DIR_NAME } from '../../src/wal/writer-lock.js';
import { type Child, killChildren, spawnChild } from '../support/child-process.js';
import { FaultyFileSystem } from '../support/faulty-fs.js';
import {
  appendTagged,
  makeLock,
  median,
  openInChild,
  ownHost,
  readTagged,
  STALE_MS,
  startHolder,
} from '../support/lock-fixtures.js';
import { randomInt, tier, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

/** Plain processes (sleep, sh) spawned for their pids; killed after each test. */
const plain: ChildProcess[] = [];

afterEach(async () => {
  for (const child of plain.splice(0)) child.kill('SIGKILL');
  await killChildren();
});
afterAll(removeTempDirs);

/** The issue's target (12 §1): the median reopen after SIGKILL, over this many kills. */
const KILLS = 50;
const REOPEN_MEDIAN_TARGET_MS = 200;
/** Rounds of 8 openers against a dead holder's lock; only ever more in the torture tier. */
const DEAD_RACE_ROUNDS = tier === 'torture' ? 1000 : 200;
const RACERS = 8;
/** A loser answers without waiting for anything: generous, far below the stale window. */
const LOSER_BOUND_MS = 1000;

const openError = (dir: string, options = {}) =>
  WalWriter.open(dir, { lockStaleMs: STALE_MS, ...options }).then(
    async (writer) => {
      await writer.close();
      return undefined;
    },
    (error: unknown) => error,
  );

describe.runIf(ownHost !== undefined)('taking over the lock of a dead holder', () => {
  it(`reopens right after SIGKILL of a real writer: first try, median < ${REOPEN_MEDIAN_TARGET_MS} ms over ${KILLS} kills`, async () => {
    await withSeed('reopen after SIGKILL', async (random) => {
      const dir = join(tempDir('lock-kill'), 'journal');
      const reopenMs: number[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        const child = spawnChild('store-appender', [dir]);
        const wanted = randomInt(random, 1, 40);
        await child.waitFor(`${wanted} acks`, () => {
          const fatal = child.lines.find((l) => l.startsWith('fatal'));
          if (fatal) throw new Error(`${child.describe()}: ${fatal}`);
          return child.lines.filter((l) => l.startsWith('ack ')).length >= wanted || undefined;
        });
        await child.kill();
        const lastAck = Number(
          child.lines
            .filter((l) => l.startsWith('ack '))
            .at(-1)!
            .slice(4),
        );
        // A supervisor's restart: at once, default options (lockStaleMs 5000), no retry.
        const began = performance.now();
        const store = await WalStore.open(dir).catch((error: unknown) => {
          throw new Error(`kill ${kill}: the first reopen failed: ${String(error)}`);
        });
        reopenMs.push(performance.now() - began);
        try {
          expect(store.lastLsn, `kill ${kill}`).toBeGreaterThanOrEqual(lastAck);
        } finally {
          await store.close();
        }
      }
      const med = median(reopenMs);
      const max = Math.max(...reopenMs);
      console.info(
        `reopen after SIGKILL, ${KILLS} kills, every one on the first try: median ` +
          `${med.toFixed(1)} ms, max ${max.toFixed(1)} ms (default lockStaleMs 5000)`,
      );
      // The issue's explicit target, measured on this (noisy, shared) machine.
      expect(med).toBeLessThan(REOPEN_MEDIAN_TARGET_MS);
    });
  }, 180_000);

  it(
    `lets exactly one of ${RACERS} processes take a dead holder's lock (${DEAD_RACE_ROUNDS} rounds)`,
    async () => {
      await withSeed('dead holder race', async (random) => {
        const dir = join(tempDir('lock-dead-race'), 'log');
        const racers = await Promise.all(Array.from({ length: RACERS }, () => startHolder(dir)));
        const kinds = ['dead pid', 'reused pid', 'racer pid reused', 'killed holder'] as const;
        const loserMs: number[] = [];
        const winners: { tag: string; pid: number; lsns: number[] }[] = [];
        for (let round = 0; round < DEAD_RACE_ROUNDS; round++) {
          // A killed real holder every 20th round (spawning one costs ~0.2 s), else hand-made.
          const kind = round % 20 === 19 ? 'killed holder' : kinds[randomInt(random, 0, 2)]!;
          await makeDeadHolderLock(dir, kind, racers[round % RACERS]!);
          const tag = `round-${round}`;
          const ofRound = (type: string) => (m: Record<string, unknown>) =>
            m.tag === tag && (m.type === type || m.type === `${type}-failed`);
          for (const racer of racers) racer.send({ cmd: 'race', tag });
          const results = await Promise.all(
            racers.map((racer) => racer.waitFor(tag, () => racer.messages.find(ofRound('race')))),
          );
          const summary = `${tag} (${kind}): ${results.map((r) => `${r.outcome} ${r.code ?? ''} ${r.refusal ?? ''}`).join(', ')}`;
          const won = racers.filter((_, i) => results[i]!.outcome === 'won');
          expect(won.length, summary).toBe(1);
          for (const result of results) {
            if (result.outcome === 'won') {
              // It broke the dead holder's lock, or came just after another racer broke it.
              expect(['deadHolder', 'none'], summary).toContain(result.lockTakeover);
              continue;
            }
            expect(result.code, summary).toBe(ErrorCode.locked);
            loserMs.push(result.openMs as number);
          }
          const winner = won[0]!;
          winner.send({ cmd: 'release' });
          const done = await winner.waitFor(`${tag} done`, () =>
            winner.messages.find(ofRound('race-done')),
          );
          expect(done, summary).toMatchObject({ type: 'race-done' });
          winners.push({ tag, pid: winner.pid, lsns: done.lsns as number[] });
        }
        console.info(
          `${DEAD_RACE_ROUNDS} rounds of ${RACERS} openers against a dead holder's lock: one ` +
            `winner each; losers answered WAL_LOCKED in median ${median(loserMs).toFixed(1)} ms, ` +
            `max ${Math.max(...loserMs).toFixed(1)} ms`,
        );
        expect(Math.max(...loserMs)).toBeLessThan(LOSER_BOUND_MS);
        const records = readTagged(dir);
        for (const { tag, pid, lsns } of winners) {
          expect(
            records.filter((r) => r.tag === tag).map((r) => [r.lsn, r.who]),
            tag,
          ).toEqual(lsns.map((lsn) => [lsn, pid]));
        }
        expect(
          readdirSync(dir).filter((name) => name.startsWith(`${LOCK_DIR_NAME}.`)),
          'markers or lock directories left behind',
        ).toEqual([]);
      });
    },
    tier === 'torture' ? 1_800_000 : 180_000,
  );

  it('takes over at once from a zombie, a reused pid, and this process under an old start time', async () => {
    const cases: [string, () => Promise<Record<string, unknown>>][] = [
      ['a zombie', async () => ({ pid: await zombiePid() })],
      [
        'a reused pid (another start time)',
        async () => ({ pid: (await sleeper()).pid!, startTicks: 1 }),
      ],
      [
        'this pid, started earlier',
        async () => ({ pid: process.pid, startTicks: ownHost!.startTicks - 1 }),
      ],
      ['a dead pid whose lock is also stale', async () => ({})],
    ];
    for (const [what, owner] of cases) {
      const dir = join(tempDir('lock-dead'), 'log');
      makeLock(dir, await owner(), what.includes('stale') ? STALE_MS + 5000 : 0);
      const began = performance.now();
      const writer = await WalWriter.open(dir, { lockStaleMs: STALE_MS });
      const tookMs = performance.now() - began;
      await writer.close();
      expect(writer.openReport.lockTakeover, what).toBe('deadHolder');
      expect(tookMs, what).toBeLessThan(STALE_MS);
    }
  });

  it('keeps the stale window for a holder elsewhere, and says where, since when and what to do', async () => {
    const dir = join(tempDir('lock-elsewhere'), 'log');
    const owner = makeLock(
      dir,
      { pid: 4242, hostname: 'other-host', hostId: `${ownHost!.hostId}-another-boot` },
      0,
    )!;
    const error = (await openError(dir)) as WalLockedError;
    expect(error).toBeInstanceOf(WalLockedError);
    expect(error.refusal).toBe('holderElsewhere');
    expect(error.holder).toMatchObject({ pid: 4242, hostname: 'other-host' });
    expect(error.staleAtMs).toBeGreaterThan(Date.now() + STALE_MS - 1000);
    for (const part of ['pid 4242', 'other-host', new Date(owner.sinceMs).toISOString()]) {
      expect(error.message).toContain(part);
    }
    expect(error.message).toMatch(/read-only.*stop that writer.*lockStaleMs/);
    // Once the lock is lockStaleMs old it is taken over as a stale lock.
    makeLock(dir, undefined, STALE_MS + 100);
    const writer = await WalWriter.open(dir, { lockStaleMs: STALE_MS });
    await writer.close();
    expect(writer.openReport.lockTakeover).toBe('staleLock');
  });

  it('keeps the stale window when the holder cannot be proven dead', async () => {
    const procStat = /^\/proc\/\d+\/stat$/;
    const cases: [string, Record<string, unknown>, (fs: FaultyFileSystem) => void, string][] = [
      [
        'an unreadable /proc/<pid>/stat',
        {},
        (fs) => fs.failPath('open', procStat, { error: 'EACCES' }, 1, true),
        'EACCES',
      ],
      [
        'a /proc that hides a running pid (hidepid)',
        { pid: process.pid, startTicks: 1 },
        (fs) => fs.failPath('open', procStat, { error: 'ENOENT' }, 1, true),
        '/proc hides it',
      ],
      ['a lock without a host id', { hostId: undefined }, () => {}, 'no host id'],
    ];
    for (const [what, owner, fault, why] of cases) {
      const dir = join(tempDir('lock-unproven'), 'log');
      makeLock(dir, owner, 0);
      const fs = new FaultyFileSystem();
      fault(fs);
      const error = (await openError(dir, { fs })) as WalLockedError;
      expect(error, what).toBeInstanceOf(WalLockedError);
      expect(error.refusal, what).toBe('holderUnverifiable');
      expect(error.message, what).toContain(why);
      makeLock(dir, undefined, STALE_MS + 100);
      const writer = await WalWriter.open(dir, { lockStaleMs: STALE_MS, fs });
      await writer.close();
      expect(writer.openReport.lockTakeover, what).toBe('staleLock');
    }
  });

  // Two ways a synchronous replay outlasts the stale window: slow segment reads (a seam that
  // blocks the thread, as a real slow read does), kept fresh by the writer's seam calls; and a
  // slow fold over one segment read at once, kept fresh by the check every 256 records.
  const slowReplays = [
    ['slow segment reads', { maxSegmentBytes: 4096 }],
    ['a slow record callback', { maxSegmentBytes: 1 << 20 }],
  ] as const;
  it.each(slowReplays)(
    'keeps the lock through a replay longer than lockStaleMs (%s): no other process gets it',
    async (how, { maxSegmentBytes }) => {
      const RECORDS = 2048;
      const replayMs = STALE_MS * 1.75;
      const root = tempDir('lock-long-replay');
      const dir = join(root, 'log');
      const flagFile = join(root, 'opened');
      const writer = await WalWriter.open(dir, { lockStaleMs: STALE_MS, maxSegmentBytes });
      await appendTagged(writer, 'before', RECORDS / 2);
      await writer.close();
      const counting = new FaultyFileSystem();
      counting.failPath('read', /\.wal$/, { stallMs: 0 }, 1, true);
      const probe = await WalWriter.open(dir, { lockStaleMs: STALE_MS, fs: counting });
      await probe.close();
      const reads = counting.fired.length;
      const fs = new FaultyFileSystem();
      let onRecord = () => {};
      if (how === 'slow segment reads') {
        fs.failPath('read', /\.wal$/, { stallMs: Math.ceil(replayMs / reads) }, 1, true);
      } else {
        const sleeper = new Int32Array(new SharedArrayBuffer(4));
        onRecord = () => void Atomics.wait(sleeper, 0, 0, replayMs / RECORDS);
      }

      const contender = await startHolder(dir);
      const contend = { fromPid: process.pid, flagFile, everyMs: 50, deadlineMs: 30_000 };
      contender.send({ cmd: 'contend', ...contend });
      const began = Date.now();
      const long = await WalWriter.open(dir, { lockStaleMs: STALE_MS, fs }, onRecord);
      const openMs = Date.now() - began;
      writeFileSync(flagFile, 'opened');
      try {
        const contended = await contender.message('contended', 30_000);
        const attempts = contended.attempts as { atMs: number; type: string; refusal: string }[];
        console.info(
          `replay with ${how} (${reads} segment reads) took ${openMs} ms (lockStaleMs ` +
            `${STALE_MS}); ${attempts.length} opens by another process meanwhile, all refused`,
        );
        expect(openMs).toBeGreaterThan(STALE_MS + 500);
        expect(attempts.filter((a) => a.type !== 'locked')).toEqual([]);
        expect(new Set(attempts.map((a) => a.refusal))).toEqual(new Set(['holderAlive']));
        // Some attempt came when a lock untouched since the open began would have been stale.
        expect(Math.max(...attempts.map((a) => a.atMs))).toBeGreaterThan(began + STALE_MS + 300);
        expect(long.openReport.scan.records).toBe(RECORDS);
        await expect(
          long.append([{ type: 7, value: { who: process.pid, tag: 'after', i: 0 } }]),
        ).resolves.toEqual({ firstLsn: RECORDS + 1, lastLsn: RECORDS + 1 });
      } finally {
        await long.close();
      }
    },
    60_000,
  );

  it('is left free by a writer that exits without close()', async () => {
    const dir = join(tempDir('lock-exit'), 'log');
    const holder = await startHolder(dir);
    expect(await openInChild(holder)).toMatchObject({ type: 'opened' });
    holder.send({ cmd: 'exit' });
    expect(await holder.exited).toEqual({ code: 0, signal: null });
    expect(readdirSync(dir).filter((name) => name.startsWith(LOCK_DIR_NAME))).toEqual([]);
  });
});

/** Leaves a lock whose holder is proven dead, with a fresh mtime (not stale). */
async function makeDeadHolderLock(
  dir: string,
  kind: 'dead pid' | 'reused pid' | 'racer pid reused' | 'killed holder',
  racer: Child,
): Promise<void> {
  if (kind === 'killed holder') {
    const holder = await startHolder(dir);
    expect(await openInChild(holder)).toMatchObject({ type: 'opened' });
    await holder.kill();
    return;
  }
  const owner =
    kind === 'dead pid'
      ? {}
      : { pid: kind === 'reused pid' ? process.pid : racer.pid, startTicks: 1 };
  makeLock(dir, owner, 0);
}

/** A process that sleeps (for a live pid with another start time than a lock records). */
async function sleeper(): Promise<ChildProcess> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  plain.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  return child;
}

/**
 * The pid of a zombie: a child of `sleep` (after exec) that exited and is never reaped. It exits
 * 0.5 s after it started, so that the shell has exec'd by then (a shell may reap it itself).
 */
async function zombiePid(): Promise<number> {
  const sh = spawn('sh', ['-c', 'sleep 0.5 & echo $!; exec sleep 30'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  plain.push(sh);
  const line = await new Promise<string>((resolve) => {
    sh.stdout!.once('data', (data) => resolve(String(data)));
  });
  const pid = Number(line.trim());
  const until = Date.now() + 10_000;
  for (let state = procState(pid); state !== 'Z'; state = procState(pid)) {
    if (Date.now() > until) throw new Error(`pid ${pid} did not become a zombie (${state})`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return pid;
}

/** Field 3 of /proc/<pid>/stat, read independently of the code under test. */
function procState(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}
