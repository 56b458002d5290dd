// Decoder fuzzing (reliability plan #15). fast-check properties over the frame decoder and
// replay, then a seeded mutation loop over real segments, all read in memory in every recovery
// mode through the oracle of test/support/decode-check.ts (named errors only, no hang, no buffer
// larger than the largest file, no descriptor left open, 0 garbage, the modes agree):
//
//   (a) a valid log cut at any byte: exactly the whole batches before the cut, the rest reported
//       as a torn tail (strict refuses exactly when there is one);
//   (b) one flipped bit anywhere: never a record that was not written; strict always refuses;
//       damage in a sealed segment is always corruption; salvage keeps every other segment;
//   (c) structured garbage as one segment file, and as a directory of segments;
//   (d) 1-3 seeded mutations of real segments (bytes, frames, whole files, unreadable sectors),
//       and on a sample of them a real writer's open, repair, append and reread.
//
// Fast tier: about 12,000 cases in a few seconds. EXEC_WAL_TIER=torture runs each part for a
// time budget instead (about 10 minutes in all). A failure prints how to replay it (the
// SEED, plus the fast-check shrink path for a property) and keeps the input as
// fixtures/regressions/<name>/, which the last test replays on every run.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LSN_MAX, SEGMENT_HEADER_BYTES, SegmentHeaderOffset } from '../../src/format/constants.js';
import { decodeSegmentHeader } from '../../src/format/segment-header.js';
import { ErrorCode, WalError, WalValidationError } from '../../src/errors.js';
import { segmentName } from '../../src/format/segment-name.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import { type RecordInput, WalWriter } from '../../src/wal/wal-writer.js';
import { readAll, readUntilError } from '../support/byte-poke.js';
import {
  errorProblem,
  type Oracle,
  problemsOf,
  type ReadRun,
  type ReadSetup,
  readEveryMode,
} from '../support/decode-check.js';
import {
  buildFromSpec,
  directoryFiles,
  directorySpecArb,
  logSpecArb,
  saltOf,
  segmentBytes,
  segmentSpecArb,
} from '../support/fuzz-inputs.js';
import {
  buildLogImage,
  cutLog,
  type LogFiles,
  type LogImage,
  loadFiles,
  locate,
  segmentOrder,
  segmentStarts,
  totalBytes,
  writeFiles,
} from '../support/log-image.js';
import { mutate } from '../support/mutations.js';
import {
  fastCheckSeed,
  randomBytesFrom,
  randomInt,
  seededRandom,
  testSeed,
  tier,
  withSeed,
} from '../support/random.js';
import { loadRegressions, saveRegression } from '../support/regressions.js';
import { recordResult } from '../support/reliability-log.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const ROW = 15;
const torture = tier === 'torture';

/** Fast tier: cases per part. Torture: each part runs for its budget instead. */
const plan = {
  truncation: { runs: 2500, budgetMs: 80_000 },
  bitFlip: { runs: 2500, budgetMs: 80_000 },
  segmentBytes: { runs: 2500, budgetMs: 80_000 },
  directory: { runs: 1500, budgetMs: 80_000 },
  mutations: { runs: 3000, budgetMs: 200_000 },
  writer: { runs: 40, budgetMs: 80_000 },
};
const timeoutFor = (part: keyof typeof plan) => (torture ? plan[part].budgetMs + 120_000 : 60_000);

/** One fuzz input: a log directory, how to read it, and what must come out. */
interface FuzzCase {
  files: LogFiles;
  setup: ReadSetup;
  oracle: Oracle;
  /** Checks particular to the property, beyond the oracle's. */
  expect?: (run: ReadRun) => string[];
}

function caseProblems(c: FuzzCase): string[] {
  const run = readEveryMode(c.files, c.setup);
  return [...problemsOf(run, c.files, c.oracle, c.setup), ...(c.expect?.(run) ?? [])];
}

/**
 * fast-check's seed is SEED's (a fresh one without it), so a failure replays with SEED=<n> like
 * every other randomized test; EXEC_WAL_FC_PATH adds the shrink path to go straight to the
 * smallest input. EXEC_WAL_FC_SEED, the older name, still works.
 */
