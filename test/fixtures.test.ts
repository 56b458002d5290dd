// The golden fixtures of every format version (fixtures/v1, fixtures/v2): every fixture,
// copied to a temp dir, must replay in every recovery mode exactly as its expected.json says,
// open with WalWriter as it says, and open as a journal (WalStore, read-only) as it says, and
// `exec-wal verify` must pass the clean and torn ones and fail the corrupt ones; the generator
// must still reproduce the committed bytes; both CRC32C implementations must read them
// identically; the spec's checksum formula, computed by a bitwise reference CRC here, must match
// the stored checksums; the hex dump in docs/format.md must be the committed bytes.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { WalError, WalCorruptionError } from '../src/errors.js';
import { crcImplementation } from '../src/format/checksum.js';
import { WalStore } from '../src/store/wal-store.js';
import type { ScanReport } from '../src/wal/log-reader.js';
import { replayLog } from '../src/wal/log-replay.js';
import type { WalRecord } from '../src/wal/segment-reader.js';
import { WalWriter } from '../src/wal/wal-writer.js';
import { removeTempDirs, tempDir } from './support/temp-dir.js';
import {
  actionStatKeys,
  type ErrorJson,
  type ExpectedJson,
  type JournalJson,
  journalCounterKeys,
  type ModeName,
  modeNames,
  type RecordErrorJson,
  type ReplayJson,
  type WriterJson,
  writeFixtures,
} from './tools/make-fixtures.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** Every format version keeps its fixtures and must read them forever. */
const versions = ['v1', 'v2'] as const;
type Version = (typeof versions)[number];
const rootOf = (version: Version) => join(repoRoot, 'fixtures', version);
const namesOf = (version: Version) =>
  readdirSync(rootOf(version))
    .filter((name) => statSync(join(rootOf(version), name)).isDirectory())
    .sort();
const cases = versions.flatMap((version) => namesOf(version).map((name) => [version, name]));

afterAll(removeTempDirs);

function expectedOf(version: Version, name: string): ExpectedJson {
  return JSON.parse(
    readFileSync(join(rootOf(version), name, 'expected.json'), 'utf8'),
  ) as ExpectedJson;
}

/** A private copy of the fixture: tests never touch fixtures/v1 itself. */
function copyFixture(version: Version, name: string): string {
  const dir = join(tempDir(`fixture-${name}`), 'log');
  cpSync(join(rootOf(version), name), dir, { recursive: true });
  return dir;
}

/** Every regular file of a log directory (expected.json aside) with its bytes. */
function logFiles(dir: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name !== 'expected.json' && statSync(path).isFile()) files[name] = readFileSync(path);
  }
  return files;
}

/** What a replay produced, as plain JSON: the same shape in this process and in a child. */
type RawReplay =
  | { records: WalRecord[]; report: ScanReport }
  | { error: { code: string; message: string; location?: WalCorruptionError['location'] } };

function rawReplay(dir: string, mode: ModeName): RawReplay {
  const records: WalRecord[] = [];
  try {
    const report = replayLog(dir, { recovery: mode }, (record) => records.push(record));
    return JSON.parse(JSON.stringify({ records, report })) as RawReplay;
  } catch (error) {
    if (!(error instanceof WalError)) throw error;
    const location = error instanceof WalCorruptionError ? error.location : undefined;
    return { error: { code: error.code, message: error.message, location } };
  }
}

function errorJson(error: {
  code: string;
  message: string;
  location?: WalCorruptionError['location'];
}): ErrorJson {
  if (error.location) {
    const { segment, offset, expectedLsn, reason } = error.location;
    return { code: error.code as ErrorJson['code'], segment, offset, expectedLsn, reason };
  }
  return {
    code: error.code as ErrorJson['code'],
    segment: /[0-9a-f]{16}\.wal/.exec(error.message)?.[0] ?? '(no segment named)',
  };
}

/** Maps a replay onto the shape of expected.json. */
function replayJson(raw: RawReplay): ReplayJson {
  if ('error' in raw) return { outcome: 'error', error: errorJson(raw.error) };
  const { report } = raw;
  return {
    outcome: 'records',
    records: raw.records.map(({ lsn, type, value }) => ({ lsn, type, value }) as ReplayJsonRecord),
    firstLsn: report.firstLsn ?? null,
    lastLsn: report.lastLsn,
    tail: report.tail,
    damage: report.damage.map(
      ({ kind, action, segment, offset, expectedLsn, reason, droppedBytes }) => {
        if (action === 'refuse') throw new Error('a refused damage is thrown, never reported');
        return { kind, action, segment, offset, expectedLsn, reason, droppedBytes };
      },
    ),
    segments: report.segments.map(({ name, fileBytes, status, lastLsn, goodOffset, salt }) => ({
      name,
      fileBytes,
      status,
      lastLsn,
      goodOffset,
      salt: salt ?? null,
    })),
  };
}
type ReplayJsonRecord = Extract<ReplayJson, { outcome: 'records' }>['records'][number];

