// `make bench` (append): durable append throughput of WalWriter in 'fsync' mode, as a ratio to a
// raw `writeSync + fdatasyncSync` loop over the same record size measured in the same run (this
// machine's fsync is acknowledged by a virtualised cache, so only ratios mean anything).
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WalWriter } from '../../src/index.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

const RECORD = {
  actionId: 'deploy',
  status: 'succeeded',
  durationMs: 1234.5,
  output: 'x'.repeat(60),
};
const DURATION_MS = Number(process.env.BENCH_MS ?? 3000);

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

async function sequential(): Promise<number> {
  const writer = await WalWriter.open(join(tempDir('bench-seq'), 'log'));
  let n = 0;
  const began = performance.now();
  while (performance.now() - began < DURATION_MS) {
    await writer.append([{ type: 2, value: RECORD }]);
    n++;
  }
  const rate = n / ((performance.now() - began) / 1000);
  await writer.close();
  return rate;
}

async function concurrent(appenders: number): Promise<number> {
  const writer = await WalWriter.open(join(tempDir('bench-conc'), 'log'));
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
const seq = await sequential();
const conc = await concurrent(256);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(
  `append benchmark, ${DURATION_MS} ms per row, ~${JSON.stringify(RECORD).length}-byte records, node ${process.version}`,
);
console.log('| workload | records/s | ratio to raw loop |');
console.log('|---|---:|---:|');
console.log(`| raw writeSync + fdatasyncSync loop (112 B) | ${fmt(raw)} | 1.00 |`);
console.log(
  `| WalWriter 'fsync', sequential awaited appends | ${fmt(seq)} | ${(seq / raw).toFixed(2)} |`,
);
console.log(
  `| WalWriter 'fsync', 256 concurrent appenders | ${fmt(conc)} | ${(conc / raw).toFixed(2)} |`,
);
removeTempDirs();
