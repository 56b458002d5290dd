// Writes docs/reliability.md from the reliability log: the lines every reliability test appends
// to $EXEC_WAL_RELIABILITY_LOG (test/support/reliability-log.ts), one per fault class and run:
//
//   {"row": 15, "fault": "single bit flip (fast-check)", "cases": 2500, "failures": 0, "tier": "fast"}
//
//   node dist/test/tools/reliability-report.js <log.jsonl> [docs/reliability.md]
//
// The page states the promises and their documented caveats, the sixteen rows of the plan with
// the tests that implement each (checked to exist when the page is written), and what the log
// says was run: cases and failures per fault class, with the date, the machine and the tier.
// Exit code 1 when the log is missing, empty or malformed, or records a failure outside a
// known-limit class (the page is still written, so a failing torture run is documented too).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, type } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface LogLine {
  row: number;
  fault: string;
  cases: number;
  failures: number;
  tier: 'fast' | 'torture';
}

interface PlanRow {
  row: number;
  fault: string;
  method: string;
  pass: string;
  /** Test files, or globs ending in `*` under test/ (matched when the page is written). */
  tests: string[];
  /** What those tests cover of the row, in a few words. */
  covers: string;
}

/** The plan (/work/shared/notes/reliability-plan.md), row by row, with where each row is tested. */
export const plan: readonly PlanRow[] = [
  {
    row: 1,
    fault: 'Process crash mid-append / mid group commit',
    method: 'SIGKILL a real writer child at random times; random batch and record sizes',
    pass: '0 acknowledged records lost, 0 garbage, prefix holds, open succeeds every time',
    tests: ['test/process/crash.test.ts'],
    covers: 'kills of an fsync-mode writer with 1-6 appends in flight, each reopened and checked',
  },
  {
    row: 2,
    fault: 'Crash at named points (write, fdatasync, rotation, snapshot, retention, recovery)',
    method: 'env-selected crash point kills the process there',
    pass: 'as #1; snapshot old or new never partial; recovery after a crash in recovery gives the same state',
    tests: ['test/process/crash.test.ts', 'test/process/checkpoint-crash.test.ts'],
    covers: 'every crash point of src/wal/crash-point.ts; checkpoint and retention crash points',
  },
  {
    row: 3,
    fault: 'Power loss (unsynced data lost)',
    method: 'file-system seam tracking synced length and unsynced directory operations',
    pass: 'as #1 in every mode; any loss means a missing fsync',
    tests: ['test/reliability/power-loss*', 'test/wal/sync-point.test.ts'],
    covers:
      'crash states of every kind for WalWriter and WalStore in all three durability modes; sync points',
  },
  {
    row: 4,
    fault: 'Torn tail',
    method: 'truncate at every byte of the last 3 frames and the header; reopen, append, reread',
    pass: 'only whole frames kept; tail truncated and reported; stale bytes never resurface',
    tests: [
      'test/wal/truncation.test.ts',
      'test/wal/tails.test.ts',
      'test/reliability/fuzz.test.ts',
    ],
    covers: 'every byte offset of the last frames and header; cuts anywhere in random logs (fuzz)',
  },
  {
    row: 5,
    fault: 'Bit rot',
    method: 'every single-bit flip in the last frames and header; random flips; zeroed sectors',
    pass: '0 garbage records; mid-log damage is a named corruption error with segment and offset',
    tests: ['test/wal/bit-flips.test.ts', 'test/reliability/fuzz.test.ts'],
    covers:
      'every bit of a sealed segment and the last frames; random flips and zeroed ranges (fuzz)',
  },
  {
    row: 6,
    fault: 'Zero / garbage tails',
    method: '4 MiB of zeros, random garbage, one all-zero header',
    pass: 'zeros are end of data, never an empty record; open and append work',
    tests: ['test/wal/tails.test.ts'],
    covers: 'zeros, garbage, an all-zero extra segment, repeated repairs, read-only replay',
  },
  {
    row: 7,
    fault: 'Bad length',
    method: '0, over the frame limit, past EOF, into the next segment',
    pass: 'no oversized allocation; named error or tail repair',
    tests: ['test/wal/reader-errors.test.ts', 'test/reliability/stale-data.test.ts'],
    covers:
      'nine lengths mid-segment, in the last frame and at a sealed end; forged lengths; allocation measured',
  },
  {
    row: 8,
    fault: 'Stale, duplicated, missing data',
    method: 'copy frames elsewhere; duplicate or delete a segment; stale generation; wrong base',
    pass: '0 duplicated or reordered records; a gap is a named error',
    tests: ['test/wal/reader-errors.test.ts', 'test/reliability/stale-data.test.ts'],
    covers: 'frames of other segments and logs, duplicated, missing, stale and rebased segments',
  },
  {
    row: 9,
    fault: 'Disk full',
    method: 'child under `ulimit -f N` sweeping N across frame boundaries',
    pass: 'named disk-full error; no ack for the failed batch; earlier acks intact; no partial frame; no leaked descriptors',
    tests: ['test/reliability/disk-full.test.ts', 'test/wal/fsync-failure.test.ts'],
    covers:
      'EFBIG at batch and frame boundaries, in headers and payloads, after rotation; ENOSPC/EDQUOT injected',
  },
  {
    row: 10,
    fault: 'I/O error on the k-th fs operation',
    method: 'seam fails op k, transient and persistent, k swept',
    pass: 'named errors, no hangs; after a failed fdatasync every append rejects until reopen',
    tests: [
      'test/wal/fsync-failure.test.ts',
      'test/reliability/reopen-leaks*',
      'test/reliability/fuzz.test.ts',
    ],
    covers:
      'failed fdatasync, write, short writes, repair sync; k-th call faults at open/close; unreadable sectors (fuzz)',
  },
  {
    row: 11,
    fault: 'Two writers',
    method: '2-4 processes race to open',
    pass: '0 overlapping writer sessions; loser gets a locked error quickly',
    tests: ['test/process/lock.test.ts'],
    covers: 'a second writer in the same and in other processes; release on close',
  },
  {
    row: 12,
    fault: 'Stale lock / paused writer',
    method: 'kill -9 the holder; two processes break the same stale lock; SIGSTOP past the window',
    pass: 'reopen after kill -9 succeeds; exactly one breaker wins; 0 frames from two writers',
    tests: ['test/process/lock.test.ts'],
    covers:
      'takeover after SIGKILL, one breaker of several, fencing of a slow open and of a paused holder',
  },
  {
    row: 13,
    fault: 'Followers across crash, rotation, retention',
    method: 'a follower reads while the writer is killed, rolls segments, deletes old ones',
    pass: 'strictly increasing sequence numbers, no garbage, no duplicates, named errors on races',
    tests: ['test/store/follow.test.ts'],
    covers:
      'every record once while another process appends and rotates; WAL_SEGMENT_GONE after retention',
  },
  {
    row: 14,
    fault: 'Snapshot + retention consistency',
    method: 'crash points and power-loss states during snapshot creation and segment deletion',
    pass: 'snapshot + suffix equals the model; no segment deleted that a durable snapshot does not cover',
    tests: [
      'test/reliability/checkpoint-power-loss*',
      'test/process/checkpoint-crash.test.ts',
      'test/store/checkpoint.test.ts',
      'test/wal/segment-retention.test.ts',
    ],
    covers:
      'power-loss states around checkpoints and unlinks; crash points; damaged and foreign checkpoints',
  },
  {
    row: 15,
    fault: 'Decoder fuzzing',
    method: 'fast-check properties + seeded mutation loop over real segments',
    pass: '0 non-named exceptions, 0 hangs, 0 garbage; failing inputs kept as regression fixtures',
    tests: ['test/reliability/fuzz.test.ts'],
    covers:
      'cuts, bit flips, structured garbage files and directories, 17 mutation kinds, writer repair',
  },
  {
    row: 16,
    fault: 'Reopen idempotence and leaks',
    method: 'open, recover, close many times, also after injected faults; count descriptors',
    pass: 'same state every time; descriptors back to baseline; no leaked lock',
    tests: ['test/reliability/reopen-leaks*'],
    covers: 'repeated reopen, k-th call faults, a failed sync, power-loss states',
  },
];