/** Larger than any fixture's history: every entry WalStore keeps. */
const ALL_ENTRIES = 1000;

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, value[key]])) as Pick<T, K>;
}

/** What a read-only WalStore shows, in the shape of expected.json (undefined keys dropped). */
function journalJson(store: WalStore): JournalJson {
  const view: JournalJson = {
    outcome: 'opened',
    lastLsn: store.lastLsn,
    counters: pick(store.counters, journalCounterKeys),
    actions: store.allActionStats().map((stats) => pick(stats, actionStatKeys)),
    executions: store.recentActionExecutions(ALL_ENTRIES),
    failures: store.recentFailures(ALL_ENTRIES).map((execution) => execution.lsn),
    cleanups: store.recentCleanupOperations(ALL_ENTRIES),
    interrupted: store.inFlight() as Extract<JournalJson, { outcome: 'opened' }>['interrupted'],
  };
  return JSON.parse(JSON.stringify(view)) as JournalJson;
}

/** A journal's refusal: a log error as for replay, or a refused record (its lsn and type). */
function journalErrorJson(error: WalError): ErrorJson | RecordErrorJson {
  const record = /record at lsn (\d+) has type (\d+)/.exec(error.message);
  if (!(error instanceof WalCorruptionError) && record) {
    return {
      code: error.code as RecordErrorJson['code'],
      lsn: Number(record[1]),
      type: Number(record[2]),
    };
  }
  const location = error instanceof WalCorruptionError ? error.location : undefined;
  return errorJson({ code: error.code, message: error.message, location });
}

const cliPath = join(repoRoot, 'bin', 'exec-wal.js');

