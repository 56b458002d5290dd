// `make bench` (codec): the journal payload of format v1 (a msgpack map) against v2 (a
// positional array, docs/format.md#journal-records) for the benchmark's completion record:
// payload bytes, encodes/s and decodes-into-a-payload/s, in the same run. JSON beside them as
// the peer the JSON-lines file pays.
import { performance } from 'node:perf_hooks';
import { encodePayload } from '../../src/format/payload-codec.js';
import { decodePayload } from '../../src/format/payload-codec.js';
import { Packr } from 'msgpackr';
import { completedKind } from '../../src/journal/kinds/completed.js';
import type { CompletedPayload } from '../../src/journal/journal-records.js';
import { decodeRecord, encodeRecord } from '../../src/journal/record-registry.js';

const toWire = (_type: number, p: CompletedPayload) => encodeRecord(completedKind, p).value;
const readCompleted = (r: { lsn: number; type: number; value: unknown }) =>
  decodeRecord(r)!.payload as CompletedPayload;

const N = Number(process.env.BENCH_CODEC_N ?? 1_000_000);
const payloads: CompletedPayload[] = Array.from({ length: 1000 }, (_, i) => ({
  executionId: `${`${(i * 2654435761) % 2 ** 32}`.padStart(10, '0')}-4e2a-9c1f-7d3b5a6e8f01`,
  actionId: `action-${i % 200}`,
  status: i % 10 === 0 ? 'failed' : 'succeeded',
  durationMs: 1 + ((i * 37) % 5000),
  completedAt: 1_760_000_000_000 + i,
  output: `ok ${i}`.padEnd(25),
  ...(i % 10 === 0 ? { error: 'connection refused' } : {}),
  source: 'cron:nightly',
  executionType: 'command',
}));

function rate(run: (i: number) => number): number {
  let sink = 0;
  for (let i = 0; i < N / 10; i++) sink += run(i % 1000); // warm-up
  const began = performance.now();
  for (let i = 0; i < N; i++) sink += run(i % 1000);
  const seconds = (performance.now() - began) / 1000;
  if (sink === -1) console.log(sink);
  return N / seconds;
}

const maps = payloads.map((p) => encodePayload(p));
const arrays = payloads.map((p) => encodePayload(toWire(2, p)));
const jsons = payloads.map((p) => Buffer.from(JSON.stringify(p)));
const record = (value: unknown) => ({ lsn: 1, type: 2, value });
const plainPackr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
const rows = [
  [
    'v1 msgpack map',
    maps[1]!.length,
    rate((i) => encodePayload(payloads[i]!).length),
    rate((i) => readCompleted(record(decodePayload(maps[i]!))).durationMs),
  ],
  [
    'v2 positional array',
    arrays[1]!.length,
    rate((i) => encodePayload(toWire(2, payloads[i]!)).length),
    rate((i) => readCompleted(record(decodePayload(arrays[i]!))).durationMs),
  ],
  [
    // What encodePayload would cost without its flat-array fast path (src/format/flat-array-codec.ts).
    'v2 positional array, msgpackr alone',
    arrays[1]!.length,
    rate((i) => Buffer.from(plainPackr.pack(toWire(2, payloads[i]!))).length),
    rate((i) => readCompleted(record(decodePayload(arrays[i]!))).durationMs),
  ],
  [
    'JSON (peer)',
    jsons[1]!.length,
    rate((i) => Buffer.from(JSON.stringify(payloads[i])).length),
    rate((i) => (JSON.parse(jsons[i]!.toString()) as CompletedPayload).durationMs),
  ],
] as const;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(`payload codec benchmark, ${fmt(N)} operations per cell, node ${process.version}`);
console.log(
  '| encoding | payload bytes | encodes/s | decodes/s (into a payload) | decode ratio to v1 |',
);
console.log('|---|---:|---:|---:|---:|');
for (const [name, bytes, enc, dec] of rows) {
  console.log(
    `| ${name} | ${bytes} | ${fmt(enc)} | ${fmt(dec)} | ${(dec / rows[0][3]).toFixed(2)} |`,
  );
}
