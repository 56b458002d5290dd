// Tails a crash (or a preallocating file system) can leave after the last whole batch: zeros,
// garbage, an extra segment whose header never made it. A writer keeps every record before it,
// backs the tail up to `<segment>.broken-<lsn>` byte for byte, cuts it, and appends after it.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { segmentName } from '../../src/format/segment-name.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import { WalWriter, type WalWriterOptions } from '../../src/wal/wal-writer.js';
import { readAll, recordOf, segmentNames, writeLog } from '../support/byte-poke.js';
import { FaultyFileSystem } from '../support/faulty-fs.js';
import { randomBytesFrom, randomInt, withSeed } from '../support/random.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const OPTIONS: WalWriterOptions = { maxSegmentBytes: 4096 };

/** A two-segment log of 40 records (3 of them in one batch); returns its records. */
async function makeLog(dir: string): Promise<WalRecord[]> {
  const appends = [];
  for (let n = 1; n <= 37; n++) appends.push(recordOf(n, 100 + n));
  appends.push([recordOf(38), recordOf(39), recordOf(40)]);
  const { records } = await writeLog(dir, appends, OPTIONS);
  expect(segmentNames(dir).length).toBeGreaterThanOrEqual(2);
  expect(records.at(-1)!.lsn).toBe(40);
  return records;
}

/** Appends five records to a reopened log and checks the whole log reads back as expected. */
async function appendFiveAndReread(writer: WalWriter, before: WalRecord[]): Promise<void> {
  const added = [1, 2, 3, 4, 5].map((i) => recordOf(500 + i, 40));
  try {
    for (const [i, record] of added.entries()) {
      expect(await writer.append([record])).toEqual({ firstLsn: 41 + i, lastLsn: 41 + i });
    }
  } finally {
    await writer.close();
  }
  const { records, report } = readAll(writer.dir);
  expect(records).toEqual([...before, ...added.map((r, i) => ({ lsn: 41 + i, ...r }))]);
  expect(report.tail).toEqual({ status: 'clean' });
}

