// The decoder fuzzing oracle (reliability plan #15): reads a log image in every recovery mode,
// in memory, under a hard time limit and with its largest buffer allocation measured, and lists
// every way the outcome breaks the reader's promises:
//
//   - only named errors: a WalError with a code from ErrorCode (WalCorruptionError for WAL_CORRUPT,
//     with a location), never a TypeError or RangeError, and no mode that never refuses refusing;
//   - no hang (the whole read is interrupted at the limit) and no buffer larger than the largest
//     file (a garbage length is never allocated);
//   - every descriptor closed again, also after an error;
//   - 0 garbage: consecutive LSNs (strictly increasing in salvage), each record equal to the one
//     written with that LSN when what was written is known;
//   - the modes agree: tolerate-tail, strict and point-in-time return the same records up to where
//     they stop, and salvage returns those and maybe more.
import { isDeepStrictEqual } from 'node:util';
import vm from 'node:vm';
import { ErrorCode, WalCorruptionError, WalError } from '../../src/errors.js';
import { LSN_MAX } from '../../src/format/constants.js';
import { readLog, type ScanReport } from '../../src/wal/log-reader.js';
import type { RecoveryMode } from '../../src/wal/recovery-policy.js';
import type { WalRecord } from '../../src/wal/segment-reader.js';
import { MEMORY_DIR, MemoryFileSystem, type UnreadableRange } from './memory-fs.js';

export const readModes: readonly RecoveryMode[] = [
  'tolerate-tail',
  'strict',
  'point-in-time',
  'salvage',
];

/** Codes a read-only scan may throw; anything else from a reader is a bug. */
const readerCodes: readonly string[] = [
  ErrorCode.corrupt,
  ErrorCode.unsupported,
  ErrorCode.io,
  ErrorCode.limitExceeded,
];

export interface ReadSetup {
  /** Read window of the segment cursor (small windows exercise the refill paths). */
  chunkBytes?: number;
  fromLsn?: number;
  /** Byte ranges whose reads fail with EIO. */
  unreadable?: UnreadableRange[];
}

export interface ModeOutcome {
  mode: RecoveryMode;
  records: WalRecord[];
  report?: ScanReport;
  error?: unknown;
  /** Descriptors still open after the scan ended. */
  fdsLeft: number;
}

export interface ReadRun {
  outcomes: ModeOutcome[];
  elapsedMs: number;
  /** Largest Buffer.alloc/allocUnsafe/allocUnsafeSlow size requested during the scans. */
  maxAllocBytes: number;
  largestFileBytes: number;
  /** Set when the scans were interrupted at the time limit. */
  hang?: string;
}

export interface Oracle {
  /** What was written, in LSN order, when known: every record read must be one of them. */
  written?: readonly WalRecord[];
  /**
   * Nothing removed the log's first segment, so records start at the first LSN written (except in
   * salvage, which skips a damaged first batch).
   */
  fromStart?: boolean;
}

/** Interrupts synchronous code at a deadline (the scans never yield to the event loop). */
const context = vm.createContext({ run: undefined as unknown });
const runScript = new vm.Script('run()');

function withTimeLimit(body: () => void, limitMs: number): void {
  context.run = body;
  try {
    runScript.runInContext(context, { timeout: limitMs });
  } finally {
    context.run = undefined;
  }
}

type AllocFn = (size: number, ...rest: never[]) => Buffer;

/** Runs `body` recording the largest buffer allocation it asks for. */
function measuringAllocations(body: () => void): number {
  const names = ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const;
  const originals = names.map((name) => Buffer[name] as unknown as AllocFn);
  let max = 0;
  names.forEach((name, index) => {
    const original = originals[index]!;
    (Buffer as unknown as Record<string, AllocFn>)[name] = (size: number, ...rest: never[]) => {
      if (size > max) max = size;
      return original.call(Buffer, size, ...rest);
    };
  });
  try {
    body();
  } finally {
    names.forEach((name, index) => {
      (Buffer as unknown as Record<string, AllocFn>)[name] = originals[index]!;
    });
  }
  return max;
}

