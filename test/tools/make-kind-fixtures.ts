// Writes fixtures/kinds/: a golden journal holding a record of every record kind the registry
// knows (src/journal/record-registry.ts), in a legal lifecycle, and beside it expected.json:
// each record's named payload (written here, not taken from the reader), its wire array, its
// frame's place and hex, and what a journal makes of the log. docs/format.md quotes the hex of
// each kind's frame from here (test/kind-fixtures.test.ts checks both).
//
//   node dist/test/tools/make-kind-fixtures.js fixtures/kinds     (part of `make fixtures`)
//
// Deterministic: a fixed salt and fixed values. A new kind fails the generator until it has a
// record here; once released the directory is frozen like fixtures/v1 and v2 (regenerate only
// with EXEC_WAL_REGENERATE_FIXTURES=1).
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FORMAT_VERSION, SEGMENT_HEADER_BYTES } from '../../src/format/constants.js';
import { encodeBatch, frameBytesFor } from '../../src/format/frame-codec.js';
import { encodePayload } from '../../src/format/payload-codec.js';
import { encodeSegmentHeader } from '../../src/format/segment-header.js';
import { segmentName } from '../../src/format/segment-name.js';
import type { KindName } from '../../src/journal/record-kind.js';
import { encodeRecord, kindNamed, recordKinds } from '../../src/journal/record-registry.js';
import { fullExamples } from '../support/kind-examples.js';

export const KIND_FIXTURE = 'lifecycle';
const SALT = 0x6b1d5eed;
const T0 = 1_700_000_000_000;

/** The log, record by record: a legal lifecycle touching every kind. */
export const kindScript: { kind: KindName; payload: object }[] = [
  { kind: 'queued', payload: { ...fullExamples.queued, requeuedFrom: undefined } },
  {
    kind: 'started',
    payload: {
      executionId: 'ex-1',
      actionId: 'deploy',
      source: 'hitl',
      executionType: 'command',
      attempt: 1,
      startedAt: T0 + 10,
    },
  },
  { kind: 'step-started', payload: fullExamples['step-started'] },
  { kind: 'progress', payload: fullExamples.progress },
  { kind: 'step-completed', payload: fullExamples['step-completed'] },
  {
    kind: 'completed',
    payload: {
      executionId: 'ex-1',
      actionId: 'deploy',
      status: 'failed',
      durationMs: 290,
      completedAt: T0 + 300,
      error: 'fetch timed out',
      retryAt: T0 + 1300,
    },
  },
  {
    kind: 'started',
    payload: {
      executionId: 'ex-1',
      actionId: 'deploy',
      source: 'hitl',
      executionType: 'command',
      attempt: 2,
      startedAt: T0 + 1300,
    },
  },
  {
    kind: 'completed',
    payload: {
      executionId: 'ex-1',
      actionId: 'deploy',
      status: 'succeeded',
      durationMs: 40,
      completedAt: T0 + 1340,
      output: 'deployed',
      metrics: { tokens: 12, cost: 0.5 },
    },
  },
  {
    kind: 'queued',
    payload: {
      executionId: 'ex-2',
      actionId: 'deploy',
      queuedAt: T0 + 350,
      source: 'auto',
      attributes: { org: 'acme' },
    },
  },
  {
    kind: 'cancelled',
    payload: {
      executionId: 'ex-2',
      actionId: 'deploy',
      cancelledAt: T0 + 400,
      actor: 'alice',
      reason: 'wrong target',
    },
  },
  {
    kind: 'started',
    payload: {
      executionId: 'ex-3',
      actionId: 'scan',
      source: 'cron',
      executionType: '',
      attempt: 1,
      startedAt: T0 + 450,
    },
  },
  {
    kind: 'completed',
    payload: {
      executionId: 'ex-3',
      actionId: 'scan',
      status: 'timed_out',
      durationMs: 30,
      completedAt: T0 + 480,
      timedOut: 'execution',
    },
  },
  { kind: 'cleanup', payload: fullExamples.cleanup },
  {
    kind: 'erased',
    payload: { erasedAt: T0 + 600, executionIds: ['ex-3'], reason: 'gdpr request 17' },
  },
  { kind: 'redacted', payload: { ...fullExamples.redacted, actionId: 'scan' } },
];