function envSeedAndPath(): { seed: number; path?: string } {
  const legacy = process.env.EXEC_WAL_FC_SEED;
  const path = process.env.EXEC_WAL_FC_PATH;
  return {
    seed: legacy ? Number(legacy) | 0 : fastCheckSeed(testSeed()),
    ...(path ? { path } : {}),
  };
}

/**
 * Checks `toCase(input)` for inputs from `arb` with fast-check; logs the result; on failure keeps
 * the shrunk input as a regression fixture and fails with the seed and path to replay it.
 */
function fuzzProperty<T>(
  part: keyof typeof plan,
  fault: string,
  arb: fc.Arbitrary<T>,
  toCase: (input: T) => FuzzCase,
): void {
  const { runs, budgetMs } = plan[part];
  const details = fc.check(
    fc.property(arb, (input) => {
      const problems = caseProblems(toCase(input));
      if (problems.length > 0) throw new Error(problems.join('\n'));
    }),
    {
      numRuns: torture ? 2 ** 31 - 1 : runs,
      // Torture: run for the budget. Fast: a safety net, so that shrinking a hang (2 s a case)
      // still ends within the test timeout with the smallest input found so far.
      plugins: [
        torture
          ? fc.interruptAfterTimeLimit(budgetMs)
          : fc.interruptAfterTimeLimit(40_000, { failOnInterrupt: true }),
      ],
      ...envSeedAndPath(),
    },
  ) as fc.RunDetails<[T]>;
  recordResult(ROW, fault, details.numRuns, details.failed ? 1 : 0);
  if (!details.failed) return;
  const title = expect.getState().currentTestName?.split(' > ').at(-1) ?? fault;
  const replay =
    `SEED=${details.seed >>> 0} EXEC_WAL_FC_PATH=${details.counterexamplePath} ` +
    `npx vitest run --config test/vitest.config.ts test/reliability/fuzz.test.ts -t '${title}'`;
  let saved = '(no counterexample)';
  if (details.counterexample) {
    const c = toCase(details.counterexample[0]);
    const firstProblem = firstLine(caseProblems(c)[0] ?? 'failed');
    saved = saveRegression(
      `${part}-${details.seed >>> 0}`,
      c.files,
      `${fault}: ${firstProblem} (fast-check seed ${details.seed}, path ${details.counterexamplePath})`,
      c.oracle,
      c.setup,
    );
  }
  throw new Error(
    `${fault} failed; replay: ${replay}\ninput kept in ${saved}\n${fc.defaultReportMessage(details)}`,
  );
}

