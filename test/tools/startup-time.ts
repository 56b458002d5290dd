// Start-up time of the CLI beside bare Node (docs/cli.md#start-up): each case spawned RUNS times,
// the cases interleaved round-robin so that load on the machine hits them alike; prints the
// median wall time and the median CPU time (user + sys, as process.cpuUsage() gives it at exit,
// through a preloaded hook), which a busy machine disturbs less; each also as the difference to
// `node -e 0`.
//
// Usage: node dist/test/tools/startup-time.js [bin.js ...]   (default: this checkout's bin)
// RUNS=40 for more runs. Several bins (e.g. an older checkout's) are measured side by side.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..', '..');
const bins =
  process.argv.slice(2).length > 0 ? process.argv.slice(2) : [join(root, 'bin', 'exec-wal.js')];
const runs = Number(process.env.RUNS ?? 20);
const fixture = join(root, 'fixtures', 'v2', 'basic');

const cases: { label: string; args: string[] }[] = [{ label: 'node -e 0', args: ['-e', '0'] }];
for (const bin of bins) {
  const tag = bins.length > 1 ? ` [${bins.indexOf(bin) + 1}]` : '';
  cases.push(
    { label: `exec-wal --version${tag}`, args: [bin, '--version'] },
    { label: `exec-wal stats fixtures/v2/basic${tag}`, args: [bin, 'stats', fixture] },
    { label: `exec-wal verify fixtures/v2/basic${tag}`, args: [bin, 'verify', fixture] },
  );
}

const REPORT_CPU =
  'data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write("\\ncpu "+(u.user+u.system)+"\\n")})';
const wall = cases.map((): number[] => []);
const cpu = cases.map((): number[] => []);
for (let run = 0; run < runs; run++) {
  cases.forEach((c, i) => {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [`--import=${REPORT_CPU}`, ...c.args], {
      encoding: 'utf8',
    });
    wall[i]!.push(Number(process.hrtime.bigint() - start) / 1e6);
    const usage = /cpu (\d+)\s*$/.exec(result.stderr);
    if (usage) cpu[i]!.push(Number(usage[1]) / 1000);
    if (result.status !== 0 && !c.args.includes('--version')) {
      throw new Error(`${c.label} exited ${result.status}: ${result.stderr}`);
    }
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const column = (samples: number[][], i: number) => {
  const m = median(samples[i]!);
  const over = i === 0 ? '' : ` (+${(m - median(samples[0]!)).toFixed(0)})`;
  return `${m.toFixed(0).padStart(5)} ms${over.padEnd(7)}`;
};
process.stdout.write(
  `${runs} runs each, interleaved; medians (+ over node -e 0)\n${''.padEnd(44)} ${'wall'.padEnd(16)}  cpu (user+sys)\n`,
);
cases.forEach((c, i) => {
  process.stdout.write(`${c.label.padEnd(44)} ${column(wall, i)}  ${column(cpu, i)}\n`);
});
