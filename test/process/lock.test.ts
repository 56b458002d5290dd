// The writer lock across real processes (reliability plan #11 and #12): one writer per
// directory, in this process and in others; takeover after the holder is SIGKILLed within
// lockStaleMs plus the refresh slack; exactly one winner when several processes break the same
// stale lock at once; release on close(); and fencing of a holder paused (SIGSTOP) past the stale
// window, which must stop instead of writing into the log of the writer that took over.
// Children run from dist/: `make build` first (make test does).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, WalLockedError } from '../../src/errors.js';
import { replayLog } from '../../src/wal/log-replay.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import { LOCK_DIR_NAME } from '../../src/wal/writer-lock.js';
import { type Child, killChildren, spawnChild } from '../support/child-process.js';
import { randomInt, tier, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterEach(killChildren);
afterAll(removeTempDirs);

/** Smaller than the 5 s default (src/limits.ts) to keep the suite fast; 2000 is the minimum. */
const STALE_MS = 2000;
/** proper-lockfile refreshes the lock every max(1000, stale/2) ms; the first mtime it sets is
 * up to 1 s in the future. So a dead holder's lock turns stale at most STALE_MS + 1 s after it
 * died; allow that plus scheduling slack. */
const TAKEOVER_BOUND_MS = STALE_MS + 3000;

const raceRounds = tier === 'torture' ? 150 : 24;
const pauseRounds = tier === 'torture' ? 6 : 2;
const roundsTimeoutMs = tier === 'torture' ? 900_000 : 60_000;

interface Tagged {
  who: number;
  tag: string;
  i: number;
}

async function startHolder(dir: string): Promise<Child> {
  const child = spawnChild('lock-holder', [dir, String(STALE_MS)]);
  await child.message('ready');
  return child;
}

async function openInChild(child: Child): Promise<Record<string, unknown>> {
  child.send({ cmd: 'open' });
  return child.waitFor('open result', () =>
    child.messages.find((m) => ['opened', 'locked', 'open-failed'].includes(m.type as string)),
  );
}

const acks = (child: Child) => child.messages.filter((m) => m.type === 'ack');

function waitForAcks(child: Child, count: number): Promise<true> {
  return child.waitFor(`${count} acks`, () => (acks(child).length >= count ? true : undefined));
}

/** Tries WalWriter.open every 25 ms until it succeeds; only WAL_LOCKED is retried. */
async function openWhenFree(dir: string, deadlineMs: number): Promise<WalWriter> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await WalWriter.open(dir, { lockStaleMs: STALE_MS });
    } catch (error) {
      if (!(error instanceof WalLockedError) || Date.now() > until) throw error;
    }
    await delay(25);
  }
}

function readTagged(dir: string): (Tagged & { lsn: number })[] {
  const records: WalRecord[] = [];
  replayLog(dir, {}, (record) => records.push(record));
  return records.map((r) => ({ lsn: r.lsn, ...(r.value as Tagged) }));
}

