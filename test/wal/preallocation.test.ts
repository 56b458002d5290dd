// Zeros written ahead of the data (docs/durability.md#preallocation, docs/format.md#zero-fill):
// a syncing writer keeps them in the active segment, readers take them for the end of the data
// (v2 segments only), rotation and close cut them, and having no room for them is not a failure.
import { appendFileSync, cpSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { replayLog } from '../../src/wal/log-replay.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import { readAll, recordOf, segmentNames } from '../support/byte-poke.js';
import { FaultyFileSystem } from '../support/faulty-fs.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const KiB = 1024;

/** A copy of a live writer's directory: what a crash (or a reader beside it) sees on disk. */
function snapshot(dir: string): string {
  const copy = join(tempDir('preallocation-copy'), 'log');
  cpSync(dir, copy, { recursive: true, filter: (src) => !src.endsWith('.lock') });
  return copy;
}

describe('preallocation', () => {
  it('keeps zeros ahead of the data while open; readers see a clean end, not a torn tail', async () => {
    const dir = join(tempDir('preallocation'), 'log');
    const writer = await WalWriter.open(dir, { preallocateBytes: 64 * KiB });
    for (let n = 1; n <= 20; n++) await writer.append([recordOf(n, 100)]);
    const [segment] = segmentNames(dir);
    const size = statSync(join(dir, segment!)).size;
    expect(size).toBeGreaterThanOrEqual(writer.bytesAppended + 32 + 32 * KiB);
    const crashed = snapshot(dir);
    const { records, report } = readAll(crashed);
    expect(records.map((r) => r.lsn)).toEqual([...Array(20)].map((_, i) => i + 1));
    expect(report.tail).toEqual({ status: 'clean' });
    // A writer reopening the crashed copy appends after the data, into the zeros.
    const reopened = await WalWriter.open(crashed);
    expect(reopened.openReport.repair).toBeUndefined();
    await reopened.append([recordOf(21, 100)]);
    await reopened.close();
    expect(
      readAll(crashed)
        .records.map((r) => r.lsn)
        .at(-1),
    ).toBe(21);
    await writer.close();
    // close cuts the zeros: the file is its data.
    expect(statSync(join(dir, segment!)).size).toBe(writer.bytesAppended + 32);
  });

  it('cuts the zeros of a segment before sealing it (rotation)', async () => {
    const dir = join(tempDir('preallocation-rotate'), 'log');
    const writer = await WalWriter.open(dir, {
      maxSegmentBytes: 8 * KiB,
      preallocateBytes: 4 * KiB,
    });
    for (let n = 1; n <= 200; n++) await writer.append([recordOf(n, 100)]);
    const names = segmentNames(dir);
    expect(names.length).toBeGreaterThan(3);
    const scan = replayLog(dir, {}, () => undefined);
    for (const sealed of scan.segments.slice(0, -1)) {
      expect(statSync(join(dir, sealed.name)).size, sealed.name).toBe(sealed.goodOffset);
    }
    await writer.close();
  });

  it('is off for durability none, and a reader still refuses zeros followed by data', async () => {
    const dir = join(tempDir('preallocation-none'), 'log');
    const writer = await WalWriter.open(dir, { durability: 'none' });
    for (let n = 1; n <= 5; n++) await writer.append([recordOf(n, 100)]);
    await writer.close();
    const [segment] = segmentNames(dir);
    const path = join(dir, segment!);
    const data = statSync(path).size;
    // Zeros then one non-zero byte: not a zero fill, so damage (a torn tail: nothing follows).
    appendFileSync(path, Buffer.concat([Buffer.alloc(4096), Buffer.from([1])]));
    const { report } = readAll(dir);
    expect(report.tail).toMatchObject({ status: 'torn', offset: data, droppedBytes: 4097 });
    // Only zeros: the clean end of a v2 segment.
    writeFileSync(path, Buffer.concat([readFileSync(path).subarray(0, data), Buffer.alloc(5000)]));
    expect(readAll(dir).report.tail).toEqual({ status: 'clean' });
  });

  it('having no room for zeros is not a failed append: the writer stops preallocating', async () => {
    const dir = join(tempDir('preallocation-full'), 'log');
    const fs = new FaultyFileSystem();
    const writer = await WalWriter.open(dir, { fs, preallocateBytes: 64 * KiB });
    // The segment header is write 1; the first append's data is write 2, its zeros write 3.
    fs.failNext('write', { error: 'ENOSPC' }, 3);
    await writer.append([recordOf(1, 100)]);
    for (let n = 2; n <= 10; n++) await writer.append([recordOf(n, 100)]);
    expect(writer.failure).toBeUndefined();
    const [segment] = segmentNames(dir);
    expect(statSync(join(dir, segment!)).size).toBe(writer.bytesAppended + 32);
    // The data itself not fitting is still disk full.
    fs.failNext('write', { error: 'ENOSPC' });
    await expect(writer.append([recordOf(11, 100)])).rejects.toMatchObject({
      code: ErrorCode.diskFull,
    });
    await writer.close();
    expect(readAll(dir).records).toHaveLength(10);
  });

  it('a log whose last segment is v1: open syncs it, then appends go to a new v2 segment', async () => {
    const fixture = new URL('../../fixtures/v1/basic/', import.meta.url);
    const dir = join(tempDir('preallocation-v1'), 'log');
    cpSync(fixture, dir, { recursive: true, filter: (src) => !src.endsWith('expected.json') });
    const fs = new FaultyFileSystem();
    const writer = await WalWriter.open(dir, { fs });
    // What a crashed v1 writer left in the page cache is made durable before anything is built
    // on it (a checkpoint, a new segment), exactly as for a last segment of this version.
    expect(fs.calls.fdatasync).toBe(1);
    const v1 = segmentNames(dir)[0]!;
    const v1Bytes = readFileSync(join(dir, v1));
    await writer.append([recordOf(99, 50)]);
    await writer.close();
    expect(segmentNames(dir)).toHaveLength(2);
    expect(readFileSync(join(dir, v1)).equals(v1Bytes)).toBe(true);
    expect(readAll(dir).records.at(-1)!.lsn).toBe(13);
  });
});