/** Reads `files` as a log directory in every recovery mode. */
export function readEveryMode(
  files: ReadonlyMap<string, Buffer>,
  setup: ReadSetup = {},
  timeLimitMs = 2_000,
): ReadRun {
  const outcomes: ModeOutcome[] = [];
  let largestFileBytes = 0;
  for (const bytes of files.values()) largestFileBytes = Math.max(largestFileBytes, bytes.length);
  let hang: string | undefined;
  const started = performance.now();
  const maxAllocBytes = measuringAllocations(() => {
    try {
      withTimeLimit(() => {
        for (const mode of readModes) outcomes.push(readOneMode(files, setup, mode));
      }, timeLimitMs);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw error;
      hang = `scan interrupted after ${timeLimitMs} ms (mode ${readModes[outcomes.length]})`;
    }
  });
  return {
    outcomes,
    elapsedMs: performance.now() - started,
    maxAllocBytes,
    largestFileBytes,
    hang,
  };
}

function readOneMode(
  files: ReadonlyMap<string, Buffer>,
  setup: ReadSetup,
  mode: RecoveryMode,
): ModeOutcome {
  const fs = new MemoryFileSystem(files, setup.unreadable);
  const records: WalRecord[] = [];
  const scan = readLog(fs, MEMORY_DIR, {
    mode,
    fromLsn: setup.fromLsn,
    chunkBytes: setup.chunkBytes,
  });
  try {
    for (;;) {
      const step = scan.next();
      if (step.done) return { mode, records, report: step.value, fdsLeft: fs.openFds };
      records.push(step.value);
    }
  } catch (error) {
    return { mode, records, error, fdsLeft: fs.openFds };
  }
}

/** Why `error` is not an acceptable reader error, or undefined when it is. */
export function errorProblem(
  error: unknown,
  files: ReadonlyMap<string, Buffer>,
  dir = MEMORY_DIR,
): string | undefined {
  if (!(error instanceof WalError)) {
    const name = error instanceof Error ? error.constructor.name : typeof error;
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return `threw ${name}, not a WalError: ${detail}`;
  }
  if (!readerCodes.includes(error.code)) return `a read threw code ${error.code}: ${error.message}`;
  if (error.name !== error.constructor.name) return `error name ${error.name} is not its class`;
  if ((error.code === ErrorCode.corrupt) !== error instanceof WalCorruptionError) {
    return `code ${error.code} on a ${error.constructor.name}`;
  }
  if (error instanceof WalCorruptionError) {
    const { location } = error;
    if (location.dir !== dir || !files.has(location.segment)) {
      return `corruption located in unknown file ${location.segment}`;
    }
    const fileBytes = files.get(location.segment)!.length;
    if (
      !Number.isSafeInteger(location.offset) ||
      location.offset < 0 ||
      location.offset > fileBytes
    ) {
      return `corruption offset ${location.offset} outside ${location.segment} (${fileBytes} bytes)`;
    }
    // Up to LSN_MAX + 1: what a log whose last record has the largest LSN expects next.
    if (
      !Number.isInteger(location.expectedLsn) ||
      location.expectedLsn < 1 ||
      location.expectedLsn > LSN_MAX + 1
    ) {
      return `corruption with expected lsn ${location.expectedLsn}`;
    }
    if (location.reason.length === 0) return 'corruption without a reason';
  }
  return undefined;
}

function describeRecord(record: WalRecord | undefined): string {
  if (!record) return 'nothing';
  const text = JSON.stringify(record.value) ?? String(record.value);
  return `lsn ${record.lsn} type ${record.type} ${text.length > 80 ? `${text.slice(0, 80)}...` : text}`;
}

function isPrefix(prefix: readonly WalRecord[], of: readonly WalRecord[]): boolean {
  if (prefix.length > of.length) return false;
  return prefix.every((record, index) => isDeepStrictEqual(record, of[index]));
}

