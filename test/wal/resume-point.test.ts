// A checkpoint's resume point (docs/format.md#checkpoint-files): the offset where the record
// after the checkpoint starts. Open reads the checkpoint's segment from there instead of from its
// first frame, but only after a frame with the expected LSN checks there (or the data ends
// there); any other offset is ignored and the segment is walked whole, with the same result.
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WalStore } from '../../src/store/wal-store.js';
import { replayLog } from '../../src/wal/log-replay.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import { recordOf, segmentNames } from '../support/byte-poke.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

async function log(count: number): Promise<{ dir: string; positions: Map<number, number> }> {
  const dir = join(tempDir('resume'), 'log');
  const writer = await WalWriter.open(dir);
  const positions = new Map<number, number>();
  for (let n = 1; n <= count; n++) {
    const { lastLsn } = await writer.append([recordOf(n, 80)]);
    positions.set(lastLsn, writer.positionAfter(lastLsn)!.offset);
  }
  await writer.close();
  return { dir, positions };
}

function read(dir: string, fromLsn: number, offset?: number) {
  const records: WalRecord[] = [];
  const [segment] = segmentNames(dir);
  const resumeAt = offset === undefined ? undefined : { segment: segment!, offset };
  const report = replayLog(dir, { fromLsn, resumeAt }, (r) => records.push(r));
  return { records, report };
}

describe("a checkpoint's resume point", () => {
  it('starts the walk there: the same records and report, 10 frames checked instead of 3,000', async () => {
    const { dir, positions } = await log(3000);
    const fromLsn = 2991;
    const whole = read(dir, fromLsn);
    const resumed = read(dir, fromLsn, positions.get(fromLsn - 1));
    expect(resumed.records).toEqual(whole.records);
    expect(resumed.records.map((r) => r.lsn)[0]).toBe(fromLsn);
    expect(resumed.report.tail).toEqual({ status: 'clean' });
    expect(resumed.report.lastLsn).toBe(3000);
    expect(resumed.report.segments[0]!.goodOffset).toBe(whole.report.segments[0]!.goodOffset);
    expect(resumed.report.records).toBe(10);
    expect(whole.report.records).toBe(3000);
  });

  it('at the end of the data (nothing after the checkpoint yet): no records, the right next lsn', async () => {
    const { dir, positions } = await log(50);
    const resumed = read(dir, 51, positions.get(50));
    expect(resumed.records).toEqual([]);
    expect(resumed.report.segments[0]!.lastLsn).toBe(50);
    // The report says what a walk from the segment's first frame would: records 1..50 are there.
    expect([resumed.report.firstLsn, resumed.report.lastLsn]).toEqual([1, 50]);
    const writer = await WalWriter.open(dir, {
      fromLsn: 51,
      resumeAt: { segment: segmentNames(dir)[0]!, offset: positions.get(50)! },
    });
    expect(writer.nextLsn).toBe(51);
    await writer.close();
  });

  it.each([
    ['inside a frame', 4],
    ['at another frame', 0],
    ['unaligned', 3],
    ['past the end', 1 << 30],
    ['before the first frame', -1],
  ])('is ignored when wrong (%s): the segment is walked whole, same result', async (_, shift) => {
    const { dir, positions } = await log(200);
    const fromLsn = 151;
    const right = positions.get(fromLsn - 1)!;
    const wrong =
      shift === 0
        ? positions.get(100)!
        : shift === -1
          ? 8
          : shift === 1 << 30
            ? shift
            : right + shift;
    const whole = read(dir, fromLsn);
    const resumed = read(dir, fromLsn, wrong);
    expect(resumed.records).toEqual(whole.records);
    expect(resumed.report.records).toBe(200);
    expect(resumed.report.tail).toEqual(whole.report.tail);
  });

  it('makes a store open with a checkpoint read only what follows it', async () => {
    const dir = join(tempDir('resume-store'), 'journal');
    const store = await WalStore.open(dir, { checkpointEveryBytes: 0 });
    for (let i = 0; i < 2000; i++) {
      await store.actionExecutionCompleted(`a${i % 7}`, { success: i % 3 > 0, durationMs: i });
    }
    await store.checkpoint();
    for (let i = 0; i < 5; i++)
      await store.actionExecutionCompleted('late', { success: true, durationMs: 1 });
    await store.close();
    const resumed = await WalStore.open(dir, { readOnly: true });
    expect(resumed.recoveryReport.records).toBe(5);
    const full = join(tempDir('resume-store-full'), 'journal');
    cpSync(dir, full, { recursive: true });
    for (const name of readdirSync(full)) if (name.endsWith('.ckpt')) rmSync(join(full, name));
    const replayed = await WalStore.open(full, { readOnly: true });
    expect(replayed.recoveryReport.records).toBe(2005);
    expect(resumed.allActionStats()).toEqual(replayed.allActionStats());
    expect(resumed.recentActionExecutions(1000)).toEqual(replayed.recentActionExecutions(1000));
    await resumed.close();
    await replayed.close();
  });
});