/** The three promises and the caveats the rest of the docs state for them. */
const guarantees = `## The promises

1. **An acknowledged record is never lost.** Once \`append()\` resolved in durability mode
   \`'fsync'\` (the default), the record is on disk: every later open returns it, in order, after
   a process crash, a power loss, a full disk or a failed write. Caveats:
   - "Acknowledged" depends on the mode ([durability.md](durability.md)): in \`'interval'\` a
     power loss may take the last \`syncIntervalMs\` of acknowledged appends, in \`'none'\`
     everything since the last \`sync()\`, rotation or \`close()\`. A process crash alone loses
     nothing acknowledged in any mode.
   - It holds only while the disk honours \`fdatasync\` and directory \`fsync\`.
   - A failed write or sync (EIO, ENOSPC, EFBIG) never acknowledges its batch and fails the log
     until it is reopened (WAL_DISK_FULL / WAL_FAILED); a sync is never retried and then
     acknowledged.
   - Media damage is not loss the log can prevent: damage in a sealed segment, or followed by
     a sync point, is refused (below), not repaired. Damage in the last segment with no sync
     point after it looks exactly like a crash and is cut as a torn tail: in mode \`'fsync'\`
     that is only ever never-acknowledged bytes, unless media damage hit the last synced group
     and the next group's first frame (its sync point) was lost too. Whatever a cut removes is
     reported and kept in \`<segment>.broken-<lsn>\`, never deleted
     ([recovery.md](recovery.md#sync-points-and-what-is-left)). So is a last segment whose
     header's salt took a flipped bit (no frame can be checked without it).
   - Format v1 cannot tell a log whose last segment file was deleted (or whose directory entry a
     file system lost) from a shorter log: records are chained by LSN, not across files.

2. **A damaged log is never silently misread.** Every byte of a segment is covered by a CRC32C
   seeded with the segment's random salt; records must carry consecutive LSNs across the whole
   log; a frame that checks but says something impossible is corruption, never a crash artefact.
   Damage is a named \`WalCorruptionError\` with segment, offset and expected LSN in the default
   and \`strict\` modes, and a reported range in \`point-in-time\` and \`salvage\`
   ([recovery.md](recovery.md)). Caveats:
   - A whole sealed segment swapped for another structurally valid segment covering exactly the
     same LSNs (another log's file under the same name, an old backup of it) reads as valid: v1
     has no chain from one segment to the next. Swaps that change the LSN range are named
     (overlap or gap), but only when the reader reaches the next segment: the swapped records
     were handed out before the error.
   - Deleting the first segments reads like retention (the log may start at any LSN).
   - \`salvage\` resumes at the next frame that checks, which may be inside a damaged atomic
     batch: it can return part of a batch (each record still exactly as written).
   - A CRC is not a signature: deliberate edits with recomputed checksums are out of scope.
   - Records are handed to a consumer as whole batches while reading; an error found later in
     the log does not take back records already handed out.

3. **Bad input never corrupts anything.** Readers never change the disk (read-only opens, the
   CLI's read commands, \`point-in-time\` and \`salvage\`). A writer's open changes the disk only
   to cut a torn tail, after copying the bytes to a \`.broken-<lsn>\` file and syncing it; a
   refused open leaves every byte as it was; appends start only after the last whole batch the
   writer verified. Bad records and options are refused before anything is written
   (\`WalValidationError\`). Any damaged, truncated or arbitrary bytes given to the reader end in
   records, a report or a named error: never a TypeError or RangeError, a hang, or a buffer
   sized by a garbage length. Caveats:
   - A power loss that kept a later page of an unsynced write and lost an earlier one looks
     like damage followed by valid frames; since sync points (docs/format.md#flags) it is a torn
     tail unless a sync point follows, and the power-loss simulation refuses none of its crash
     states ([recovery.md](recovery.md#sync-points-and-what-is-left)).
   - Byte-shifting damage (bytes inserted into or deleted from the middle of the last segment,
     not a multiple of 8) misaligns every later frame; the resynchronising scan tries 8-byte
     offsets only, so they read as a torn tail and a writer cuts them (reported, backed up).
   - A file named like a segment with a base LSN over 2^53 − 1 (\`ffffffffffffffff.wal\`) is not a
     segment name to v1 and is ignored, as any other name is.`;

