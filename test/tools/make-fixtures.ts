// Writes the golden log directories of format v1 (docs/format.md#golden-fixtures) and beside each
// the expected.json a reader must reproduce. Deterministic: fixed salts, fixed values, garbage
// from a fixed seed, so every run writes the same bytes. Segments are built with the format
// functions directly (WalWriter picks a random salt per segment).
//
//   node dist/test/tools/make-fixtures.js fixtures/v1        (what `make fixtures` runs)
//
// fixtures/v1 is frozen once released: a non-empty output directory is refused unless
// EXEC_WAL_REGENERATE_FIXTURES=1. The expectations below are derived from how each log was
// built, never from running the reader: they are the oracle test/fixtures.test.ts checks against.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FORMAT_VERSION, SEGMENT_HEADER_BYTES } from '../../src/format/constants.js';
import { encodeBatch, frameBytesFor, readFrameHeader } from '../../src/format/frame-codec.js';
import { encodePayload } from '../../src/format/payload-codec.js';
import { encodeSegmentHeader } from '../../src/format/segment-header.js';
import { segmentName } from '../../src/format/segment-name.js';

// ---------------------------------------------------------------------------------------------
// expected.json: the contract between the fixtures and every reader of them.

export type ModeName = 'tolerate-tail' | 'strict' | 'point-in-time' | 'salvage';
export const modeNames: readonly ModeName[] = [
  'tolerate-tail',
  'strict',
  'point-in-time',
  'salvage',
];

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

export interface RecordJson {
  lsn: number;
  type: number;
  value: JsonValue;
}

export interface SegmentJson {
  name: string;
  fileBytes: number;
  status: 'ok' | 'torn-tail' | 'damaged' | 'skipped' | 'unread';
  lastLsn: number;
  goodOffset: number;
  salt: number | null;
}

export interface DamageJson {
  kind: 'torn-tail' | 'mid-log';
  action: 'stop-at-tail' | 'stop-and-report' | 'skip';
  segment: string;
  offset: number;
  expectedLsn: number;
  reason: string;
  droppedBytes: number;
}

export type TailJson =
  | { status: 'clean' }
  | {
      status: 'torn';
      segment: string;
      offset: number;
      droppedBytes: number;
      lastLsn: number;
      reason: string;
      headerDamaged: boolean;
    };

/** `segment`, `offset`, `expectedLsn`, `reason` are given for WAL_CORRUPT; WAL_UNSUPPORTED names only the segment. */
export interface ErrorJson {
  code: 'WAL_CORRUPT' | 'WAL_UNSUPPORTED';
  segment: string;
  offset?: number;
  expectedLsn?: number;
  reason?: string;
}

export type ReplayJson =
  | {
      outcome: 'records';
      records: RecordJson[];
      firstLsn: number | null;
      lastLsn: number;
      tail: TailJson;
      damage: DamageJson[];
      segments: SegmentJson[];
    }
  | { outcome: 'error'; error: ErrorJson };

export interface RepairJson {
  segment: string;
  backup: string;
  droppedBytes: number;
  action: 'truncated' | 'moved-aside';
}

/** What WalWriter.open (recovery 'tolerate-tail') does to a copy of the fixture. */
export type WriterJson =
  | { outcome: 'opened'; nextLsn: number; repair: RepairJson | null; removedTempFiles: string[] }
  | { outcome: 'error'; error: ErrorJson };

export interface ExpectedJson {
  formatVersion: number;
  fixture: string;
  description: string;
  files: { name: string; bytes: number; sha256: string }[];
  replay: Record<ModeName, ReplayJson>;
  writer: WriterJson;
}

// ---------------------------------------------------------------------------------------------
// Building segments.

interface RecordSpec {
  type: number;
  value: JsonValue;
}

interface PlacedFrame extends RecordJson {
  offset: number;
  frameBytes: number;
  /** Last frame of its atomic batch (batch-continues flag clear). */
  batchEnd: boolean;
}