/** The first line of a problem, without its stack, for a README line. */
function firstLine(problem: string): string {
  const line = problem.split('\n')[0]!;
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

function sameRecords(a: readonly WalRecord[], b: readonly WalRecord[]): boolean {
  return isDeepStrictEqual(a, b);
}

// -----------------------------------------------------------------------------------------------
// Real segments: the in-memory builder must write what WalWriter writes.

/** Deterministic appends of one of three shapes, as a writer test would make them. */
function shapeAppends(random: () => number, shape: 'small' | 'mixed' | 'single'): RecordInput[][] {
  const count = { small: 90, mixed: 36, single: 60 }[shape];
  const maxPad = { small: 300, mixed: 20_000, single: 500 }[shape];
  const appends: RecordInput[][] = [];
  let n = 0;
  for (let i = 0; i < count; i++) {
    const batch: RecordInput[] = [];
    for (let k = random() < 0.25 ? randomInt(random, 2, 4) : 1; k > 0; k--) {
      n += 1;
      const pad = randomInt(random, 0, random() < 0.9 ? Math.min(maxPad, 300) : maxPad);
      const value =
        random() < 0.2
          ? { n, blob: randomBytesFrom(random, pad) }
          : { n, pad: 'x'.repeat(pad), at: 1_700_000_000_000 + n };
      batch.push({
        type: random() < 0.9 ? randomInt(random, 1, 3) : randomInt(random, 128, 255),
        value,
      });
    }
    appends.push(batch);
  }
  return appends;
}

const shapeSegmentBytes = { small: 4096, mixed: 16_384, single: 64 * 1024 * 1024 } as const;

function shapeImage(seed: number, shape: keyof typeof shapeSegmentBytes): LogImage {
  return buildLogImage(shapeAppends(seededRandom(seed), shape), {
    maxSegmentBytes: shapeSegmentBytes[shape],
    salt: (index) => saltOf(seed, index),
  });
}

describe('decoder fuzzing: fast-check properties', () => {
  it('the in-memory log builder writes byte for byte what WalWriter writes', async () => {
    const dir = tempDir('fuzz-builder');
    const appends = shapeAppends(seededRandom(7), 'small');
    const writer = await WalWriter.open(dir, { maxSegmentBytes: shapeSegmentBytes.small });
    for (const batch of appends) await writer.append(batch);
    await writer.close();
    const onDisk = loadFiles(dir);
    const salts = segmentOrder(onDisk).map((name) => {
      const verdict = decodeSegmentHeader(onDisk.get(name)!);
      if (verdict.kind !== 'ok') throw new Error(`${name}: header does not check`);
      return verdict.header.salt;
    });
    expect(salts.length).toBeGreaterThan(3);
    const image = buildLogImage(appends, {
      maxSegmentBytes: shapeSegmentBytes.small,
      salt: (index) => salts[index]!,
    });
    expect([...image.files.keys()]).toEqual(segmentOrder(onDisk));
    for (const [name, bytes] of image.files)
      expect(bytes.equals(onDisk.get(name)!), name).toBe(true);
    expect(readAll(dir).records).toEqual(image.records);
  });

  it(
    'a valid log cut at any byte reads as exactly its whole batches before the cut',
    () => {
      const arb = fc.record({
        log: logSpecArb,
        cutAt: fc.nat(),
        // Half the cuts land exactly on a frame boundary (inside a batch, between batches).
        onFrame: fc.boolean(),
        keepEmpty: fc.boolean(),
        fromLsnAt: fc.option(fc.nat(), { freq: 4 }),
      });
      fuzzProperty('truncation', 'truncated log (fast-check)', arb, (input) => {
        const image = buildFromSpec(input.log);
        const starts = segmentStarts(image.files);
        const boundaries = image.frames.map((f) => starts.get(f.segment)! + f.offset);
        const cut = input.onFrame
          ? (boundaries[input.cutAt % (boundaries.length + 1)] ?? totalBytes(image.files))
          : input.cutAt % (totalBytes(image.files) + 1);
        const files = cutLog(image.files, cut, input.keepEmpty);
        const firstLsn = input.log.firstLsn;
        const fromLsn =
          input.fromLsnAt === null
            ? undefined
            : firstLsn + (input.fromLsnAt % (image.records.length + 2));
        return {
          files,
          setup: { chunkBytes: input.log.chunkBytes, fromLsn },
          oracle: { written: image.records, fromStart: true },
          expect: (run) => cutExpectations(image, files, cut, fromLsn, run),
        };
      });
    },
    timeoutFor('truncation'),
  );

  it(
    'one flipped bit anywhere never yields a record that was not written',
    () => {
      const arb = fc.record({ log: logSpecArb, at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) });
      fuzzProperty('bitFlip', 'single bit flip (fast-check)', arb, (input) => {
        const image = buildFromSpec(input.log);
        const at = input.at % totalBytes(image.files);
        const hit = locate(image.files, at)!;
        const files = new Map(image.files);
        const bytes = Buffer.from(files.get(hit.name)!);
        bytes[hit.offset] = bytes[hit.offset]! ^ (1 << input.bit);
        files.set(hit.name, bytes);
        return {
          files,
          setup: { chunkBytes: input.log.chunkBytes },
          oracle: { written: image.records, fromStart: true },
          expect: (run) => flipExpectations(image, hit, run),
        };
      });
    },
    timeoutFor('bitFlip'),
  );

  it(
    'arbitrary bytes as a segment file: only named errors, bounded time and memory',
    () => {
      const arb = fc.record({
        segment: segmentSpecArb,
        nameBase: fc.integer({ min: 1, max: 50 }),
        raw: fc.option(fc.uint8Array({ maxLength: 2000 }), { freq: 6 }),
        chunkBytes: fc.constantFrom(undefined, 64, 200),
      });
      fuzzProperty('segmentBytes', 'arbitrary segment bytes (fast-check)', arb, (input) => {
        const bytes = input.raw
          ? Buffer.from(input.raw)
          : segmentBytes(input.segment, input.nameBase).bytes;
        return {
          files: new Map([[segmentName(input.nameBase), bytes]]),
          setup: { chunkBytes: input.chunkBytes },
          oracle: {},
        };
      });
    },
    timeoutFor('segmentBytes'),
  );

  it(
    'arbitrary bytes as a directory of segments (some unreadable): only named errors',
    () => {
      fuzzProperty(
        'directory',
        'arbitrary segment directory (fast-check)',
        directorySpecArb,
        (spec) => {
          const { files, unreadable } = directoryFiles(spec);
          return { files, setup: { chunkBytes: spec.chunkBytes, unreadable }, oracle: {} };
        },
      );
    },
    timeoutFor('directory'),
  );
});

