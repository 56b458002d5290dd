// The registry of record kinds and the wire form of every kind: format v2 writes positional
// arrays (docs/format.md#journal-records), v1 wrote maps, and a reader takes both forever. One
// place declares each kind; these tests hold every kind to it.
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, WalError } from '../../src/errors.js';
import { encodePayload } from '../../src/format/payload-codec.js';
import { fromWire, toWire } from '../../src/journal/field-table.js';
import type { KindName } from '../../src/journal/record-kind.js';
import {
  decodeRecord,
  encodeRecord,
  kindNamed,
  recordKinds,
} from '../../src/journal/record-registry.js';
import { WalStore } from '../../src/store/wal-store.js';
import { iterateLog } from '../../src/wal/log-replay.js';
import { WalWriter } from '../../src/wal/wal-writer.js';
import { fullExamples } from '../support/kind-examples.js';
import { removeTempDirs, tempDir } from '../support/temp-dir.js';

afterAll(removeTempDirs);

const record = (type: number, value: unknown) => ({ lsn: 9, type, value });

function refusal(run: () => unknown): WalError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WalError);
    return error as WalError;
  }
  throw new Error('expected a refusal');
}

describe('the record-kind registry', () => {
  it('gives every kind its own wire type and name, critical below 128 and ancillary above', () => {
    const types = recordKinds.map((k) => k.type);
    expect(new Set(types).size).toBe(types.length);
    expect(new Set(recordKinds.map((k) => k.name)).size).toBe(recordKinds.length);
    expect(Object.keys(fullExamples).sort()).toEqual(recordKinds.map((k) => k.name).sort());
    const ancillary = recordKinds.filter((k) => k.type >= 128).map((k) => k.name);
    expect(ancillary.sort()).toEqual(['progress', 'redacted', 'step-completed', 'step-started']);
  });

  it.each(recordKinds.map((k) => [k.name, k.type] as const))(
    '%s (type %i): every field round-trips through the array form and the v1 map form',
    (name) => {
      const kind = kindNamed(name as KindName);
      const payload = fullExamples[name as KindName];
      const wire = toWire(kind.fields, payload);
      expect(wire).toHaveLength(kind.fields.length);
      expect(decodeRecord(record(kind.type, wire))!.payload).toEqual(payload);
      // Through msgpack, as a frame carries it.
      const { value } = encodeRecord(kind, payload);
      const bytes = encodePayload(value);
      expect(bytes.length).toBeLessThan(encodePayload(payload).length);
      // v1: a map keyed by field name (codes as their names).
      expect(fromWire(kind.fields, record(kind.type, payload), payload)).toEqual(payload);
    },
  );

  it.each(recordKinds.map((k) => [k.name] as const))(
    '%s: only the required fields is a valid payload too',
    (name) => {
      const kind = kindNamed(name as KindName);
      const full = fullExamples[name as KindName] as Record<string, unknown>;
      const required = Object.fromEntries(
        kind.fields.filter((f) => f.required).map((f) => [f.name, full[f.name]]),
      );
      const wire = toWire(kind.fields, required);
      expect(wire).toHaveLength(kind.fields.filter((f) => f.required).length);
      expect(decodeRecord(record(kind.type, wire))!.payload).toEqual(required);
    },
  );

  it('writes absent optional fields inside the array as nil and drops trailing ones', () => {
    const kind = kindNamed('completed');
    const wire = toWire(kind.fields, {
      executionId: 'e',
      actionId: 'a',
      status: 'failed',
      durationMs: 1,
      completedAt: 2,
      error: 'x',
    });
    expect(wire).toEqual(['e', 'a', 1, 1, 2, null, 'x']);
  });

  it('ignores elements past the fields this version knows (a newer writer appended them)', () => {
    const kind = kindNamed('cleanup');
    const payload = fullExamples.cleanup;
    const wire = [...toWire(kind.fields, payload), 'later', 42];
    expect(decodeRecord(record(kind.type, wire))!.payload).toEqual(payload);
  });

  it.each([
    ['a string', 'nope', /not a map or array/],
    ['a missing id', [null, 'deploy', 0, 1, 2], /executionId is missing/],
    ['an id that is not a string', [7, 'deploy', 0, 1, 2], /executionId is not a string/],
    ['a non-finite duration', ['e', 'deploy', 0, 'x', 2], /durationMs is not a finite number/],
    ['an output that is not a string', ['e', 'deploy', 0, 1, 2, 7], /output is not a string/],
    [
      'metrics that are not numbers',
      ['e', 'deploy', 0, 1, 2, null, null, { a: 'x' }],
      /metrics.a is not a number/,
    ],
    [
      'an unknown status name (v1)',
      { executionId: 'e', actionId: 'a', status: 'weird', durationMs: 1, completedAt: 2 },
      /unknown status weird/,
    ],
  ])('refuses %s by name (WAL_CORRUPT, with the lsn)', (_, value, message) => {
    const error = refusal(() => decodeRecord(record(2, value)));
    expect(error.code).toBe(ErrorCode.corrupt);
    expect(error.message).toMatch(/record at lsn 9 \(type 2\)/);
    expect(error.message).toMatch(message);
  });

  it('calls a status code it does not know a newer version (WAL_UNSUPPORTED), not damage', () => {
    const error = refusal(() => decodeRecord(record(2, ['e', 'deploy', 99, 1, 2])));
    expect(error.code).toBe(ErrorCode.unsupported);
    expect(error.message).toMatch(/status code 99.*upgrade exec-wal/);
  });

  it('skips an unknown ancillary type and refuses an unknown critical one (WAL_UNSUPPORTED)', () => {
    expect(decodeRecord(record(200, { note: 1 }))).toBeUndefined();
    const error = refusal(() => decodeRecord(record(99, [])));
    expect(error.code).toBe(ErrorCode.unsupported);
    expect(error.message).toMatch(/type 99.*newer version/);
  });

  it('decodes a log the store wrote; other types are left to their consumer', async () => {
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
    expect(decodeRecord(records[1]!)).toMatchObject({
      lsn: 2,
      kind: { name: 'completed', type: 2 },
      payload: { executionId, actionId: 'deploy', status: 'succeeded', output: 'ok' },
    });
    expect(decodeRecord(records[2]!)).toBeUndefined();
    expect(readdirSync(dir).filter((n) => n.endsWith('.wal'))).toHaveLength(1);
  });
});