interface BuiltSegment {
  name: string;
  baseLsn: number;
  salt: number;
  bytes: Buffer;
  frames: PlacedFrame[];
}

/** Frame types used by the fixtures: the boundaries of the critical and ancillary ranges. */
const Type = { opened: 1, moved: 2, closed: 3, lastCritical: 127, note: 128, metrics: 255 };
const T0_MS = 1_700_000_000_000;

/** A per-segment salt that never changes between runs: FNV-1a of the fixture and base LSN. */
function saltFor(fixture: string, baseLsn: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(`exec-wal fixtures v1 ${fixture} ${baseLsn}`)) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return hash;
}

function buildSegment(
  fixture: string,
  baseLsn: number,
  batches: RecordSpec[][],
  version = FORMAT_VERSION,
): BuiltSegment {
  const salt = saltFor(fixture, baseLsn);
  const parts = [encodeSegmentHeader({ version, salt, baseLsn })];
  const frames: PlacedFrame[] = [];
  let offset = SEGMENT_HEADER_BYTES;
  let lsn = baseLsn;
  for (const batch of batches) {
    const inputs = batch.map((r) => ({ type: r.type, payload: encodePayload(r.value) }));
    parts.push(encodeBatch(inputs, lsn, salt));
    inputs.forEach((input, index) => {
      const frameBytes = frameBytesFor(input.payload.length);
      const record = batch[index]!;
      frames.push({
        lsn,
        type: record.type,
        value: record.value,
        offset,
        frameBytes,
        batchEnd: index === batch.length - 1,
      });
      offset += frameBytes;
      lsn += 1;
    });
  }
  return { name: segmentName(baseLsn), baseLsn, salt, bytes: Buffer.concat(parts), frames };
}

/** Replaces a segment's bytes (after damage), keeping what the frames were. */
function withBytes(segment: BuiltSegment, bytes: Buffer): BuiltSegment {
  return { ...segment, bytes };
}

function frameAt(segment: BuiltSegment, lsn: number): PlacedFrame {
  const frame = segment.frames.find((f) => f.lsn === lsn);
  if (!frame) throw new Error(`fixture set-up: no lsn ${lsn} in ${segment.name}`);
  return frame;
}

/** mulberry32, inlined so the garbage of garbage-tail/ can never change with test helpers. */
function seededBytes(seed: number, length: number): Buffer {
  let a = seed >>> 0;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 256);
  }
  return out;
}

// Small record makers: values are plain JSON-compatible data (maps, strings, integers, floats,
// booleans, null, arrays), so expected.json holds them exactly.
function opened(run: number, op: string): RecordSpec {
  return { type: Type.opened, value: { op, run, atMs: T0_MS + run * 1000 } };
}
function closed(run: number, ms: number): RecordSpec {
  return { type: Type.closed, value: { run, ok: true, ms } };
}
function moved(run: number, from: string, to: string): RecordSpec {
  return { type: Type.moved, value: { run, from, to } };
}
function note(text: string): RecordSpec {
  return { type: Type.note, value: { note: text } };
}

/** `count` filler batches of one record each, numbered from `run`. */
function filler(run: number, count: number): RecordSpec[][] {
  const batches: RecordSpec[][] = [];
  for (let i = 0; i < count; i++) {
    const n = run + i;
    batches.push([n % 2 === 0 ? closed(n, n * 7) : opened(n, `step-${n}`)]);
  }
  return batches;
}

// ---------------------------------------------------------------------------------------------
// Expectations, derived from the construction.

function recordsOf(segments: BuiltSegment[], keep: (lsn: number) => boolean): RecordJson[] {
  return segments.flatMap((s) =>
    s.frames.filter((f) => keep(f.lsn)).map((f) => ({ lsn: f.lsn, type: f.type, value: f.value })),
  );
}

function lastLsnOf(segment: BuiltSegment): number {
  return segment.frames.at(-1)?.lsn ?? segment.baseLsn - 1;
}

