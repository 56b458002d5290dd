// `exec-wal repair <path> [--mode tail|point-in-time|salvage] [--dry-run] [-y]`: takes the
// writer lock, keeps every byte it removes, and says exactly what it did. Without -y it only
// says what it would do (as --dry-run) and exits 2.
import { lockHolder, planRepair, type RepairMode, repairJournal } from '../store/journal-admin.js';
import { type CliIo, UsageError } from './cli-io.js';
import { existingJournal } from './journal-path.js';
import { humanLine } from './output.js';
import { plural } from './text-format.js';

export interface RepairOptions {
  mode: RepairMode;
  dryRun?: boolean;
  yes?: boolean;
}

export async function repairCommand(
  path: string,
  options: RepairOptions,
  io: CliIo,
): Promise<number> {
  const { mode } = options;
  const say = (text: string) => io.stdout.write(humanLine(text));
  if (options.dryRun || !options.yes) {
    existingJournal(path, 'read');
    const plan = await planRepair(path, mode);
    if (plan.steps.length === 0)
      say(
        `nothing to repair in ${path} (mode ${mode}): ${plural(plan.records, 'record')}, last lsn ${plan.lastLsn}`,
      );
    for (const step of plan.steps) say(`would ${step.description}`);
    const holder = await lockHolder(path);
    if (holder)
      say(
        `note: a writer (pid ${holder.pid} on ${holder.hostname}) holds the lock; repair will refuse until it stops`,
      );
    if (options.dryRun) {
      say('dry run: nothing was changed');
      return 0;
    }
    if (plan.steps.length === 0) return 0;
    throw new UsageError(
      'repair rewrites the journal: pass -y to go ahead (or --dry-run to only look)',
    );
  }
  existingJournal(path, 'write');
  const report = await repairJournal(path, mode);
  if (!report.changed) say(`nothing to repair in ${path} (mode ${mode})`);
  for (const step of report.steps) say(step.description);
  say(
    `${path}: ${plural(report.records, 'record')}, last lsn ${report.lastLsn}; check it with \`exec-wal verify ${path}\``,
  );
  return 0;
}