describe('tails after the last whole batch', () => {
  it('4 MiB of zeros and a stray byte: cut and backed up, in linear passes over the bytes', async () => {
    const dir = tempDir('tails-zeros');
    const records = await makeLog(dir);
    const last = segmentNames(dir).at(-1)!;
    const path = join(dir, last);
    const goodBytes = readFileSync(path).length;
    // Zeros alone would be a zero fill, the clean end of a v2 segment (preallocation.test.ts):
    // the byte after them makes the whole tail damage.
    const zeroBytes = 4 * 1024 * 1024 + 1;
    appendFileSync(path, Buffer.concat([Buffer.alloc(zeroBytes - 1), Buffer.from([0xff])]));

    const fs = new FaultyFileSystem();
    const started = performance.now();
    const writer = await WalWriter.open(dir, { ...OPTIONS, fs });
    const elapsedMs = performance.now() - started;
    expect(writer.openReport.scan.tail).toEqual({
      status: 'torn',
      segment: last,
      offset: goodBytes,
      droppedBytes: zeroBytes,
      lastLsn: 40,
      reason: 'frame length 0',
      headerDamaged: false,
    });
    expect(writer.openReport.repair).toEqual({
      segment: last,
      backup: `${last}.broken-41`,
      droppedBytes: zeroBytes,
      action: 'truncated',
    });
    // One pass to scan the segments, one over the tail to rule out a zero fill, one to copy it
    // to the backup: nothing quadratic.
    const logBytes = writer.openReport.scan.bytesTotal;
    expect(fs.bytesRead).toBeLessThanOrEqual(logBytes + 2 * zeroBytes + 64 * 1024);
    expect(elapsedMs).toBeLessThan(5_000);
    const tail = Buffer.concat([Buffer.alloc(zeroBytes - 1), Buffer.from([0xff])]);
    expect(readFileSync(join(dir, `${last}.broken-41`)).equals(tail)).toBe(true);
    expect(readFileSync(path).length).toBe(goodBytes);
    await appendFiveAndReread(writer, records);
  });

  it('random garbage: cut and backed up byte for byte', async () => {
    await withSeed('garbage tail', async (random) => {
      const dir = tempDir('tails-garbage');
      const records = await makeLog(dir);
      const last = segmentNames(dir).at(-1)!;
      const path = join(dir, last);
      const goodBytes = readFileSync(path).length;
      const garbage = randomBytesFrom(random, randomInt(random, 1, 64 * 1024));
      appendFileSync(path, garbage);

      const writer = await WalWriter.open(dir, OPTIONS);
      expect(writer.openReport.scan.tail).toMatchObject({
        status: 'torn',
        segment: last,
        offset: goodBytes,
        droppedBytes: garbage.length,
        lastLsn: 40,
        headerDamaged: false,
      });
      expect(writer.openReport.repair).toEqual({
        segment: last,
        backup: `${last}.broken-41`,
        droppedBytes: garbage.length,
        action: 'truncated',
      });
      expect(readFileSync(join(dir, `${last}.broken-41`)).equals(garbage)).toBe(true);
      await appendFiveAndReread(writer, records);
    });
  });

  it('an extra segment file with an all-zero header: moved aside whole', async () => {
    const dir = tempDir('tails-zero-segment');
    const records = await makeLog(dir);
    const sealed = segmentNames(dir);
    const extra = segmentName(41);
    const zeros = Buffer.alloc(32 + 4096);
    writeFileSync(join(dir, extra), zeros);

    const writer = await WalWriter.open(dir, OPTIONS);
    expect(writer.openReport.scan.tail).toEqual({
      status: 'torn',
      segment: extra,
      offset: 0,
      droppedBytes: zeros.length,
      lastLsn: 40,
      reason: 'segment header checksum mismatch',
      headerDamaged: true,
    });
    expect(writer.openReport.repair).toEqual({
      segment: extra,
      backup: `${extra}.broken-41`,
      droppedBytes: zeros.length,
      action: 'moved-aside',
    });
    expect(existsSync(join(dir, extra))).toBe(false);
    expect(readFileSync(join(dir, `${extra}.broken-41`)).equals(zeros)).toBe(true);
    await appendFiveAndReread(writer, records);
    expect(segmentNames(dir).slice(0, sealed.length)).toEqual(sealed);
  });

  it('a second repair at the same LSN keeps the first backup and writes `.1`', async () => {
    const dir = tempDir('tails-twice');
    const records = await makeLog(dir);
    const last = segmentNames(dir).at(-1)!;
    const path = join(dir, last);
    appendFileSync(path, Buffer.from('first garbage tail'));
    await (await WalWriter.open(dir, OPTIONS)).close();
    appendFileSync(path, Buffer.from('second'));
    const writer = await WalWriter.open(dir, OPTIONS);
    expect(writer.openReport.repair?.backup).toBe(`${last}.broken-41.1`);
    expect(readFileSync(join(dir, `${last}.broken-41`), 'latin1')).toBe('first garbage tail');
    expect(readFileSync(join(dir, `${last}.broken-41.1`), 'latin1')).toBe('second');
    await appendFiveAndReread(writer, records);
  });

  it('a tail in a read-only replay is reported, never cut', async () => {
    const dir = tempDir('tails-readonly');
    const records = await makeLog(dir);
    const last = segmentNames(dir).at(-1)!;
    const path = join(dir, last);
    appendFileSync(path, Buffer.alloc(100, 0xff));
    const damaged = readFileSync(path);
    const { records: read, report } = readAll(dir);
    expect(read).toEqual(records);
    expect(report.tail).toMatchObject({ status: 'torn', droppedBytes: 100, lastLsn: 40 });
    expect(readFileSync(path).equals(damaged)).toBe(true);
    expect(existsSync(join(dir, `${last}.broken-41`))).toBe(false);
  });
});