function okSegment(segment: BuiltSegment): SegmentJson {
  return {
    name: segment.name,
    fileBytes: segment.bytes.length,
    status: 'ok',
    lastLsn: lastLsnOf(segment),
    goodOffset: segment.bytes.length,
    salt: segment.salt,
  };
}

function recordsReplay(
  records: RecordJson[],
  segments: SegmentJson[],
  tail: TailJson,
  damage: DamageJson[],
): ReplayJson {
  return {
    outcome: 'records',
    records,
    firstLsn: records[0]?.lsn ?? null,
    lastLsn: records.at(-1)?.lsn ?? 0,
    tail,
    damage,
    segments,
  };
}

function sameInEveryMode(replay: ReplayJson): Record<ModeName, ReplayJson> {
  return {
    'tolerate-tail': replay,
    strict: replay,
    'point-in-time': replay,
    salvage: replay,
  };
}

function cleanLog(segments: BuiltSegment[]): Record<ModeName, ReplayJson> {
  return sameInEveryMode(
    recordsReplay(
      recordsOf(segments, () => true),
      segments.map(okSegment),
      { status: 'clean' },
      [],
    ),
  );
}

/**
 * A torn tail in the last segment: everything up to `keptLsn` (the end of the last whole batch,
 * at `goodOffset`) is read; the first unacceptable byte is at `damageOffset`.
 */
function tornTail(
  segments: BuiltSegment[],
  keptLsn: number,
  goodOffset: number,
  damageOffset: number,
  reason: string,
): { replay: Record<ModeName, ReplayJson>; writer: WriterJson } {
  const last = segments.at(-1)!;
  const droppedBytes = last.bytes.length - goodOffset;
  const records = recordsOf(segments, (lsn) => lsn <= keptLsn);
  const summaries: SegmentJson[] = [
    ...segments.slice(0, -1).map(okSegment),
    { ...okSegment(last), status: 'torn-tail', lastLsn: keptLsn, goodOffset },
  ];
  const tail: TailJson = {
    status: 'torn',
    segment: last.name,
    offset: goodOffset,
    droppedBytes,
    lastLsn: keptLsn,
    reason,
    headerDamaged: false,
  };
  const damage = (action: DamageJson['action']): DamageJson => ({
    kind: 'torn-tail',
    action,
    segment: last.name,
    offset: damageOffset,
    expectedLsn: keptLsn + 1,
    reason,
    droppedBytes,
  });
  return {
    replay: {
      'tolerate-tail': recordsReplay(records, summaries, tail, [damage('stop-at-tail')]),
      strict: {
        outcome: 'error',
        error: {
          code: 'WAL_CORRUPT',
          segment: last.name,
          offset: damageOffset,
          expectedLsn: keptLsn + 1,
          reason,
        },
      },
      'point-in-time': recordsReplay(records, summaries, tail, [damage('stop-and-report')]),
      salvage: recordsReplay(records, summaries, tail, [damage('stop-and-report')]),
    },
    writer: {
      outcome: 'opened',
      nextLsn: keptLsn + 1,
      repair: {
        segment: last.name,
        backup: `${last.name}.broken-${keptLsn + 1}`,
        droppedBytes,
        action: 'truncated',
      },
      removedTempFiles: [],
    },
  };
}

function corrupt(error: Omit<ErrorJson, 'code'>): { outcome: 'error'; error: ErrorJson } {
  return { outcome: 'error', error: { code: 'WAL_CORRUPT', ...error } };
}

// ---------------------------------------------------------------------------------------------
// The fixtures.

interface Fixture {
  name: string;
  description: string;
  /** Files of the log directory in the order they are listed in expected.json. */
  files: { name: string; bytes: Buffer }[];
  replay: Record<ModeName, ReplayJson>;
  writer: WriterJson;
}

