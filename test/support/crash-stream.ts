// The deterministic record stream of the crash tests: record `index` of the writer seeded
// `seed` is a pure function of (seed, index), so the parent recomputes exactly what a killed
// child wrote. Shared by test/support/children/append-writer.ts and test/process/crash.test.ts.
import type { RecordInput } from '../../src/wal/wal-writer.js';
import { randomBytesFrom, randomInt, seededRandom } from './random.js';

const KiB = 1024;

/** Payload sizes: mostly small, some up to 256 KiB, a few up to 1 MiB (to tear big writes). */
function padBytesFor(random: () => number): number {
  const roll = random();
  if (roll < 0.8) return randomInt(random, 10, 512);
  if (roll < 0.95) return randomInt(random, 513, 16 * KiB);
  if (roll < 0.995) return randomInt(random, 16 * KiB + 1, 256 * KiB);
  return randomInt(random, 256 * KiB + 1, 1024 * KiB);
}

/** Record `index` of writer `seed`: its value names both, so a misplaced record is caught. */
export function streamRecord(seed: number, index: number): RecordInput {
  const random = seededRandom((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const bytes = padBytesFor(random);
  const pad = Buffer.alloc(bytes, randomBytesFrom(random, 61));
  return { type: 1 + (index % 120), value: { w: seed, i: index, pad } };
}

/** Undefined when `actual` (a decoded record) is exactly record `index` of `seed`, else why not. */
export function streamMismatch(
  seed: number,
  index: number,
  actual: { type: number; value: unknown },
): string | undefined {
  const expected = streamRecord(seed, index);
  const value = actual.value as { w?: unknown; i?: unknown; pad?: unknown } | undefined;
  if (value?.w !== seed || value?.i !== index) {
    return `expected record ${index} of writer ${seed}, got w=${String(value?.w)} i=${String(value?.i)}`;
  }
  if (actual.type !== expected.type) return `type ${actual.type}, expected ${expected.type}`;
  const pad = value.pad;
  const expectedPad = (expected.value as { pad: Buffer }).pad;
  if (!(pad instanceof Uint8Array) || !Buffer.from(pad).equals(expectedPad)) {
    return `payload differs (length ${pad instanceof Uint8Array ? pad.length : typeof pad}, expected ${expectedPad.length})`;
  }
  const keys = Object.keys(value).sort().join(',');
  return keys === 'i,pad,w' ? undefined : `unexpected fields ${keys}`;
}
