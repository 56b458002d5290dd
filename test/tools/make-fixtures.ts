// Writes the golden log directories of one format version (docs/format.md#golden-fixtures) and
// beside each the expected.json a reader must reproduce. fixtures/v1 and fixtures/v2 hold the
// same scenarios: v2 writes the journal payloads as positional arrays (docs/format.md#journal-
// records), encoded here from the spec's field tables, not by src/store. Deterministic: fixed salts, fixed values, garbage
// from a fixed seed, so every run writes the same bytes. Segments are built with the format
// functions directly (WalWriter picks a random salt per segment).
//
//   node dist/test/tools/make-fixtures.js fixtures/v1        (what `make fixtures` runs, and
//   node dist/test/tools/make-fixtures.js fixtures/v2         the same for v2)
//
// fixtures/v1 is frozen once released: a non-empty output directory is refused unless
// EXEC_WAL_REGENERATE_FIXTURES=1. The expectations below are derived from how each log was
// built, never from running the reader: they are the oracle test/fixtures.test.ts checks against.
//
// The records are execution-journal records (docs/format.md#journal-records): types 1, 2, 3 with
// the payloads src/store requires, on a fixed clock; ancillary types 128, 200, 255 beside them.
// So the fixtures are also journals, and expected.json says what WalStore makes of each.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FORMAT_VERSION, SEGMENT_HEADER_BYTES } from '../../src/format/constants.js';
import { encodeBatch, frameBytesFor, readFrameHeader } from '../../src/format/frame-codec.js';
import { encodePayload } from '../../src/format/payload-codec.js';
import { encodeSegmentHeader } from '../../src/format/segment-header.js';
import { segmentName } from '../../src/format/segment-name.js';
import type {
  CleanupPayload,
  CompletedPayload,
  ExecutionStatus,
  StartedPayload,
} from '../../src/journal/journal-records.js';

// ---------------------------------------------------------------------------------------------
// expected.json: the contract between the fixtures and every reader of them.

export type ModeName = 'tolerate-tail' | 'strict' | 'point-in-time' | 'salvage';
export const modeNames: readonly ModeName[] = [
  'tolerate-tail',
  'strict',
  'point-in-time',
  'salvage',
];

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

export interface RecordJson {
  lsn: number;
  type: number;
  value: JsonValue;
}

export interface SegmentJson {
  name: string;
  fileBytes: number;
  status: 'ok' | 'torn-tail' | 'damaged' | 'skipped' | 'unread';
  lastLsn: number;
  goodOffset: number;
  salt: number | null;
}

export interface DamageJson {
  kind: 'torn-tail' | 'mid-log';
  action: 'stop-at-tail' | 'stop-and-report' | 'skip';
  segment: string;
  offset: number;
  expectedLsn: number;
  reason: string;
  droppedBytes: number;
}

export type TailJson =
  | { status: 'clean' }
  | {
      status: 'torn';
      segment: string;
      offset: number;
      droppedBytes: number;
      lastLsn: number;
      reason: string;
      headerDamaged: boolean;
    };

/** `segment`, `offset`, `expectedLsn`, `reason` are given for WAL_CORRUPT; WAL_UNSUPPORTED names only the segment. */
export interface ErrorJson {
  code: 'WAL_CORRUPT' | 'WAL_UNSUPPORTED';
  segment: string;
  offset?: number;
  expectedLsn?: number;
  reason?: string;
}

export type ReplayJson =
  | {
      outcome: 'records';
      records: RecordJson[];
      firstLsn: number | null;
      lastLsn: number;
      tail: TailJson;
      damage: DamageJson[];
      segments: SegmentJson[];
    }
  | { outcome: 'error'; error: ErrorJson };

export interface RepairJson {
  segment: string;
  backup: string;
  droppedBytes: number;
  action: 'truncated' | 'moved-aside';
}

/** What WalWriter.open (recovery 'tolerate-tail') does to a copy of the fixture. */
export type WriterJson =
  | { outcome: 'opened'; nextLsn: number; repair: RepairJson | null; removedTempFiles: string[] }
  | { outcome: 'error'; error: ErrorJson };

/** A journal that refuses a record (not the log): WAL_UNSUPPORTED for an unknown critical type. */
export interface RecordErrorJson {
  code: 'WAL_CORRUPT' | 'WAL_UNSUPPORTED';
  lsn: number;
  type: number;
}

export const executionStatusNames: readonly ExecutionStatus[] = [
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'interrupted',
];

/** One entry of WalStore.recentActionExecutions (an ActionExecutionRecord). */
export interface ExecutionJson {
  lsn: number;
  executionId: string;
  actionId: string;
  source: string;
  executionType: string;
  success: boolean;
  status: ExecutionStatus;
  durationMs: number;
  attempt: number;
  output?: string;
  error?: string;
  attributes?: Record<string, string>;
  metrics?: Record<string, number>;
  startedAt?: number;
  completedAt: number;
}

/** One entry of WalStore.recentCleanupOperations (a CleanupRecord). */
export interface CleanupJson {
  lsn: number;
  scannerId: string;
  resourceId: string;
  action: string;
  success: boolean;
  error?: string;
  executedAt: number;
}

/** One entry of WalStore.inFlight(): read-only with no writer alive, every one is interrupted. */
export interface InFlightJson {
  lsn: number;
  executionId: string;
  actionId: string;
  source: string;
  executionType: string;
  attempt: number;
  attributes?: Record<string, string>;
  startedAt: number;
  state: 'interrupted';
}

/** The fields of WalStore.actionStats this file predicts (percentiles come from a sketch: not). */
export const actionStatKeys = [
  'actionId',
  'started',
  'totalExecutions',
  'successes',
  'failures',
  'byStatus',
  'retries',
  'finalOutcomes',
  'avgDurationMs',
  'minDurationMs',
  'maxDurationMs',
  'lastStartedAt',
  'lastCompletedAt',
  'lastError',
  'metricsTotals',
] as const;

export interface ActionJson {
  actionId: string;
  started: number;
  totalExecutions: number;
  successes: number;
  failures: number;
  byStatus: Record<ExecutionStatus, number>;
  retries: number;
  finalOutcomes: { succeeded: number; failed: number };
  avgDurationMs: number;
  minDurationMs: number;
  maxDurationMs: number;
  /** Absent when the action never started / completed / failed. */
  lastStartedAt?: number;
  lastCompletedAt?: number;
  lastError?: string;
  metricsTotals: Record<string, number>;
}

/** The fields of WalStore.counters this file predicts. */
export const journalCounterKeys = [
  'records',
  'starts',
  'completions',
  'cleanups',
  'unmatchedCompletions',
  'ignoredRecords',
] as const;
export type CountersJson = Record<(typeof journalCounterKeys)[number], number>;