function basic(): Fixture {
  const segment = buildSegment('basic', 1, [
    [opened(1, 'deploy')],
    [{ type: Type.closed, value: { run: 1, ok: true, ms: 42 } }],
    // One atomic batch of three frames (LSNs 3..5): the first two carry batch-continues.
    [
      opened(2, 'migrate'),
      moved(2, 'v6', 'v7'),
      { type: Type.closed, value: { run: 2, ok: false, ms: 1250, error: 'lock timeout' } },
    ],
    [note('ancillary: a reader that does not know type 128 skips it')],
    [
      {
        type: Type.lastCritical,
        value: {
          list: [1, -1, 127, -128, 65535, -40000, 4294967295, T0_MS, 0.5, -2.25],
          flags: [true, false, null],
          nested: { depth: { deeper: 'yes' } },
          empty: { map: {}, list: [], text: '' },
        },
      },
    ],
    [{ type: Type.opened, value: { op: 'backup', run: 3, atMs: T0_MS + 3000, by: 'zoë ✓' } }],
    [{ type: Type.metrics, value: { queueDepth: 0, p99Ms: 12.25, samples: 1000000 } }],
    [moved(3, 'eu-west-1', 'eu-central-1'), closed(3, 30000)],
    [closed(4, 7)],
  ]);
  return {
    name: 'basic',
    description:
      'One segment, 12 records: critical types 1, 2, 3, 127 and ancillary types 128, 255; ' +
      'an atomic batch of three frames (LSNs 3..5) and one of two (LSNs 10..11). A clean log: ' +
      'every mode reads every record.',
    files: [{ name: segment.name, bytes: segment.bytes }],
    replay: cleanLog([segment]),
    writer: { outcome: 'opened', nextLsn: 13, repair: null, removedTempFiles: [] },
  };
}

function multiSegment(): Fixture {
  const f = 'multi-segment';
  const segments = [
    buildSegment(f, 1, filler(1, 4)),
    buildSegment(f, 5, [...filler(5, 2), [opened(7, 'copy'), moved(7, 'a', 'b'), closed(7, 3)]]),
    buildSegment(f, 10, [...filler(10, 2), [note('rotated')], ...filler(13, 3)]),
    buildSegment(f, 16, filler(16, 5)),
  ];
  return {
    name: f,
    description:
      'Four segments (base LSNs 1, 5, 10 = 0xa, 16 = 0x10, so hex names sort in log order) ' +
      'holding LSNs 1..20, with an atomic batch inside the second. A clean log.',
    files: segments.map((s) => ({ name: s.name, bytes: s.bytes })),
    replay: cleanLog(segments),
    writer: { outcome: 'opened', nextLsn: 21, repair: null, removedTempFiles: [] },
  };
}

function tornTailFixture(): Fixture {
  const f = 'torn-tail';
  const first = buildSegment(f, 1, filler(1, 5));
  const whole = buildSegment(f, 6, [
    ...filler(6, 4),
    [{ type: Type.opened, value: { op: 'long', run: 10, text: 'x'.repeat(100) } }],
  ]);
  const torn = frameAt(whole, 10);
  // Cut inside the payload: the header is whole, so its length points past the end of file.
  const cut = torn.offset + Math.floor(torn.frameBytes / 2);
  const last = withBytes(whole, whole.bytes.subarray(0, cut));
  const header = readFrameHeader(whole.bytes, torn.offset, whole.bytes.length - torn.offset);
  if (!header.ok || cut - torn.offset <= 20) throw new Error('fixture set-up: cut the header');
  const reason = `frame length ${header.header.payloadBytes} runs past the end of the segment`;
  const { replay, writer } = tornTail([first, last], 9, torn.offset, torn.offset, reason);
  return {
    name: f,
    description:
      'Two segments; the last frame of the last segment (LSN 10) is cut in the middle of its ' +
      'payload, as a crash during an append leaves it. LSNs 1..9 are read; a writer cuts the ' +
      'partial frame off after copying it to a .broken-10 file.',
    files: [first, last].map((s) => ({ name: s.name, bytes: s.bytes })),
    replay,
    writer,
  };
}