/** Property (a): what a cut log must read as, in each mode. */
function cutExpectations(
  image: LogImage,
  files: LogFiles,
  cut: number,
  fromLsn: number | undefined,
  run: ReadRun,
): string[] {
  const starts = segmentStarts(image.files);
  // A record survives when the frame ending its batch ends at or before the cut.
  const kept = new Set<number>();
  let batchEnd = 0;
  for (let i = image.frames.length - 1; i >= 0; i--) {
    const frame = image.frames[i]!;
    if (frame.batchEnds) batchEnd = starts.get(frame.segment)! + frame.offset + frame.frameBytes;
    if (batchEnd <= cut) kept.add(frame.lsn);
  }
  const expected = image.records.filter((r) => kept.has(r.lsn) && r.lsn >= (fromLsn ?? 0));
  const last = segmentOrder(files).at(-1);
  let dropped = 0;
  if (last !== undefined) {
    const length = files.get(last)!.length;
    let good = length < SEGMENT_HEADER_BYTES ? 0 : SEGMENT_HEADER_BYTES;
    for (const frame of image.frames) {
      const end = frame.offset + frame.frameBytes;
      if (frame.segment === last && frame.batchEnds && end <= length) good = Math.max(good, end);
    }
    dropped = length - good;
  }
  // Only zeros after the last whole batch (a cut that happened to keep zero bytes) are the end of
  // data of a v2 segment (docs/format.md#zero-fill): a clean tail, nothing to cut.
  const lastBytes = last === undefined ? undefined : files.get(last)!;
  const zeroFill =
    lastBytes !== undefined &&
    dropped > 0 &&
    lastBytes.length >= SEGMENT_HEADER_BYTES &&
    lastBytes.subarray(lastBytes.length - dropped).every((byte) => byte === 0);
  const torn =
    last !== undefined &&
    ((dropped > 0 && !zeroFill) || files.get(last)!.length < SEGMENT_HEADER_BYTES);
  const problems: string[] = [];
  for (const outcome of run.outcomes) {
    const say = (what: string) => problems.push(`cut at ${cut}, ${outcome.mode}: ${what}`);
    if (!sameRecords(outcome.records, expected)) {
      say(`${outcome.records.length} records instead of the ${expected.length} before the cut`);
    }
    if (outcome.mode === 'strict') {
      if (torn !== (outcome.error !== undefined))
        say(`torn ${torn} but error ${String(outcome.error)}`);
      continue;
    }
    if (outcome.error !== undefined) {
      say(`refused: ${String(outcome.error)}`);
      continue;
    }
    const tail = outcome.report!.tail;
    if ((tail.status === 'torn') !== torn) say(`tail ${tail.status}, expected torn ${torn}`);
    if (tail.status === 'torn' && tail.droppedBytes !== dropped) {
      say(`dropped ${tail.droppedBytes} bytes instead of ${dropped}`);
    }
  }
  return problems;
}

