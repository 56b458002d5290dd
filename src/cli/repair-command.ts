// `exec-wal repair <path> [--mode tail|point-in-time|salvage] [--dry-run] [-y]`: takes the
// writer lock, keeps every byte it removes, and says exactly what it did. Without -y it only
// says what it would do (as --dry-run) and exits 2.
import { planRepair, type RepairMode, repairLog } from '../wal/log-repair.js';
import { readHolder } from '../wal/writer-lock.js';
import { WalLockedError } from '../errors.js';
import type { CliIo } from './cli-io.js';
import { existingJournal, UsageError } from './journal-path.js';

export async function repairCommand(
  path: string,
  options: { mode?: string; dryRun?: boolean; yes?: boolean },
  io: CliIo,
): Promise<number> {
  const mode = (options.mode ?? 'tail') as RepairMode;
  existingJournal(path);
  if (options.dryRun || !options.yes) {
    const plan = planRepair(path, mode);
    const holder = readHolder(path);
    if (plan.steps.length === 0)
      io.stdout.write(
        `nothing to repair in ${path} (mode ${mode}): ${plan.records} records, last lsn ${plan.lastLsn}\n`,
      );
    for (const step of plan.steps) io.stdout.write(`would ${step.description}\n`);
    if (holder)
      io.stdout.write(
        `note: a writer (pid ${holder.pid} on ${holder.hostname}) holds the lock; repair will refuse until it stops\n`,
      );
    if (options.dryRun) {
      io.stdout.write('dry run: nothing was changed\n');
      return 0;
    }
    if (plan.steps.length === 0) return 0;
    throw new UsageError(
      'repair rewrites the journal: pass -y to go ahead (or --dry-run to only look)',
    );
  }
  const holder = readHolder(path);
  if (holder) throw new WalLockedError(path, holder);
  const report = await repairLog(path, mode);
  if (!report.changed) io.stdout.write(`nothing to repair in ${path} (mode ${mode})\n`);
  for (const step of report.steps) io.stdout.write(`${step.description}\n`);
  io.stdout.write(
    `${path}: ${report.records} records, last lsn ${report.lastLsn}; check it with \`exec-wal verify ${path}\`\n`,
  );
  return 0;
}