function tornBatch(): Fixture {
  const f = 'torn-batch';
  const whole = buildSegment(f, 1, [
    ...filler(1, 6),
    [opened(7, 'batch'), moved(7, 'here', 'there'), closed(7, 1)],
  ]);
  const third = frameAt(whole, 9);
  const last = withBytes(whole, whole.bytes.subarray(0, third.offset));
  const goodOffset = frameAt(whole, 7).offset;
  const { replay, writer } = tornTail(
    [last],
    6,
    goodOffset,
    third.offset,
    'batch has no final frame',
  );
  return {
    name: f,
    description:
      'One segment; the last atomic batch (LSNs 7..9) lost its final frame: LSNs 7 and 8 are ' +
      'whole and check but carry batch-continues, so the batch is incomplete and none of it ' +
      'is read. LSNs 1..6 are read.',
    files: [{ name: last.name, bytes: last.bytes }],
    replay,
    writer,
  };
}

function zeroTail(): Fixture {
  const f = 'zero-tail';
  const first = buildSegment(f, 1, filler(1, 5));
  const whole = buildSegment(f, 6, filler(6, 6));
  const zeros = Buffer.alloc(4096 - whole.bytes.length);
  const last = withBytes(whole, Buffer.concat([whole.bytes, zeros]));
  const end = whole.bytes.length;
  const { replay, writer } = tornTail([first, last], 11, end, end, 'frame length 0');
  return {
    name: f,
    description:
      'Two segments; the last is followed by zeros up to 4096 bytes (a file system that ' +
      'extended the file but never wrote the data). An all-zero frame header has length 0, ' +
      'which is invalid. LSNs 1..11 are read.',
    files: [first, last].map((s) => ({ name: s.name, bytes: s.bytes })),
    replay,
    writer,
  };
}

function garbageTail(): Fixture {
  const f = 'garbage-tail';
  const whole = buildSegment(f, 1, filler(1, 8));
  const garbage = seededBytes(0x6a5b7c8d, 1000);
  const last = withBytes(whole, Buffer.concat([whole.bytes, garbage]));
  const end = whole.bytes.length;
  const check = readFrameHeader(last.bytes, end, last.bytes.length - end);
  const reason = check.ok ? 'checksum mismatch' : check.reason;
  const { replay, writer } = tornTail([last], 8, end, end, reason);
  return {
    name: f,
    description:
      'One segment followed by 1000 bytes of garbage (mulberry32, seed 0x6a5b7c8d). No frame ' +
      'with the next LSN checks after it, so it is a torn tail. LSNs 1..8 are read.',
    files: [{ name: last.name, bytes: last.bytes }],
    replay,
    writer,
  };
}

function badChecksumSealed(): Fixture {
  const f = 'bad-checksum-sealed';
  const first = buildSegment(f, 1, filler(1, 4));
  const whole = buildSegment(f, 5, [...filler(5, 3), [opened(8, 'pair'), closed(8, 2)]]);
  const third = buildSegment(f, 10, filler(10, 4));
  const bad = frameAt(whole, 7);
  const flipped = Buffer.from(whole.bytes);
  const flipAt = bad.offset + 20 + 3; // a payload byte: the length field stays intact
  flipped[flipAt] = flipped[flipAt]! ^ 0x01;
  const middle = withBytes(whole, flipped);
  const segments = [first, middle, third];
  const where = {
    segment: middle.name,
    offset: bad.offset,
    expectedLsn: 7,
    reason: 'checksum mismatch',
  };
  const damage = (action: DamageJson['action']): DamageJson => ({
    kind: 'mid-log',
    action,
    ...where,
    droppedBytes: bad.frameBytes,
  });
  return {
    name: f,
    description:
      `One bit flipped in the payload of LSN 7 (byte ${flipAt} of the second of three ` +
      'segments). Damage in a sealed segment is never a torn tail: tolerate-tail and strict ' +
      'refuse, point-in-time stops before LSN 7, salvage skips that one frame.',
    files: segments.map((s) => ({ name: s.name, bytes: s.bytes })),
    replay: {
      'tolerate-tail': corrupt(where),
      strict: corrupt(where),
      'point-in-time': recordsReplay(
        recordsOf(segments, (lsn) => lsn <= 6),
        [
          okSegment(first),
          { ...okSegment(middle), status: 'damaged', lastLsn: 6, goodOffset: bad.offset },
          { ...okSegment(third), status: 'unread', lastLsn: 9, goodOffset: 0, salt: null },
        ],
        { status: 'clean' },
        [damage('stop-and-report')],
      ),
      salvage: recordsReplay(
        recordsOf(segments, (lsn) => lsn !== 7),
        [okSegment(first), { ...okSegment(middle), status: 'damaged' }, okSegment(third)],
        { status: 'clean' },
        [damage('skip')],
      ),
    },
    writer: corrupt(where),
  };
}