/**
 * Property (b): what a log with one flipped bit at `hit` must read as. In a sealed segment it is
 * corruption. In the last segment it is corruption only when a sync point follows it (a frame
 * written after an fdatasync covered the damaged bytes, docs/recovery.md), and a torn tail
 * otherwise; a flip in the header's salt leaves no frame that can be checked: a torn tail too.
 */
function flipExpectations(
  image: LogImage,
  hit: { name: string; offset: number },
  run: ReadRun,
): string[] {
  const problems: string[] = [];
  const isLast = hit.name === segmentOrder(image.files).at(-1);
  const syncPointAfter = image.frames.some(
    (f) => f.segment === hit.name && f.offset > hit.offset && f.syncPoint,
  );
  const saltHit =
    hit.offset >= SegmentHeaderOffset.salt && hit.offset < SegmentHeaderOffset.salt + 4;
  const midLog = !isLast || (syncPointAfter && !saltHit);
  const by = (mode: string) => run.outcomes.find((o) => o.mode === mode);
  if (by('strict')?.error === undefined) problems.push('strict accepted a log with a flipped bit');
  const tolerate = by('tolerate-tail');
  if (tolerate && !(tolerate.error instanceof WalError)) {
    if (midLog) problems.push(`tolerate-tail accepted mid-log damage at ${hit.name}@${hit.offset}`);
    else if (tolerate.report?.tail.status !== 'torn') {
      problems.push('tolerate-tail reported a clean log with a flipped bit');
    }
  } else if (tolerate && !midLog) {
    problems.push(`tolerate-tail refused a flipped bit with nothing after it: ${tolerate.error}`);
  }
  const salvage = by('salvage');
  if (salvage && salvage.error === undefined) {
    const read = new Set(salvage.records.map((r) => r.lsn));
    const missing = image.frames.filter((f) => f.segment !== hit.name && !read.has(f.lsn));
    if (missing.length > 0) {
      problems.push(
        `salvage lost lsn ${missing[0]!.lsn} of ${missing[0]!.segment}, not the damaged ${hit.name}`,
      );
    }
  }
  return problems;
}

// -----------------------------------------------------------------------------------------------
// (d) Seeded mutations of real segments.

/** A base log's first segment is still there untouched, and nothing sorts before it. */
function startIntact(base: LogImage, files: LogFiles, unreadable: { name: string }[]): boolean {
  const first = segmentOrder(base.files)[0];
  if (first === undefined) return false;
  return (
    files.get(first)?.equals(base.files.get(first)!) === true &&
    segmentOrder(files)[0] === first &&
    !unreadable.some((u) => u.name === first)
  );
}

interface MutationCase {
  base: LogImage;
  files: LogFiles;
  setup: ReadSetup;
  oracle: Oracle;
  done: string[];
}

function mutationCase(bases: LogImage[], donors: LogFiles[], caseSeed: number): MutationCase {
  const random = seededRandom(caseSeed);
  const base = bases[Math.floor(random() * bases.length)]!;
  const target = { files: new Map(base.files), unreadable: [], random, donors };
  const done = mutate(target);
  const chunkBytes = [undefined, 64, 512, 4096][randomInt(random, 0, 3)];
  // One replay in five starts from an LSN (whole segments below it are skipped unread).
  const fromLsn = random() < 0.2 ? randomInt(random, 1, base.records.length + 1) : undefined;
  if (fromLsn !== undefined) done.push(`replay from lsn ${fromLsn}`);
  return {
    base,
    files: target.files,
    setup: { chunkBytes, unreadable: target.unreadable, fromLsn },
    oracle: {
      written: base.records,
      fromStart: startIntact(base, target.files, target.unreadable),
    },
    done,
  };
}

function loopSeeds(seed: number) {
  const bases = (['small', 'mixed', 'single'] as const).map((shape, i) =>
    shapeImage(seed + i, shape),
  );
  const donors = [shapeImage((seed ^ 0x5eed) >>> 0, 'small').files];
  return { bases, donors, caseSeed: (i: number) => (seed + Math.imul(i + 1, 0x9e3779b1)) >>> 0 };
}

