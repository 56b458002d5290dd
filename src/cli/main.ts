// The exec-wal command line (docs/cli.md). `main(argv, io)` returns the exit code, so commands
// are tested in-process; bin/exec-wal.js is a thin shim over it.
import { Command, CommanderError, Option } from 'commander';
import { ErrorCode, WalCorruptionError, WalError, WalLockedError } from '../errors.js';
import { recoveryModes } from '../wal/recovery-policy.js';
import { type CliIo, ExitCode, OutputFormat } from './cli-io.js';
import { journalPath, UsageError } from './journal-path.js';
import { recentCommand } from './recent-command.js';
import { statsCommand, statsSorts } from './stats-command.js';
import { cleanupsCommand } from './cleanups-command.js';
import { compactCommand } from './compact-command.js';
import { exportCommand } from './export-command.js';
import { timeFormats } from './history-output.js';
import { inflightCommand } from './inflight-command.js';
import { repairCommand } from './repair-command.js';
import { showCommand } from './show-command.js';
import { tailCommand } from './tail-command.js';
import { colorModes } from './terminal-style.js';
import { RepairMode } from '../wal/log-repair.js';
import { executionStatuses } from '../store/journal-records.js';
import { infoCommand } from './info-command.js';
import { verifyCommand } from './verify-command.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  ok (a torn tail alone is reported, not an error)
  1  error (I/O, unsupported format, bad journal path)
  2  usage error
  3  corruption found
  4  the journal is locked by a writer

