// Reopen-after-SIGKILL child (test/process/lock-takeover.test.ts): a WalStore with the default
// options (lockStaleMs 5000, durability fsync) recording completions of action 'live' until it
// is killed, through the public API only.
//
//   node dist/test/support/children/store-appender.js <dir>
//
// stdout (synchronous writes to a pipe, so lines written before a SIGKILL still arrive):
//   ready <nextLsn>   the store is open
//   ack <lsn>         a completion's promise resolved
//   fatal <detail>    anything unexpected; the process then exits with code 1
import { WalStore } from '../../../src/index.js';

const [dir] = process.argv.slice(2);
if (!dir) throw new Error('usage: store-appender <dir>');

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

// A child whose parent forgot it must not run for ever.
setTimeout(() => {
  say('fatal lifetime cap reached');
  process.exit(1);
}, 120_000).unref();

try {
  const store = await WalStore.open(dir);
  say(`ready ${store.lastLsn + 1}`);
  for (let i = 0; ; i++) {
    const { lsn } = await store.actionExecutionCompleted('live', {
      success: i % 7 !== 0,
      durationMs: i % 1000,
      output: `run ${i}`,
    });
    say(`ack ${lsn}`);
  }
} catch (error) {
  say(`fatal ${String((error as Error).stack ?? error).replaceAll('\n', ' ')}`);
  process.exit(1);
}