describe('decoder fuzzing: seeded mutations of real segments', () => {
  it(
    'bytes, frames and files damaged 1-3 times: named errors or a correct prefix',
    async () => {
      await withSeed('mutation loop', (_random, seed) => {
        const { bases, donors, caseSeed } = loopSeeds(seed);
        const { runs, budgetMs } = plan.mutations;
        const deadline = Date.now() + budgetMs;
        const failures: string[] = [];
        let cases = 0;
        for (let i = 0; torture ? Date.now() < deadline : i < runs; i++) {
          const c = mutationCase(bases, donors, caseSeed(i));
          const problems = caseProblems(c);
          cases += 1;
          if (problems.length === 0) continue;
          const what = `case ${i} (${c.done.join('; ')}): ${firstLine(problems[0]!)}`;
          if (failures.length < 5) {
            saveRegression(
              `mutation-${seed}-${i}`,
              c.files,
              `seeded mutation, SEED=${seed} ${what}`,
              c.oracle,
              c.setup,
            );
          }
          failures.push(what);
        }
        recordResult(ROW, 'seeded mutations of real segments', cases, failures.length);
        expect(failures, `${failures.length} of ${cases} cases failed`).toEqual([]);
      });
    },
    timeoutFor('mutations'),
  );

  it(
    'a writer opening a mutated log: refuses it unchanged, or repairs, appends and rereads',
    async () => {
      await withSeed('writer after mutations', async (_random, seed) => {
        const { bases, donors, caseSeed } = loopSeeds(seed);
        const { runs, budgetMs } = plan.writer;
        const deadline = Date.now() + budgetMs;
        const failures: string[] = [];
        let cases = 0;
        for (let i = 0; torture ? Date.now() < deadline : cases < runs; i++) {
          const c = mutationCase(bases, donors, caseSeed(1_000_000 + i));
          if (c.setup.unreadable!.length > 0) continue;
          cases += 1;
          const problems = await writerProblems(c, i);
          if (problems.length === 0) continue;
          const what = `case ${1_000_000 + i} (${c.done.join('; ')}): ${firstLine(problems[0]!)}`;
          if (failures.length < 5) {
            saveRegression(
              `writer-${seed}-${i}`,
              c.files,
              `writer open after mutation, SEED=${seed} ${what}`,
              c.oracle,
              c.setup,
            );
          }
          failures.push(what);
        }
        recordResult(ROW, 'writer open, repair and append after mutations', cases, failures.length);
        expect(failures, `${failures.length} of ${cases} cases failed`).toEqual([]);
      });
    },
    timeoutFor('writer'),
  );
});

