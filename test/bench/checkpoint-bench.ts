// `make bench` (checkpoints): open time of a 5M-record journal with a recent checkpoint vs a
// 50k-record journal without one (same run, same machine); checkpoint write time and size with
// 1,000 actions; disk use under retention during a long simulated run.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WalStore } from '../../src/index.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';
import { writeBenchJournal } from './bench-journal.js';

async function openMs(
  dir: string,
): Promise<{ ms: number; replayed: number; checkpoint: string | undefined }> {
  const began = performance.now();
  const store = await WalStore.open(dir, { readOnly: true });
  const ms = performance.now() - began;
  const result = {
    ms,
    replayed: store.recoveryReport.records,
    checkpoint: store.recoveryReport.checkpoint?.name,
  };
  await store.close();
  return result;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// 1. Open time: 50k records, no checkpoint, vs 5M records with a checkpoint 10k records before the end.
const small = join(tempDir('bench-open-small'), 'j');
await writeBenchJournal(small, 0, 50_000, 1000);
const big = join(tempDir('bench-open-big'), 'j');
await writeBenchJournal(big, 0, 4_990_000, 1000);
{
  const store = await WalStore.open(big, { checkpointEveryBytes: 0 });
  const began = performance.now();
  const result = await store.checkpoint();
  const ms = performance.now() - began;
  await store.close();
  await writeBenchJournal(big, 4_990_000, 5_000_000, 1000);
  const smallRuns = [];
  const bigRuns = [];
  for (let i = 0; i < 5; i++) {
    smallRuns.push(await openMs(small));
    bigRuns.push(await openMs(big));
  }
  const s = median(smallRuns.map((r) => r.ms));
  const b = median(bigRuns.map((r) => r.ms));
  console.log(
    `checkpoint benchmark, node ${process.version}; medians of 5 opens (read-only, fold included)`,
  );
  console.log('| journal | open ms | records replayed |');
  console.log('|---|---:|---:|');
  console.log(
    `| 50k records, 1,000 actions, no checkpoint | ${s.toFixed(1)} | ${smallRuns[0]!.replayed.toLocaleString('en-US')} |`,
  );
  console.log(
    `| 5M records, 1,000 actions, checkpoint 10k records before the end | ${b.toFixed(1)} | ${bigRuns[0]!.replayed.toLocaleString('en-US')} |`,
  );
  console.log(`ratio 5M/50k: ${(b / s).toFixed(2)} (target <= 2)`);
  console.log(
    `checkpoint with 1,000 actions (rings of 1,000): ${(result.bytes / 1024).toFixed(0)} KiB, written in ${ms.toFixed(0)} ms`,
  );
}

// 2. Disk use under retention: 1M records through a store with small segments.
{
  const dir = join(tempDir('bench-retention'), 'j');
  const store = await WalStore.open(dir, {
    durability: 'none',
    maxSegmentBytes: 1 << 20,
    checkpointEveryBytes: 4 << 20,
    retention: { maxBytes: 8 << 20 },
  });
  let peak = 0;
  for (let i = 0; i < 200_000; i++) {
    const { executionId } = await store.actionExecutionStarted(`action-${i % 1000}`);
    await store.actionExecutionCompleted(`action-${i % 1000}`, {
      executionId,
      success: i % 7 !== 0,
      durationMs: i % 5000,
    });
    if (i % 5000 === 0) peak = Math.max(peak, store.diskUsage().bytes);
  }
  const usage = store.diskUsage();
  await store.close();
  console.log(
    `retention run: 400k records, maxSegmentBytes 1 MiB, retention.maxBytes 8 MiB: ` +
      `end ${usage.segments} segments ${(usage.bytes / 2 ** 20).toFixed(1)} MiB + checkpoints ${(usage.checkpointBytes / 2 ** 20).toFixed(1)} MiB; ` +
      `peak sampled segment bytes ${(peak / 2 ** 20).toFixed(1)} MiB`,
  );
}
removeTempDirs();