/** What a journal (WalStore, read-only) makes of the log, by construction of the script. */
export const kindJournal = {
  lastLsn: kindScript.length,
  states: { 'ex-1': 'succeeded', 'ex-2': 'cancelled', 'ex-3': 'erased' },
  deploy: {
    totalExecutions: 3,
    successes: 1,
    byStatus: { succeeded: 1, failed: 1, timed_out: 0, cancelled: 1, interrupted: 0 },
    retries: 1,
    queued: 2,
    started: 2,
  },
  // The redacted record counts its action's end (status succeeded, 5 ms) as the record it replaced did.
  scan: {
    totalExecutions: 2,
    successes: 1,
    byStatus: { succeeded: 1, failed: 0, timed_out: 1, cancelled: 0, interrupted: 0 },
  },
  recentExecutionIds: ['ex-2', 'ex-1', 'ex-1'],
};

export interface KindFrameJson {
  lsn: number;
  type: number;
  kind: KindName;
  payload: unknown;
  wire: unknown[];
  offset: number;
  frameBytes: number;
  hex: string;
}

/** Plain JSON: bytes as { $bytes: hex }, absent fields dropped. */
function json(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_key, v) =>
      v instanceof Uint8Array || (v && v.type === 'Buffer')
        ? { $bytes: Buffer.from(v.data ?? v).toString('hex') }
        : v,
    ),
  );
}

export function buildKindFixture(): { segment: Buffer; frames: KindFrameJson[] } {
  const missing = recordKinds
    .filter((k) => !kindScript.some((r) => r.kind === k.name))
    .map((k) => k.name);
  if (missing.length > 0)
    throw new Error(
      `fixtures/kinds has no record of kind ${missing.join(', ')}: add one to kindScript`,
    );
  const parts = [encodeSegmentHeader({ version: FORMAT_VERSION, salt: SALT, baseLsn: 1 })];
  const frames: KindFrameJson[] = [];
  let offset = SEGMENT_HEADER_BYTES;
  kindScript.forEach(({ kind, payload }, i) => {
    const lsn = i + 1;
    const clean = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
    const { type, value } = encodeRecord(kindNamed(kind), clean);
    const bytes = encodePayload(value);
    const frame = encodeBatch([{ type, payload: bytes }], lsn, SALT);
    parts.push(frame);
    frames.push({
      lsn,
      type,
      kind,
      payload: json(clean),
      wire: json(value) as unknown[],
      offset,
      frameBytes: frameBytesFor(bytes.length),
      hex: frame.toString('hex'),
    });
    offset += frame.length;
  });
  return { segment: Buffer.concat(parts), frames };
}

export function writeKindFixtures(outDir: string): void {
  const { segment, frames } = buildKindFixture();
  const dir = join(outDir, KIND_FIXTURE);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, segmentName(1)), segment);
  const expected = {
    formatVersion: FORMAT_VERSION,
    fixture: KIND_FIXTURE,
    description:
      'One segment (salt 0x6b1d5eed), LSNs 1..15: a record of every record kind in a legal lifecycle.',
    frames,
    journal: kindJournal,
  };
  writeFileSync(join(dir, 'expected.json'), `${JSON.stringify(expected, null, 2)}\n`);
  writeFileSync(join(outDir, '.gitattributes'), '* -text\n');
}

function main(argv: string[]): number {
  const outDir = argv[2];
  if (!outDir) {
    console.error('usage: node dist/test/tools/make-kind-fixtures.js <output dir>');
    return 2;
  }
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    if (process.env.EXEC_WAL_REGENERATE_FIXTURES !== '1') {
      console.error(
        `${outDir} already holds fixtures; frozen once released. To regenerate anyway: EXEC_WAL_REGENERATE_FIXTURES=1 make fixtures`,
      );
      return 1;
    }
    for (const name of readdirSync(outDir))
      rmSync(join(outDir, name), { recursive: true, force: true });
  }
  writeKindFixtures(outDir);
  console.log(`wrote fixtures/kinds/${KIND_FIXTURE} (${kindScript.length} records)`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv);
}