export interface Summary {
  row: number;
  fault: string;
  tier: string;
  cases: number;
  failures: number;
  runs: number;
}

export function parseLog(text: string): { lines: LogLine[]; errors: string[] } {
  const lines: LogLine[] = [];
  const errors: string[] = [];
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    try {
      const line = JSON.parse(raw) as LogLine;
      const valid =
        Number.isInteger(line.row) &&
        line.row >= 1 &&
        line.row <= 16 &&
        typeof line.fault === 'string' &&
        Number.isInteger(line.cases) &&
        Number.isInteger(line.failures) &&
        (line.tier === 'fast' || line.tier === 'torture');
      if (valid) lines.push(line);
      else errors.push(`line ${index + 1}: not a reliability result: ${raw}`);
    } catch {
      errors.push(`line ${index + 1}: not JSON: ${raw}`);
    }
  });
  return { lines, errors };
}

/** Lines of the same row, fault and tier added up (a class may be logged by several runs). */
export function summarize(lines: readonly LogLine[]): Summary[] {
  const byKey = new Map<string, Summary>();
  for (const line of lines) {
    const key = `${line.row}\u0000${line.fault}\u0000${line.tier}`;
    const summary = byKey.get(key) ?? {
      row: line.row,
      fault: line.fault,
      tier: line.tier,
      cases: 0,
      failures: 0,
      runs: 0,
    };
    summary.cases += line.cases;
    summary.failures += line.failures;
    summary.runs += 1;
    byKey.set(key, summary);
  }
  return [...byKey.values()].sort(
    (a, b) => a.row - b.row || a.tier.localeCompare(b.tier) || a.fault.localeCompare(b.fault),
  );
}

