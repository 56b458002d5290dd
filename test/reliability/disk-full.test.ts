// Disk full (reliability plan #9). A real writer process (children/disk-full-writer) runs under
// `sh -c 'ulimit -f N; exec node …'`: the kernel refuses to grow any of its files past N blocks
// with EFBIG (after a short write up to the limit), an exact, unprivileged "disk full" at any
// offset. The append stream's first record is sized so that the limit falls exactly where a case
// wants it: on a batch boundary, on a frame boundary inside a batch, inside a frame header,
// inside a payload, or inside a record larger than the limit in a segment just rotated to.
//
// Each case checks (docs/durability.md, "Failures"): the append that hit the limit rejects with
// WalFailedError code WAL_DISK_FULL and is never acknowledged; every later append and sync()
// rejects too (the log stays failed until reopened); close() still works and the child ends with
// as many descriptors open as before the open. Then, reopened without the limit: every
// acknowledged record is there, exactly the stream's prefix; a partial frame or batch is cut as a
// torn tail (reported, backed up byte for byte) and none survives; appends work again.
//
// Children run from dist/: `npx tsc -p tsconfig.json` first. Fast tier: 7 placements; torture:
// the limit swept over 4..64 blocks for every placement. SEED replays the record stream.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointName } from '../../src/format/checkpoint-codec.js';
import { SEGMENT_HEADER_BYTES } from '../../src/format/constants.js';
import { frameBytesFor } from '../../src/format/frame-codec.js';
import { encodePayload } from '../../src/format/payload-codec.js';
import { segmentName } from '../../src/format/segment-name.js';
import { ErrorCode } from '../../src/errors.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import { WalStore } from '../../src/store/wal-store.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import { readAll, segmentNames } from '../support/byte-poke.js';
import { childScript } from '../support/child-process.js';
import { asDecoded } from '../support/log-image.js';
import { streamBatches, streamFrames } from '../support/disk-full-stream.js';
import { tier, withSeed } from '../support/random.js';
import { FaultTally } from '../support/reliability-log.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const ROW = 9;
const torture = tier === 'torture';

/** Bytes per `ulimit -f` block: 512 in dash (POSIX), 1024 in bash. Measured, not assumed. */
const blockBytes = (() => {
  const out = spawnSync('sh', ['-c', 'ulimit -f 1; cat /proc/self/limits'], { encoding: 'utf8' });
  const line = out.stdout.split('\n').find((l) => l.startsWith('Max file size'));
  const bytes = Number(line?.split(/\s+/)[3]);
  if (!Number.isInteger(bytes) || bytes <= 0)
    throw new Error(`cannot read ulimit -f: ${out.stdout}`);
  return bytes;
})();

type Placement =
  | 'batch boundary'
  | 'frame boundary inside a batch'
  | 'frame header +8'
  | 'frame header +16'
  | 'payload'
  | 'last 8 bytes of a frame';

const placements: readonly Placement[] = [
  'batch boundary',
  'frame boundary inside a batch',
  'frame header +8',
  'frame header +16',
  'payload',
  'last 8 bytes of a frame',
];

/** The fault class each placement is logged under. */
const faultOf: Record<Placement | 'rotation', string> = {
  'batch boundary': 'disk full at a batch boundary',
  'frame boundary inside a batch': 'disk full at a frame boundary inside a batch',
  'frame header +8': 'disk full inside a frame header',
  'frame header +16': 'disk full inside a frame header',
  payload: 'disk full inside a payload',
  'last 8 bytes of a frame': 'disk full inside a payload',
  rotation: 'disk full in a record larger than the limit, after rotation',
};

interface Plan {
  seed: number;
  blocks: number;
  limitBytes: number;
  concurrency: number;
  leadBytes: number;
  maxSegmentBytes: number;
  bigAt?: number;
  bigBytes?: number;
  /** LSNs of the batch the limit falls in (it must be rejected, never acknowledged). */
  failFirst: number;
  failLast: number;
  /** Name of the segment the limit is hit in, and where its last whole batch ends. */
  segment: string;
  goodOffset: number;
}

/** Frame size of a lead record of `leadBytes`: the lever that moves every later frame. */
const leadFrameBytes = (leadBytes: number) =>
  frameBytesFor(encodePayload(Buffer.alloc(leadBytes)).length);