function sequenceGap(): Fixture {
  const f = 'sequence-gap';
  const first = buildSegment(f, 1, filler(1, 4));
  // buildSegment(f, 5, filler(5, 4)) was written and then lost: LSNs 5..8 are missing.
  const third = buildSegment(f, 9, filler(9, 4));
  const segments = [first, third];
  const where = {
    segment: third.name,
    offset: 0,
    expectedLsn: 5,
    reason: 'missing records (sequence gap): segment starts at lsn 9',
  };
  const damage = (action: DamageJson['action']): DamageJson => ({
    kind: 'mid-log',
    action,
    ...where,
    droppedBytes: 0,
  });
  return {
    name: f,
    description:
      'Segments 0000000000000001.wal (LSNs 1..4) and 0000000000000009.wal (LSNs 9..12): the ' +
      'segment holding LSNs 5..8 is missing, so the LSNs jump. Every segment checks; the hole ' +
      'is found only by the +1 rule.',
    files: segments.map((s) => ({ name: s.name, bytes: s.bytes })),
    replay: {
      'tolerate-tail': corrupt(where),
      strict: corrupt(where),
      'point-in-time': recordsReplay(
        recordsOf(segments, (lsn) => lsn <= 4),
        [
          okSegment(first),
          { ...okSegment(third), status: 'damaged', lastLsn: 8, goodOffset: SEGMENT_HEADER_BYTES },
        ],
        { status: 'clean' },
        [damage('stop-and-report')],
      ),
      salvage: recordsReplay(
        recordsOf(segments, () => true),
        [okSegment(first), { ...okSegment(third), status: 'damaged' }],
        { status: 'clean' },
        [damage('skip')],
      ),
    },
    writer: corrupt(where),
  };
}

function frameGap(): Fixture {
  const f = 'frame-gap';
  const whole = buildSegment(f, 1, filler(1, 7));
  const gone = frameAt(whole, 4);
  const first: BuiltSegment = {
    ...whole,
    bytes: Buffer.concat([
      whole.bytes.subarray(0, gone.offset),
      whole.bytes.subarray(gone.offset + gone.frameBytes),
    ]),
    frames: whole.frames.filter((frame) => frame.lsn !== gone.lsn),
  };
  const second = buildSegment(f, 8, filler(8, 4));
  const segments = [first, second];
  const where = {
    segment: first.name,
    offset: gone.offset,
    expectedLsn: 4,
    reason: 'sequence gap: lsn 5 (expected 4)',
  };
  const damage = (action: DamageJson['action']): DamageJson => ({
    kind: 'mid-log',
    action,
    ...where,
    droppedBytes: 0,
  });
  return {
    name: f,
    description:
      'The frame of LSN 4 is missing from the middle of the first of two segments: every frame ' +
      'checks, but LSN 5 follows LSN 3. A frame that checks yet is out of sequence is never a ' +
      'crash artefact: tolerate-tail and strict refuse, point-in-time stops after LSN 3, ' +
      'salvage goes on at LSN 5 (no bytes dropped).',
    files: segments.map((s) => ({ name: s.name, bytes: s.bytes })),
    replay: {
      'tolerate-tail': corrupt(where),
      strict: corrupt(where),
      'point-in-time': recordsReplay(
        recordsOf(segments, (lsn) => lsn <= 3),
        [
          { ...okSegment(first), status: 'damaged', lastLsn: 3, goodOffset: gone.offset },
          { ...okSegment(second), status: 'unread', lastLsn: 7, goodOffset: 0, salt: null },
        ],
        { status: 'clean' },
        [damage('stop-and-report')],
      ),
      salvage: recordsReplay(
        recordsOf(segments, () => true),
        [{ ...okSegment(first), status: 'damaged' }, okSegment(second)],
        { status: 'clean' },
        [damage('skip')],
      ),
    },
    writer: corrupt(where),
  };
}