async function appendTagged(writer: WalWriter, tag: string, batches: number): Promise<number[]> {
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

describe('the writer lock', () => {
  it('refuses a second writer in the same process, naming this process', async () => {
    const dir = join(tempDir('lock'), 'log');
    const first = await WalWriter.open(dir, { lockStaleMs: STALE_MS });
    try {
      const error = await WalWriter.open(dir, { lockStaleMs: STALE_MS }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WalLockedError);
      expect((error as WalLockedError).code).toBe(ErrorCode.locked);
      expect((error as WalLockedError).holder?.pid).toBe(process.pid);
      expect((error as WalLockedError).message).toContain(`pid ${process.pid}`);
      // The refused open did not disturb the holder.
      await expect(first.append([{ type: 1, value: 'still mine' }])).resolves.toEqual({
        firstLsn: 1,
        lastLsn: 1,
      });
    } finally {
      await first.close();
    }
  });

  it('refuses writers in other processes, naming the holding process', async () => {
    const dir = join(tempDir('lock'), 'log');
    const holder = await startHolder(dir);
    expect(await openInChild(holder)).toMatchObject({ type: 'opened' });

    const error = await WalWriter.open(dir, { lockStaleMs: STALE_MS }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WalLockedError);
    expect((error as WalLockedError).code).toBe(ErrorCode.locked);
    expect((error as WalLockedError).holder?.pid).toBe(holder.pid);
    expect((error as WalLockedError).message).toContain(`pid ${holder.pid}`);

    const other = await startHolder(dir);
    expect(await openInChild(other)).toMatchObject({
      type: 'locked',
      code: ErrorCode.locked,
      holderPid: holder.pid,
    });
  });

  it('is released by close(): an immediate reopen works, here and in another process', async () => {
    const dir = join(tempDir('lock'), 'log');
    for (let i = 0; i < 3; i++) {
      const writer = await WalWriter.open(dir, { lockStaleMs: STALE_MS });
      await writer.append([{ type: 1, value: i }]);
      await writer.close();
    }
    const child = await startHolder(dir);
    expect(await openInChild(child)).toMatchObject({ type: 'opened', nextLsn: 4 });
    child.send({ cmd: 'close' });
    await child.message('closed');
    const writer = await WalWriter.open(dir, { lockStaleMs: STALE_MS });
    expect(writer.nextLsn).toBe(4);
    await writer.close();
  });

  it(`is taken over within lockStaleMs + 3 s after its holder is SIGKILLed`, async () => {
    const dir = join(tempDir('lock'), 'log');
    const holder = await startHolder(dir);
    expect(await openInChild(holder)).toMatchObject({ type: 'opened' });
    holder.send({ cmd: 'append-loop', tag: 'killed' });
    await waitForAcks(holder, 20);
    const killedAt = Date.now();
    await holder.kill();
    const acked = Math.max(...acks(holder).map((m) => m.lastLsn as number));

    // A dead holder's lock is not broken early...
    const early = await WalWriter.open(dir, { lockStaleMs: STALE_MS }).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(WalLockedError);
    expect((early as WalLockedError).holder?.pid).toBe(holder.pid);
    // ...but within the bound.
    const writer = await openWhenFree(dir, TAKEOVER_BOUND_MS);
    const tookMs = Date.now() - killedAt;
    console.info(
      `lock taken over ${tookMs} ms after SIGKILL of its holder (lockStaleMs ${STALE_MS})`,
    );
    try {
      expect(tookMs).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);
      // The holder last refreshed the lock at most ~1 s before it died.
      expect(tookMs).toBeGreaterThanOrEqual(STALE_MS - 1500);
      expect(writer.nextLsn).toBeGreaterThan(acked);
      await writer.append([{ type: 7, value: { who: process.pid, tag: 'after', i: 0 } }]);
    } finally {
      await writer.close();
    }
    const records = readTagged(dir);
    expect(records.filter((r) => r.who === holder.pid).length).toBeGreaterThanOrEqual(acked);
    expect(records.at(-1)).toMatchObject({ who: process.pid, tag: 'after' });
  });

  it(
    'lets exactly one of several processes break the same stale lock',
    async () => {
      await withSeed('stale lock race', async (random) => {
        const dir = join(tempDir('lock-race'), 'log');
        const racers = await Promise.all(
          Array.from({ length: randomInt(random, 4, 6) }, () => startHolder(dir)),
        );
        const winners: { tag: string; pid: number; lsns: number[] }[] = [];
        const kinds = ['killed holder', 'dead owner file', 'no owner file'] as const;
        for (let round = 0; round < raceRounds; round++) {
          const kind = kinds[round % kinds.length]!;
          await makeStaleLock(dir, kind, round);
          const tag = `round-${round}`;
          const ofRound = (type: string) => (m: Record<string, unknown>) =>
            m.tag === tag && (m.type === type || m.type === `${type}-failed`);
          // Released together: every racer is loaded and idle; one send each, back to back. The
          // winner holds the lock (appending) until every racer has answered.
          for (const racer of racers) racer.send({ cmd: 'race', tag });
          const results = await Promise.all(
            racers.map((racer) => racer.waitFor(tag, () => racer.messages.find(ofRound('race')))),
          );
          const summary = `${tag} (${kind}): ${results.map((r) => `${r.outcome} ${r.code ?? ''}`).join(', ')}`;
          const won = racers.filter((_, i) => results[i]!.outcome === 'won');
          expect(won.length, summary).toBe(1);
          for (const result of results) {
            if (result.outcome !== 'won') expect(result.code, summary).toBe(ErrorCode.locked);
          }
          const winner = won[0]!;
          winner.send({ cmd: 'release' });
          const done = await winner.waitFor(`${tag} done`, () =>
            winner.messages.find(ofRound('race-done')),
          );
          expect(done, summary).toMatchObject({ type: 'race-done' });
          winners.push({ tag, pid: winner.pid, lsns: done.lsns as number[] });
        }
        // Each round's records come from its one winner, contiguously, with the acked LSNs.
        const records = readTagged(dir);
        for (const { tag, pid, lsns } of winners) {
          const span = records.filter((r) => r.lsn >= lsns[0]! && r.lsn <= lsns.at(-1)!);
          expect(
            span.filter((r) => r.tag !== tag || r.who !== pid),
            `${tag}: records of others amid the winner's`,
          ).toEqual([]);
          expect(
            records.filter((r) => r.tag === tag).map((r) => r.lsn),
            tag,
          ).toEqual(lsns);
        }
        expect(
          readdirSync(dir).filter((name) => name.startsWith(`${LOCK_DIR_NAME}.`)),
          'markers or lock directories left behind',
        ).toEqual([]);
      });
    },
    roundsTimeoutMs,
  );

  it('fences an open whose replay outlasts the stale window: no repair over the new holder', async () => {
    const root = tempDir('lock-replay');
    const dir = join(root, 'log');
    const flagFile = join(root, 'taken-over');
    const first = await WalWriter.open(dir, { lockStaleMs: STALE_MS });
    const before = await appendTagged(first, 'before', 3);
    await first.close();
    tearLastSegment(dir);

    const taker = await startHolder(dir);
    taker.send({
      cmd: 'take-over',
      tag: 'taker',
      batches: 4,
      fromPid: process.pid,
      flagFile,
      deadlineMs: TAKEOVER_BOUND_MS + 5000,
    });
    let blocked = false;
    const opened = WalWriter.open(dir, { lockStaleMs: STALE_MS }, () => {
      if (blocked) return;
      blocked = true;
      // A replay this long blocks the event loop, so the lock is not refreshed and goes stale;
      // block until the other process has taken the log over and appended (or the deadline).
      const until = Date.now() + TAKEOVER_BOUND_MS + 5000;
      const sleeper = new Int32Array(new SharedArrayBuffer(4));
      while (!existsSync(flagFile) && Date.now() < until) Atomics.wait(sleeper, 0, 0, 10);
    });
    const error = await opened.then(
      async (writer) => {
        await writer.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    const tookOver = await taker.waitFor('take-over result', () =>
      taker.messages.find((m) => m.type === 'took-over' || m.type === 'take-over-failed'),
    );
    expect(tookOver).toMatchObject({ type: 'took-over' });
    expect(error, 'the outlasted open must fail').toBeInstanceOf(WalLockedError);
    expect((error as WalLockedError).holder?.pid).toBe(taker.pid);

    // The new holder's acknowledged records survived, and it still holds the lock.
    taker.send({ cmd: 'append-loop', tag: 'taker-after' });
    await waitForAcks(taker, 3);
    const records = readTagged(dir);
    expect(records.filter((r) => r.tag === 'before').map((r) => r.lsn)).toEqual(
      range(before[0]!, before.at(-1)!),
    );
    expect(records.filter((r) => r.tag === 'taker').map((r) => r.lsn)).toEqual(
      tookOver.lsns as number[],
    );
  });

  it(
    'fences a holder paused past the stale window: after SIGCONT it must not write',
    async () => {
      const dir = join(tempDir('lock-pause'), 'log');
      for (let round = 0; round < pauseRounds; round++) {
        const holder = await startHolder(dir);
        expect(await openInChild(holder)).toMatchObject({ type: 'opened' });
        const pausedTag = `paused-${round}`;
        holder.send({ cmd: 'append-loop', tag: pausedTag });
        await waitForAcks(holder, 10 + round * 7);
        holder.signal('SIGSTOP');

        const taker = await openWhenFree(dir, TAKEOVER_BOUND_MS);
        const takerTag = `taker-${round}`;
        let takerLsns: number[];
        try {
          takerLsns = await appendTagged(taker, takerTag, 5);
          holder.signal('SIGCONT');
          const failed = await holder.message('append-failed', 15_000);
          expect(failed, JSON.stringify(failed)).toMatchObject({
            name: 'WalFailedError',
            code: ErrorCode.lockLost,
          });
          // The taker goes on undisturbed after the paused writer woke up.
          takerLsns.push(...(await appendTagged(taker, takerTag, 5)));
        } finally {
          await taker.close();
        }
        await holder.kill();

        const records = readTagged(dir);
        const takerFirst = takerLsns[0]!;
        const where = `round ${round}: taker from lsn ${takerFirst}`;
        const stray = records.filter(
          (r) => r.tag === pausedTag && (r.who !== holder.pid || r.lsn >= takerFirst),
        );
        expect(stray, `${where}: records of the paused writer after the takeover`).toEqual([]);
        const lateAcks = acks(holder).filter((m) => (m.lastLsn as number) >= takerFirst);
        expect(lateAcks, `${where}: acks of the paused writer after the takeover`).toEqual([]);
        for (const ack of acks(holder)) {
          expect(records[(ack.lastLsn as number) - 1], where).toMatchObject({ tag: pausedTag });
        }
        const taken = records.filter((r) => r.lsn >= takerFirst);
        expect(
          taken.filter((r) => r.tag !== takerTag || r.who !== process.pid),
          `${where}: foreign records after the takeover`,
        ).toEqual([]);
        expect(
          taken.map((r) => r.lsn),
          where,
        ).toEqual(range(takerFirst, takerLsns.at(-1)!));
      }
    },
    roundsTimeoutMs,
  );
});

/** Appends a little garbage to the last segment: a torn tail the next open repairs. */
function tearLastSegment(dir: string): void {
  const last = readdirSync(dir)
    .filter((name) => name.endsWith('.wal'))
    .sort()
    .at(-1)!;
  appendFileSync(join(dir, last), Buffer.from('torn tail: not a frame, not zeros'));
}

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/**
 * Leaves `dir` with a lock nobody holds and whose mtime is older than STALE_MS (as if that much
 * time had passed since its holder died): the lock of a SIGKILLed writer, a hand-made lock
 * directory whose owner file names a dead process, or one with no owner file at all (a holder
 * killed between creating the directory and writing its owner file).
 */
async function makeStaleLock(
  dir: string,
  kind: 'killed holder' | 'dead owner file' | 'no owner file',
  round: number,
): Promise<void> {
  const lockDir = join(dir, LOCK_DIR_NAME);
  if (kind === 'killed holder') {
    const holder = await startHolder(dir);
    expect(await openInChild(holder)).toMatchObject({ type: 'opened' });
    holder.send({ cmd: 'append-loop', tag: `holder-${round}` });
    await waitForAcks(holder, 3);
    await holder.kill();
  } else {
    mkdirSync(dir, { recursive: true });
    mkdirSync(lockDir);
    if (kind === 'dead owner file') {
      const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
      const owner = {
        pid: deadPid,
        hostname: hostname(),
        sinceMs: Date.now() - 60_000,
        token: randomBytes(12).toString('hex'),
      };
      writeFileSync(join(lockDir, 'owner.json'), JSON.stringify(owner));
    }
  }
  const old = new Date(Date.now() - STALE_MS - 5000);
  utimesSync(lockDir, old, old);
}
