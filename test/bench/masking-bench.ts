// `make bench` (masking): what the secret masker (src/journal/secret-masker.ts) costs per
// record, default patterns against builtins 'none', over record mixes: W3's records (a 25-char
// output, an error on one in ten) and log-like records (a 50-200-char output, a short error on
// one in five, three attributes), without secrets and with a planted secret in one record in
// twenty. Beside them, a buffered append measured in the same run (W3's path: WalStore,
// durability 'none', up to 1,000 calls in flight) gives the share of a record's cost.
// BENCH_MASK_N scales the masker cells, BENCH_MASK_APPENDS the append baseline.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SecretMasker } from '../../src/journal/secret-masker.js';
import { WalStore } from '../../src/index.js';
import { plantedSecrets } from '../support/planted-secrets.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

const N = Number(process.env.BENCH_MASK_N ?? 500_000);
const APPENDS = Number(process.env.BENCH_MASK_APPENDS ?? 200_000);

interface MaskRecord {
  output: string;
  error: string | undefined;
  attributes: readonly (readonly [string, string])[];
}

const words = (
  'deploy service api-gateway cluster prod-eu-1 pulled image registry.example.com/api:1.42.3 ' +
  'replicas ready health check passed after 4.2s processed items in ms batch queue depth ' +
  'fetched https://example.com/data/items?page=2 -> 200 OK worker-7 INFO WARN retry backoff ' +
  'connection pool size 16 elapsed 2025-01-12T10:22:33.123Z rows written 1532 cache hit ratio'
).split(' ');
const errors = ['connection refused', 'timeout after 30000 ms', "ENOENT: no such file '/tmp/x'"];

function logText(i: number): string {
  const length = 50 + ((i * 7919) % 151);
  let text = '';
  for (let k = i; text.length < length; k = (k * 31 + 17) % 104_729)
    text += `${words[k % words.length]} `;
  return text.slice(0, length);
}

function w3Records(): MaskRecord[] {
  return Array.from({ length: 1000 }, (_, i) => ({
    output: `ok ${i}`.padEnd(25),
    error: i % 10 === 0 ? 'connection refused' : undefined,
    attributes: [],
  }));
}

function logRecords(withSecrets: boolean): MaskRecord[] {
  return Array.from({ length: 1000 }, (_, i) => {
    const planted =
      withSecrets && i % 20 === 0 ? plantedSecrets[(i / 20) % plantedSecrets.length] : undefined;
    return {
      output: planted ? `${logText(i).slice(0, 60)} ${planted.text}` : logText(i),
      error: i % 5 === 0 ? errors[i % errors.length] : undefined,
      attributes: [
        ['org', 'acme'],
        ['agent', `a-${i % 7}`],
        ['user', `u-${i % 50}`],
      ],
    };
  });
}

function maskRecord(masker: SecretMasker, r: MaskRecord): number {
  let n = masker.text('output', r.output).length;
  if (r.error !== undefined) n += masker.text('error', r.error).length;
  for (const [key, value] of r.attributes) n += masker.attribute(key, value).length;
  return n;
}

/** ns per record, best of three runs of N records. */
function nsPerRecord(masker: SecretMasker, records: MaskRecord[]): number {
  let sink = 0;
  for (let i = 0; i < N / 10; i++) sink += maskRecord(masker, records[i % records.length]!);
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const began = performance.now();
    for (let i = 0; i < N; i++) sink += maskRecord(masker, records[i % records.length]!);
    best = Math.min(best, ((performance.now() - began) * 1e6) / N);
  }
  if (sink === -1) console.log(sink);
  return best;
}

/** ns per record of W3's buffered append (outputs and errors of `records`, no masking). */
async function appendNsPerRecord(records: MaskRecord[]): Promise<number> {
  const store = await WalStore.open(join(tempDir('bench-mask'), 'journal'), { durability: 'none' });
  const inFlight: Promise<unknown>[] = [];
  const began = performance.now();
  for (let i = 0; i < APPENDS; i++) {
    const r = records[i % records.length]!;
    inFlight.push(
      store.actionExecutionCompleted(`action-${i % 200}`, {
        success: r.error === undefined,
        durationMs: 1 + ((i * 37) % 5000),
        output: r.output,
        ...(r.error === undefined ? {} : { error: r.error }),
        completedAt: 1_760_000_000_000 + i,
        source: 'cron:nightly',
        executionType: 'command',
      }),
    );
    if (inFlight.length >= 1000) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
  await store.sync();
  const ns = ((performance.now() - began) * 1e6) / APPENDS;
  await store.close();
  return ns;
}

const mixes = [
  ["W3's records (25-char output, error 1 in 10)", w3Records()],
  ['log records, no secrets (50-200-char output, 3 attributes)', logRecords(false)],
  ['log records, a secret in 1 in 20', logRecords(true)],
] as const;
const byDefault = new SecretMasker();
const none = new SecretMasker({ builtins: 'none' });
const appendW3 = await appendNsPerRecord(mixes[0][1]);
const appendLog = await appendNsPerRecord(mixes[1][1]);
removeTempDirs();

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(
  `masking benchmark, ${fmt(N)} records per cell (best of 3), node ${process.version}; ` +
    `buffered append measured here: W3 records ${fmt(appendW3)} ns, log records ${fmt(appendLog)} ns`,
);
console.log(
  "| record mix | default patterns, ns/record | builtins 'none', ns/record | default as share of a buffered append |",
);
console.log('|---|---:|---:|---:|');
for (const [name, records] of mixes) {
  const masked = nsPerRecord(byDefault, records);
  const bare = nsPerRecord(none, records);
  const append = records === mixes[0][1] ? appendW3 : appendLog;
  console.log(
    `| ${name} | ${fmt(masked)} | ${fmt(bare)} | ${((masked / append) * 100).toFixed(1)}% |`,
  );
}
