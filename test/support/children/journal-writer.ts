// Journal-writer child (test/store/follow.test.ts, test/process/checkpoint-crash.test.ts): a
// WalStore in its own process recording ops 0..count-1 of test/support/journal-workload.ts,
// then closing and exiting 0, unless a crash point (EXEC_WAL_CRASH_POINT) kills it first.
//
//   node dist/test/support/children/journal-writer.js <dir> '<options json>'
//
// options: { seed, count, maxSegmentBytes, completionsOnly?, durability?, retention?,
//            checkpointEveryBytes?, checkpointEveryOps?, concurrency?, lockStaleMs?,
//            retryLockedMs? }
//   checkpointEveryOps: await store.checkpoint() after every that many acknowledged ops
//   retryLockedMs: while the open fails with WAL_LOCKED (a killed writer's lock not yet taken
//                  over), try again every 20 ms for up to this long
//   concurrency: ops kept in flight at once (default 1); op i always gets LSN nextLsn + i
//
// stdout (synchronous writes to a pipe, so lines written before a SIGKILL still arrive):
//   ready <nextLsn>        the store is open; op i will get LSN nextLsn + i
//   ack <lsn>              an op's promise resolved (printed only after it resolved)
//   checkpoint <lsn> <n>   store.checkpoint() resolved at <lsn>, removing <n> segments
//   done <lastLsn>         every op acknowledged and the store closed
//   fatal <detail>         anything unexpected; the process then exits with code 1
import { WalStore } from '../../../src/index.js';
import type { RetentionPolicy } from '../../../src/wal/segment-retention.js';
import type { Durability } from '../../../src/wal/wal-writer.js';
import { applyOp, journalOps } from '../journal-workload.js';

interface Options {
  seed: number;
  count: number;
  maxSegmentBytes: number;
  completionsOnly?: boolean;
  durability?: Durability;
  retention?: RetentionPolicy;
  checkpointEveryBytes?: number;
  checkpointEveryOps?: number;
  concurrency?: number;
  lockStaleMs?: number;
  retryLockedMs?: number;
}

const [dir, optionsText] = process.argv.slice(2);
if (!dir || !optionsText) throw new Error("usage: journal-writer <dir> '<options json>'");
const options = JSON.parse(optionsText) as Options;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function fatal(detail: string): never {
  say(`fatal ${detail.replaceAll('\n', ' ')}`);
  process.exit(1);
}

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string; stack?: string };
  return `${e.code ?? ''} ${e.stack ?? e.message ?? String(error)}`;
}

process.stdout.on('error', () => process.exit(4));
// A child whose parent forgot it must not run for ever.
setTimeout(() => fatal('lifetime cap reached'), 120_000).unref();

async function open(): Promise<WalStore> {
  const deadline = Date.now() + (options.retryLockedMs ?? 0);
  for (;;) {
    try {
      return await WalStore.open(dir!, {
        maxSegmentBytes: options.maxSegmentBytes,
        durability: options.durability ?? 'fsync',
        retention: options.retention,
        checkpointEveryBytes: options.checkpointEveryBytes ?? 0,
        lockStaleMs: options.lockStaleMs,
      });
    } catch (error) {
      if ((error as { code?: string }).code !== 'WAL_LOCKED' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

const store = await open().catch((error: unknown) => fatal(`open failed: ${describe(error)}`));
const baseLsn = store.lastLsn + 1;
say(`ready ${baseLsn}`);

const ops = journalOps(options.seed, options.count, {
  completionsOnly: options.completionsOnly,
});
const concurrency = options.concurrency ?? 1;
let next = 0;
let acked = 0;

async function lane(): Promise<void> {
  while (next < ops.length) {
    const index = next++;
    const lsn = await applyOp(store, ops[index]!);
    if (lsn !== baseLsn + index) fatal(`op ${index} got lsn ${lsn}, expected ${baseLsn + index}`);
    say(`ack ${lsn}`);
    acked += 1;
    if (options.checkpointEveryOps && acked % options.checkpointEveryOps === 0) {
      const result = await store.checkpoint();
      say(`checkpoint ${result.lsn} ${result.removedSegments.length}`);
    }
  }
}

try {
  await Promise.all(Array.from({ length: concurrency }, lane));
  await store.close();
} catch (error) {
  fatal(describe(error));
}
say(`done ${store.lastLsn}`);
process.exit(0);