/**
 * What `WalStore.open(copy, { readOnly: true })` (recovery 'tolerate-tail') makes of the fixture:
 * the state folded from the records tolerate-tail reads, or the error. Lists are as WalStore
 * returns them: executions, failures (their LSNs) and cleanups newest first, in flight oldest
 * first, actions in first-seen order.
 */
export type JournalJson =
  | {
      outcome: 'opened';
      lastLsn: number;
      counters: CountersJson;
      actions: ActionJson[];
      executions: ExecutionJson[];
      failures: number[];
      cleanups: CleanupJson[];
      interrupted: InFlightJson[];
    }
  | { outcome: 'error'; error: ErrorJson | RecordErrorJson };

export interface ExpectedJson {
  formatVersion: number;
  fixture: string;
  description: string;
  files: { name: string; bytes: number; sha256: string }[];
  replay: Record<ModeName, ReplayJson>;
  writer: WriterJson;
  journal: JournalJson;
}

// ---------------------------------------------------------------------------------------------
// Building segments.

interface RecordSpec {
  type: number;
  value: JsonValue;
}

interface PlacedFrame extends RecordJson {
  offset: number;
  frameBytes: number;
  /** Last frame of its atomic batch (batch-continues flag clear). */
  batchEnd: boolean;
}

interface BuiltSegment {
  name: string;
  baseLsn: number;
  salt: number;
  bytes: Buffer;
  frames: PlacedFrame[];
}

/**
 * Frame types of the fixtures: the journal's three critical types (docs/format.md#journal-
 * records), three ancillary ones a journal skips, and a critical type no v1 journal knows.
 */
const Type = {
  started: 1,
  completed: 2,
  cleanup: 3,
  unknownCritical: 127,
  note: 128,
  edgeValues: 200,
  metrics: 255,
};
/** 2023-11-14T22:13:20Z: every time in the fixtures is this plus a fixed offset. */
const T0_MS = 1_700_000_000_000;

/** A per-segment salt that never changes between runs: FNV-1a of the fixture and base LSN. */
function saltFor(fixture: string, baseLsn: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(`exec-wal fixtures v1 ${fixture} ${baseLsn}`)) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The format version being generated (set by buildFixtures for one whole generation): the
 * version in every segment header and the payload shape of the journal types.
 */
let generating = 1;

/** The field tables of docs/format.md#journal-records (format v2), written from the spec. */
const wireFields: Record<number, string[]> = {
  1: ['executionId', 'actionId', 'source', 'executionType', 'attempt', 'startedAt', 'attributes'],
  2: [
    'executionId',
    'actionId',
    'status',
    'durationMs',
    'completedAt',
    'output',
    'error',
    'metrics',
    'source',
    'executionType',
  ],
  3: ['scannerId', 'resourceId', 'action', 'success', 'executedAt', 'error'],
};
const wireStatuses = ['succeeded', 'failed', 'timed_out', 'cancelled'];

/** A journal payload as v2 writes it: positional, status as its code, trailing absents cut. */
function toWireSpec(type: number, value: Record<string, unknown>): unknown {
  const names = wireFields[type];
  if (generating < 2 || !names) return value;
  const fields = names.map((name) =>
    name === 'status' && type === 2 ? wireStatuses.indexOf(value[name] as string) : value[name],
  );
  while (fields.length > 0 && fields[fields.length - 1] === undefined) fields.pop();
  return fields.map((f) => (f === undefined ? null : f));
}

/** The named payload of a v2 positional one (v1 maps pass through). */
function fromWireSpec(type: number, value: unknown): Record<string, unknown> {
  const names = wireFields[type];
  if (!Array.isArray(value) || !names) return value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  value.forEach((field, i) => {
    if (field !== null && i < names.length) out[names[i]!] = field;
  });
  if (type === 2) out.status = wireStatuses[out.status as number];
  return out;
}

function buildSegment(
  fixture: string,
  baseLsn: number,
  batches: RecordSpec[][],
  version = generating,
): BuiltSegment {
  const salt = saltFor(fixture, baseLsn);
  const parts = [encodeSegmentHeader({ version, salt, baseLsn })];
  const frames: PlacedFrame[] = [];
  let offset = SEGMENT_HEADER_BYTES;
  let lsn = baseLsn;
  for (const batch of batches) {
    const wire = batch.map((r) => toWireSpec(r.type, r.value as Record<string, unknown>));
    const inputs = batch.map((r, i) => ({ type: r.type, payload: encodePayload(wire[i]) }));
    parts.push(encodeBatch(inputs, lsn, salt));
    inputs.forEach((input, index) => {
      const frameBytes = frameBytesFor(input.payload.length);
      const record = batch[index]!;
      frames.push({
        lsn,
        type: record.type,
        value: wire[index] as RecordSpec['value'],
        offset,
        frameBytes,
        batchEnd: index === batch.length - 1,
      });
      offset += frameBytes;
      lsn += 1;
    });
  }
  return { name: segmentName(baseLsn), baseLsn, salt, bytes: Buffer.concat(parts), frames };
}

/** Replaces a segment's bytes (after damage), keeping what the frames were. */
function withBytes(segment: BuiltSegment, bytes: Buffer): BuiltSegment {
  return { ...segment, bytes };
}

function frameAt(segment: BuiltSegment, lsn: number): PlacedFrame {
  const frame = segment.frames.find((f) => f.lsn === lsn);
  if (!frame) throw new Error(`fixture set-up: no lsn ${lsn} in ${segment.name}`);
  return frame;
}

/** mulberry32, inlined so the garbage of garbage-tail/ can never change with test helpers. */
function seededBytes(seed: number, length: number): Buffer {
  let a = seed >>> 0;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 256);
  }
  return out;
}

// Record makers. Payload keys are in the order WalStore writes them; optional keys are absent
// when not given. Values are plain JSON-compatible data, so expected.json holds them exactly.
function asJson(value: object): JsonValue {
  return value as unknown as JsonValue;
}
function started(payload: StartedPayload): RecordSpec {
  return { type: Type.started, value: asJson(payload) };
}
function completed(payload: CompletedPayload): RecordSpec {
  return { type: Type.completed, value: asJson(payload) };
}
function cleanup(payload: CleanupPayload): RecordSpec {
  return { type: Type.cleanup, value: asJson(payload) };
}
function note(text: string): RecordSpec {
  return { type: Type.note, value: { note: text } };
}

const fillerActions = ['backup', 'deploy', 'rotate-keys'];

/**
 * One journal's records on a fixed clock: execution ids numbered in start order (`run-1`, ...),
 * every completion naming the oldest start still open, times moving forward only. A fixture
 * that is one log built in pieces (segments, a lost segment, a cut-off frame) uses one Workload.
 */