/** Where to put the limit of `blocks` blocks for `placement`; undefined when the stream can't. */
function planFor(
  seed: number,
  blocks: number,
  placement: Placement,
  concurrency: number,
): Plan | undefined {
  const limitBytes = blocks * blockBytes;
  const frames = streamFrames(streamBatches({ seed, leadBytes: 0 })).slice(1);
  const leadFor = new Map<number, number>();
  for (let leadBytes = 2000; leadBytes >= 0; leadBytes--) {
    leadFor.set(leadFrameBytes(leadBytes), leadBytes);
  }
  // frames[i] has LSN i + 2 (the lead is LSN 1); `before` = stream bytes ahead of frames[i].
  let before = 0;
  const candidates: Plan[] = [];
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    const previous = frames[i - 1];
    const offsetInFrame = {
      'batch boundary': previous?.batchEnds === true ? 0 : -1,
      'frame boundary inside a batch': previous?.batchEnds === false ? 0 : -1,
      'frame header +8': 8,
      'frame header +16': 16,
      payload: frame.frameBytes >= 48 ? 8 * Math.floor(frame.frameBytes / 16) : -1,
      'last 8 bytes of a frame': frame.frameBytes >= 40 ? frame.frameBytes - 8 : -1,
    }[placement];
    const leadFrame = limitBytes - offsetInFrame - SEGMENT_HEADER_BYTES - before;
    const leadBytes = leadFor.get(leadFrame);
    if (offsetInFrame >= 0 && leadBytes !== undefined) {
      // The batch holding frames[i]: back to just after the previous batch end.
      let first = i;
      while (first > 0 && frames[first - 1]!.batchEnds === false) first -= 1;
      let last = i;
      while (!frames[last]!.batchEnds) last += 1;
      const batchStart = limitBytes - offsetInFrame - sum(frames.slice(first, i));
      candidates.push({
        seed,
        blocks,
        limitBytes,
        concurrency,
        leadBytes,
        maxSegmentBytes: 1024 * 1024,
        failFirst: first + 2,
        failLast: last + 2,
        segment: segmentName(1),
        goodOffset: offsetInFrame === 0 && first === i ? limitBytes : batchStart,
      });
    }
    before += frame.frameBytes;
    if (SEGMENT_HEADER_BYTES + 24 + before > limitBytes) break;
  }
  // The smallest lead that works: the most frames before the limit.
  return candidates.sort((a, b) => a.leadBytes - b.leadBytes)[0];
}

/** A record larger than the limit, alone in a segment the writer just rotated to. */
function rotationPlan(seed: number, blocks: number, concurrency: number): Plan {
  const limitBytes = blocks * blockBytes;
  const bigAt = 25;
  const batches = streamBatches({ seed, leadBytes: 8, bigAt, bigBytes: limitBytes + 1000 });
  const firstLsn = 1 + sum(batches.slice(0, bigAt).map((b) => b.length));
  return {
    seed,
    blocks,
    limitBytes,
    concurrency,
    leadBytes: 8,
    maxSegmentBytes: 4096,
    bigAt,
    bigBytes: limitBytes + 1000,
    failFirst: firstLsn,
    failLast: firstLsn,
    segment: segmentName(firstLsn),
    goodOffset: SEGMENT_HEADER_BYTES,
  };
}

function sum(values: readonly (number | { frameBytes: number })[]): number {
  return values.reduce<number>((total, v) => total + (typeof v === 'number' ? v : v.frameBytes), 0);
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The built child, checked to be newer than the stream module it imports. */
function script(): string {
  const path = childScript('disk-full-writer');
  const stream = join(repoRoot, 'dist/test/support/disk-full-stream.js');
  const source = join(repoRoot, 'test/support/disk-full-stream.ts');
  if (!existsSync(stream) || statSync(stream).mtimeMs < statSync(source).mtimeMs) {
    throw new Error(`${stream} is missing or stale: run \`npx tsc -p tsconfig.json\` first`);
  }
  return path;
}

interface ChildRun {
  lines: string[];
  code: number | null;
  stderr: string;
}

/** Runs the child under `ulimit -f <blocks>` to its end (30 s at most). */
function runChild(scriptPath: string, dir: string, plan: Plan): Promise<ChildRun> {
  const args = [
    dir,
    plan.seed,
    plan.leadBytes,
    plan.maxSegmentBytes,
    plan.concurrency,
    ...(plan.bigAt === undefined ? [] : [plan.bigAt, plan.bigBytes]),
  ].map((a) => `'${String(a)}'`);
  const command = `ulimit -f ${plan.blocks}; exec '${process.execPath}' '${scriptPath}' ${args.join(' ')}`;
  return new Promise((resolveRun, rejectRun) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectRun(new Error(`disk-full child timed out; stdout: ${stdout.slice(-2000)}`));
    }, 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ lines: stdout.split('\n').filter(Boolean), code, stderr });
    });
  });
}

