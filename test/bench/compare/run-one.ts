// One measured run in a fresh process: `node run-one.js <system> <workload> <variant> <dir>`.
// Prints one JSON line: the rate, the time, the RSS growth and what the read-back verified.
// Writing runs time from the first append to the end of close (the final sync); reading runs
// from the call that opens the data to the answer. A run that does not read back is an error.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { BenchSystem, Sink } from './bench-system.js';
import { systems } from './systems.js';
import {
  assertTotals,
  benchRecord,
  expectedTotals,
  Fold,
  sizes,
  type Totals,
  type Workload,
} from './workload.js';

export interface RunResult {
  system: string;
  workload: Workload;
  variant: string;
  records: number;
  ms: number;
  recordsPerSec: number;
  rssGrowthMiB: number;
  /** Longest the event loop was blocked during a writing run (sampled every 1 ms). */
  maxLoopDelayMs: number;
  verified: string;
}

async function drive(workload: 'W1' | 'W2' | 'W3', sink: Sink, count: number): Promise<void> {
  if (workload === 'W1') {
    for (let i = 0; i < count; i++) await sink.append(benchRecord(i));
    return;
  }
  if (workload === 'W2') {
    let next = 0;
    const producer = async () => {
      while (next < count) await sink.append(benchRecord(next++));
    };
    await Promise.all(Array.from({ length: sizes.producers }, producer));
    return;
  }
  // At most one window of 1,000 records in flight, for every system alike.
  let pending: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const p: unknown = sink.append(benchRecord(i));
    if (p instanceof Promise) pending.push(p);
    if ((i + 1) % sizes.bufferedBatch === 0 && pending.length > 0) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);
}

async function run(system: BenchSystem, workload: Workload, variant: string, dir: string) {
  const rssBefore = process.memoryUsage().rss;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let records: number;
  let ms: number;
  let verified: string;
  let maxLoopDelayMs = 0;
  if (workload === 'W1' || workload === 'W2' || workload === 'W3') {
    records = sizes[workload];
    const sink = await system.open(dir, workload, variant);
    loop.enable();
    const began = performance.now();
    await drive(workload, sink, records);
    await sink.close();
    ms = performance.now() - began;
    loop.disable();
    // No sample at all: the loop never turned while the run lasted (a synchronous peer).
    maxLoopDelayMs = loop.count > 0 ? loop.max / 1e6 : ms;
    const fold = new Fold();
    await system.replay(dir, fold, 'log reader');
    assertTotals(`${system.name} ${workload}`, fold.overall(), expectedTotals(records));
    verified = `read back ${fold.records} records, totals match`;
  } else if (workload === 'W4') {
    const fold = new Fold();
    const began = performance.now();
    await system.replay(dir, fold, variant);
    ms = performance.now() - began;
    records = fold.records;
    assertTotals(`${system.name} W4`, fold.overall(), expectedTotals(sizes.W3));
    verified = `${records} records folded, totals match`;
  } else {
    const began = performance.now();
    const got: Totals = await system.answer(dir, sizes.askedAction, variant);
    ms = performance.now() - began;
    records = sizes.W3;
    assertTotals(`${system.name} W5`, got, expectedTotals(sizes.W3, sizes.askedAction));
    verified = `${sizes.askedAction}: ${got.count} executions, totals match`;
  }
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const result: RunResult = {
    system: system.name,
    workload,
    variant,
    records,
    ms,
    recordsPerSec: records / (ms / 1000),
    rssGrowthMiB: (peakRss - rssBefore) / 2 ** 20,
    maxLoopDelayMs,
    verified,
  };
  return result;
}

const [name, workload, variant, dir] = process.argv.slice(2);
const system = systems.find((s) => s.name === name);
if (!system || !workload || !variant || !dir) {
  console.error('usage: run-one <system> <W1..W5> <variant> <dir>');
  process.exit(2);
}
if (process.argv[6] === 'prepare') {
  await system.prepare?.(dir, variant);
} else {
  console.log(JSON.stringify(await run(system, workload as Workload, variant, dir)));
}
