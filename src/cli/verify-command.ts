// `exec-wal verify <path>`: one PASS/TORN/FAIL line per segment with the last good LSN, the
// byte offset and the reason; exit 3 when corruption is found (a torn tail alone exits 0).
import { verifyJournal } from '../store/journal-admin.js';
import { type CliIo, ExitCode } from './cli-io.js';
import { existingJournal } from './journal-path.js';
import { humanLine, jsonDocument, type OutputFormat } from './output.js';
import { renderContext } from './render-context.js';
import { type ColorMode, progressBar } from './terminal-style.js';
import { plural } from './text-format.js';
import { escapeLine } from './untrusted-text.js';

export interface VerifyOptions {
  output?: Extract<OutputFormat, 'table' | 'json'>;
  json?: boolean;
  color?: ColorMode;
}

export async function verifyCommand(
  path: string,
  options: VerifyOptions,
  io: CliIo,
): Promise<number> {
  const ctx = renderContext(io, options);
  existingJournal(path, 'read');
  const progress = progressBar(io, 'verify');
  const report = await verifyJournal(path, progress).finally(() => progress.done());
  const exit = report.corrupt
    ? ExitCode.corruption
    : report.unsupported.length > 0
      ? ExitCode.error
      : ExitCode.ok;
  if (ctx.format === 'json') {
    io.stdout.write(jsonDocument({ ...report, exitCode: exit }));
    return exit;
  }
  const label = (word: string) => ctx.paint.status(word);
  for (const s of report.segments) {
    const range = s.lastLsn >= s.baseLsn ? `lsn ${s.baseLsn}-${s.lastLsn}` : 'no records';
    if (s.problems.length === 0) {
      io.stdout.write(
        `${label('PASS')} ${escapeLine(`${s.name} ${range}, ${plural(s.fileBytes, 'byte')}`)}\n`,
      );
      continue;
    }
    for (const p of s.problems) {
      const torn = s.verdict === 'torn';
      const after = p.expectedLsn - 1;
      io.stdout.write(
        `${label(torn ? 'TORN' : 'FAIL')} ${escapeLine(
          `${s.name} ${p.reason} at offset ${p.offset}; last good lsn ${after > 0 ? after : 'none'}, ` +
            `${plural(p.droppedBytes, 'byte')} unreadable${torn ? ' (torn tail: a crash artefact, not corruption)' : ''}`,
        )}\n`,
      );
    }
  }
  for (const p of report.recordProblems) io.stdout.write(humanLine(`FAIL record ${p.message}`));
  for (const p of report.unsupported) io.stdout.write(humanLine(`NEWER record ${p.message}`));
  const summary = report.corrupt
    ? 'CORRUPT'
    : report.unsupported.length > 0
      ? 'UNSUPPORTED (written by a newer exec-wal)'
      : report.tornTail
        ? 'OK (torn tail)'
        : 'OK';
  io.stdout.write(
    humanLine(
      `${summary}: ${plural(report.segments.length, 'segment')}, ${plural(report.records, 'record')}` +
        `${report.records > 0 ? ` (lsn ${report.firstLsn}-${report.lastLsn})` : ''}`,
    ),
  );
  if (report.corrupt) {
    io.stderr.write(
      humanLine(
        `exec-wal: corruption found in ${path}; see what a repair would keep with ` +
          `\`exec-wal repair ${path} --mode point-in-time --dry-run\` (or --mode salvage)`,
      ),
    );
  }
  return exit;
}
