// The journal `make demo` and `make docs` write: a simulated scheduler (240 executions of 8
// actions over the day before `nowMs`, failures, timeouts, cleanups, one run interrupted by a
// "crash"). Everything in it follows from the seed and `nowMs` (execution ids included), so the
// docs' examples come out the same on every run.
import { readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { WalStore } from '../../src/index.js';
import { randomInt, seededRandom } from '../support/random.js';

const HOUR = 3_600_000;

const actions = [
  { id: 'backup-db', source: 'cron:nightly', type: 'command', medianMs: 42_000, failRate: 0.05 },
  { id: 'deploy-web', source: 'api', type: 'pipeline', medianMs: 95_000, failRate: 0.2 },
  { id: 'rotate-logs', source: 'cron:hourly', type: 'command', medianMs: 800, failRate: 0.0 },
  { id: 'send-digest', source: 'cron:daily', type: 'http', medianMs: 1_500, failRate: 0.1 },
  { id: 'sync-inventory', source: 'webhook', type: 'http', medianMs: 4_000, failRate: 0.15 },
  { id: 'health-check', source: 'cron:1m', type: 'http', medianMs: 120, failRate: 0.02 },
  { id: 'renew-certs', source: 'cron:weekly', type: 'command', medianMs: 9_000, failRate: 0.0 },
  { id: 'purge-cache', source: 'api', type: 'http', medianMs: 300, failRate: 0.05 },
];
const errors = [
  'connection refused',
  'exit code 1: disk quota exceeded',
  'HTTP 503 from upstream',
  'lock held by another run',
];

/** Writes the demo journal into `dir` (which must not exist yet) as of `nowMs`. */
export async function writeDemoJournal(dir: string, nowMs: number): Promise<void> {
  const random = seededRandom(20261123);
  const store = await WalStore.open(dir, { maxSegmentBytes: 16 * 1024 });
  let t = nowMs - 24 * HOUR;
  for (let i = 0; i < 240; i++) {
    t += randomInt(random, 60_000, 10 * 60_000);
    const action = actions[randomInt(random, 0, actions.length - 1)]!;
    const durationMs = Math.round(action.medianMs * Math.exp((random() - 0.5) * 1.6));
    const fails = random() < action.failRate;
    const timesOut = fails && random() < 0.3;
    const { executionId } = await store.actionExecutionStarted(action.id, {
      executionId: `run-${String(i + 1).padStart(4, '0')}`,
      source: action.source,
      executionType: action.type,
      attributes: { host: `worker-${randomInt(random, 1, 3)}` },
      startedAt: t,
    });
    await store.actionExecutionCompleted(action.id, {
      executionId,
      status: timesOut ? 'timed_out' : fails ? 'failed' : 'succeeded',
      durationMs: timesOut ? 30_000 : durationMs,
      completedAt: t + durationMs,
      ...(fails
        ? {
            error: timesOut
              ? 'timed out after 30s'
              : errors[randomInt(random, 0, errors.length - 1)],
          }
        : { output: 'ok' }),
      metrics: { cpuMs: Math.round(durationMs / 3) },
    });
    if (i % 20 === 0) {
      await store.cleanupExecuted('stale-locks', {
        resourceId: `lock:${action.id}`,
        action: 'release',
        success: true,
        executedAt: t,
      });
    }
  }
  // The nightly backup starts, and the scheduler "crashes" before it completes.
  await store.actionExecutionStarted('backup-db', {
    executionId: 'run-0241',
    source: 'cron:nightly',
    executionType: 'command',
    startedAt: nowMs - 5 * 60_000,
  });
  await store.close();
  // Segment write times (`exec-wal info`) as of `nowMs` too.
  for (const name of readdirSync(dir)) utimesSync(join(dir, name), nowMs / 1000, nowMs / 1000);
}
