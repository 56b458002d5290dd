// Disk-full child for the steps around appends (test/reliability/disk-full.test.ts): run under
// `sh -c 'ulimit -f N; exec node …'`, so a write past N blocks fails with EFBIG (SIGXFSZ is
// ignored, see disk-full-writer.ts).
//
//   node dist/test/support/children/disk-full-steps.js repair <dir> <attempts>
//     opens a writer on a log whose torn tail is larger than the limit, `attempts` times: its
//     repair must back the tail up first, which cannot fit.
//   node dist/test/support/children/disk-full-steps.js checkpoint <dir> <records> <outputBytes>
//     opens a store (4 KiB segments, so appends fit), records `records` completions with
//     outputs of `outputBytes`, then asks for a checkpoint of that state, larger than the
//     limit; then appends once more and closes.
//
// stdout, one line per event:
//   open-fail <code> <operation> <path>   an open rejected (WalIoError fields; '-' if absent)
//   opened                                an open succeeded (then closed)
//   ack <lsn>                             a record was acknowledged
//   checkpoint-fail <code> <operation> <path>
//   checkpoint-ok <lsn>
//   append-after <lsn> | append-after-fail <code>
//   files <name,name,...>                 the log directory after the step
//   fds <n>                               descriptors open on the log directory at the end
//   fatal <detail>                        anything unexpected; exit code 1
import { readdirSync, readlinkSync } from 'node:fs';
import { WalStore, WalWriter } from '../../../src/index.js';

const [mode, dir, first, second] = process.argv.slice(2);
if ((mode !== 'repair' && mode !== 'checkpoint') || !dir || !first) {
  throw new Error('usage: disk-full-steps repair <dir> <attempts> | checkpoint <dir> <n> <bytes>');
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function fatal(detail: string): never {
  say(`fatal ${detail.replaceAll('\n', ' ')}`);
  process.exit(1);
}

process.on('SIGXFSZ', () => undefined);
process.stdout.on('error', () => process.exit(4));
setTimeout(() => fatal('lifetime cap reached'), 60_000).unref();

/** `<code> <operation> <path>` of an error, '-' for what it does not carry. */
function fields(error: unknown): string {
  const e = error as { code?: string; operation?: string; path?: string };
  return `${e.code ?? '-'} ${e.operation?.replaceAll(' ', '_') ?? '-'} ${e.path ?? '-'}`;
}

function descriptorsIntoLog(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/`);
    } catch {
      return false;
    }
  }).length;
}

try {
  if (mode === 'repair') {
    for (let i = 0; i < Number(first); i++) {
      try {
        const writer = await WalWriter.open(dir!);
        say('opened');
        await writer.close();
      } catch (error) {
        say(`open-fail ${fields(error)}`);
      }
    }
  } else {
    const store = await WalStore.open(dir!, { maxSegmentBytes: 4096, checkpointEveryBytes: 0 });
    const output = 'o'.repeat(Number(second));
    for (let i = 0; i < Number(first); i++) {
      const { lsn } = await store.actionExecutionCompleted(`action-${i % 5}`, {
        executionId: `e${i}`,
        status: 'succeeded',
        durationMs: i,
        completedAt: 1_700_000_000_000 + i,
        output,
      });
      say(`ack ${lsn}`);
    }
    await store.checkpoint().then(
      (result) => say(`checkpoint-ok ${result.lsn}`),
      (error: unknown) => say(`checkpoint-fail ${fields(error)}`),
    );
    await store
      .actionExecutionCompleted('after', { status: 'succeeded', durationMs: 1, completedAt: 1 })
      .then(
        ({ lsn }) => say(`append-after ${lsn}`),
        (error: unknown) => say(`append-after-fail ${fields(error)}`),
      );
    await store.close();
  }
} catch (error) {
  fatal(`${fields(error)} ${(error as Error).stack ?? String(error)}`);
}
say(`files ${readdirSync(dir).sort().join(',')}`);
say(`fds ${descriptorsIntoLog()}`);
process.exit(0);
