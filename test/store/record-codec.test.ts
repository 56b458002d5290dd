// The journal payloads on the wire: format v2 writes positional arrays, v1 wrote maps, and a
// reader takes both forever. Checked against a log on disk, so the arrays are what msgpack
// really carries.
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, WalError } from '../../src/errors.js';
import { encodePayload } from '../../src/format/payload-codec.js';
import type { CompletedPayload, StartedPayload } from '../../src/store/journal-records.js';
import {
  decodeJournalRecord,
  readCleanup,
  readCompleted,
  readStarted,
  toWire,
} from '../../src/store/record-codec.js';
import { WalStore } from '../../src/store/wal-store.js';
import { iterateLog } from '../../src/wal/log-replay.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const start: StartedPayload = {
  executionId: 'run-1',
  actionId: 'deploy',
  source: 'cron',
  executionType: 'command',
  attempt: 2,
  startedAt: 1_700_000_000_000,
  attributes: { region: 'eu' },
};
const done: CompletedPayload = {
  executionId: 'run-1',
  actionId: 'deploy',
  status: 'timed_out',
  durationMs: 12.5,
  completedAt: 1_700_000_000_012,
  error: 'deadline',
};
const record = (type: number, value: unknown) => ({ lsn: 9, type, value });

describe('journal payloads on the wire', () => {
  it('are positional arrays without trailing absents, status as its code', () => {
    expect(toWire(2, done)).toEqual([
      'run-1',
      'deploy',
      2,
      12.5,
      1_700_000_000_012,
      null,
      'deadline',
    ]);
    expect(encodePayload(toWire(2, done)).length).toBeLessThan(encodePayload(done).length / 1.5);
  });

  it('read back to the same payloads from arrays and from v1 maps', () => {
    expect(readStarted(record(1, toWire(1, start)))).toEqual(start);
    expect(readStarted(record(1, start))).toEqual(start);
    expect(readCompleted(record(2, toWire(2, done)))).toEqual(done);
    expect(readCompleted(record(2, done))).toEqual(done);
    const cleanup = {
      scannerId: 's',
      resourceId: 'r',
      action: 'delete',
      success: false,
      executedAt: 5,
    };
    expect(readCleanup(record(3, toWire(3, cleanup)))).toEqual(cleanup);
  });

  it('ignore fields past the ones this version knows (a newer writer appended them)', () => {
    const wire = [
      ...toWire(2, { ...done, error: undefined }),
      null,
      null,
      null,
      null,
      null,
      'later',
    ];
    expect(readCompleted(record(2, wire))).toEqual({ ...done, error: undefined });
  });

  it.each([
    ['a string', 'nope', /not a map or array/],
    ['a missing id', [null, 'deploy', 0, 1, 2], /executionId is not a string/],
    ['an unknown status code', ['e', 'deploy', 9, 1, 2], /unknown status 9/],
    ['a non-finite duration', ['e', 'deploy', 0, 'x', 2], /durationMs is not a finite number/],
    ['an output that is not a string', ['e', 'deploy', 0, 1, 2, 7], /output is not a string/],
  ])('refuse %s by name (WAL_CORRUPT, with the lsn)', (_, value, message) => {
    let caught: unknown;
    try {
      readCompleted(record(2, value));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WalError);
    expect((caught as WalError).code).toBe(ErrorCode.corrupt);
    expect((caught as WalError).message).toMatch(/record at lsn 9 \(type 2\)/);
    expect((caught as WalError).message).toMatch(message);
  });

  it('decode a log the store wrote, and leave other types to their consumer', async () => {
    const dir = tempDir('wire');
    const store = await WalStore.open(dir);
    const { executionId } = await store.actionExecutionStarted('deploy', { source: 'cron' });
    await store.actionExecutionCompleted('deploy', { executionId, success: true, output: 'ok' });
    await store.close();
    const writer = await WalWriter.open(dir);
    await writer.append([{ type: 200, value: { note: 1 } }]);
    await writer.close();
    const records = [...iterateLog(dir)];
    expect(Array.isArray(records[1]!.value)).toBe(true);
    expect(decodeJournalRecord(records[1]!)).toMatchObject({
      type: 2,
      lsn: 2,
      value: { executionId, actionId: 'deploy', status: 'succeeded', output: 'ok' },
    });
    expect(decodeJournalRecord(records[2]!)).toBeUndefined();
    expect(readdirSync(dir).filter((n) => n.endsWith('.wal'))).toHaveLength(1);
  });
});
