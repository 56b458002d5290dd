// `make demo`: a simulated scheduler writes a realistic journal (a few dozen actions over the
// last day, successes, failures, timeouts, cleanups, one run interrupted by a "crash"), then the
// real CLI prints `stats`, `recent --failed` and `verify` for it. Usage: demo.js <journal-dir>
import { main } from '../../src/cli/main.js';
import { WalStore } from '../../src/index.js';
import { randomInt, seededRandom } from '../support/random.js';

const dir = process.argv[2] ?? '.demo/journal';
const random = seededRandom(20261123);
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

const store = await WalStore.open(dir, { maxSegmentBytes: 64 * 1024 });
const now = Date.now();
let t = now - 24 * HOUR;
for (let i = 0; i < 240; i++) {
  t += randomInt(random, 60_000, 10 * 60_000);
  const action = actions[randomInt(random, 0, actions.length - 1)]!;
  const durationMs = Math.round(action.medianMs * Math.exp((random() - 0.5) * 1.6));
  const fails = random() < action.failRate;
  const timesOut = fails && random() < 0.3;
  const { executionId } = await store.actionExecutionStarted(action.id, {
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
          error: timesOut ? 'timed out after 30s' : errors[randomInt(random, 0, errors.length - 1)],
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
  source: 'cron:nightly',
  executionType: 'command',
  startedAt: now - 5 * 60_000,
});
await store.close();

const reopened = await WalStore.open(dir, { readOnly: true });
const report = reopened.recoveryReport;
process.stdout.write(
  `wrote ${dir}: ${report.records} records in ${report.segments} segments (${report.bytes} bytes); ` +
    `interrupted executions: ${report.interruptedCount}\n\n`,
);
await reopened.close();

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
for (const args of [
  ['stats', dir],
  ['recent', dir, '-n', '8', '--failed'],
  ['verify', dir],
]) {
  process.stdout.write(`$ exec-wal ${args.join(' ')}\n`);
  const code = await main(args, io);
  process.stdout.write('\n');
  if (code !== 0) process.exit(code);
}
