// Lifecycle-writer child (test/process/lifecycle-crash.test.ts): a WalStore recording whole
// execution lifecycles (queue, start, steps, progress, some retried, some cancelled, most ended)
// until it is killed. Every call's outcome is printed only after its promise resolved (durable):
//
//   node dist/test/support/children/lifecycle-writer.js <dir> <seed>
//
// stdout: `ready`, then one line per acknowledged record: `ack <lsn> <event> <executionId> [n]`
// (event: queued started progress step-started step-completed completed retry cancelled).
import { WalStore } from '../../../src/index.js';
import { randomInt, seededRandom } from '../random.js';

const [dir, seedText] = process.argv.slice(2);
if (!dir || !seedText) throw new Error('usage: lifecycle-writer <dir> <seed>');
const random = seededRandom(Number(seedText));
const say = (line: string): void => void process.stdout.write(`${line}\n`);
setTimeout(() => process.exit(3), 60_000).unref();

const store = await WalStore.open(dir, { maxSegmentBytes: 16 * 1024, durability: 'fsync' });
say('ready');
const base = Date.now();

async function lifecycle(i: number): Promise<void> {
  const executionId = `x${seedText}-${i}`;
  const ack = (lsn: number, event: string, extra = ''): void =>
    say(`ack ${lsn} ${event} ${executionId}${extra}`);
  const queued = await store.actionExecutionQueued('job', {
    executionId,
    maxAttempts: 2,
    queuedAt: base + i,
    request: { i },
  });
  ack(queued.lsn, 'queued');
  if (random() < 0.1) {
    const { lsn } = await store.actionExecutionCancelled(executionId, {
      actor: 'ops',
      reason: `stop ${i}`,
    });
    return ack(lsn, 'cancelled');
  }
  for (let attempt = 1; attempt <= 2; attempt++) {
    ack((await store.actionExecutionStarted('job', { executionId })).lsn, 'started', ` ${attempt}`);
    const steps = randomInt(random, 0, 3);
    for (let s = 0; s < steps; s++) {
      ack((await store.executionStepStarted(executionId, `s${s}`)).lsn, 'step-started', ` s${s}`);
      const percent = Math.round(((s + 1) / (steps + 1)) * 100);
      ack(
        (await store.actionExecutionProgress(executionId, { percent, message: `step ${s}` })).lsn,
        'progress',
        ` ${percent}`,
      );
      ack(
        (await store.executionStepCompleted(executionId, `s${s}`, { success: true, durationMs: 1 }))
          .lsn,
        'step-completed',
        ` s${s}`,
      );
    }
    // Some stay running (the kill interrupts them), some fail and retry once, most end.
    if (random() < 0.15) return;
    if (attempt === 1 && random() < 0.3) {
      const { lsn } = await store.actionExecutionCompleted('job', {
        executionId,
        success: false,
        error: 'flaky',
        retryAt: Date.now(),
      });
      ack(lsn, 'retry');
      continue;
    }
    const { lsn } = await store.actionExecutionCompleted('job', {
      executionId,
      success: random() < 0.8,
      output: `done ${i}`,
    });
    return ack(lsn, 'completed');
  }
}

// Several lifecycles in flight at once, as a scheduler would run them.
let next = 0;
const lanes = Array.from({ length: 4 }, async () => {
  for (;;) await lifecycle(next++);
});
await Promise.all(lanes);
