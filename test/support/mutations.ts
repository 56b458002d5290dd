// Seeded mutations of real segments for the decoder fuzzing loop (reliability plan #15): damage
// at byte, frame and file granularity, as media, buggy copies and lost directory entries leave
// it. None of them forges a checksum, so every record a reader returns must still be one that
// was written (a forged CRC can make a log say anything; test/reliability/stale-data.test.ts
// covers those cases one by one). Each mutation returns a line saying what it did.
import { maskedCrc32c } from '../../src/format/checksum.js';
import { SEGMENT_HEADER_BYTES, SegmentHeaderOffset } from '../../src/format/constants.js';
import { readFrameHeader } from '../../src/format/frame-codec.js';
import { parseSegmentName, segmentName } from '../../src/format/segment-name.js';
import { type LogFiles, segmentOrder } from './log-image.js';
import type { UnreadableRange } from './memory-fs.js';
import { randomBytesFrom, randomInt } from './random.js';

export interface MutationTarget {
  files: LogFiles;
  unreadable: UnreadableRange[];
  random: () => number;
  /** Other logs (other salts) to splice frames from. */
  donors: readonly LogFiles[];
}

type Mutation = (t: MutationTarget) => string | undefined;

function pick<T>(random: () => number, items: readonly T[]): T | undefined {
  return items.length === 0 ? undefined : items[Math.floor(random() * items.length)];
}

function pickSegment(t: MutationTarget): string | undefined {
  return pick(t.random, segmentOrder(t.files));
}

/** An offset in [0, length): uniform, 8-aligned or 512-aligned. */
function offsetIn(random: () => number, length: number): number {
  const at = Math.floor(random() * length);
  const roll = random();
  if (roll < 0.2) return at - (at % 8);
  if (roll < 0.3) return at - (at % 512);
  return at;
}

/** Whole frames from offset 32 for as long as their headers parse (no CRC check). */
export function framesIn(bytes: Buffer): { offset: number; frameBytes: number }[] {
  const frames: { offset: number; frameBytes: number }[] = [];
  let at = SEGMENT_HEADER_BYTES;
  while (at < bytes.length) {
    const check = readFrameHeader(bytes, at, bytes.length - at);
    if (!check.ok) break;
    frames.push({ offset: at, frameBytes: check.header.frameBytes });
    at += check.header.frameBytes;
  }
  return frames;
}

function splice(bytes: Buffer, at: number, removeBytes: number, insert: Uint8Array): Buffer {
  return Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at + removeBytes)]);
}

function unusedName(t: MutationTarget): string {
  const bases = segmentOrder(t.files).map((name) => parseSegmentName(name)!);
  const top = Math.max(1, ...bases);
  for (;;) {
    const name = segmentName(randomInt(t.random, 1, top + 40));
    if (!t.files.has(name)) return name;
  }
}

const flipBits: Mutation = (t) => {
  const name = pickSegment(t);
  if (!name) return undefined;
  const bytes = Buffer.from(t.files.get(name)!);
  if (bytes.length === 0) return undefined;
  const flips: string[] = [];
  for (let n = randomInt(t.random, 1, 4); n > 0; n--) {
    const at = Math.floor(t.random() * bytes.length);
    const bit = randomInt(t.random, 0, 7);
    bytes[at] = bytes[at]! ^ (1 << bit);
    flips.push(`${at}.${bit}`);
  }
  t.files.set(name, bytes);
  return `flip ${name} bits ${flips.join(' ')}`;
};

function overwriteRange(fill: 'zero' | 'garbage'): Mutation {
  return (t) => {
    const name = pickSegment(t);
    if (!name) return undefined;
    const bytes = Buffer.from(t.files.get(name)!);
    if (bytes.length === 0) return undefined;
    const at = offsetIn(t.random, bytes.length);
    const length = Math.min(bytes.length - at, randomInt(t.random, 1, 4096));
    const replacement = fill === 'zero' ? Buffer.alloc(length) : randomBytesFrom(t.random, length);
    replacement.copy(bytes, at);
    t.files.set(name, bytes);
    return `${fill} ${name} [${at}, ${at + length})`;
  };
}

const insertBytes: Mutation = (t) => {
  const name = pickSegment(t);
  if (!name) return undefined;
  const bytes = t.files.get(name)!;
  const at = offsetIn(t.random, bytes.length + 1);
  const zeros = t.random() < 0.3;
  const length = zeros ? 8 * randomInt(t.random, 1, 64) : randomInt(t.random, 1, 64);
  const insert = zeros ? Buffer.alloc(length) : randomBytesFrom(t.random, length);
  t.files.set(name, splice(bytes, at, 0, insert));
  return `insert ${length} ${zeros ? 'zero' : 'random'} bytes into ${name} at ${at}`;
};