/** Test files a plan entry names that exist now (globs: `dir/prefix*`). */
function existingTests(
  root: string,
  patterns: readonly string[],
): { found: string[]; missing: string[] } {
  const found: string[] = [];
  const missing: string[] = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('*')) {
      const dir = dirname(pattern);
      const prefix = pattern.slice(dir.length + 1, -1);
      const matches = existsSync(join(root, dir))
        ? readdirSync(join(root, dir))
            .filter((name) => name.startsWith(prefix) && name.endsWith('.test.ts'))
            .map((name) => `${dir}/${name}`)
        : [];
      if (matches.length > 0) found.push(...matches.sort());
      else missing.push(pattern);
    } else if (existsSync(join(root, pattern))) found.push(pattern);
    else missing.push(pattern);
  }
  return { found, missing };
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/**
 * A class whose fault name says "known limit" counts the cases that met a documented limit as
 * its failures (a test keeps measuring a limit the docs state): they are reported, but they are
 * not broken promises.
 */
export const isKnownLimit = (fault: string) => /known limit/i.test(fault);

function countFailures(summaries: readonly Summary[]): { broken: number; known: number } {
  let broken = 0;
  let known = 0;
  for (const s of summaries) {
    if (isKnownLimit(s.fault)) known += s.failures;
    else broken += s.failures;
  }
  return { broken, known };
}

