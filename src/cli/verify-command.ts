// `exec-wal verify <path>`: one PASS/FAIL/TORN line per segment with the last good LSN, the
// byte offset and the reason; exit 3 when corruption is found (a torn tail alone exits 0).
import { verifyJournal } from '../store/journal-verify.js';
import { type CliIo, ExitCode } from './cli-io.js';
import { existingJournal } from './journal-path.js';
import { progressBar } from './terminal-style.js';

export function verifyCommand(path: string, options: { json?: boolean }, io: CliIo): number {
  const progress = progressBar(io, 'verify');
  const report = verifyJournal(existingJournal(path), progress);
  progress.done();
  const exit = report.corrupt
    ? ExitCode.corruption
    : report.unsupported.length > 0
      ? ExitCode.error
      : ExitCode.ok;
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ ...report, exitCode: exit }, null, 2)}\n`);
    return exit;
  }
  for (const s of report.segments) {
    const range = s.lastLsn >= s.baseLsn ? `lsn ${s.baseLsn}-${s.lastLsn}` : 'no records';
    if (s.problems.length === 0) {
      io.stdout.write(`PASS ${s.name} ${range}, ${s.fileBytes} bytes\n`);
      continue;
    }
    for (const p of s.problems) {
      const label = s.verdict === 'torn' ? 'TORN' : 'FAIL';
      const after = p.expectedLsn - 1;
      io.stdout.write(
        `${label} ${s.name} ${p.reason} at offset ${p.offset}; last good lsn ${after > 0 ? after : 'none'}, ` +
          `${p.droppedBytes} bytes unreadable${label === 'TORN' ? ' (torn tail: a crash artefact, not corruption)' : ''}\n`,
      );
    }
  }
  for (const p of report.recordProblems) io.stdout.write(`FAIL record ${p.message}\n`);
  for (const p of report.unsupported) io.stdout.write(`NEWER record ${p.message}\n`);
  const summary = report.corrupt
    ? 'CORRUPT'
    : report.unsupported.length > 0
      ? 'UNSUPPORTED (written by a newer exec-wal)'
      : report.tornTail
        ? 'OK (torn tail)'
        : 'OK';
  io.stdout.write(
    `${summary}: ${report.segments.length} segments, ${report.records} records` +
      `${report.records > 0 ? ` (lsn ${report.firstLsn}-${report.lastLsn})` : ''}\n`,
  );
  if (report.corrupt) {
    io.stderr.write(
      `exec-wal: corruption found in ${path}; see what a repair would keep with ` +
        `\`exec-wal repair ${path} --mode point-in-time --dry-run\` (or --mode salvage)\n`,
    );
  }
  return exit;
}