const deleteRange: Mutation = (t) => {
  const name = pickSegment(t);
  if (!name) return undefined;
  const bytes = t.files.get(name)!;
  if (bytes.length === 0) return undefined;
  const at = offsetIn(t.random, bytes.length);
  const length = Math.min(
    bytes.length - at,
    t.random() < 0.5 ? randomInt(t.random, 1, 256) : 8 * randomInt(t.random, 1, 32),
  );
  t.files.set(name, splice(bytes, at, length, Buffer.alloc(0)));
  return `delete ${name} [${at}, ${at + length})`;
};

const duplicateRange: Mutation = (t) => {
  const from = pickSegment(t);
  const to = pickSegment(t);
  if (!from || !to) return undefined;
  const source = t.files.get(from)!;
  if (source.length === 0) return undefined;
  const at = offsetIn(t.random, source.length);
  const copy = Buffer.from(source.subarray(at, at + randomInt(t.random, 1, 512)));
  const target = t.files.get(to)!;
  const into = offsetIn(t.random, target.length + 1);
  t.files.set(to, splice(target, into, 0, copy));
  return `copy ${from} [${at}, ${at + copy.length}) into ${to} at ${into}`;
};

const truncateSegment: Mutation = (t) => {
  const name = pickSegment(t);
  if (!name) return undefined;
  const bytes = t.files.get(name)!;
  const length = offsetIn(t.random, bytes.length);
  t.files.set(name, bytes.subarray(0, length));
  return `truncate ${name} to ${length}`;
};

const appendTail: Mutation = (t) => {
  const name = pickSegment(t);
  if (!name) return undefined;
  const length = randomInt(t.random, 1, 4096);
  const zeros = t.random() < 0.5;
  const tail = zeros ? Buffer.alloc(length) : randomBytesFrom(t.random, length);
  t.files.set(name, Buffer.concat([t.files.get(name)!, tail]));
  return `append ${length} ${zeros ? 'zero' : 'random'} bytes to ${name}`;
};

/** Whole frames of another segment (of this log or another one) put at a frame boundary. */
const spliceFrames: Mutation = (t) => {
  const to = pickSegment(t);
  if (!to) return undefined;
  const donor = t.random() < 0.5 ? pick(t.random, t.donors) : t.files;
  if (!donor) return undefined;
  const from = pick(
    t.random,
    segmentOrder(donor).filter((name) => donor !== t.files || name !== to),
  );
  if (!from) return undefined;
  const source = donor.get(from)!;
  const frames = framesIn(source);
  const first = pick(t.random, frames);
  if (!first) return undefined;
  const index = frames.indexOf(first);
  const run = frames.slice(index, index + randomInt(t.random, 1, 3));
  const last = run.at(-1)!;
  const copy = source.subarray(first.offset, last.offset + last.frameBytes);
  const target = t.files.get(to)!;
  const boundaries = [...framesIn(target).map((f) => f.offset), target.length];
  const into = pick(t.random, boundaries)!;
  const overwrite = t.random() < 0.5 ? Math.min(copy.length, target.length - into) : 0;
  t.files.set(to, splice(target, into, overwrite, copy));
  const whose = donor === t.files ? 'this log' : 'another log';
  return `${overwrite ? 'overwrite' : 'insert'} ${run.length} frames of ${from} (${whose}) into ${to} at ${into}`;
};

const deleteFrames: Mutation = (t) => {
  const name = pickSegment(t);
  if (!name) return undefined;
  const bytes = t.files.get(name)!;
  const frames = framesIn(bytes);
  const first = pick(t.random, frames);
  if (!first) return undefined;
  const index = frames.indexOf(first);
  const run = frames.slice(index, index + randomInt(t.random, 1, 2));
  const end = run.at(-1)!.offset + run.at(-1)!.frameBytes;
  t.files.set(name, splice(bytes, first.offset, end - first.offset, Buffer.alloc(0)));
  return `delete ${run.length} frames of ${name} at ${first.offset}`;
};

const duplicateFrame: Mutation = (t) => {
  const name = pickSegment(t);
  if (!name) return undefined;
  const bytes = t.files.get(name)!;
  const frames = framesIn(bytes);
  const frame = pick(t.random, frames);
  if (!frame) return undefined;
  const boundaries = [...frames.map((f) => f.offset), bytes.length];
  const into = pick(t.random, boundaries)!;
  const copy = Buffer.from(bytes.subarray(frame.offset, frame.offset + frame.frameBytes));
  t.files.set(name, splice(bytes, into, 0, copy));
  return `duplicate the frame of ${name} at ${frame.offset} at ${into}`;
};

