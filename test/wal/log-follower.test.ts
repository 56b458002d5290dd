// followLog when the segment it follows is replaced under it (same name, new inode): a copy that
// continues what it read (a takeover's move to a fresh file) is followed on at the same offset
// and LSN; anything else (the log rewritten by a repair) ends it with WAL_SEGMENT_GONE. The
// real-process version, with a SIGKILLed writer and a takeover, is
// test/process/follow-takeover.test.ts.
import { copyFileSync, readdirSync, readlinkSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, WalError } from '../../src/errors.js';
import { followLog } from '../../src/wal/log-follower.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import { recordOf, segmentNames, writeLog } from '../support/byte-poke.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

/** Follows `dir` in the background until stop(); `failure` is what ended it, if not stop(). */
function follow(dir: string) {
  const controller = new AbortController();
  const records: WalRecord[] = [];
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const r of followLog(dir, { pollMs: 2, signal: controller.signal }))
        records.push(r);
    } catch (error) {
      failure = error;
    }
  })();
  return { records, done, stop: () => controller.abort(), failure: () => failure };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

/** Replaces `path` by a copy of itself, as SegmentFile.moveToFreshFile does. */
function moveToFreshFile(path: string): void {
  copyFileSync(path, `${path}.tmp`);
  renameSync(`${path}.tmp`, path);
}

const deletedOpen = (dir: string) =>
  readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(join('/proc/self/fd', fd));
      } catch {
        return '';
      }
    })
    .filter((t) => t.startsWith(dir) && t.endsWith(' (deleted)'));

describe('followLog across a replaced segment', () => {
  it('a copy that continues it: reopened, then every record once, in order', async () => {
    const dir = tempDir('follower-moved');
    await writeLog(
      dir,
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => recordOf(n, 40)),
    );
    const f = follow(dir);
    try {
      await until(() => f.records.length === 10);
      expect(f.records.length).toBe(10);
      moveToFreshFile(join(dir, segmentNames(dir)[0]!));
      const writer = await WalWriter.open(dir);
      for (let n = 11; n <= 15; n++) await writer.append([recordOf(n, 40)]);
      await writer.close();
      await until(() => f.records.length === 15);
      expect(deletedOpen(dir)).toEqual([]);
    } finally {
      f.stop();
      await f.done;
    }
    expect(f.failure()).toBeUndefined();
    expect(f.records.map((r) => r.lsn)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(f.records.map((r) => (r.value as { n: number }).n)).toEqual(
      Array.from({ length: 15 }, (_, i) => i + 1),
    );
  });

  it('a file that does not continue it (another log under the same name): WAL_SEGMENT_GONE', async () => {
    const dir = tempDir('follower-rewritten');
    const other = tempDir('follower-other');
    await writeLog(
      dir,
      [1, 2, 3].map((n) => recordOf(n, 40)),
    );
    await writeLog(
      other,
      [101, 102, 103, 104].map((n) => recordOf(n, 40)),
    );
    const name = segmentNames(dir)[0]!;
    const f = follow(dir);
    await until(() => f.records.length === 3);
    copyFileSync(join(other, name), join(dir, `${name}.tmp`));
    renameSync(join(dir, `${name}.tmp`), join(dir, name));
    await f.done; // ends by itself
    const error = f.failure();
    expect(error).toBeInstanceOf(WalError);
    expect((error as WalError).code).toBe(ErrorCode.segmentGone);
    expect((error as WalError).message).toContain(`${name} in ${dir} was replaced`);
    expect((error as WalError).message).toContain('through lsn 3');
    expect(f.records.map((r) => r.lsn)).toEqual([1, 2, 3]);
    expect(deletedOpen(dir)).toEqual([]);
  });
});
