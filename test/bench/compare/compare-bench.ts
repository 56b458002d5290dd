// `make bench` (comparison): every system of systems.ts on workloads W1-W5, each run in a fresh
// child process (run-one.ts), three runs interleaved across systems, median and min-max, every
// run verified by reading back. Writes docs/benchmarks.md (path: argv[2]).
// BENCH_RUNS, BENCH_W1/W2/W3 scale it down for a quick look; the report says what was used.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crcImplementation } from '../../../src/index.js';
import { measurePhysical } from './physical-reference.js';
import { peerVersion } from './peer-modules.js';
import { renderReport, type Measured } from './report.js';
import type { RunResult } from './run-one.js';
import { systems } from './systems.js';
import { sizes, type Workload } from './workload.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const runOne = fileURLToPath(new URL('./run-one.js', import.meta.url));
const root = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'exec-wal-compare-'));
const only = process.env.BENCH_ONLY?.split(',');

function child(args: string[]): string {
  return execFileSync(process.execPath, [runOne, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
}

function variantsOf(system: (typeof systems)[number], workload: Workload): string[] {
  return system.variants[workload] ?? ['default'];
}

const measured: Measured[] = [];
function record(result: RunResult): void {
  let entry = measured.find(
    (m) =>
      m.system === result.system && m.workload === result.workload && m.variant === result.variant,
  );
  if (!entry) {
    entry = { system: result.system, workload: result.workload, variant: result.variant, runs: [] };
    measured.push(entry);
  }
  entry.runs.push(result);
  console.log(
    `${result.workload} ${result.system} (${result.variant}) run ${entry.runs.length}: ` +
      `${Math.round(result.recordsPerSec).toLocaleString('en-US')} records/s, ${result.ms.toFixed(1)} ms, ` +
      `RSS +${result.rssGrowthMiB.toFixed(1)} MiB, loop max ${result.maxLoopDelayMs.toFixed(1)} ms; ${result.verified}`,
  );
}

const chosen = systems.filter((s) => !only || only.includes(s.name));
console.log(`bench directory: ${root}`);
const physical = measurePhysical(root);
console.log(`physical reference: ${JSON.stringify(physical)}`);

/** W3 data sets, kept for W4 and W5: system name -> directory. */
const loaded = new Map<string, string>();
for (const workload of ['W1', 'W2', 'W3'] as const) {
  for (let run = 1; run <= RUNS; run++) {
    for (const system of chosen) {
      for (const variant of variantsOf(system, workload)) {
        const dir = join(root, `${system.name}-${workload}-${variant}-${run}`.replace(/\W+/g, '_'));
        mkdirSync(dir);
        record(JSON.parse(child([system.name, workload, variant, dir])) as RunResult);
        if (workload === 'W3' && !loaded.has(system.name)) loaded.set(system.name, dir);
        else rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}
for (const workload of ['W4', 'W5'] as const) {
  const prepared = new Map<string, string>();
  for (const system of chosen) {
    for (const variant of variantsOf(system, workload)) {
      const data = loaded.get(system.name)!;
      if (system.prepared?.includes(variant)) {
        const copy = `${data}-${variant.replace(/\W+/g, '_')}`;
        cpSync(data, copy, { recursive: true });
        child([system.name, workload, variant, copy, 'prepare']);
        prepared.set(`${system.name}/${variant}`, copy);
      }
    }
  }
  for (let run = 1; run <= RUNS; run++) {
    for (const system of chosen) {
      for (const variant of variantsOf(system, workload)) {
        const dir = prepared.get(`${system.name}/${variant}`) ?? loaded.get(system.name)!;
        record(JSON.parse(child([system.name, workload, variant, dir])) as RunResult);
      }
    }
  }
  for (const dir of prepared.values()) rmSync(dir, { recursive: true, force: true });
}
rmSync(root, { recursive: true, force: true });

const report = renderReport({
  measured,
  physical,
  runs: RUNS,
  sizes,
  systems: chosen,
  environment: {
    node: process.version,
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
    crc: crcImplementation(),
    betterSqlite3: peerVersion('better-sqlite3'),
    classicLevel: peerVersion('classic-level'),
    date: new Date().toISOString().slice(0, 10),
  },
});
const out = process.argv[2];
if (out) writeFileSync(out, report);
console.log(report);