/** The stream's records as a reader returns them, by LSN. */
function streamRecords(plan: Plan): Map<number, WalRecord> {
  const records = new Map<number, WalRecord>();
  let lsn = 1;
  for (const batch of streamBatches(plan)) {
    for (const record of batch) {
      records.set(lsn, { lsn, type: record.type, value: asDecoded(record.value) });
      lsn += 1;
    }
  }
  return records;
}

async function runCase(scriptPath: string, plan: Plan): Promise<void> {
  const dir = tempDir('disk-full');
  const run = await runChild(scriptPath, dir, plan);
  const describeRun = () =>
    `seed ${plan.seed} blocks ${plan.blocks} lead ${plan.leadBytes} concurrency ${plan.concurrency}` +
    `\n${run.lines.join('\n')}\nstderr: ${run.stderr.slice(-2000)}`;
  const field = (prefix: string) =>
    run.lines.filter((l) => l.startsWith(`${prefix} `)).map((l) => l.slice(prefix.length + 1));

  // The child: clean exit, the limit in force, the failure named, nothing leaked.
  expect(run.code, describeRun()).toBe(0);
  expect(field('fatal'), describeRun()).toEqual([]);
  expect(field('limit'), describeRun()).toEqual([String(plan.limitBytes)]);
  const fails = field('fail').map((l) => l.split(' '));
  expect(fails.length, describeRun()).toBeGreaterThan(0);
  for (const [, , code] of fails) expect(code, describeRun()).toBe(ErrorCode.diskFull);
  const failed = fails.map(([first, last]) => [Number(first), Number(last)] as const);
  expect(
    failed.some(([first, last]) => first === plan.failFirst && last === plan.failLast),
    `the batch ${plan.failFirst}-${plan.failLast} did not fail\n${describeRun()}`,
  ).toBe(true);
  const acked = field('ack').map((l) => Number(l.split(' ')[1]));
  const highestAck = Math.max(0, ...acked);
  expect(highestAck, describeRun()).toBeLessThan(plan.failFirst);
  expect(field('later'), describeRun()).toEqual([
    ErrorCode.diskFull,
    ErrorCode.diskFull,
    ErrorCode.diskFull,
  ]);
  expect(field('sync'), describeRun()).toEqual([ErrorCode.diskFull]);
  expect(run.lines, describeRun()).toContain('closed');
  const fdCount = (prefix: string) => field(prefix).map((l) => Number(l.split(' ')[0]));
  expect(fdCount('fds-after'), describeRun()).toEqual(fdCount('fds-before'));

  // On disk: the segment stopped exactly at the limit.
  const segmentPath = join(dir, plan.segment);
  const damaged = readFileSync(segmentPath);
  expect(damaged.length, describeRun()).toBe(plan.limitBytes);

  // Reopened without the limit: every ack intact, no partial frame left, tail reported.
  const seen: WalRecord[] = [];
  const writer = await WalWriter.open(dir, { maxSegmentBytes: plan.maxSegmentBytes }, (r) =>
    seen.push(r),
  );
  const expected = streamRecords(plan);
  const recoveredLast = plan.failFirst - 1;
  expect(seen.length, describeRun()).toBe(recoveredLast);
  seen.forEach((record, index) => {
    expect(record, describeRun()).toEqual(expected.get(index + 1));
  });
  const torn = plan.goodOffset < plan.limitBytes;
  const { scan, repair } = writer.openReport;
  if (torn) {
    expect(scan.tail, describeRun()).toMatchObject({
      status: 'torn',
      segment: plan.segment,
      offset: plan.goodOffset,
      droppedBytes: plan.limitBytes - plan.goodOffset,
      lastLsn: recoveredLast,
    });
    expect(repair, describeRun()).toEqual({
      segment: plan.segment,
      backup: `${plan.segment}.broken-${plan.failFirst}`,
      droppedBytes: plan.limitBytes - plan.goodOffset,
      action: 'truncated',
    });
    expect(readFileSync(join(dir, repair!.backup))).toEqual(damaged.subarray(plan.goodOffset));
  } else {
    expect(scan.tail, describeRun()).toEqual({ status: 'clean' });
    expect(repair).toBeUndefined();
  }
  expect(readFileSync(segmentPath).length, describeRun()).toBe(plan.goodOffset);
  expect(await writer.append([{ type: 1, value: { reopened: true } }])).toEqual({
    firstLsn: plan.failFirst,
    lastLsn: plan.failFirst,
  });
  await writer.close();
  const strict = readAll(dir, { recovery: 'strict' });
  expect(strict.records.length).toBe(plan.failFirst);
  expect(segmentNames(dir).at(-1)).toBe(plan.segment);
}

