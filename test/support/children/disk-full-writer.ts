// Disk-full child (test/reliability/disk-full.test.ts). Run under `sh -c 'ulimit -f N; exec node
// …'`, so a write past N blocks fails with EFBIG and raises SIGXFSZ. Node alone ignores it; the
// child listens for it anyway, as an application under a file size limit should (a module that
// listens for signals to clean up and then re-raises them, as signal-exit does, would otherwise
// make it fatal). Appends the stream of
// test/support/disk-full-stream.ts with durability 'fsync', `concurrency` appends in flight
// (group commit), until an append rejects; then tries three more appends and a sync, closes, and
// exits 0.
//
//   node dist/test/support/children/disk-full-writer.js <dir> <seed> <leadBytes> \
//       <maxSegmentBytes> <concurrency> [<bigAt> <bigBytes>]
//
// stdout, one line per event:
//   limit <bytes>            the file size limit in force (RLIMIT_FSIZE, -1 when unlimited)
//   fds-before <n> <list>    open descriptors before the open (fd=target, ...)
//   ready <nextLsn>
//   ack <first> <last>       an append resolved: only ever printed after its promise resolved
//   fail <first> <last> <code>   an append rejected
//   later <code>             an append after the failure rejected (or `later ok`: a bug)
//   sync <code>              sync() after the failure rejected (or `sync ok`)
//   closed | close-error <code>
//   fds-after <n> <list>     open descriptors after close
//   no-failure               the stream ended without a failed append
//   fatal <detail>           anything unexpected; exit code 1
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { WalWriter } from '../../../src/index.js';
import { streamBatches } from '../disk-full-stream.js';

const [dir, seedText, leadText, segmentText, concurrencyText, bigAtText, bigBytesText] =
  process.argv.slice(2);
if (!dir || !seedText || !leadText || !segmentText || !concurrencyText) {
  throw new Error(
    'usage: disk-full-writer <dir> <seed> <leadBytes> <maxSegmentBytes> <concurrency>',
  );
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function fatal(detail: string): never {
  say(`fatal ${detail.replaceAll('\n', ' ')}`);
  process.exit(1);
}

process.on('SIGXFSZ', () => undefined);

const codeOf = (error: unknown) => (error as { code?: string })?.code ?? String(error);
/** Open descriptors and what each points to (for a mismatch's diagnosis). */
function openFds(): string {
  const fds = readdirSync('/proc/self/fd').map((fd) => {
    try {
      return `${fd}=${readlinkSync(`/proc/self/fd/${fd}`)}`;
    } catch {
      return `${fd}=?`;
    }
  });
  return `${fds.length} ${fds.join(',')}`;
}

process.stdout.on('error', () => process.exit(4));
setTimeout(() => fatal('lifetime cap reached'), 60_000).unref();

const limitLine = readFileSync('/proc/self/limits', 'utf8')
  .split('\n')
  .find((line) => line.startsWith('Max file size'));
const soft = limitLine?.split(/\s+/)[3];
say(`limit ${soft === undefined || soft === 'unlimited' ? -1 : Number(soft)}`);

const batches = streamBatches({
  seed: Number(seedText) >>> 0,
  leadBytes: Number(leadText),
  bigAt: bigAtText === undefined ? undefined : Number(bigAtText),
  bigBytes: bigBytesText === undefined ? undefined : Number(bigBytesText),
});
const concurrency = Number(concurrencyText);

say(`fds-before ${openFds()}`);
const writer = await WalWriter.open(dir, {
  durability: 'fsync',
  maxSegmentBytes: Number(segmentText),
}).catch((error: Error) => fatal(`open failed: ${codeOf(error)} ${error.message}`));
say(`ready ${writer.nextLsn}`);

let next = 0;
let inFlight = 0;
let failed = false;
let allSettled!: () => void;
const settled = new Promise<void>((resolve) => {
  allSettled = resolve;
});

/** Keeps `concurrency` appends in flight; stops issuing new ones after the first rejection. */
function pump(): void {
  while (!failed && inFlight < concurrency && next < batches.length) {
    const batch = batches[next++]!;
    const first = writer.nextLsn;
    const last = first + batch.length - 1;
    inFlight += 1;
    writer.append(batch).then(
      (result) => {
        if (result.firstLsn !== first || result.lastLsn !== last) {
          fatal(`append of ${first}-${last} got ${result.firstLsn}-${result.lastLsn}`);
        }
        say(`ack ${first} ${last}`);
        inFlight -= 1;
        pump();
      },
      (error) => {
        failed = true;
        say(`fail ${first} ${last} ${codeOf(error)}`);
        inFlight -= 1;
        pump();
      },
    );
  }
  if (inFlight === 0 && (failed || next >= batches.length)) allSettled();
}

pump();
await settled;
if (!failed) say('no-failure');
else {
  for (let i = 0; i < 3; i++) {
    await writer.append([{ type: 1, value: { after: i } }]).then(
      () => say('later ok'),
      (error) => say(`later ${codeOf(error)}`),
    );
  }
  await writer.sync().then(
    () => say('sync ok'),
    (error) => say(`sync ${codeOf(error)}`),
  );
}
await writer.close().then(
  () => say('closed'),
  (error) => say(`close-error ${codeOf(error)}`),
);
say(`fds-after ${openFds()}`);
process.exit(0);