class Workload {
  #clockMs = T0_MS;
  #runs = 0;
  /** Started and not completed yet, oldest first. */
  #open: StartedPayload[] = [];

  start(
    actionId: string,
    more: Partial<Pick<StartedPayload, 'source' | 'executionType' | 'attempt' | 'attributes'>> = {},
  ): RecordSpec {
    this.#runs += 1;
    this.#clockMs += 1000;
    const start: StartedPayload = {
      executionId: `run-${this.#runs}`,
      actionId,
      source: more.source ?? 'scheduler',
      executionType: more.executionType ?? 'scheduled',
      attempt: more.attempt ?? 1,
      startedAt: this.#clockMs,
    };
    if (more.attributes) start.attributes = more.attributes;
    this.#open.push(start);
    return started(start);
  }

  /** Completes the oldest open execution, `durationMs` after its start. */
  complete(
    status: ExecutionStatus,
    durationMs: number,
    more: Pick<CompletedPayload, 'output' | 'error' | 'metrics'> = {},
  ): RecordSpec {
    const start = this.#open.shift();
    if (!start) throw new Error('fixture set-up: no execution to complete');
    this.#clockMs = Math.max(this.#clockMs, start.startedAt + durationMs);
    const done: CompletedPayload = {
      executionId: start.executionId,
      actionId: start.actionId,
      status,
      durationMs,
      completedAt: start.startedAt + durationMs,
    };
    if (more.output !== undefined) done.output = more.output;
    if (more.error !== undefined) done.error = more.error;
    if (more.metrics) done.metrics = more.metrics;
    return completed(done);
  }

  cleanup(
    scannerId: string,
    resourceId: string,
    action: string,
    outcome: { success: true } | { success: false; error: string },
  ): RecordSpec {
    this.#clockMs += 100;
    const payload: CleanupPayload = {
      scannerId,
      resourceId,
      action,
      success: outcome.success,
      executedAt: this.#clockMs,
    };
    if (!outcome.success) payload.error = outcome.error;
    return cleanup(payload);
  }

