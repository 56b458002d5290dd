// `make bench` (replay): replay speed of WalStore.open over 1M records, and heap growth of a
// 5M-record replay with 1,000 distinct actions (bounded state: ring buffers, sketches, maps).
// Run with --expose-gc for exact heap numbers (the Makefile does).
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WalStore } from '../../src/index.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';
import { writeBenchJournal } from './bench-journal.js';

const gc = (globalThis as { gc?: () => void }).gc;
const heapMiB = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

async function replay(
  dir: string,
): Promise<{ ms: number; records: number; heapGrowthMiB: number }> {
  const before = heapMiB();
  const began = performance.now();
  const store = await WalStore.open(dir, { readOnly: true });
  const ms = performance.now() - began;
  const heapGrowthMiB = heapMiB() - before;
  const records = store.recoveryReport.records;
  await store.close();
  return { ms, records, heapGrowthMiB };
}

const oneMillion = join(tempDir('bench-replay'), 'j1m');
await writeBenchJournal(oneMillion, 0, 1_000_000, 100);
const r1 = await replay(oneMillion);
const fiveMillion = join(tempDir('bench-replay5'), 'j5m');
await writeBenchJournal(fiveMillion, 0, 5_000_000, 1000);
const r5 = await replay(fiveMillion);
console.log(
  `replay benchmark (WalStore.open read-only, fold included), node ${process.version}, gc exposed: ${Boolean(gc)}`,
);
console.log('| journal | records | replay ms | records/s | heap growth MiB |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, r] of [
  ['1M records, 100 actions', r1],
  ['5M records, 1,000 actions', r5],
] as const) {
  console.log(
    `| ${name} | ${r.records.toLocaleString('en-US')} | ${Math.round(r.ms)} | ${Math.round(r.records / (r.ms / 1000)).toLocaleString('en-US')} | ${r.heapGrowthMiB.toFixed(1)} |`,
  );
}
removeTempDirs();
