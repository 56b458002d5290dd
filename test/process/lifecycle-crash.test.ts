// Lifecycles across a crash (reliability plan #1 with the lifecycle records): a real child
// records queued executions, their attempts, steps, progress, retries, cancellations and ends,
// and is SIGKILLed at a random moment. After a reopen nothing acknowledged is lost, every
// execution that was running is named interrupted with its steps and progress intact, and the
// queue (retries included) is where it was. Seeded; SEED=<n> replays.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WalStore } from '../../src/store/wal-store.js';
import { killChildren, spawnChild } from '../support/child-process.js';
import { randomInt, tier, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterEach(killChildren);
afterAll(removeTempDirs);

const rounds = tier === 'torture' ? 60 : 6;

interface Acked {
  lastLsn: number;
  /** Per execution, the events acknowledged in order. */
  events: Map<string, string[]>;
  progress: Map<string, number[]>;
}

function parseAcks(lines: readonly string[]): Acked {
  const acked: Acked = { lastLsn: 0, events: new Map(), progress: new Map() };
  for (const line of lines) {
    const [tag, lsn, event, id, extra] = line.split(' ');
    if (tag !== 'ack') continue;
    acked.lastLsn = Math.max(acked.lastLsn, Number(lsn));
    acked.events.set(id!, [...(acked.events.get(id!) ?? []), event!]);
    if (event === 'progress')
      acked.progress.set(id!, [...(acked.progress.get(id!) ?? []), Number(extra)]);
  }
  return acked;
}

/** What the acknowledged events say an execution's state is at least (its last acked step). */
function expectedState(events: readonly string[]): string {
  const last = events.at(-1)!;
  if (last === 'completed') return 'ended';
  if (last === 'cancelled') return 'cancelled';
  if (last === 'retry' || last === 'queued') return 'queued';
  return 'interrupted';
}

/** Opens as the next writer, retrying while the killed one's lock is not yet taken over. */
async function reopenWriter(dir: string): Promise<WalStore> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await WalStore.open(dir, { lockStaleMs: 2000, maxSegmentBytes: 16 * 1024 });
    } catch (error) {
      if ((error as { code?: string }).code !== 'WAL_LOCKED' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

describe('lifecycles across a SIGKILL', () => {
  it(`lose nothing acknowledged and name every interrupted execution (${rounds} kills)`, async () => {
    await withSeed('lifecycle crash', async (random, seed) => {
      const dir = tempDir('lifecycle-crash');
      let interruptedSeen = 0;
      for (let round = 0; round < rounds; round++) {
        const child = spawnChild('lifecycle-writer', [dir, String(seed + round)]);
        await child.waitFor(
          'ready',
          () => (child.lines.includes('ready') ? true : undefined),
          30_000,
        );
        const wanted = randomInt(random, 20, 200);
        await child.waitFor(
          `${wanted} acks`,
          () =>
            child.lines.filter((l) => l.startsWith('ack')).length >= wanted ? true : undefined,
          30_000,
        );
        await child.kill();
        const acked = parseAcks(child.lines);
        // Reopen as the restarted writer would (running before the open means interrupted).
        const store = await reopenWriter(dir);
        try {
          expect(store.lastLsn, 'every acknowledged record is there').toBeGreaterThanOrEqual(
            acked.lastLsn,
          );
          const interrupted = new Set(
            store
              .inFlight()
              .filter((e) => e.state === 'interrupted')
              .map((e) => e.executionId),
          );
          for (const [id, events] of acked.events) {
            const state = store.executionState(id);
            const expected = expectedState(events);
            // A record written but not yet acknowledged may have moved it one step further.
            if (expected === 'ended') expect(['succeeded', 'failed'], id).toContain(state);
            else if (expected === 'cancelled') expect(state, id).toBe('cancelled');
            else if (expected === 'queued')
              expect(['queued', 'interrupted', 'cancelled', 'succeeded', 'failed'], id).toContain(
                state,
              );
            else expect(['interrupted', 'succeeded', 'failed', 'queued'], id).toContain(state);
            if (state === 'interrupted') {
              expect(interrupted.has(id), `${id} named in inFlight()`).toBe(true);
              const detail = await store.getExecution(id);
              expect(detail?.status).toBe('interrupted');
              expect(detail?.attempts.at(-1)?.status).toBe('interrupted');
              // Every acknowledged progress update is in its history, in order.
              const percents = detail!.progress.map((p) => p.percent);
              expect(percents.slice(0, (acked.progress.get(id) ?? []).length)).toEqual(
                acked.progress.get(id) ?? [],
              );
              interruptedSeen += 1;
            }
          }
          expect(store.recoveryReport.interruptedCount).toBe(interrupted.size);
        } finally {
          await store.close();
        }
      }
      expect(interruptedSeen, 'the kills interrupted executions').toBeGreaterThan(0);
      console.info(
        `lifecycle crash: ${rounds} kills, ${interruptedSeen} interrupted executions checked`,
      );
    });
  }, 180_000);
});