  /**
   * `count` batches of one record each: the completion of the open execution when there is one,
   * else the start of the next. Run k is an execution of fillerActions[(k - 1) % 3] lasting
   * 100 + 37k % 400 ms; every fourth fails; a backup that succeeds reports the bytes it wrote.
   */
  filler(count: number): RecordSpec[][] {
    const batches: RecordSpec[][] = [];
    for (let i = 0; i < count; i++) {
      const open = this.#open[0];
      if (!open) {
        batches.push([this.start(fillerActions[this.#runs % fillerActions.length]!)]);
        continue;
      }
      const k = Number(open.executionId.slice('run-'.length));
      const durationMs = 100 + ((37 * k) % 400);
      if (k % 4 === 0) {
        batches.push([this.complete('failed', durationMs, { error: `exit status ${k % 7}` })]);
      } else if (open.actionId === 'backup') {
        batches.push([this.complete('succeeded', durationMs, { metrics: { bytes: k * 4096 } })]);
      } else {
        batches.push([this.complete('succeeded', durationMs)]);
      }
    }
    return batches;
  }
}

// ---------------------------------------------------------------------------------------------
// Expectations, derived from the construction.

function recordsOf(segments: BuiltSegment[], keep: (lsn: number) => boolean): RecordJson[] {
  return segments.flatMap((s) =>
    s.frames.filter((f) => keep(f.lsn)).map((f) => ({ lsn: f.lsn, type: f.type, value: f.value })),
  );
}

function lastLsnOf(segment: BuiltSegment): number {
  return segment.frames.at(-1)?.lsn ?? segment.baseLsn - 1;
}

function okSegment(segment: BuiltSegment): SegmentJson {
  return {
    name: segment.name,
    fileBytes: segment.bytes.length,
    status: 'ok',
    lastLsn: lastLsnOf(segment),
    goodOffset: segment.bytes.length,
    salt: segment.salt,
  };
}

function recordsReplay(
  records: RecordJson[],
  segments: SegmentJson[],
  tail: TailJson,
  damage: DamageJson[],
): ReplayJson {
  return {
    outcome: 'records',
    records,
    firstLsn: records[0]?.lsn ?? null,
    lastLsn: records.at(-1)?.lsn ?? 0,
    tail,
    damage,
    segments,
  };
}

function sameInEveryMode(replay: ReplayJson): Record<ModeName, ReplayJson> {
  return {
    'tolerate-tail': replay,
    strict: replay,
    'point-in-time': replay,
    salvage: replay,
  };
}

function cleanLog(segments: BuiltSegment[]): Record<ModeName, ReplayJson> {
  return sameInEveryMode(
    recordsReplay(
      recordsOf(segments, () => true),
      segments.map(okSegment),
      { status: 'clean' },
      [],
    ),
  );
}

/**
 * A torn tail in the last segment: everything up to `keptLsn` (the end of the last whole batch,
 * at `goodOffset`) is read; the first unacceptable byte is at `damageOffset`.
 */
function tornTail(
  segments: BuiltSegment[],
  keptLsn: number,
  goodOffset: number,
  damageOffset: number,
  reason: string,
): { replay: Record<ModeName, ReplayJson>; writer: WriterJson } {
  const last = segments.at(-1)!;
  const droppedBytes = last.bytes.length - goodOffset;
  const records = recordsOf(segments, (lsn) => lsn <= keptLsn);
  const summaries: SegmentJson[] = [
    ...segments.slice(0, -1).map(okSegment),
    { ...okSegment(last), status: 'torn-tail', lastLsn: keptLsn, goodOffset },
  ];
  const tail: TailJson = {
    status: 'torn',
    segment: last.name,
    offset: goodOffset,
    droppedBytes,
    lastLsn: keptLsn,
    reason,
    headerDamaged: false,
  };
  const damage = (action: DamageJson['action']): DamageJson => ({
    kind: 'torn-tail',
    action,
    segment: last.name,
    offset: damageOffset,
    expectedLsn: keptLsn + 1,
    reason,
    droppedBytes,
  });
  return {
    replay: {
      'tolerate-tail': recordsReplay(records, summaries, tail, [damage('stop-at-tail')]),
      strict: {
        outcome: 'error',
        error: {
          code: 'WAL_CORRUPT',
          segment: last.name,
          offset: damageOffset,
          expectedLsn: keptLsn + 1,
          reason,
        },
      },
      'point-in-time': recordsReplay(records, summaries, tail, [damage('stop-and-report')]),
      salvage: recordsReplay(records, summaries, tail, [damage('stop-and-report')]),
    },
    writer: {
      outcome: 'opened',
      nextLsn: keptLsn + 1,
      repair: {
        segment: last.name,
        backup: `${last.name}.broken-${keptLsn + 1}`,
        droppedBytes,
        action: 'truncated',
      },
      removedTempFiles: [],
    },
  };
}

function corrupt(error: Omit<ErrorJson, 'code'>): { outcome: 'error'; error: ErrorJson } {
  return { outcome: 'error', error: { code: 'WAL_CORRUPT', ...error } };
}

/**
 * The journal a v1 reader folds from `records` (docs/format.md#journal-records), written from
 * the spec rather than from src/store: starts open an execution, a completion closes the start
 * with its executionId (or counts as unmatched), cleanups are listed, ancillary types are
 * skipped, and an unknown critical type refuses the log.
 */
function journalOf(records: RecordJson[]): JournalJson {
  const counters: CountersJson = {
    records: 0,
    starts: 0,
    completions: 0,
    cleanups: 0,
    unmatchedCompletions: 0,
    ignoredRecords: 0,
  };
  const open = new Map<string, { lsn: number; start: StartedPayload }>();
  const actions = new Map<string, ActionTally>();
  const tally = (actionId: string): ActionTally => {
    let action = actions.get(actionId);
    if (!action) {
      action = newTally(actionId);
      actions.set(actionId, action);
    }
    return action;
  };
  const executions: ExecutionJson[] = [];
  const cleanups: CleanupJson[] = [];
  for (const { lsn, type, value: wire } of records) {
    const value = fromWireSpec(type, wire);
    counters.records += 1;
    if (type === Type.started) {
      const start = value as unknown as StartedPayload;
      counters.starts += 1;
      open.delete(start.executionId);
      open.set(start.executionId, { lsn, start });
      const action = tally(start.actionId);
      action.started += 1;
      action.lastStartedAt = Math.max(action.lastStartedAt ?? start.startedAt, start.startedAt);
      // A retry means the failure before it was not the execution's final outcome.
      if (start.attempt > 1 && action.finalFailed > 0) action.finalFailed -= 1;
    } else if (type === Type.completed) {
      const done = value as unknown as CompletedPayload;
      counters.completions += 1;
      const start = open.get(done.executionId)?.start;
      if (start) open.delete(done.executionId);
      else counters.unmatchedCompletions += 1;
      const execution: ExecutionJson = {
        lsn,
        executionId: done.executionId,
        actionId: done.actionId,
        source: start?.source ?? '',
        executionType: start?.executionType ?? '',
        success: done.status === 'succeeded',
        status: done.status,
        durationMs: done.durationMs,
        attempt: start?.attempt ?? 1,
        completedAt: done.completedAt,
      };
      if (done.output !== undefined) execution.output = done.output;
      if (done.error !== undefined) execution.error = done.error;
      if (start?.attributes) execution.attributes = start.attributes;
      if (done.metrics) execution.metrics = done.metrics;
      if (start) execution.startedAt = start.startedAt;
      executions.push(execution);
      const action = tally(done.actionId);
      action.byStatus[done.status] += 1;
      if (execution.attempt > 1) action.retries += 1;
      if (execution.success) action.finalSucceeded += 1;
      else {
        action.finalFailed += 1;
        action.lastError = done.error ?? done.status;
      }
      action.durations.push(done.durationMs);
      action.lastCompletedAt = Math.max(
        action.lastCompletedAt ?? done.completedAt,
        done.completedAt,
      );
      for (const [name, amount] of Object.entries(done.metrics ?? {})) {
        action.metricsTotals[name] = (action.metricsTotals[name] ?? 0) + amount;
      }
    } else if (type === Type.cleanup) {
      const done = value as unknown as CleanupPayload;
      counters.cleanups += 1;
      const entry: CleanupJson = {
        lsn,
        scannerId: done.scannerId,
        resourceId: done.resourceId,
        action: done.action,
        success: done.success,
        executedAt: done.executedAt,
      };
      if (done.error !== undefined) entry.error = done.error;
      cleanups.push(entry);
    } else if (type >= 128) {
      counters.ignoredRecords += 1;
    } else {
      return { outcome: 'error', error: { code: 'WAL_UNSUPPORTED', lsn, type } };
    }
  }
  return {
    outcome: 'opened',
    lastLsn: records.at(-1)?.lsn ?? 0,
    counters,
    actions: [...actions.values()].map(actionJson),
    executions: executions.toReversed(),
    failures: executions
      .filter((e) => !e.success)
      .map((e) => e.lsn)
      .toReversed(),
    cleanups: cleanups.toReversed(),
    interrupted: [...open.values()].map(({ lsn, start }) => {
      const entry: InFlightJson = {
        lsn,
        executionId: start.executionId,
        actionId: start.actionId,
        source: start.source,
        executionType: start.executionType,
        attempt: start.attempt,
        startedAt: start.startedAt,
        state: 'interrupted',
      };
      if (start.attributes) entry.attributes = start.attributes;
      return entry;
    }),
  };
}

interface ActionTally {
  actionId: string;
  started: number;
  byStatus: Record<ExecutionStatus, number>;
  retries: number;
  finalSucceeded: number;
  finalFailed: number;
  /** In log order, so their sum is the sum a reader folding in log order gets. */
  durations: number[];
  lastStartedAt: number | undefined;
  lastCompletedAt: number | undefined;
  lastError: string | undefined;
  metricsTotals: Record<string, number>;
}

function newTally(actionId: string): ActionTally {
  return {
    actionId,
    started: 0,
    byStatus: Object.fromEntries(executionStatusNames.map((s) => [s, 0])) as Record<
      ExecutionStatus,
      number
    >,
    retries: 0,
    finalSucceeded: 0,
    finalFailed: 0,
    durations: [],
    lastStartedAt: undefined,
    lastCompletedAt: undefined,
    lastError: undefined,
    metricsTotals: {},
  };
}

function actionJson(tally: ActionTally): ActionJson {
  const total = tally.durations.length;
  const successes = tally.byStatus.succeeded;
  const sum = tally.durations.reduce((a, b) => a + b, 0);
  const action: ActionJson = {
    actionId: tally.actionId,
    started: tally.started,
    totalExecutions: total,
    successes,
    failures: total - successes,
    byStatus: tally.byStatus,
    retries: tally.retries,
    finalOutcomes: { succeeded: tally.finalSucceeded, failed: tally.finalFailed },
    avgDurationMs: total === 0 ? 0 : sum / total,
    minDurationMs: total === 0 ? 0 : Math.min(...tally.durations),
    maxDurationMs: total === 0 ? 0 : Math.max(...tally.durations),
    metricsTotals: tally.metricsTotals,
  };
  if (tally.lastStartedAt !== undefined) action.lastStartedAt = tally.lastStartedAt;
  if (tally.lastCompletedAt !== undefined) action.lastCompletedAt = tally.lastCompletedAt;
  if (tally.lastError !== undefined) action.lastError = tally.lastError;
  return action;
}

/** The journal over what tolerate-tail (WalStore's default recovery) reads, or its error. */
function journalFor(replay: Record<ModeName, ReplayJson>): JournalJson {
  const read = replay['tolerate-tail'];
  return read.outcome === 'records' ? journalOf(read.records) : read;
}

// ---------------------------------------------------------------------------------------------
// The fixtures.

interface Fixture {
  name: string;
  description: string;
  /** Files of the log directory in the order they are listed in expected.json. */
  files: { name: string; bytes: Buffer }[];
  replay: Record<ModeName, ReplayJson>;
  writer: WriterJson;
}

function basic(): Fixture {
  const segment = buildSegment('basic', 1, [
    [
      started({
        executionId: 'run-1',
        actionId: 'deploy',
        source: 'scheduler',
        executionType: 'scheduled',
        attempt: 1,
        startedAt: T0_MS + 1000,
      }),
    ],
    [
      completed({
        executionId: 'run-1',
        actionId: 'deploy',
        status: 'succeeded',
        durationMs: 42,
        completedAt: T0_MS + 1042,
      }),
    ],
    // One atomic batch of three frames (LSNs 3..5): the first two carry batch-continues.
    [
      started({
        executionId: 'run-2',
        actionId: 'migrate',
        source: 'api',
        executionType: 'manual',
        attempt: 1,
        startedAt: T0_MS + 2000,
        attributes: { from: 'v6', to: 'v7' },
      }),
      completed({
        executionId: 'run-2',
        actionId: 'migrate',
        status: 'failed',
        durationMs: 1250,
        completedAt: T0_MS + 3250,
        error: 'lock timeout',
      }),
      cleanup({
        scannerId: 'lock-reaper',
        resourceId: 'lock/migrate',
        action: 'release',
        success: true,
        executedAt: T0_MS + 3300,
      }),
    ],
    [note('ancillary: a reader that does not know type 128 skips it')],
    // Ancillary too (a journal skips it): msgpack's integer and float encodings at their edges.
    [
      {
        type: Type.edgeValues,
        value: {
          list: [1, -1, 127, -128, 65535, -40000, 4294967295, T0_MS, 0.5, -2.25],
          flags: [true, false, null],
          nested: { depth: { deeper: 'yes' } },
          empty: { map: {}, list: [], text: '' },
        },
      },
    ],
    [
      started({
        executionId: 'run-3',
        actionId: 'migrate',
        source: 'api',
        executionType: 'manual',
        attempt: 2,
        startedAt: T0_MS + 4000,
        attributes: { from: 'v6', to: 'v7', by: 'zoë ✓' },
      }),
    ],
    [{ type: Type.metrics, value: { queueDepth: 0, p99Ms: 12.25, samples: 1000000 } }],
    [
      completed({
        executionId: 'run-3',
        actionId: 'migrate',
        status: 'succeeded',
        durationMs: 29999.75,
        completedAt: T0_MS + 34000,
        output: 'migrated 3 tables to v7',
        metrics: { rows: 120000, tables: 3 },
      }),
      cleanup({
        scannerId: 'tmp-sweeper',
        resourceId: 'tmp/run-3',
        action: 'delete',
        success: false,
        executedAt: T0_MS + 34100,
        error: 'permission denied',
      }),
    ],
    [
      started({
        executionId: 'run-4',
        actionId: 'backup',
        source: 'scheduler',
        executionType: 'scheduled',
        attempt: 1,
        startedAt: T0_MS + 35000,
      }),
    ],
  ]);
  return {
    name: 'basic',
    description:
      'One segment, 12 records: journal types 1 (action started), 2 (action completed), 3 ' +
      '(cleanup executed) and ancillary types 128, 200 (msgpack integer and float edge cases), ' +
      '255; an atomic batch of three frames (LSNs 3..5) and one of two (LSNs 10..11). A clean ' +
      'log: every mode reads every record. As a journal: run-1 succeeds, run-2 fails and is ' +
      'retried by run-3 (attempt 2), two cleanups (one failed), and run-4 (LSN 12) never ' +
      'completes: it reads as interrupted.',
    files: [{ name: segment.name, bytes: segment.bytes }],
    replay: cleanLog([segment]),
    writer: { outcome: 'opened', nextLsn: 13, repair: null, removedTempFiles: [] },
  };
}

function multiSegment(): Fixture {
  const f = 'multi-segment';
  const w = new Workload();
  const segments = [
    buildSegment(f, 1, w.filler(4)),
    buildSegment(f, 5, [
      ...w.filler(2),
      [
        w.start('copy', { source: 'api', executionType: 'manual', attributes: { from: 'a' } }),
        w.complete('timed_out', 30000, { error: 'no answer within 30000 ms' }),
        w.cleanup('copy-sweeper', 'b/partial', 'delete', { success: true }),
      ],
    ]),
    buildSegment(f, 10, [...w.filler(2), [note('rotated')], ...w.filler(3)]),
    buildSegment(f, 16, [
      ...w.filler(4),
      [w.cleanup('tmp-sweeper', 'tmp/run-8', 'delete', { success: true })],
    ]),
  ];
  return {
    name: f,
    description:
      'Four segments (base LSNs 1, 5, 10 = 0xa, 16 = 0x10, so hex names sort in log order) ' +
      'holding LSNs 1..20, with an atomic batch inside the second (LSNs 7..9: a start, its ' +
      'timed-out completion, a cleanup). A clean log. As a journal: run-7, started at LSN 15, ' +
      'completes in the next segment (LSN 16); run-9 (LSN 19) never completes.',
    files: segments.map((s) => ({ name: s.name, bytes: s.bytes })),
    replay: cleanLog(segments),
    writer: { outcome: 'opened', nextLsn: 21, repair: null, removedTempFiles: [] },
  };
}

function tornTailFixture(): Fixture {
  const f = 'torn-tail';
  const w = new Workload();
  const first = buildSegment(f, 1, w.filler(5));
  const whole = buildSegment(f, 6, [
    ...w.filler(4),
    [w.complete('succeeded', 250, { output: 'x'.repeat(100) })],
  ]);
  const torn = frameAt(whole, 10);
  // Cut inside the payload: the header is whole, so its length points past the end of file.
  const cut = torn.offset + Math.floor(torn.frameBytes / 2);
  const last = withBytes(whole, whole.bytes.subarray(0, cut));
  const header = readFrameHeader(whole.bytes, torn.offset, whole.bytes.length - torn.offset);
  if (!header.ok || cut - torn.offset <= 20) throw new Error('fixture set-up: cut the header');
  const reason = `frame length ${header.header.payloadBytes} runs past the end of the segment`;
  const { replay, writer } = tornTail([first, last], 9, torn.offset, torn.offset, reason);
  return {
    name: f,
    description:
      'Two segments; the last frame of the last segment (LSN 10) is cut in the middle of its ' +
      'payload, as a crash during an append leaves it. LSNs 1..9 are read; a writer cuts the ' +
      'partial frame off after copying it to a .broken-10 file. As a journal: LSN 10 was the ' +
      'completion of run-5 (started at LSN 9), so run-5 reads as interrupted.',
    files: [first, last].map((s) => ({ name: s.name, bytes: s.bytes })),
    replay,
    writer,
  };
}

function tornBatch(): Fixture {
  const f = 'torn-batch';
  const w = new Workload();
  const whole = buildSegment(f, 1, [
    ...w.filler(6),
    [
      w.start('migrate', { source: 'api', executionType: 'manual' }),
      w.complete('failed', 900, { error: 'lock timeout' }),
      w.cleanup('lock-reaper', 'lock/migrate', 'release', { success: true }),
    ],
  ]);
  const third = frameAt(whole, 9);
  const last = withBytes(whole, whole.bytes.subarray(0, third.offset));
  const goodOffset = frameAt(whole, 7).offset;
  const { replay, writer } = tornTail(
    [last],
    6,
    goodOffset,
    third.offset,
    'batch has no final frame',
  );
  return {
    name: f,
    description:
      'One segment; the last atomic batch (LSNs 7..9) lost its final frame: LSNs 7 and 8 are ' +
      'whole and check but carry batch-continues, so the batch is incomplete and none of it ' +
      'is read. LSNs 1..6 are read. As a journal: the start and the failed completion of run-4 ' +
      '(LSNs 7, 8) are not there at all, neither as an execution nor as interrupted.',
    files: [{ name: last.name, bytes: last.bytes }],
    replay,
    writer,
  };
}

function zeroTail(): Fixture {
  const f = 'zero-tail';
  const w = new Workload();
  const first = buildSegment(f, 1, w.filler(5));
  const whole = buildSegment(f, 6, w.filler(6));
  const zeros = Buffer.alloc(4096 - whole.bytes.length);
  const last = withBytes(whole, Buffer.concat([whole.bytes, zeros]));
  const end = whole.bytes.length;
  if (generating >= 2) {
    // From v2 on, zeros to the end of a segment are its end of data (docs/format.md#zero-fill).
    return {
      name: f,
      description:
        'Two segments; the last is followed by zeros up to 4096 bytes, as a writer preallocates ' +
        'them (or a file system that extended the file but never wrote the data leaves them). ' +
        'In a v2 segment zeros from a frame boundary to the end of the file are the end of its ' +
        'data: the tail is clean, nothing is cut, a writer appends over the zeros. LSNs 1..11 ' +
        'are read; run-6 (LSN 11) reads as interrupted.',
      files: [first, last].map((s) => ({ name: s.name, bytes: s.bytes })),
      replay: sameInEveryMode(
        recordsReplay(
          recordsOf([first, last], () => true),
          [okSegment(first), { ...okSegment(last), goodOffset: end }],
          { status: 'clean' },
          [],
        ),
      ),
      writer: { outcome: 'opened', nextLsn: 12, repair: null, removedTempFiles: [] },
    };
  }
  const { replay, writer } = tornTail([first, last], 11, end, end, 'frame length 0');
  return {
    name: f,
    description:
      'Two segments; the last is followed by zeros up to 4096 bytes (a file system that ' +
      'extended the file but never wrote the data). An all-zero frame header has length 0, ' +
      'which is invalid. LSNs 1..11 are read; run-6 (LSN 11) reads as interrupted.',
    files: [first, last].map((s) => ({ name: s.name, bytes: s.bytes })),
    replay,
    writer,
  };
}

function garbageTail(): Fixture {
  const f = 'garbage-tail';
  const whole = buildSegment(f, 1, new Workload().filler(8));
  const garbage = seededBytes(0x6a5b7c8d, 1000);
  const last = withBytes(whole, Buffer.concat([whole.bytes, garbage]));
  const end = whole.bytes.length;
  const check = readFrameHeader(last.bytes, end, last.bytes.length - end);
  const reason = check.ok ? 'checksum mismatch' : check.reason;
  const { replay, writer } = tornTail([last], 8, end, end, reason);
  return {
    name: f,
    description:
      'One segment followed by 1000 bytes of garbage (mulberry32, seed 0x6a5b7c8d). No frame ' +
      'with the next LSN checks after it, so it is a torn tail. LSNs 1..8 are read: four ' +
      'executions, each completed.',
    files: [{ name: last.name, bytes: last.bytes }],
    replay,
    writer,
  };
}

function badChecksumSealed(): Fixture {
  const f = 'bad-checksum-sealed';
  const w = new Workload();
  const first = buildSegment(f, 1, w.filler(4));
  const whole = buildSegment(f, 5, [
    ...w.filler(2),
    [w.cleanup('tmp-sweeper', 'tmp/run-3', 'delete', { success: true })],
    [w.start('verify'), w.complete('succeeded', 2)],
  ]);
  const third = buildSegment(f, 10, w.filler(4));
  const bad = frameAt(whole, 7);
  const flipped = Buffer.from(whole.bytes);
  const flipAt = bad.offset + 20 + 3; // a payload byte: the length field stays intact
  flipped[flipAt] = flipped[flipAt]! ^ 0x01;
  const middle = withBytes(whole, flipped);
  const segments = [first, middle, third];
  const where = {
    segment: middle.name,
    offset: bad.offset,
    expectedLsn: 7,
    reason: 'checksum mismatch',
  };
  const damage = (action: DamageJson['action']): DamageJson => ({
    kind: 'mid-log',
    action,
    ...where,
    droppedBytes: bad.frameBytes,
  });
  return {
    name: f,
    description:
      `One bit flipped in the payload of LSN 7, a cleanup (byte ${flipAt} of the second of three ` +
      'segments). Damage in a sealed segment is never a torn tail: tolerate-tail and strict ' +
      'refuse, point-in-time stops before LSN 7, salvage skips that one frame.',
    files: segments.map((s) => ({ name: s.name, bytes: s.bytes })),
    replay: {
      'tolerate-tail': corrupt(where),
      strict: corrupt(where),
      'point-in-time': recordsReplay(
        recordsOf(segments, (lsn) => lsn <= 6),
        [
          okSegment(first),
          { ...okSegment(middle), status: 'damaged', lastLsn: 6, goodOffset: bad.offset },
          { ...okSegment(third), status: 'unread', lastLsn: 9, goodOffset: 0, salt: null },
        ],
        { status: 'clean' },
        [damage('stop-and-report')],
      ),
      salvage: recordsReplay(
        recordsOf(segments, (lsn) => lsn !== 7),
        [okSegment(first), { ...okSegment(middle), status: 'damaged' }, okSegment(third)],
        { status: 'clean' },
        [damage('skip')],
      ),
    },
    writer: corrupt(where),
  };
}

function sequenceGap(): Fixture {
  const f = 'sequence-gap';
  const w = new Workload();
  const first = buildSegment(f, 1, w.filler(4));
  // buildSegment(f, 5, w.filler(4)) was written and then lost: LSNs 5..8 are missing.
  w.filler(4);
  const third = buildSegment(f, 9, w.filler(4));
  const segments = [first, third];
  const where = {
    segment: third.name,
    offset: 0,
    expectedLsn: 5,
    reason: 'missing records (sequence gap): segment starts at lsn 9',
  };
  const damage = (action: DamageJson['action']): DamageJson => ({
    kind: 'mid-log',
    action,
    ...where,
    droppedBytes: 0,
  });
  return {
    name: f,
    description:
      'Segments 0000000000000001.wal (LSNs 1..4) and 0000000000000009.wal (LSNs 9..12): the ' +
      'segment holding LSNs 5..8 is missing, so the LSNs jump. Every segment checks; the hole ' +
      'is found only by the +1 rule.',
    files: segments.map((s) => ({ name: s.name, bytes: s.bytes })),
    replay: {
      'tolerate-tail': corrupt(where),
      strict: corrupt(where),
      'point-in-time': recordsReplay(
        recordsOf(segments, (lsn) => lsn <= 4),
        [
          okSegment(first),
          { ...okSegment(third), status: 'damaged', lastLsn: 8, goodOffset: SEGMENT_HEADER_BYTES },
        ],
        { status: 'clean' },
        [damage('stop-and-report')],
      ),
      salvage: recordsReplay(
        recordsOf(segments, () => true),
        [okSegment(first), { ...okSegment(third), status: 'damaged' }],
        { status: 'clean' },
        [damage('skip')],
      ),
    },
    writer: corrupt(where),
  };
}

function frameGap(): Fixture {
  const f = 'frame-gap';
  const w = new Workload();
  const whole = buildSegment(f, 1, w.filler(7));
  const gone = frameAt(whole, 4);
  const first: BuiltSegment = {
    ...whole,
    bytes: Buffer.concat([
      whole.bytes.subarray(0, gone.offset),
      whole.bytes.subarray(gone.offset + gone.frameBytes),
    ]),
    frames: whole.frames.filter((frame) => frame.lsn !== gone.lsn),
  };
  const second = buildSegment(f, 8, w.filler(4));
  const segments = [first, second];
  const where = {
    segment: first.name,
    offset: gone.offset,
    expectedLsn: 4,
    reason: 'sequence gap: lsn 5 (expected 4)',
  };
  const damage = (action: DamageJson['action']): DamageJson => ({
    kind: 'mid-log',
    action,
    ...where,
    droppedBytes: 0,
  });
  return {
    name: f,
    description:
      'The frame of LSN 4 is missing from the middle of the first of two segments: every frame ' +
      'checks, but LSN 5 follows LSN 3. A frame that checks yet is out of sequence is never a ' +
      'crash artefact: tolerate-tail and strict refuse, point-in-time stops after LSN 3, ' +
      'salvage goes on at LSN 5 (no bytes dropped).',
    files: segments.map((s) => ({ name: s.name, bytes: s.bytes })),
    replay: {
      'tolerate-tail': corrupt(where),
      strict: corrupt(where),
      'point-in-time': recordsReplay(
        recordsOf(segments, (lsn) => lsn <= 3),
        [
          { ...okSegment(first), status: 'damaged', lastLsn: 3, goodOffset: gone.offset },
          { ...okSegment(second), status: 'unread', lastLsn: 7, goodOffset: 0, salt: null },
        ],
        { status: 'clean' },
        [damage('stop-and-report')],
      ),
      salvage: recordsReplay(
        recordsOf(segments, () => true),
        [{ ...okSegment(first), status: 'damaged' }, okSegment(second)],
        { status: 'clean' },
        [damage('skip')],
      ),
    },
    writer: corrupt(where),
  };
}

function futureVersion(): Fixture {
  const f = 'future-version';
  const w = new Workload();
  const first = buildSegment(f, 1, w.filler(3));
  const newer = buildSegment(f, 4, w.filler(3), FORMAT_VERSION + 1);
  const error: ErrorJson = { code: 'WAL_UNSUPPORTED', segment: newer.name };
  return {
    name: f,
    description:
      `The second segment's header (checksum valid) says format version ${FORMAT_VERSION + 1}, ` +
      'newer than any this exec-wal reads. The reader refuses the log with WAL_UNSUPPORTED in ' +
      'every mode, and never treats the newer segment as damage (which a writer would cut off).',
    files: [first, newer].map((s) => ({ name: s.name, bytes: s.bytes })),
    replay: sameInEveryMode({ outcome: 'error', error }),
    writer: { outcome: 'error', error },
  };
}

function strayFiles(): Fixture {
  const f = 'stray-files';
  const w = new Workload();
  const first = buildSegment(f, 1, w.filler(6));
  const second = buildSegment(f, 7, w.filler(3));
  // An earlier repair cut a torn LSN 5 off the first segment and kept it here; LSN 5 was then
  // written again. The bytes: the first half of a frame that once followed LSN 4.
  const earlier = new Workload();
  const cutOff = buildSegment(f, 1, [...earlier.filler(4), [earlier.start('restore')]]);
  const lost = frameAt(cutOff, 5);
  const broken = cutOff.bytes.subarray(lost.offset, lost.offset + Math.floor(lost.frameBytes / 2));
  // A rotation to base LSN 10 crashed after writing its temp file, before the rename.
  const temp = buildSegment(f, 10, []);
  const files = [
    { name: first.name, bytes: first.bytes },
    { name: `${first.name}.broken-5`, bytes: broken },
    { name: second.name, bytes: second.bytes },
    { name: `${temp.name}.tmp`, bytes: temp.bytes },
  ];
  return {
    name: f,
    description:
      'Two segments (LSNs 1..9) beside a .broken-5 file kept by an earlier tail repair and the ' +
      '.tmp file of a rotation that crashed before its rename. Readers ignore both; a writer ' +
      'removes the .tmp file and keeps the .broken file. As a journal: run-5 (LSN 9) reads as ' +
      'interrupted.',
    files,
    replay: cleanLog([first, second]),
    writer: {
      outcome: 'opened',
      nextLsn: 10,
      repair: null,
      removedTempFiles: [`${temp.name}.tmp`],
    },
  };
}

function unknownCriticalType(): Fixture {
  const f = 'unknown-critical-type';
  const w = new Workload();
  const segment = buildSegment(f, 1, [
    ...w.filler(3),
    // A record kind of a later version that a reader must not skip (it changes what run-2 is).
    [{ type: Type.unknownCritical, value: { executionId: 'run-2', idempotencyKey: 'deploy-7' } }],
    ...w.filler(1),
  ]);
  return {
    name: f,
    description:
      'One segment, LSNs 1..5: journal records and, at LSN 4, a record of critical type 127, ' +
      'which no v1 journal knows. The log layer hands every type to its consumer, so every ' +
      'mode reads every record and a writer opens it; a v1 journal refuses the log with ' +
      'WAL_UNSUPPORTED at LSN 4 rather than skip a record it may need.',
    files: [{ name: segment.name, bytes: segment.bytes }],
    replay: cleanLog([segment]),
    writer: { outcome: 'opened', nextLsn: 6, repair: null, removedTempFiles: [] },
  };
}

export function buildFixtures(version: number): Fixture[] {
  generating = version;
  return [
    basic(),
    multiSegment(),
    tornTailFixture(),
    tornBatch(),
    zeroTail(),
    garbageTail(),
    badChecksumSealed(),
    sequenceGap(),
    frameGap(),
    futureVersion(),
    strayFiles(),
    unknownCriticalType(),
  ];
}

// ---------------------------------------------------------------------------------------------
// Writing.

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readme(fixtures: Fixture[]): string {
  const rows = fixtures.map((f) => `| \`${f.name}/\` | ${f.description} |`);
  return [
    `# Golden fixtures of format v${generating}`,
    '',
    'Generated by `make fixtures` (`test/tools/make-fixtures.ts`); never hand-edited. The ' +
      'generator is deterministic (fixed salts, fixed values, a seeded generator for garbage) and ' +
      '`test/fixtures.test.ts` checks that it still reproduces these bytes exactly.',
    '',
    `v${generating} is frozen once released: the generator refuses to overwrite this directory unless ` +
      `\`EXEC_WAL_REGENERATE_FIXTURES=1\` is set. A reader of format v${generating} must read every fixture as ` +
      'its `expected.json` says, forever. The format is specified in `docs/format.md`.',
    '',
    'Each directory is a log directory plus `expected.json`:',
    '',
    '- `files`: the log files with their sizes and SHA-256.',
    '- `replay`: for each recovery mode (`tolerate-tail`, the default, `strict`, `point-in-time`, ' +
      '`salvage`), what a read-only replay yields: the records (`lsn`, `type`, decoded `value`), ' +
      'the tail status and dropped bytes, the damage found, a summary per segment; or the error ' +
      '(`code`, and for `WAL_CORRUPT` the segment, byte offset, expected LSN and reason).',
    '- `writer`: what opening a copy with `WalWriter` (recovery `tolerate-tail`) does: the next ' +
      'LSN, the tail repair, the temporary files removed; or the error.',
    '- `journal`: what opening a copy as an execution journal (`WalStore`, read-only, recovery ' +
      '`tolerate-tail`) yields: counters, per-action stats, the recent executions, failures and ' +
      'cleanups (newest first), the executions in flight (all `interrupted`, oldest first); or ' +
      'the error (for an unknown critical type: `code`, `lsn` and `type`).',
    '',
    'The records are execution-journal records (`docs/format.md`, "Journal records"): type 1 ' +
      '(action started), 2 (action completed) and 3 (cleanup executed) with the payloads the ' +
      'journal requires, every time a fixed offset from 1700000000000 ms (2023-11-14T22:13:20Z). ' +
      'Beside them are ancillary types a journal skips: 128 (a note), 200 (msgpack integer and ' +
      'float edge cases) and 255 (metrics). `unknown-critical-type/` alone holds type 127, a ' +
      'critical type no v1 journal knows.',
    '',
    '| fixture | what it holds |',
    '|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** Writes every fixture under `outDir` (which must not hold any of them yet). */
export function writeFixtures(outDir: string, version: number): string[] {
  const fixtures = buildFixtures(version);
  mkdirSync(outDir, { recursive: true });
  for (const fixture of fixtures) {
    const dir = join(outDir, fixture.name);
    mkdirSync(dir);
    for (const file of fixture.files) writeFileSync(join(dir, file.name), file.bytes);
    const expected: ExpectedJson = {
      formatVersion: version,
      fixture: fixture.name,
      description: fixture.description,
      files: fixture.files.map((file) => ({
        name: file.name,
        bytes: file.bytes.length,
        sha256: sha256(file.bytes),
      })),
      replay: fixture.replay,
      writer: fixture.writer,
      journal: journalFor(fixture.replay),
    };
    writeFileSync(join(dir, 'expected.json'), `${JSON.stringify(expected, null, 2)}\n`);
  }
  writeFileSync(join(outDir, 'README.md'), readme(fixtures));
  // Checked out byte for byte everywhere: no line-ending conversion of expected.json or README.md.
  writeFileSync(join(outDir, '.gitattributes'), '* -text\n');
  return fixtures.map((f) => f.name);
}

/** Removes a previous generation, refusing if the directory holds anything else. */
function clearFixtures(outDir: string): void {
  const known = new Set([...buildFixtures(1).map((f) => f.name), 'README.md', '.gitattributes']);
  const entries = readdirSync(outDir);
  const unknown = entries.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `${outDir} holds ${unknown.join(', ')}, not made by this generator; not removing`,
    );
  }
  for (const name of entries) rmSync(join(outDir, name), { recursive: true, force: true });
}

function main(argv: string[]): number {
  const outDir = argv[2];
  if (!outDir) {
    console.error('usage: node dist/test/tools/make-fixtures.js <output dir>');
    return 2;
  }
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    if (process.env.EXEC_WAL_REGENERATE_FIXTURES !== '1') {
      console.error(
        `${outDir} already holds fixtures; format fixtures are frozen once released. ` +
          'To regenerate anyway: EXEC_WAL_REGENERATE_FIXTURES=1 make fixtures',
      );
      return 1;
    }
    clearFixtures(outDir);
  }
  const version = Number(/v(\d+)\/?$/.exec(outDir)?.[1]);
  if (version !== 1 && version !== 2) {
    console.error(`${outDir}: the output directory must end in v1 or v2 (the format version)`);
    return 2;
  }
  const names = writeFixtures(outDir, version);
  console.log(`wrote ${names.length} fixtures to ${outDir}: ${names.join(', ')}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv);
}
