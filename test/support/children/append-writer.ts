// Crash-test child (test/process/crash.test.ts). Appends the deterministic stream of
// test/support/crash-stream.ts to a log forever with durability 'fsync': 1-8 records per append
// and 1-6 appends in flight (so group commit coalesces them), until SIGKILLed by the parent or by
// a crash point (EXEC_WAL_CRASH_POINT, EXEC_WAL_CRASH_AFTER).
//
//   node dist/test/support/children/append-writer.js <dir> <seed> <maxSegmentBytes>
//
// stdout (written synchronously to the pipe, so lines written before a SIGKILL still arrive):
//   ready <nextLsn>   the log is open; stream record i will get LSN nextLsn + i
//   ack <lastLsn>     an append resolved (durable): only ever printed after its promise resolved
//   fatal <detail>    anything unexpected; the process then exits with code 1
import { WalWriter } from '../../../src/index.js';
import { streamRecord } from '../crash-stream.js';
import { randomInt, seededRandom } from '../random.js';

const [dir, seedText, segmentBytesText] = process.argv.slice(2);
if (!dir || !seedText || !segmentBytesText) {
  throw new Error('usage: append-writer <dir> <seed> <maxSegmentBytes>');
}
const seed = Number(seedText) >>> 0;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function fatal(detail: string): never {
  say(`fatal ${detail.replaceAll('\n', ' ')}`);
  process.exit(1);
}

process.stdout.on('error', () => process.exit(4));
// A child whose parent forgot it must not run for ever.
setTimeout(() => fatal('lifetime cap reached'), 120_000).unref();

const writer = await WalWriter.open(dir, {
  durability: 'fsync',
  maxSegmentBytes: Number(segmentBytesText),
}).catch((error: { code?: string; message?: string }) =>
  fatal(`open failed: ${error.code} ${error.message}`),
);
const baseLsn = writer.nextLsn;
say(`ready ${baseLsn}`);

const random = seededRandom((seed ^ 0x5bd1e995) >>> 0);
let nextIndex = 0;
let inFlight = 0;
let concurrency = randomInt(random, 1, 6);

function pump(): void {
  while (inFlight < concurrency) {
    const index = nextIndex;
    const count = randomInt(random, 1, 8);
    nextIndex += count;
    const records = Array.from({ length: count }, (_, k) => streamRecord(seed, index + k));
    inFlight += 1;
    writer.append(records).then(
      (result) => {
        if (result.firstLsn !== baseLsn + index || result.lastLsn !== baseLsn + index + count - 1) {
          fatal(`append of records ${index}.. got lsns ${result.firstLsn}-${result.lastLsn}`);
        }
        say(`ack ${result.lastLsn}`);
        inFlight -= 1;
        if (random() < 0.1) concurrency = randomInt(random, 1, 6);
        pump();
      },
      (error: { code?: string; message?: string }) =>
        fatal(`append failed: ${error.code} ${error.message}`),
    );
  }
}

pump();
