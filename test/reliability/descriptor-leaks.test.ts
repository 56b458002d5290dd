// Every iterator and every failed open releases what it opened (issue 12 §8): an abandoned
// history(), follow(), iterateLog() or followLog(), a replay whose callback throws, a store
// open refused by a record (WAL_CORRUPT, WAL_UNSUPPORTED; read-only and writer) and the CLI
// commands that scan (verify, export, tail, show), each done many times, leave no descriptor
// open on the journal's files, before close() and after it. Beside retention a leaked
// descriptor pins a deleted segment, so its disk space never returns.
//
// Counted as the entries of /proc/self/fd that point into the journal directory (Linux).
import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, WalError } from '../../src/errors.js';
import { WalStore } from '../../src/store/wal-store.js';
import { followLog } from '../../src/wal/log-follower.js';
import { iterateLog, replayLog } from '../../src/wal/log-replay.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import { segmentNames } from '../support/byte-poke.js';
import { runCli } from '../support/cli-run.js';
import { applyOp, journalOps } from '../support/journal-workload.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const ROUNDS = 100;

/** Descriptors of this process open on a file under `dir`. */
function fdsInto(dir: string): string[] {
  const open: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(`${dir}/`)) open.push(`${fd} -> ${target}`);
    } catch {
      // Closed between the listing and the readlink.
    }
  }
  return open;
}

/** A journal of 400 ops over many 4 KiB segments, closed. */
async function journal(name: string): Promise<string> {
  const dir = tempDir(name);
  const store = await WalStore.open(dir, { maxSegmentBytes: 4096, checkpointEveryBytes: 0 });
  for (const op of journalOps(7, 400)) await applyOp(store, op);
  await store.close();
  expect(segmentNames(dir).length).toBeGreaterThan(5);
  return dir;
}

/** Appends one record of `type` with `value` (a payload the journal cannot fold, say). */
async function appendRaw(dir: string, type: number, value: unknown): Promise<void> {
  const writer = await WalWriter.open(dir, { maxSegmentBytes: 4096 });
  await writer.append([{ type, value }]);
  await writer.close();
}

describe('no descriptor outlives an iterator or a failed open', () => {
  it(`history() abandoned after its first entry, ${ROUNDS} times`, async () => {
    const dir = await journal('fd-history');
    const store = await WalStore.open(dir, { readOnly: true });
    for (let i = 0; i < ROUNDS; i++) {
      for await (const entry of store.history()) {
        expect(entry.lsn).toBe(1);
        break;
      }
      // Also mid-log, in a later segment, and through a manual next() / return().
      const iterator = store.history({ fromLsn: 300 });
      await iterator.next();
      await iterator.return(undefined);
    }
    expect(fdsInto(dir)).toEqual([]);
    await store.close();
    expect(fdsInto(dir)).toEqual([]);
  });

  it('history() that meets a record it cannot read: the error passes, the segment is closed', async () => {
    const dir = await journal('fd-history-bad');
    const store = await WalStore.open(dir, { readOnly: true });
    await appendRaw(dir, 2, 'not a completion');
    for (let i = 0; i < 20; i++) {
      const error = await (async () => {
        for await (const _ of store.history());
      })().catch((e: unknown) => e);
      expect((error as WalError).code).toBe(ErrorCode.corrupt);
    }
    expect(fdsInto(dir)).toEqual([]);
    await store.close();
  });

  it(`follow() and followLog() abandoned after their first record, ${ROUNDS} times`, async () => {
    const dir = await journal('fd-follow');
    const store = await WalStore.open(dir, { readOnly: true });
    for (let i = 0; i < ROUNDS; i++) {
      for await (const entry of store.follow({ fromLsn: 200, pollMs: 5 })) {
        expect(entry.lsn).toBe(200);
        break;
      }
      for await (const record of followLog(dir, { fromLsn: 10, pollMs: 5 })) {
        expect(record.lsn).toBe(10);
        break;
      }
    }
    expect(fdsInto(dir)).toEqual([]);
    await store.close();
    expect(fdsInto(dir)).toEqual([]);
  });

  it(`iterateLog() abandoned, and replayLog() whose callback throws, ${ROUNDS} times`, async () => {
    const dir = await journal('fd-iterate');
    for (let i = 0; i < ROUNDS; i++) {
      for (const record of iterateLog(dir, { fromLsn: 150 })) {
        expect(record.lsn).toBe(150);
        break;
      }
      const scan = iterateLog(dir);
      scan.next();
      scan.return(undefined as never);
      expect(() =>
        replayLog(dir, {}, (record) => {
          if (record.lsn === 222) throw new Error('the caller gives up');
        }),
      ).toThrow('the caller gives up');
    }
    expect(fdsInto(dir)).toEqual([]);
  });

  for (const [code, type, value] of [
    [ErrorCode.corrupt, 2, 'not a completion'],
    [ErrorCode.unsupported, 50, { from: 'a newer exec-wal' }],
  ] as const) {
    for (const mode of ['read-only', 'writer'] as const) {
      it(`an open (${mode}) refused by a record (${code}), ${ROUNDS} times`, async () => {
        const dir = await journal(`fd-refused-${mode}`);
        await appendRaw(dir, type, value);
        for (let i = 0; i < ROUNDS; i++) {
          const error = await WalStore.open(dir, { readOnly: mode === 'read-only' }).catch(
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(WalError);
          expect((error as WalError).code).toBe(code);
        }
        // Every attempt released its descriptors and, as a writer, its lock.
        expect(fdsInto(dir)).toEqual([]);
        expect(readdirSync(dir).filter((n) => n.startsWith('writer.lock'))).toEqual([]);
      });
    }
  }

  it('the CLI commands that scan (verify, export, tail, show), on a healthy and on a damaged journal', async () => {
    const dir = await journal('fd-cli');
    for (let i = 0; i < 10; i++) {
      expect((await runCli(['verify', dir])).code).toBe(0);
      expect((await runCli(['export', dir])).code).toBe(0);
      expect((await runCli(['tail', dir, '-n', '3'])).code).toBe(0);
      expect((await runCli(['show', dir, `7-e${i}`])).stderr).not.toContain('EMFILE');
    }
    expect(fdsInto(dir)).toEqual([]);
    // A record the journal cannot read: verify reports it, export and tail fail on it.
    await appendRaw(dir, 2, 'not a completion');
    for (let i = 0; i < 10; i++) {
      expect((await runCli(['verify', dir])).code).not.toBe(0);
      await runCli(['export', dir]);
      await runCli(['tail', dir]);
    }
    expect(fdsInto(dir)).toEqual([]);
  });
});
