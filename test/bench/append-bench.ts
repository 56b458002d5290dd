// `make bench` (append): durable append throughput of WalWriter in 'fsync' mode, as a ratio to a
// raw `writeSync + fdatasyncSync` loop over the same record size measured in the same run (this
// machine's fsync is acknowledged by a virtualised cache, so only ratios mean anything). Rows
// for the two choices behind the default: preallocation on or off, and the synchronous
// fdatasync of nodeFileSystem against an asynchronous one (a FileSystem seam doing
// `fs.fdatasync` on the thread pool, as the writer did before).
import { closeSync, fdatasync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type FileSystem,
  nodeFileSystem,
  WalWriter,
  type WalWriterOptions,
} from '../../src/index.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

const RECORD = ['e-1', 'deploy', 0, 1234.5, 1_760_000_000_000, 'x'.repeat(60)];
const DURATION_MS = Number(process.env.BENCH_MS ?? 3000);

const asyncSyncFs: FileSystem = {
  ...nodeFileSystem,
  fdatasync: (fd) =>
    new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve()))),
};

function rawLoop(): number {
  const path = join(tempDir('bench-raw'), 'raw.bin');
  const fd = openSync(path, 'w');
  const bytes = Buffer.alloc(112, 7);
  let n = 0;
  const began = performance.now();
  while (performance.now() - began < DURATION_MS) {
    writeSync(fd, bytes);
    fdatasyncSync(fd);
    n++;
  }
  closeSync(fd);
  return n / ((performance.now() - began) / 1000);
}

async function run(appenders: number, options: WalWriterOptions): Promise<number> {
  const writer = await WalWriter.open(join(tempDir('bench-append'), 'log'), options);
  let n = 0;
  const began = performance.now();
  const deadline = began + DURATION_MS;
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      while (performance.now() < deadline) {
        await writer.append([{ type: 2, value: RECORD }]);
        n++;
      }
    }),
  );
  const rate = n / ((performance.now() - began) / 1000);
  await writer.close();
  return rate;
}

const raw = rawLoop();
const rows: [string, number][] = [];
for (const appenders of [1, 256]) {
  const who = appenders === 1 ? 'sequential awaited appends' : '256 concurrent appenders';
  rows.push([`${who} (default: preallocation, fdatasyncSync)`, await run(appenders, {})]);
  rows.push([`${who}, preallocateBytes 0`, await run(appenders, { preallocateBytes: 0 })]);
  rows.push([
    `${who}, preallocateBytes 0, async fdatasync seam`,
    await run(appenders, { preallocateBytes: 0, fs: asyncSyncFs }),
  ]);
}
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(
  `append benchmark, 'fsync' mode, ${DURATION_MS} ms per row, ~100-byte v2 payloads, node ${process.version}`,
);
console.log('| workload | records/s | ratio to raw loop |');
console.log('|---|---:|---:|');
console.log(`| raw writeSync + fdatasyncSync loop (112 B) | ${fmt(raw)} | 1.00 |`);
for (const [name, rate] of rows)
  console.log(`| WalWriter, ${name} | ${fmt(rate)} | ${(rate / raw).toFixed(2)} |`);
removeTempDirs();