export function renderReport(
  lines: readonly LogLine[],
  root: string,
  machine: { date: string; cpus: number; cpuModel: string; node: string; os: string },
): string {
  const summaries = summarize(lines);
  const tiers = [...new Set(lines.map((l) => l.tier))].sort();
  const tierLabel =
    tiers.length === 0 ? 'none' : tiers.map((t) => (t === 'fast' ? 'fast' : 'torture')).join(' + ');
  const totalCases = summaries.reduce((sum, s) => sum + s.cases, 0);
  const { broken, known } = countFailures(summaries);
  const knownText = known > 0 ? ` (and ${known} cases that met a documented known limit)` : '';
  const rowsRun = new Set(summaries.map((s) => s.row));
  const out: string[] = [];
  out.push('# Reliability: what exec-wal promises, and how it is tested');
  out.push('');
  out.push(
    '<!-- Generated by test/tools/reliability-report.ts from the reliability log of a test run ' +
      '(`make torture` writes it for the torture tier). Edit the tool, not this page. -->',
  );
  out.push('');
  out.push(
    `**Tier: ${tierLabel}.** Run on ${machine.date}, ${machine.cpus} CPUs (${machine.cpuModel}), ` +
      `Node ${machine.node}, ${machine.os}. ${totalCases.toLocaleString('en-US')} cases, ` +
      `${broken} failures${knownText}.`,
  );
  if (!tiers.includes('torture')) {
    out.push('');
    out.push(
      '> These numbers come from the **fast tier** (`make test`), a few seconds per fault class. ' +
        '`make torture` runs the same tests for minutes each (EXEC_WAL_TIER=torture) and ' +
        'rewrites this page.',
    );
  }
  out.push('');
  out.push(guarantees);
  out.push('');
  out.push('## The plan: sixteen faults, how each is made, what must hold');
  out.push('');
  out.push(
    '"Acknowledged" means the append promise resolved in the durable mode; "prefix" means the ' +
      'recovered records equal the first k written, in order, with no gap or duplicate, and k is at ' +
      'least the highest acknowledged LSN. Every randomized test takes a seed, prints it when it ' +
      'fails and replays from it.',
  );
  out.push('');
  out.push('| # | fault | method | pass criterion | tests | covering | results |');
  out.push('|---:|---|---|---|---|---|---|');
  const missingAll: string[] = [];
  for (const row of plan) {
    const { found, missing } = existingTests(root, row.tests);
    missingAll.push(...missing.map((m) => `row ${row.row}: ${m}`));
    const tests = found.length > 0 ? found.map((f) => `\`${f}\``).join('<br>') : '**none yet**';
    const results = rowsRun.has(row.row) ? 'below' : 'not in this log';
    out.push(
      `| ${row.row} | ${cell(row.fault)} | ${cell(row.method)} | ${cell(row.pass)} | ${tests} | ` +
        `${cell(row.covers)} | ${results} |`,
    );
  }
  if (missingAll.length > 0) {
    out.push('');
    out.push(
      `Named in the plan but not found when this page was written: ${missingAll.join('; ')}.`,
    );
  }
  out.push('');
  out.push('## What this run tried');
  out.push('');
  out.push(
    'One line per fault class a reliability test logged (`EXEC_WAL_RELIABILITY_LOG`); rows whose ' +
      'tests do not log (the deterministic suites under `test/wal`, `test/process`, `test/store`) ' +
      'are not counted here, their results are the test run itself.',
  );
  out.push('');
  out.push(
    'A class marked *known limit* counts the cases that met a documented limit (see the caveats ' +
      'above): they are listed so the limit stays measured, not counted as failures.',
  );
  out.push('');
  out.push('| # | fault class | tier | cases | failures |');
  out.push('|---:|---|---|---:|---:|');
  for (const s of summaries) {
    const failures = isKnownLimit(s.fault)
      ? `${s.failures} (known limit)`
      : s.failures > 0
        ? `**${s.failures}**`
        : '0';
    out.push(
      `| ${s.row} | ${cell(s.fault)} | ${s.tier} | ${s.cases.toLocaleString('en-US')} | ${failures} |`,
    );
  }
  out.push(
    `| | **total** | ${tierLabel} | **${totalCases.toLocaleString('en-US')}** | **${broken}**` +
      `${known > 0 ? ` (+${known} known limit)` : ''} |`,
  );
  const notRun = plan.filter((r) => !rowsRun.has(r.row)).map((r) => r.row);
  if (notRun.length > 0) {
    out.push('');
    out.push(`Rows with no line in this log: ${notRun.join(', ')}.`);
  }
  out.push('');
  out.push('## Regression fixtures');
  out.push('');
  out.push(
    'Every input the decoder fuzzing (row 15) finds failing is kept as ' +
      '`fixtures/regressions/<name>/` (the segment files, a README line saying what it broke and ' +
      'the seed, the records written) and replayed by every run of `test/reliability/fuzz.test.ts`.',
  );
  const regressions = join(root, 'fixtures/regressions');
  const kept = existsSync(regressions)
    ? readdirSync(regressions, { withFileTypes: true }).filter((e) => e.isDirectory())
    : [];
  out.push('');
  if (kept.length === 0) out.push('None kept so far.');
  for (const entry of kept) {
    const readme = join(regressions, entry.name, 'README.md');
    const note = existsSync(readme) ? readFileSync(readme, 'utf8').trim() : '';
    out.push(`- \`${entry.name}\`: ${cell(note)}`);
  }
  out.push('');
  return out.join('\n');
}

function machineFacts() {
  const list = cpus();
  return {
    date: new Date().toISOString().slice(0, 10),
    cpus: availableParallelism(),
    cpuModel: list[0]?.model.trim() ?? 'unknown CPU',
    node: process.version,
    os: `${type()} ${release()}`,
  };
}

function main(argv: string[]): number {
  const [logPath, outPath = 'docs/reliability.md'] = argv;
  if (!logPath) {
    process.stderr.write('usage: reliability-report <log.jsonl> [docs/reliability.md]\n');
    return 2;
  }
  if (!existsSync(logPath)) {
    process.stderr.write(
      `${logPath} does not exist: run the tests with EXEC_WAL_RELIABILITY_LOG\n`,
    );
    return 1;
  }
  const { lines, errors } = parseLog(readFileSync(logPath, 'utf8'));
  for (const error of errors) process.stderr.write(`${logPath}: ${error}\n`);
  if (lines.length === 0) {
    process.stderr.write(`${logPath} holds no reliability results\n`);
    return 1;
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  writeFileSync(
    outPath,
    renderReport(lines, existsSync(join(root, 'test')) ? root : process.cwd(), machineFacts()),
  );
  const summaries = summarize(lines);
  const { broken, known } = countFailures(summaries);
  process.stdout.write(
    `${outPath}: ${summaries.length} fault classes, ` +
      `${summaries.reduce((sum, s) => sum + s.cases, 0)} cases, ${broken} failures, ` +
      `${known} at known limits\n`,
  );
  return errors.length > 0 || broken > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = main(process.argv.slice(2));
}