function futureVersion(): Fixture {
  const f = 'future-version';
  const first = buildSegment(f, 1, filler(1, 3));
  const newer = buildSegment(f, 4, filler(4, 3), FORMAT_VERSION + 1);
  const error: ErrorJson = { code: 'WAL_UNSUPPORTED', segment: newer.name };
  return {
    name: f,
    description:
      `The second segment's header (checksum valid) says format version ${FORMAT_VERSION + 1}. ` +
      'A v1 reader refuses the log with WAL_UNSUPPORTED in every mode, and never treats the ' +
      'newer segment as damage (which a writer would cut off).',
    files: [first, newer].map((s) => ({ name: s.name, bytes: s.bytes })),
    replay: sameInEveryMode({ outcome: 'error', error }),
    writer: { outcome: 'error', error },
  };
}

function strayFiles(): Fixture {
  const f = 'stray-files';
  const first = buildSegment(f, 1, filler(1, 6));
  const second = buildSegment(f, 7, filler(7, 3));
  // An earlier repair cut a torn LSN 5 off the first segment and kept it here; LSN 5 was then
  // written again. The bytes: the first half of a frame that once followed LSN 4.
  const cutOff = buildSegment(f, 1, [...filler(1, 4), [opened(5, 'lost')]]);
  const lost = frameAt(cutOff, 5);
  const broken = cutOff.bytes.subarray(lost.offset, lost.offset + Math.floor(lost.frameBytes / 2));
  // A rotation to base LSN 10 crashed after writing its temp file, before the rename.
  const temp = buildSegment(f, 10, []);
  const files = [
    { name: first.name, bytes: first.bytes },
    { name: `${first.name}.broken-5`, bytes: broken },
    { name: second.name, bytes: second.bytes },
    { name: `${temp.name}.tmp`, bytes: temp.bytes },
  ];
  return {
    name: f,
    description:
      'Two segments (LSNs 1..9) beside a .broken-5 file kept by an earlier tail repair and the ' +
      '.tmp file of a rotation that crashed before its rename. Readers ignore both; a writer ' +
      'removes the .tmp file and keeps the .broken file.',
    files,
    replay: cleanLog([first, second]),
    writer: {
      outcome: 'opened',
      nextLsn: 10,
      repair: null,
      removedTempFiles: [`${temp.name}.tmp`],
    },
  };
}

export function buildFixtures(): Fixture[] {
  return [
    basic(),
    multiSegment(),
    tornTailFixture(),
    tornBatch(),
    zeroTail(),
    garbageTail(),
    badChecksumSealed(),
    sequenceGap(),
    frameGap(),
    futureVersion(),
    strayFiles(),
  ];
}