describe('disk full (ulimit -f) under a real writer process', () => {
  const fastBlocks: Record<Placement, number> = {
    'batch boundary': 8,
    'frame boundary inside a batch': 9,
    'frame header +8': 10,
    'frame header +16': 11,
    payload: 12,
    'last 8 bytes of a frame': 13,
  };

  it(
    `the append that hits the limit rejects WAL_DISK_FULL; acks survive, no partial frame does`,
    async () => {
      // A stale build is a set-up error, not a disk-full failure: checked before any case.
      const scriptPath = script();
      await withSeed('disk full', async (_random, seed) => {
        const tallies = new Map<string, FaultTally>();
        const tally = (placement: Placement | 'rotation') => {
          const fault = faultOf[placement];
          if (!tallies.has(fault)) tallies.set(fault, new FaultTally(ROW, fault));
          return tallies.get(fault)!;
        };
        const blocksRange = torture ? Array.from({ length: 61 }, (_, i) => i + 4) : [undefined];
        let index = 0;
        for (const blocks of blocksRange) {
          for (const placement of placements) {
            const n = blocks ?? fastBlocks[placement];
            const concurrency = 1 + (index++ % 4);
            // Another stream seed when this one cannot place the limit there.
            let plan: Plan | undefined;
            for (let attempt = 0; !plan && attempt < 20; attempt++) {
              plan = planFor((seed + attempt) >>> 0, n, placement, concurrency);
            }
            if (!plan) throw new Error(`no stream places ${n} blocks at ${placement}`);
            const chosen = plan;
            await tally(placement).check(`${placement}, ${n} blocks`, () =>
              runCase(scriptPath, chosen),
            );
          }
        }
        // 16 KiB at least: more than any batch of the stream, so sealed segments never hit it.
        const minBlocks = Math.ceil(16_384 / blockBytes);
        const rotationExtra = torture ? [0, 1, 5, 16, 31, 32] : [0];
        for (const extra of rotationExtra) {
          const plan = rotationPlan(seed, minBlocks + extra, 1 + (extra % 3));
          await tally('rotation').check(`rotation, ${plan.blocks} blocks`, () =>
            runCase(scriptPath, plan),
          );
        }
        const errors: string[] = [];
        for (const t of tallies.values()) {
          try {
            t.finish();
          } catch (error) {
            errors.push((error as Error).message);
          }
        }
        if (errors.length > 0) throw new Error(errors.join('\n'));
      });
    },
    torture ? 1_800_000 : 60_000,
  );
});

/** Runs disk-full-steps under `ulimit -f <blocks>` to its end; its stdout lines. */
function runSteps(args: string[], blocks: number): Promise<ChildRun> {
  const scriptPath = childScript('disk-full-steps');
  const quoted = args.map((a) => `'${a}'`).join(' ');
  const command = `ulimit -f ${blocks}; exec '${process.execPath}' '${scriptPath}' ${quoted}`;
  return new Promise((resolveRun, rejectRun) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectRun(new Error(`disk-full-steps timed out; stdout: ${stdout.slice(-2000)}`));
    }, 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ lines: stdout.split('\n').filter(Boolean), code, stderr });
    });
  });
}