/** Runs the real binary (it loads dist/: build first). */
function spawnCli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  if (!existsSync(join(repoRoot, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: build first (npx tsc -p tsconfig.json)');
  }
  const child = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe.each(cases as [Version, string][])('fixtures/%s/%s', (version, name) => {
  const expected = expectedOf(version, name);

  it('holds exactly the files expected.json lists', () => {
    const files = logFiles(join(rootOf(version), name));
    expect(Object.keys(files).sort()).toEqual(expected.files.map((f) => f.name).sort());
    for (const file of expected.files) expect(files[file.name]!.length).toBe(file.bytes);
  });

  it.each(modeNames)('replays read-only in %s mode as expected.json says', (mode) => {
    const dir = copyFixture(version, name);
    const before = logFiles(dir);
    expect(replayJson(rawReplay(dir, mode))).toEqual(expected.replay[mode]);
    expect(logFiles(dir)).toEqual(before);
  });

  it('opens with WalWriter as expected.json says, and the log reads whole after an append', async () => {
    const dir = copyFixture(version, name);
    const before = logFiles(dir);
    const want = expected.writer;
    let writer: WalWriter;
    try {
      writer = await WalWriter.open(dir, { durability: 'none' });
    } catch (error) {
      if (!(error instanceof WalError)) throw error;
      const location = error instanceof WalCorruptionError ? error.location : undefined;
      const got: WriterJson = {
        outcome: 'error',
        error: errorJson({ code: error.code, message: error.message, location }),
      };
      expect(got).toEqual(want);
      // A refused open changes nothing and leaves no lock behind.
      expect(logFiles(dir)).toEqual(before);
      expect(existsSync(join(dir, 'writer.lock'))).toBe(false);
      return;
    }
    const { repair, removedTempFiles } = writer.openReport;
    const got: WriterJson = {
      outcome: 'opened',
      nextLsn: writer.nextLsn,
      repair: repair ? { ...repair } : null,
      removedTempFiles,
    };
    expect(got).toEqual(want);
    if (want.outcome !== 'opened') return;

    // The repair: the dropped bytes sit in the backup, the segment ends at the last whole batch.
    const tolerated = expected.replay['tolerate-tail'];
    if (tolerated.outcome !== 'records')
      throw new Error('a writer opened a log tolerate-tail refuses');
    if (want.repair && tolerated.tail.status === 'torn') {
      const original = before[want.repair.segment]!;
      const cut = tolerated.tail.offset;
      expect(readFileSync(join(dir, want.repair.segment))).toEqual(original.subarray(0, cut));
      expect(readFileSync(join(dir, want.repair.backup))).toEqual(original.subarray(cut));
    }
    for (const temp of want.removedTempFiles) expect(existsSync(join(dir, temp))).toBe(false);

    const appended = await writer.append([{ type: 1, value: appendedStart }]);
    expect(appended).toEqual({ firstLsn: want.nextLsn, lastLsn: want.nextLsn });
    await writer.close();
    const records: WalRecord[] = [];
    const report = replayLog(dir, { recovery: 'strict' }, (record) => records.push(record));
    expect(report.tail).toEqual({ status: 'clean' });
    expect(records).toEqual([
      ...tolerated.records,
      { lsn: want.nextLsn, type: 1, value: appendedStart },
    ]);
  });

  it('opens as a journal (WalStore, read-only) as expected.json says', async () => {
    const dir = copyFixture(version, name);
    const before = logFiles(dir);
    const want = expected.journal;
    let store: WalStore;
    try {
      store = await WalStore.open(dir, { readOnly: true });
    } catch (error) {
      if (!(error instanceof WalError)) throw error;
      expect({ outcome: 'error', error: journalErrorJson(error) }).toEqual(want);
      expect(logFiles(dir)).toEqual(before);
      return;
    }
    try {
      expect(journalJson(store)).toEqual(want);
      if (want.outcome !== 'opened') return;
      const tolerated = expected.replay['tolerate-tail'];
      if (tolerated.outcome !== 'records') throw new Error('a journal opened a log replay refuses');
      expect(store.recoveryReport.tail).toEqual(tolerated.tail);
      expect(store.recoveryReport.interruptedCount).toBe(want.interrupted.length);
    } finally {
      await store.close();
    }
    expect(logFiles(dir)).toEqual(before);
  });

  it('passes `exec-wal verify` when clean or torn, fails it when corrupt', () => {
    const dir = copyFixture(version, name);
    const result = spawnCli(['verify', dir]);
    const output = result.stdout + result.stderr;
    const salvaged = expected.replay.salvage;
    if (expected.journal.outcome === 'opened' && salvaged.outcome === 'records') {
      expect(result.code, output).toBe(0);
      const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
      const summary = `${count(salvaged.segments.length, 'segment')}, ${count(salvaged.records.length, 'record')}`;
      expect(result.stdout).toContain(summary);
      expect(result.stdout).toMatch(salvaged.tail.status === 'torn' ? /^TORN /m : /^OK: /m);
    } else if (
      expected.replay['tolerate-tail'].outcome === 'error' &&
      expected.replay['tolerate-tail'].error.code === 'WAL_CORRUPT'
    ) {
      expect(result.code, output).toBe(3);
      expect(result.stdout).toMatch(/^FAIL /m);
    } else {
      // WAL_UNSUPPORTED: a segment of a newer format, or a record type of a newer journal.
      expect(result.code, output).not.toBe(0);
      expect(output).toMatch(/upgrade exec-wal/);
    }
  });
});

/** A valid journal start (docs/format.md#journal-records), appended after a writer's open. */
const appendedStart = {
  executionId: 'appended-after-open',
  actionId: 'deploy',
  source: 'test',
  executionType: 'manual',
  attempt: 1,
  startedAt: 1_700_000_100_000,
};

describe.each(versions)('the committed fixtures of %s', (version) => {
  const fixturesRoot = rootOf(version);
  const fixtureNames = namesOf(version);

  it('are reproduced byte for byte by the generator (docs and code stay twins)', () => {
    const fresh = join(tempDir('fixtures-regenerated'), version);
    writeFixtures(fresh, Number(version.slice(1)));
    const committed = allFiles(fixturesRoot);
    const generated = allFiles(fresh);
    expect(Object.keys(generated)).toEqual(Object.keys(committed));
    for (const [path, bytes] of Object.entries(generated)) {
      expect(bytes.equals(committed[path]!), `${path} differs from the committed fixture`).toBe(
        true,
      );
    }
  });

  it('read identically with the JavaScript CRC32C in a child process', () => {
    const index = join(repoRoot, 'dist', 'src', 'index.js');
    if (!existsSync(index)) {
      throw new Error(`${index} is missing: build first (make build, or npx tsc -p tsconfig.json)`);
    }
    const dirs = fixtureNames.map((name) => copyFixture(version, name));
    const script = `
      const { replayLog, recoveryModes, crcImplementation, WalError } = await import(${JSON.stringify(pathToFileURL(index).href)});
      const dirs = JSON.parse(process.env.EXEC_WAL_FIXTURE_DIRS);
      const runs = {};
      for (const dir of dirs) for (const mode of recoveryModes) {
        const records = [];
        try {
          const report = replayLog(dir, { recovery: mode }, (r) => records.push(r));
          runs[dir + '|' + mode] = { records, report };
        } catch (e) {
          if (!(e instanceof WalError)) throw e;
          runs[dir + '|' + mode] = { error: { code: e.code, message: e.message, location: e.location } };
        }
      }
      process.stdout.write(JSON.stringify({ crc: crcImplementation(), runs }));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        ...process.env,
        EXEC_WAL_CRC32C: 'javascript',
        EXEC_WAL_FIXTURE_DIRS: JSON.stringify(dirs),
      },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const out = JSON.parse(child.stdout) as { crc: string; runs: Record<string, RawReplay> };
    expect(out.crc).toBe('javascript');
    fixtureNames.forEach((name, i) => {
      const expected = expectedOf(version, name);
      for (const mode of modeNames) {
        const fromChild = replayJson(out.runs[`${dirs[i]}|${mode}`]!);
        expect(fromChild, `${name} in ${mode} mode (javascript CRC32C)`).toEqual(
          expected.replay[mode],
        );
        expect(fromChild).toEqual(replayJson(rawReplay(dirs[i]!, mode)));
      }
    });
    // This process uses the native implementation where it built: then both were compared.
    expect(['sse4.2 (native)', 'javascript']).toContain(crcImplementation());
  });

  it('carry the checksums docs/format.md specifies (a bitwise reference CRC32C)', () => {
    expect(referenceCrc32c(Buffer.from('123456789'), 0)).toBe(0xe3069283);
    for (const name of ['basic', 'multi-segment']) {
      const dir = join(fixturesRoot, name);
      for (const file of expectedOf(version, name).files) {
        const bytes = readFileSync(join(dir, file.name));
        // Header: CRC of bytes 0..27 seeded with 0, masked, stored LE at 28.
        expect(bytes.readUInt32LE(28)).toBe(specMask(referenceCrc32c(bytes.subarray(0, 28), 0)));
        const salt = bytes.readUInt32LE(12);
        let at = 32;
        let frames = 0;
        while (at < bytes.length) {
          const payloadBytes = bytes.readUInt32LE(at + 4);
          const frameBytes = Math.ceil((20 + payloadBytes) / 8) * 8;
          const covered = bytes.subarray(at + 4, at + frameBytes);
          expect(bytes.readUInt32LE(at)).toBe(specMask(referenceCrc32c(covered, salt)));
          expect(
            bytes.subarray(at + 20 + payloadBytes, at + frameBytes).every((b) => b === 0),
          ).toBe(true);
          at += frameBytes;
          frames += 1;
        }
        expect(at).toBe(bytes.length);
        expect(frames).toBeGreaterThan(0);
      }
    }
  });

  it.runIf(version === 'v1')('match the worked hex dump in docs/format.md', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'format.md'), 'utf8');
    const marker = '<!-- hexdump: fixtures/v1/basic/0000000000000001.wal -->';
    const start = doc.indexOf(marker);
    expect(start, 'the hex dump marker in docs/format.md').toBeGreaterThan(-1);
    const block = doc.slice(start).split('```')[1] ?? '';
    const dumped: number[] = [];
    for (const line of block.split('\n')) {
      const match = /^([0-9a-f]{8}): ((?:[0-9a-f]{2} ?){1,16})/.exec(line);
      if (!match) continue;
      expect(Number.parseInt(match[1]!, 16)).toBe(dumped.length);
      for (const hex of match[2]!.trim().split(' ')) dumped.push(Number.parseInt(hex, 16));
    }
    expect(dumped.length).toBeGreaterThanOrEqual(32);
    const bytes = readFileSync(join(fixturesRoot, 'basic', '0000000000000001.wal'));
    expect(Buffer.from(dumped)).toEqual(bytes.subarray(0, dumped.length));

    // Every row of the annotation tables quotes the bytes at its offset.
    const section = doc.slice(start, doc.indexOf('\n## ', start));
    let rows = 0;
    for (const line of section.split('\n')) {
      const row = /^\| 0x([0-9a-f]+) \| ((?:`[0-9a-f ]+` ?)+)\|/.exec(line);
      if (!row) continue;
      const at = Number.parseInt(row[1]!, 16);
      const quoted = Buffer.from(row[2]!.replace(/[` ]/g, ''), 'hex');
      expect(bytes.subarray(at, at + quoted.length), line).toEqual(quoted);
      rows += 1;
    }
    expect(rows).toBeGreaterThanOrEqual(20);
  });
});

/** CRC-32C, bit by bit, written from the spec: reflected polynomial 0x82F63B78, register ~seed. */
function referenceCrc32c(bytes: Uint8Array, seed: number): number {
  let crc = ~seed >>> 0;
  for (const byte of bytes) {
    crc = (crc ^ byte) >>> 0;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

/** The mask of docs/format.md: rotate right by 15 bits, add 0xa282ead8, modulo 2^32. */
function specMask(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

function allFiles(root: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(root, path)] = readFileSync(path);
    }
  };
  walk(root);
  return out;
}