// ---------------------------------------------------------------------------------------------
// Writing.

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readme(fixtures: Fixture[]): string {
  const rows = fixtures.map((f) => `| \`${f.name}/\` | ${f.description} |`);
  return [
    '# Golden fixtures of format v1',
    '',
    'Generated by `make fixtures` (`test/tools/make-fixtures.ts`); never hand-edited. The ' +
      'generator is deterministic (fixed salts, fixed values, a seeded generator for garbage) and ' +
      '`test/fixtures.test.ts` checks that it still reproduces these bytes exactly.',
    '',
    'v1 is frozen once released: the generator refuses to overwrite this directory unless ' +
      '`EXEC_WAL_REGENERATE_FIXTURES=1` is set. A reader of format v1 must read every fixture as ' +
      'its `expected.json` says, forever. The format is specified in `docs/format.md`.',
    '',
    'Each directory is a log directory plus `expected.json`:',
    '',
    '- `files`: the log files with their sizes and SHA-256.',
    '- `replay`: for each recovery mode (`tolerate-tail`, the default, `strict`, `point-in-time`, ' +
      '`salvage`), what a read-only replay yields: the records (`lsn`, `type`, decoded `value`), ' +
      'the tail status and dropped bytes, the damage found, a summary per segment; or the error ' +
      '(`code`, and for `WAL_CORRUPT` the segment, byte offset, expected LSN and reason).',
    '- `writer`: what opening a copy with `WalWriter` (recovery `tolerate-tail`) does: the next ' +
      'LSN, the tail repair, the temporary files removed; or the error.',
    '',
    'Record types and values are test data: the log does not interpret them. Types 1, 2, 3 and ' +
      '127 are critical, 128 and 255 ancillary.',
    '',
    '| fixture | what it holds |',
    '|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** Writes every fixture under `outDir` (which must not hold any of them yet). */
export function writeFixtures(outDir: string): string[] {
  const fixtures = buildFixtures();
  mkdirSync(outDir, { recursive: true });
  for (const fixture of fixtures) {
    const dir = join(outDir, fixture.name);
    mkdirSync(dir);
    for (const file of fixture.files) writeFileSync(join(dir, file.name), file.bytes);
    const expected: ExpectedJson = {
      formatVersion: FORMAT_VERSION,
      fixture: fixture.name,
      description: fixture.description,
      files: fixture.files.map((file) => ({
        name: file.name,
        bytes: file.bytes.length,
        sha256: sha256(file.bytes),
      })),
      replay: fixture.replay,
      writer: fixture.writer,
    };
    writeFileSync(join(dir, 'expected.json'), `${JSON.stringify(expected, null, 2)}\n`);
  }
  writeFileSync(join(outDir, 'README.md'), readme(fixtures));
  // Checked out byte for byte everywhere: no line-ending conversion of expected.json or README.md.
  writeFileSync(join(outDir, '.gitattributes'), '* -text\n');
  return fixtures.map((f) => f.name);
}

/** Removes a previous generation, refusing if the directory holds anything else. */
function clearFixtures(outDir: string): void {
  const known = new Set([...buildFixtures().map((f) => f.name), 'README.md', '.gitattributes']);
  const entries = readdirSync(outDir);
  const unknown = entries.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `${outDir} holds ${unknown.join(', ')}, not made by this generator; not removing`,
    );
  }
  for (const name of entries) rmSync(join(outDir, name), { recursive: true, force: true });
}

function main(argv: string[]): number {
  const outDir = argv[2];
  if (!outDir) {
    console.error('usage: node dist/test/tools/make-fixtures.js <output dir>');
    return 2;
  }
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    if (process.env.EXEC_WAL_REGENERATE_FIXTURES !== '1') {
      console.error(
        `${outDir} already holds fixtures; format fixtures are frozen once released. ` +
          'To regenerate anyway: EXEC_WAL_REGENERATE_FIXTURES=1 make fixtures',
      );
      return 1;
    }
    clearFixtures(outDir);
  }
  const names = writeFixtures(outDir);
  console.log(`wrote ${names.length} fixtures to ${outDir}: ${names.join(', ')}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv);
}