The journal path defaults to $EXEC_WAL_PATH. Docs: docs/cli.md`;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let debug = false;
  const program = new Command('exec-wal')
    .description('inspect and verify exec-wal execution journals')
    .option('--debug', 'print stack traces of errors')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(run with --help for usage)');
  program.hook('preAction', (cmd) => {
    debug = Boolean(cmd.opts().debug);
  });

  const output = () => new Option('-o, --output <format>', 'output format').choices(OutputFormat);
  const color = () =>
    new Option('--color <when>', 'colour tables (NO_COLOR is honoured)')
      .choices(colorModes)
      .default('auto');
  const timeFormat = () =>
    new Option('--time-format <format>', 'times as relative, iso (UTC) or raw epoch ms').choices(
      timeFormats,
    );
  const status = () =>
    new Option('--status <status>', 'only this status').choices(executionStatuses);
  const recovery = () =>
    new Option('--recovery <mode>', 'how to read a damaged journal')
      .choices(recoveryModes)
      .default('tolerate-tail');

  program
    .command('stats')
    .description('per-action statistics (all-time, from the replayed journal)')
    .argument('[path]', 'journal directory (default: $EXEC_WAL_PATH)')
    .option('--action <name>', 'only this action')
    .option('--source <source>', 'only executions from this source (computed from history on disk)')
    .option(
      '--since <time>',
      'window start: ISO time or age like 1h, 7d (computed from history on disk)',
    )
    .option('--until <time>', 'window end (exclusive): ISO time or age')
    .addOption(new Option('--sort <key>', 'sort order').choices(statsSorts).default('total'))
    .option('--json', 'one JSON document (same as -o json)')
    .addOption(output())
    .addOption(recovery())
    .addHelpText(
      'after',
      '\nExample:\n  exec-wal stats /var/lib/scheduler/exec.wal --sort failures',
    )
    .action(async (path: string | undefined, options) => {
      exitCode = await statsCommand(journalPath(path, io.env), options, io);
    });

  program
    .command('recent')
    .description('the newest executions, newest first')
    .argument('[path]', 'journal directory (default: $EXEC_WAL_PATH)')
    .option('-n, --limit <count>', 'how many', '20')
    .option('--failed', 'only failed, timed-out and cancelled executions')
    .option('--action <name>', 'only this action')
    .addOption(status())
    .option('--json', 'one JSON document (same as -o json)')
    .addOption(output())
    .addOption(recovery())
    .addHelpText(
      'after',
      '\nExample:\n  exec-wal recent /var/lib/scheduler/exec.wal -n 50 --failed',
    )
    .action(async (path: string | undefined, options) => {
      exitCode = await recentCommand(journalPath(path, io.env), options, io);
    });

  program
    .command('verify')
    .description('check every segment; PASS/FAIL per segment with the last good lsn and offset')
    .argument('[path]', 'journal directory (default: $EXEC_WAL_PATH)')
    .option('--json', 'the verification report as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  exec-wal verify /var/lib/scheduler/exec.wal && echo healthy',
    )
    .action((path: string | undefined, options) => {
      exitCode = verifyCommand(journalPath(path, io.env), options, io);
    });

  program
    .command('cleanups')
    .description('the newest cleanup operations, newest first')
    .argument('[path]', 'journal directory (default: $EXEC_WAL_PATH)')
    .option('-n, --limit <count>', 'how many', '20')
    .option('--scanner <id>', 'only this scanner')
    .option('--failed', 'only failed cleanups')
    .option('--json', 'one JSON document (same as -o json)')
    .addOption(output())
    .addOption(color())
    .addHelpText(
      'after',
      '\nExample:\n  exec-wal cleanups /var/lib/scheduler/exec.wal --scanner stale-locks',
    )
    .action(async (path: string | undefined, options) => {
      exitCode = await cleanupsCommand(journalPath(path, io.env), options, io);
    });

  program
    .command('inflight')
    .description('executions started and not completed: running, or interrupted by a crash')
    .argument('[path]', 'journal directory (default: $EXEC_WAL_PATH)')
    .option('--action <name>', 'only this action')
    .option('--json', 'one JSON document (same as -o json)')
    .addOption(output())
    .addOption(color())
    .addHelpText('after', '\nExample:\n  exec-wal inflight /var/lib/scheduler/exec.wal')
    .action(async (path: string | undefined, options) => {
      exitCode = await inflightCommand(journalPath(path, io.env), options, io);
    });

  program
    .command('show')
    .description('one record in full: an execution (by id) or any record (by lsn)')
    .argument('<path-or-id>', 'journal directory, or the id when $EXEC_WAL_PATH is set')
    .argument('[id]', 'execution id or lsn')
    .option('--json', 'as JSON (same as -o json)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']))
    .addOption(timeFormat())
    .addHelpText(
      'after',
      '\nExamples:\n  exec-wal show /var/lib/scheduler/exec.wal 4711\n  EXEC_WAL_PATH=/var/lib/scheduler/exec.wal exec-wal show 1fb0ce62-a7ff-4160-b702-9eb6f51582e1',
    )
    .action(async (first: string, second: string | undefined, options) => {
      const [path, id] =
        second === undefined ? [journalPath(undefined, io.env), first] : [first, second];
      exitCode = await showCommand(path, id, options, io);
    });

  program
    .command('tail')
    .description(
      'the last records on disk; with -f, then new ones as they are appended (Ctrl-C ends)',
    )
    .argument('[path]', 'journal directory (default: $EXEC_WAL_PATH)')
    .option('-f, --follow', 'keep following appends, across segment rotation')
    .option('-n, --lines <count>', 'how many records to show first', '10')
    .option('--after-lsn <lsn>', 'resume: every record after this lsn (instead of -n)')
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['table', 'jsonl', 'csv']),
    )
    .addOption(timeFormat())
    .addOption(color())
    .addHelpText(
      'after',
      '\nExamples:\n  exec-wal tail /var/lib/scheduler/exec.wal -f -n 20\n  exec-wal tail /var/lib/scheduler/exec.wal -f --after-lsn 4711 -o jsonl',
    )
    .action(async (path: string | undefined, options) => {
      exitCode = await tailCommand(journalPath(path, io.env), options, io);
    });

  program
    .command('export')
    .description('every record still on disk as JSON Lines (the API field names) or CSV; streams')
    .argument('[path]', 'journal directory (default: $EXEC_WAL_PATH)')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['jsonl', 'csv'])
        .default('jsonl'),
    )
    .option('--action <name>', 'only this action')
    .addOption(status())
    .option('--failed', 'only failed, timed-out and cancelled completions')
    .option('--source <source>', 'only this source')
    .option('--since <time>', 'from: ISO time or age like 1h, 7d')
    .option('--until <time>', 'to (exclusive): ISO time or age')
    .option('--from-lsn <lsn>', 'only records from this lsn on')
    .addOption(timeFormat())
    .addHelpText(
      'after',
      '\nExamples:\n  exec-wal export /var/lib/scheduler/exec.wal > journal.jsonl\n  exec-wal export /var/lib/scheduler/exec.wal -o csv --failed --since 7d > failures.csv',
    )
    .action(async (path: string | undefined, options) => {
      exitCode = await exportCommand(journalPath(path, io.env), options, io);
    });

  program
    .command('repair')
    .description('repair a damaged journal under the writer lock, keeping every byte it removes')
    .argument('[path]', 'journal directory (default: $EXEC_WAL_PATH)')
    .addOption(
      new Option(
        '--mode <mode>',
        'tail: cut a torn tail; point-in-time: end the log at the first damage; salvage: keep every readable record',
      )
        .choices(RepairMode)
        .default('tail'),
    )
    .option('--dry-run', 'say what would be done; change nothing')
    .option('-y, --yes', 'go ahead without asking')
    .addHelpText(
      'after',
      '\nExample:\n  exec-wal repair /var/lib/scheduler/exec.wal --mode point-in-time --dry-run',
    )
    .action(async (path: string | undefined, options) => {
      exitCode = await repairCommand(journalPath(path, io.env), options, io);
    });

  program
    .command('compact')
    .description('write a checkpoint, then delete the segments it covers (takes the writer lock)')
    .argument('[path]', 'journal directory (default: $EXEC_WAL_PATH)')
    .option('--keep-segments <count>', 'keep at most this many segments')
    .option('--keep-bytes <size>', 'keep at most this many bytes of segments (e.g. 512MiB)')
    .option('--keep-age <duration>', 'delete segments last written longer ago (e.g. 7d)')
    .option('--dry-run', 'say what would be deleted; change nothing')
    .addHelpText(
      'after',
      '\nExample:\n  exec-wal compact /var/lib/scheduler/exec.wal --keep-bytes 1GiB --dry-run',
    )
    .action(async (path: string | undefined, options) => {
      exitCode = await compactCommand(journalPath(path, io.env), options, io);
    });

  program
    .command('info')
    .description(
      'segments, sizes, lsn and time ranges, checkpoints, lock holder, crc32c implementation',
    )
    .argument('[path]', 'journal directory (default: $EXEC_WAL_PATH)')
    .option('--json', 'as one JSON document')
    .addHelpText('after', '\nExample:\n  exec-wal info /var/lib/scheduler/exec.wal')
    .action(async (path: string | undefined, options) => {
      exitCode = await infoCommand(journalPath(path, io.env), options, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io, debug || argv.includes('--debug'));
  }
}

function reportError(error: unknown, io: CliIo, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Help and version exit 0; commander already printed usage errors.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`exec-wal: ${message}\n`);
  if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  if (error instanceof UsageError) return ExitCode.usage;
  if (
    error instanceof WalCorruptionError ||
    (error instanceof WalError && error.code === ErrorCode.corrupt)
  ) {
    return ExitCode.corruption;
  }
  if (error instanceof WalLockedError) return ExitCode.locked;
  // A named error already says what and where; anything else deserves a stack on request.
  if (!debug && !(error instanceof WalError))
    io.stderr.write('(run with --debug for the stack trace)\n');
  return ExitCode.error;
}