/** Every broken promise in `run`, as one line each (empty when the reader behaved). */
export function problemsOf(
  run: ReadRun,
  files: ReadonlyMap<string, Buffer>,
  oracle: Oracle = {},
  setup: ReadSetup = {},
): string[] {
  const problems: string[] = [];
  if (run.hang) problems.push(`hang: ${run.hang}`);
  const allowed = Math.max(run.largestFileBytes, 64);
  if (run.maxAllocBytes > allowed) {
    problems.push(
      `allocated a ${run.maxAllocBytes}-byte buffer for files of at most ${run.largestFileBytes} bytes`,
    );
  }
  const written = new Map<number, WalRecord>();
  for (const record of oracle.written ?? []) written.set(record.lsn, record);
  const firstWritten = oracle.written?.[0]?.lsn;

  for (const outcome of run.outcomes) {
    const { mode, records, report, error } = outcome;
    const say = (what: string) => problems.push(`${mode}: ${what}`);
    if (outcome.fdsLeft !== 0) say(`${outcome.fdsLeft} descriptors left open`);
    if (error !== undefined) {
      const problem = errorProblem(error, files);
      if (problem) say(problem);
      else if (
        (mode === 'point-in-time' || mode === 'salvage') &&
        (error as WalError).code === ErrorCode.corrupt
      ) {
        say(`a mode that never refuses threw: ${(error as Error).message}`);
      }
    }
    records.forEach((record, index) => {
      const previous = records[index - 1];
      if (previous) {
        const ordered =
          mode === 'salvage' ? record.lsn > previous.lsn : record.lsn === previous.lsn + 1;
        if (!ordered) say(`lsn ${record.lsn} after lsn ${previous.lsn}`);
      }
      if (setup.fromLsn !== undefined && record.lsn < setup.fromLsn) {
        say(`lsn ${record.lsn} yielded below fromLsn ${setup.fromLsn}`);
      }
      if (oracle.written) {
        const expected = written.get(record.lsn);
        if (!isDeepStrictEqual(record, expected)) {
          say(`returned ${describeRecord(record)} where ${describeRecord(expected)} was written`);
        }
      }
    });
    if (
      oracle.fromStart &&
      mode !== 'salvage' &&
      firstWritten !== undefined &&
      records.length > 0
    ) {
      const first = Math.max(firstWritten, setup.fromLsn ?? 0);
      if (records[0]!.lsn !== first) say(`records start at lsn ${records[0]!.lsn}, not ${first}`);
    }
    if (report) {
      const last = records.at(-1);
      if (last && report.lastLsn !== last.lsn) {
        say(`report.lastLsn ${report.lastLsn} but the last record has lsn ${last.lsn}`);
      }
      if (mode === 'strict' && (report.damage.length > 0 || report.tail.status !== 'clean')) {
        say('strict returned a report with damage instead of refusing');
      }
      if (mode === 'tolerate-tail' && report.damage.some((d) => d.kind !== 'torn-tail')) {
        say('tolerate-tail accepted mid-log damage');
      }
    }
  }

  // The modes agree on everything before the first damage.
  const by = (mode: RecoveryMode) => run.outcomes.find((o) => o.mode === mode);
  const pointInTime = by('point-in-time');
  if (pointInTime) {
    for (const mode of ['tolerate-tail', 'strict'] as const) {
      const other = by(mode);
      if (other && !isDeepStrictEqual(other.records, pointInTime.records)) {
        problems.push(
          `${mode} returned ${other.records.length} records, point-in-time ${pointInTime.records.length}`,
        );
      }
    }
    const salvage = by('salvage');
    if (salvage && !isPrefix(pointInTime.records, salvage.records)) {
      problems.push('salvage did not return every record point-in-time returned');
    }
  }
  const tolerate = by('tolerate-tail');
  const strict = by('strict');
  if (tolerate?.error instanceof WalCorruptionError) {
    if (!(strict?.error instanceof WalCorruptionError)) {
      problems.push('tolerate-tail refused a log strict accepted');
    } else if (!isDeepStrictEqual(strict.error.location, tolerate.error.location)) {
      problems.push(
        `strict refused at ${JSON.stringify(strict.error.location)}, tolerate-tail at ` +
          JSON.stringify(tolerate.error.location),
      );
    }
  }
  return problems;
}
