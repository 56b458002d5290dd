// The writer lock across real processes (reliability plan #11 and #12): one writer per
// directory, in this process and in others, with an error that says who holds it and what to
// do; release on close(); takeover of a killed holder that cannot be proven dead once the lock
// is lockStaleMs old; exactly one winner when several processes break the same stale lock at
// once; and fencing of a writer paused (SIGSTOP) or blocked past the stale window, which must
// stop instead of writing into the log of the writer that took over. Same-host takeover of a
// dead holder's lock: lock-takeover.test.ts. Children run from dist/: `make build` first.
import { existsSync, readdirSync, appendFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, WalLockedError } from '../../src/errors.js';
import type { FileSystem } from '../../src/wal/file-system.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import { LOCK_DIR_NAME } from '../../src/wal/writer-lock.js';
import { killChildren } from '../support/child-process.js';
import { FaultyFileSystem } from '../support/faulty-fs.js';
import {
  acks,
  appendTagged,
  makeLock,
  openInChild,
  ownHost,
  range,
  readTagged,
  STALE_MS,
  startHolder,
  waitForAcks,
} from '../support/lock-fixtures.js';
import { randomInt, tier, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterEach(killChildren);
afterAll(removeTempDirs);

/** The holder refreshes its lock every STALE_MS / 4; a killed holder's lock is stale at most
 * STALE_MS after its death, and not before STALE_MS minus one refresh interval. Allow slack. */
const TAKEOVER_BOUND_MS = STALE_MS + 1500;

const raceRounds = tier === 'torture' ? 150 : 24;
const pauseRounds = tier === 'torture' ? 6 : 2;
const roundsTimeoutMs = tier === 'torture' ? 900_000 : 60_000;

/** Tries WalWriter.open every 25 ms until it succeeds; only WAL_LOCKED is retried. */
async function openWhenFree(dir: string, deadlineMs: number, fs?: FileSystem): Promise<WalWriter> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await WalWriter.open(dir, { lockStaleMs: STALE_MS, fs });
    } catch (error) {
      if (!(error instanceof WalLockedError) || Date.now() > until) throw error;
    }
    await delay(25);
  }
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
      expect((error as WalLockedError).refusal).toBe('heldHere');
      expect((error as WalLockedError).message).toContain(`pid ${process.pid}`);
      expect((error as WalLockedError).message).toMatch(/in this process.*close that writer/);
      // The refused open did not disturb the holder.
      await expect(first.append([{ type: 1, value: 'still mine' }])).resolves.toEqual({
        firstLsn: 1,
        lastLsn: 1,
      });
    } finally {
      await first.close();
    }
  });

  it('refuses writers in other processes, naming host, pid, since when and what to do', async () => {
    const dir = join(tempDir('lock'), 'log');
    const holder = await startHolder(dir);
    expect(await openInChild(holder)).toMatchObject({ type: 'opened' });

    const error = await WalWriter.open(dir, { lockStaleMs: STALE_MS }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WalLockedError);
    const locked = error as WalLockedError;
    expect(locked.code).toBe(ErrorCode.locked);
    expect(locked.holder).toMatchObject({ pid: holder.pid, hostname: hostname() });
    if (ownHost) {
      expect(locked.refusal).toBe('holderAlive');
      expect(locked.holder).toMatchObject({ hostId: ownHost.hostId });
    }
    const since = new Date(locked.holder!.sinceMs).toISOString();
    for (const part of [`pid ${holder.pid}`, hostname(), since, 'read-only', 'stop that writer']) {
      expect(locked.message).toContain(part);
    }

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

  it('takes over a SIGKILLed holder it cannot prove dead once the lock is lockStaleMs old', async () => {
    const dir = join(tempDir('lock'), 'log');
    const holder = await startHolder(dir);
    expect(await openInChild(holder)).toMatchObject({ type: 'opened' });
    holder.send({ cmd: 'append-loop', tag: 'killed' });
    await waitForAcks(holder, 20);
    const killedAt = Date.now();
    await holder.kill();
    const acked = Math.max(...acks(holder).map((m) => m.lastLsn as number));
    // As where /proc tells nothing: the stale window is all an opener has.
    const blind = new FaultyFileSystem();
    blind.failPath('open', /^\/proc\//, { error: 'EACCES' }, 1, true);

    // Not broken early...
    const early = await WalWriter.open(dir, { lockStaleMs: STALE_MS, fs: blind }).catch(
      (e: unknown) => e,
    );
    expect(early).toBeInstanceOf(WalLockedError);
    expect((early as WalLockedError).holder?.pid).toBe(holder.pid);
    expect((early as WalLockedError).refusal).toBe('holderUnverifiable');
    expect((early as WalLockedError).message).toMatch(/lockStaleMs after its last refresh/);
    // ...but within the bound.
    const writer = await openWhenFree(dir, TAKEOVER_BOUND_MS + 1000, blind);
    const tookMs = Date.now() - killedAt;
    console.info(
      `unproven holder: lock taken over ${tookMs} ms after SIGKILL (lockStaleMs ${STALE_MS})`,
    );
    try {
      expect(writer.openReport.lockTakeover).toBe('staleLock');
      expect(tookMs).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);
      // The holder last refreshed the lock at most STALE_MS / 4 before it died.
      expect(tookMs).toBeGreaterThanOrEqual(STALE_MS - STALE_MS / 4 - 250);
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
        // A killed holder's stale lock is judged by its dead holder; the others by their age.
        const kinds = ['killed holder', 'holder elsewhere', 'no owner file'] as const;
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
            // The winner broke the lock, or came just after another racer broke it.
            const broke = kind === 'killed holder' && ownHost ? 'deadHolder' : 'staleLock';
            if (result.outcome === 'won')
              expect([broke, 'none'], summary).toContain(result.lockTakeover);
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

  // Replay keeps the lock fresh (lock-takeover.test.ts), but an open stalled past the stale
  // window inside one call of its own (a record callback that blocks, as if the process were
  // paused: no code of the writer runs meanwhile) is taken over and then fenced.
  it('fences an open stalled past the stale window in a record callback: no repair over the new holder', async () => {
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
            name: 'WalLockLostError',
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

/**
 * Leaves `dir` with a lock nobody holds and whose mtime is older than STALE_MS (as if that much
 * time had passed since its holder died): the lock of a SIGKILLed writer, a hand-made lock
 * whose owner file names a holder on another host, or one with no owner file at all (a holder
 * killed between creating the directory and writing its owner file).
 */
async function makeStaleLock(
  dir: string,
  kind: 'killed holder' | 'holder elsewhere' | 'no owner file',
  round: number,
): Promise<void> {
  if (kind === 'killed holder') {
    const holder = await startHolder(dir);
    expect(await openInChild(holder)).toMatchObject({ type: 'opened' });
    holder.send({ cmd: 'append-loop', tag: `holder-${round}` });
    await waitForAcks(holder, 3);
    await holder.kill();
  }
  const owner = kind === 'holder elsewhere' ? { hostId: 'another-host', pid: 4242 } : undefined;
  if (kind === 'killed holder') makeLock(dir, undefined, STALE_MS + 5000);
  else makeLock(dir, owner, STALE_MS + 5000);
}
