// fixtures/kinds: a golden journal with a record of every record kind (test/tools/
// make-kind-fixtures.ts). The generator must still write these bytes; the reader must decode
// each record to the payload written down beside it; a journal must make of it what its
// lifecycle says; and docs/format.md must quote each kind's frame exactly.
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRecord, recordKinds } from '../src/journal/record-registry.js';
import { WalStore } from '../src/store/wal-store.js';
import { verifyJournal } from '../src/store/journal-verify.js';
import { iterateLog } from '../src/wal/log-replay.js';
import { removeTempDirs, tempDir } from './support/temp-dir.js';
import { KIND_FIXTURE, type KindFrameJson, writeKindFixtures } from './tools/make-kind-fixtures.js';

afterAll(removeTempDirs);

const root = join(import.meta.dirname, '..');
const fixtureDir = join(root, 'fixtures', 'kinds', KIND_FIXTURE);
const expected = JSON.parse(readFileSync(join(fixtureDir, 'expected.json'), 'utf8')) as {
  frames: KindFrameJson[];
  journal: {
    lastLsn: number;
    states: Record<string, string>;
    deploy: Record<string, unknown>;
    scan: Record<string, unknown>;
    recentExecutionIds: string[];
  };
};

/** expected.json's plain JSON back to values ({ $bytes: hex } is a byte string). */
function revive(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (_key, v) =>
    v && typeof v === 'object' && '$bytes' in v ? Buffer.from(v.$bytes, 'hex') : v,
  );
}

describe(`fixtures/kinds/${KIND_FIXTURE}`, () => {
  it('is what the generator writes, byte for byte', () => {
    const out = tempDir('kinds');
    writeKindFixtures(out);
    for (const name of ['0000000000000001.wal', 'expected.json']) {
      expect(
        readFileSync(join(out, KIND_FIXTURE, name)).equals(readFileSync(join(fixtureDir, name))),
        name,
      ).toBe(true);
    }
  });

  it('holds a record of every kind the registry knows', () => {
    expect(new Set(expected.frames.map((f) => f.kind))).toEqual(
      new Set(recordKinds.map((k) => k.name)),
    );
  });

  it('decodes every record to the payload written beside it', () => {
    const records = [...iterateLog(fixtureDir)];
    expect(records).toHaveLength(expected.frames.length);
    records.forEach((record, i) => {
      const frame = expected.frames[i]!;
      expect([record.lsn, record.type]).toEqual([frame.lsn, frame.type]);
      const decoded = decodeRecord(record)!;
      expect(decoded.kind.name).toBe(frame.kind);
      expect(decoded.payload).toEqual(revive(frame.payload));
    });
  });

  it('opens as a journal as its lifecycle says', async () => {
    const dir = tempDir('kinds-journal');
    cpSync(fixtureDir, dir, { recursive: true });
    const store = await WalStore.open(dir, { readOnly: true });
    const j = expected.journal;
    expect(store.lastLsn).toBe(j.lastLsn);
    for (const [id, state] of Object.entries(j.states))
      expect(store.executionState(id), id).toBe(state);
    expect(store.actionStats('deploy')).toMatchObject(j.deploy);
    expect(store.actionStats('scan')).toMatchObject(j.scan);
    expect(store.recentActionExecutions(10).map((r) => r.executionId)).toEqual(
      j.recentExecutionIds,
    );
    expect(await store.getExecution('ex-3')).toBeUndefined();
    expect((await store.getExecution('ex-1'))?.attempts.map((a) => a.status)).toEqual([
      'failed',
      'succeeded',
    ]);
    await store.close();
    expect(verifyJournal(fixtureDir).corrupt).toBe(false);
  });

  it('is quoted in docs/format.md: the frame of each kind, byte for byte', () => {
    const doc = readFileSync(join(root, 'docs', 'format.md'), 'utf8');
    for (const kind of recordKinds) {
      const frame = expected.frames.find((f) => f.kind === kind.name)!;
      const marker = `<!-- kind-hex: ${kind.name} lsn ${frame.lsn} -->`;
      const at = doc.indexOf(marker);
      expect(at, marker).toBeGreaterThan(-1);
      const block = /```\n([\s\S]*?)```/.exec(doc.slice(at))?.[1] ?? '';
      const quoted = block.replace(/^[0-9a-f]{4}: /gm, '').replace(/\s+/g, '');
      expect(quoted, kind.name).toBe(frame.hex);
    }
  });
});

describe('docs/format.md#journal-records', () => {
  it('lists every kind with its type, class and field table as the registry declares them', () => {
    const doc = readFileSync(join(root, 'docs', 'format.md'), 'utf8');
    const block = /<!-- kinds: [^>]+ -->\n([\s\S]*?)<!-- \/kinds -->/.exec(doc)?.[1] ?? '';
    const rows = block
      .trim()
      .split('\n')
      .slice(2)
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    expect(rows.map((r) => Number(r[0]))).toEqual(
      recordKinds.map((k) => k.type).sort((a, b) => a - b),
    );
    for (const row of rows) {
      const kind = recordKinds.find((k) => k.type === Number(row[0]))!;
      expect(row[1], `type ${row[0]}`).toBe(`\`${kind.name}\``);
      expect(row[2]).toBe(kind.type >= 128 ? 'ancillary' : 'critical');
      const fields = [...row[3]!.matchAll(/`(\w+)`(\?)?/g)].map((m) => `${m[1]}${m[2] ?? ''}`);
      expect(fields, kind.name).toEqual(
        kind.fields.map((f) => `${f.name}${f.required ? '' : '?'}`),
      );
    }
  });
});