const swapFrames: Mutation = (t) => {
  const name = pickSegment(t);
  if (!name) return undefined;
  const bytes = t.files.get(name)!;
  const frames = framesIn(bytes);
  if (frames.length < 2) return undefined;
  const i = randomInt(t.random, 0, frames.length - 2);
  const j = randomInt(t.random, i + 1, frames.length - 1);
  const a = frames[i]!;
  const b = frames[j]!;
  const out = Buffer.concat([
    bytes.subarray(0, a.offset),
    bytes.subarray(b.offset, b.offset + b.frameBytes),
    bytes.subarray(a.offset + a.frameBytes, b.offset),
    bytes.subarray(a.offset, a.offset + a.frameBytes),
    bytes.subarray(b.offset + b.frameBytes),
  ]);
  t.files.set(name, out);
  return `swap the frames of ${name} at ${a.offset} and ${b.offset}`;
};

const deleteSegment: Mutation = (t) => {
  const name = pickSegment(t);
  if (!name) return undefined;
  t.files.delete(name);
  return `delete ${name}`;
};

const duplicateSegment: Mutation = (t) => {
  const name = pickSegment(t);
  if (!name) return undefined;
  const copy = unusedName(t);
  t.files.set(copy, t.files.get(name)!);
  return `copy ${name} to ${copy}`;
};

const renameSegment: Mutation = (t) => {
  const name = pickSegment(t);
  if (!name) return undefined;
  const to = unusedName(t);
  t.files.set(to, t.files.get(name)!);
  t.files.delete(name);
  return `rename ${name} to ${to}`;
};

/** Renamed with its header's base LSN rewritten to match (and the header CRC fixed). */
const rebaseSegment: Mutation = (t) => {
  const name = pickSegment(t);
  if (!name) return undefined;
  const bytes = Buffer.from(t.files.get(name)!);
  if (bytes.length < SEGMENT_HEADER_BYTES) return undefined;
  const to = unusedName(t);
  bytes.writeBigUInt64LE(BigInt(parseSegmentName(to)!), SegmentHeaderOffset.baseLsn);
  bytes.writeUInt32LE(
    maskedCrc32c(bytes.subarray(0, SegmentHeaderOffset.crc), 0),
    SegmentHeaderOffset.crc,
  );
  t.files.set(to, bytes);
  t.files.delete(name);
  return `rename ${name} to ${to} with a matching header`;
};

const unreadableSector: Mutation = (t) => {
  const name = pickSegment(t);
  if (!name) return undefined;
  const bytes = t.files.get(name)!;
  if (bytes.length === 0) return undefined;
  const from = offsetIn(t.random, bytes.length) & ~511;
  t.unreadable.push({ name, from, to: from + 512 });
  return `EIO reading ${name} [${from}, ${from + 512})`;
};

export const mutations: readonly [string, Mutation, number][] = [
  ['flip', flipBits, 6],
  ['zero', overwriteRange('zero'), 3],
  ['garbage', overwriteRange('garbage'), 3],
  ['insert', insertBytes, 3],
  ['delete', deleteRange, 3],
  ['copy-range', duplicateRange, 3],
  ['truncate', truncateSegment, 3],
  ['append-tail', appendTail, 2],
  ['splice-frames', spliceFrames, 4],
  ['delete-frames', deleteFrames, 3],
  ['duplicate-frame', duplicateFrame, 3],
  ['swap-frames', swapFrames, 2],
  ['delete-segment', deleteSegment, 1],
  ['duplicate-segment', duplicateSegment, 1],
  ['rename-segment', renameSegment, 1],
  ['rebase-segment', rebaseSegment, 1],
  ['unreadable-sector', unreadableSector, 1],
];

const totalWeight = mutations.reduce((sum, [, , weight]) => sum + weight, 0);

/** Applies 1-3 random mutations; returns what was done (empty when nothing applied). */
export function mutate(t: MutationTarget): string[] {
  const done: string[] = [];
  for (let n = randomInt(t.random, 1, 3); n > 0; n--) {
    let roll = t.random() * totalWeight;
    let chosen = mutations[0]!;
    for (const candidate of mutations) {
      chosen = candidate;
      roll -= candidate[2];
      if (roll < 0) break;
    }
    const what = chosen[1](t);
    if (what) done.push(what);
  }
  return done;
}