/** Opens a real writer on a copy of a mutated log and checks what it did to the disk. */
async function writerProblems(c: MutationCase, index: number): Promise<string[]> {
  const problems: string[] = [];
  const run = readEveryMode(c.files, c.setup);
  const readOnly = run.outcomes.find((o) => o.mode === 'tolerate-tail')!;
  const dir = tempDir('fuzz-writer');
  writeFiles(dir, c.files);
  const seen: WalRecord[] = [];
  let writer: WalWriter;
  try {
    writer = await WalWriter.open(dir, { maxSegmentBytes: 4096, fromLsn: c.setup.fromLsn }, (r) =>
      seen.push(r),
    );
  } catch (error) {
    const problem = errorProblem(error, c.files, dir);
    if (problem) problems.push(`open: ${problem}`);
    if (readOnly.error === undefined) problems.push(`open refused what a read accepted: ${error}`);
    const after = loadFiles(dir);
    if (!sameFiles(after, c.files)) problems.push('a refused open changed the directory');
    return problems;
  }
  try {
    if (readOnly.error !== undefined)
      problems.push(`open accepted what a read refused: ${readOnly.error}`);
    if (!sameRecords(seen, readOnly.records))
      problems.push('open replayed other records than a read');
    const { repair } = writer.openReport;
    const after = loadFiles(dir);
    for (const [name, bytes] of c.files) {
      if (name === repair?.segment) {
        if (repair.action === 'moved-aside') {
          if (after.has(name)) problems.push(`${name} was moved aside but is still there`);
          if (!after.get(repair.backup)?.equals(bytes)) problems.push(`${repair.backup} differs`);
        } else {
          const cutAt = bytes.length - repair.droppedBytes;
          if (!after.get(name)?.equals(bytes.subarray(0, cutAt)))
            problems.push(`${name} not cut at ${cutAt}`);
          if (!after.get(repair.backup)?.equals(bytes.subarray(cutAt)))
            problems.push(`${repair.backup} differs`);
        }
      } else if (!after.get(name)?.equals(bytes)) {
        problems.push(`${name} changed although it was not repaired`);
      }
    }
    const added = { type: 1, value: { fuzz: index } };
    const result = await writer.append([added]);
    const last = seen.at(-1);
    if (last && result.firstLsn !== last.lsn + 1) {
      problems.push(`appended at lsn ${result.firstLsn} after lsn ${last.lsn}`);
    }
    await writer.close();
    const fromLsn = c.setup.fromLsn;
    const reread = readUntilError(dir, { fromLsn });
    if (reread.error) problems.push(`reread after append: ${reread.error}`);
    else {
      // A log that ends below fromLsn takes the new record below it too: not replayed then.
      const expected = [...seen, { lsn: result.firstLsn, ...added }].filter(
        (r) => r.lsn >= (fromLsn ?? 0),
      );
      if (!sameRecords(reread.records, expected)) {
        problems.push('reread after append: not the replayed records plus the new one');
      }
      if (reread.report!.tail.status !== 'clean') problems.push('reread after append: torn tail');
      if (readUntilError(dir, { recovery: 'strict', fromLsn }).error) {
        problems.push('strict reread refused');
      }
    }
  } finally {
    await writer.close();
  }
  return problems;
}

function sameFiles(a: ReadonlyMap<string, Buffer>, b: ReadonlyMap<string, Buffer>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, bytes] of a) if (!b.get(name)?.equals(bytes)) return false;
  return true;
}

describe('decoder fuzzing: regression fixtures', () => {
  it('a log at the largest LSN refuses further appends and stays readable (fixture lsn-max-then-garbage)', async () => {
    const dir = tempDir('fuzz-lsn-max');
    const writer = await WalWriter.open(dir, { fromLsn: LSN_MAX - 1 });
    expect(await writer.append([{ type: 1, value: 'next to last' }])).toEqual({
      firstLsn: LSN_MAX - 1,
      lastLsn: LSN_MAX - 1,
    });
    // A batch that would straddle the limit is refused whole, then the last LSN is taken.
    for (const batch of [2, 1]) {
      const records = Array.from({ length: batch }, (_, i) => ({ type: 1, value: i }));
      if (batch === 2) {
        await expect(writer.append(records)).rejects.toMatchObject({
          code: ErrorCode.limitExceeded,
        });
      } else {
        expect(await writer.append(records)).toEqual({ firstLsn: LSN_MAX, lastLsn: LSN_MAX });
      }
    }
    await expect(writer.append([{ type: 1, value: 'past' }])).rejects.toBeInstanceOf(
      WalValidationError,
    );
    await writer.close();
    expect(readAll(dir, { recovery: 'strict' }).records.map((r) => r.lsn)).toEqual([
      LSN_MAX - 1,
      LSN_MAX,
    ]);
    const reopened = await WalWriter.open(dir);
    await expect(reopened.append([{ type: 1, value: 'past' }])).rejects.toMatchObject({
      code: ErrorCode.limitExceeded,
    });
    await reopened.close();
  });

  it('every directory in fixtures/regressions reads with named errors or a correct prefix', () => {
    const regressions = loadRegressions();
    const failures: string[] = [];
    for (const regression of regressions) {
      const run = readEveryMode(regression.files, regression.setup);
      const problems = problemsOf(run, regression.files, regression.oracle, regression.setup);
      if (problems.length > 0)
        failures.push(`${regression.name} (${regression.note}): ${problems[0]}`);
    }
    recordResult(ROW, 'regression fixtures replayed', regressions.length, failures.length);
    expect(failures).toEqual([]);
  });
});
