// The deterministic append stream of the disk-full test (reliability plan #9), shared by the
// child writer (children/disk-full-writer.ts) and the test that predicts where each frame lands:
// batch 0 is one "lead" record whose size the test picks to move every later frame so that the
// file size limit falls exactly where it wants (on a batch boundary, inside a batch, inside a
// frame header or payload); batches 1.. are 1-4 records of 10 B-3 KiB from a seeded generator,
// the same whatever the lead. Optionally one big record (larger than the limit) at `bigAt`.
import { frameBytesFor } from '../../src/format/frame-codec.js';
import { encodePayload } from '../../src/format/payload-codec.js';
import type { RecordInput } from '../../src/wal/wal-writer.js';
import { randomInt, seededRandom } from './random.js';

export interface StreamOptions {
  seed: number;
  /** Bytes of the lead record's binary value. */
  leadBytes: number;
  /** Index of a batch replaced by one record of `bigBytes` (a record larger than the limit). */
  bigAt?: number;
  bigBytes?: number;
}

export const STREAM_BATCHES = 300;

export function streamBatches(options: StreamOptions): RecordInput[][] {
  const random = seededRandom(options.seed);
  const batches: RecordInput[][] = [[{ type: 1, value: Buffer.alloc(options.leadBytes, 0x6c) }]];
  let n = 0;
  for (let index = 1; index <= STREAM_BATCHES; index++) {
    const batch: RecordInput[] = [];
    for (let k = random() < 0.3 ? randomInt(random, 2, 4) : 1; k > 0; k--) {
      n += 1;
      const pad = randomInt(random, 10, random() < 0.9 ? 400 : 3000);
      batch.push({ type: randomInt(random, 1, 3), value: { n, pad: 'p'.repeat(pad) } });
    }
    if (index === options.bigAt) {
      batches.push([{ type: 2, value: { n: -index, big: 'B'.repeat(options.bigBytes ?? 0) } }]);
    } else batches.push(batch);
  }
  return batches;
}

/** Each frame of the stream in LSN order (from LSN 1): its size and whether its batch ends. */
export function streamFrames(
  batches: readonly RecordInput[][],
): { frameBytes: number; batchEnds: boolean }[] {
  return batches.flatMap((batch) =>
    batch.map((record, index) => ({
      frameBytes: frameBytesFor(encodePayload(record.value).length),
      batchEnds: index === batch.length - 1,
    })),
  );
}