const linesOf = (run: ChildRun, prefix: string) =>
  run.lines.filter((l) => l.startsWith(`${prefix} `)).map((l) => l.slice(prefix.length + 1));

describe('disk full (ulimit -f) in the steps around appends', () => {
  it('a repair that cannot back up its tail: WAL_DISK_FULL with the path, no backup left, repaired once space returns', async () => {
    const dir = tempDir('disk-full-repair');
    const records = Array.from({ length: 50 }, (_, n) => ({ type: 1, value: { n } }));
    const writer = await WalWriter.open(dir, { durability: 'fsync' });
    for (const record of records) await writer.append([record]);
    await writer.close();
    const last = segmentNames(dir).at(-1)!;
    // A torn tail larger than the limit: its backup cannot be written.
    const garbage = Buffer.alloc(20_000, 0xee);
    appendFileSync(join(dir, last), garbage);
    const blocks = Math.ceil(8192 / blockBytes);
    const run = await runSteps(['repair', dir, '3'], blocks);
    const describeRun = () => `${run.lines.join('\n')}\nstderr: ${run.stderr.slice(-2000)}`;
    expect(run.code, describeRun()).toBe(0);
    const backup = `${last}.broken-51`;
    expect(linesOf(run, 'open-fail'), describeRun()).toEqual(
      Array(3).fill(`${ErrorCode.diskFull} writing ${join(dir, backup)}`),
    );
    // Each failed open removed what it made: no `.broken-51`, `.broken-51.1`, ... left.
    const files = linesOf(run, 'files')[0]!.split(',');
    expect(
      files.filter((f) => f.includes('.broken') || f.endsWith('.tmp')),
      describeRun(),
    ).toEqual([]);
    expect(linesOf(run, 'fds'), describeRun()).toEqual(['0']);

    // Space back: the repair happens, under the first backup name, and every record is there.
    const seen: WalRecord[] = [];
    const reopened = await WalWriter.open(dir, {}, (r) => seen.push(r));
    expect(reopened.openReport.repair).toEqual({
      segment: last,
      backup,
      droppedBytes: garbage.length,
      action: 'truncated',
    });
    await reopened.close();
    expect(readFileSync(join(dir, backup)).equals(garbage)).toBe(true);
    expect(seen.map((r) => r.value)).toEqual(records.map((r) => r.value));
  });

  it('a checkpoint larger than the room left: WAL_DISK_FULL with the path, no .tmp left, the log goes on', async () => {
    const dir = tempDir('disk-full-checkpoint');
    const blocks = Math.ceil(65_536 / blockBytes);
    // 100 outputs of 1,000 bytes: a ~100 KB checkpoint, in 4 KiB segments that each fit.
    const run = await runSteps(['checkpoint', dir, '100', '1000'], blocks);
    const describeRun = () => `${run.lines.join('\n')}\nstderr: ${run.stderr.slice(-2000)}`;
    expect(run.code, describeRun()).toBe(0);
    expect(linesOf(run, 'ack'), describeRun()).toEqual(
      Array.from({ length: 100 }, (_, i) => String(i + 1)),
    );
    const failure = linesOf(run, 'checkpoint-fail');
    expect(failure, describeRun()).toEqual([
      `${ErrorCode.diskFull} writing ${join(dir, `${checkpointName(100)}.tmp`)}`,
    ]);
    expect(linesOf(run, 'append-after'), describeRun()).toEqual(['101']);
    const files = linesOf(run, 'files')[0]!.split(',');
    expect(
      files.filter((f) => f.endsWith('.tmp') || f.includes('.broken')),
      describeRun(),
    ).toEqual([]);
    expect(linesOf(run, 'fds'), describeRun()).toEqual(['0']);

    // Space back: every acknowledged record is there and a checkpoint now succeeds.
    const store = await WalStore.open(dir, { checkpointEveryBytes: 0 });
    try {
      expect(store.lastLsn).toBe(101);
      expect(store.recoveryReport.removedTempFiles).toEqual([]);
      expect(store.recentActionExecutions(1000).length).toBe(101);
      const result = await store.checkpoint();
      expect(result.lsn).toBe(101);
    } finally {
      await store.close();
    }
  });
});
