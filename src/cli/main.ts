// The exec-wal command line (docs/cli.md). `main(argv, io)` returns the exit code, so commands
// are tested in-process; bin/exec-wal.js is a thin shim over it.
import { Command, CommanderError, Option } from 'commander';
import { ErrorCode, WalCorruptionError, WalError, WalLockedError } from '../errors.js';
import { recoveryModes } from '../wal/recovery-policy.js';
import { type CliIo, ExitCode, OutputFormat } from './cli-io.js';
import { journalPath, UsageError } from './journal-path.js';
import { recentCommand } from './recent-command.js';
import { statsCommand, statsSorts } from './stats-command.js';
import { compactCommand } from './compact-command.js';
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
  const recovery = () =>
    new Option('--recovery <mode>', 'how to read a damaged journal')
      .choices(recoveryModes)
      .default('tolerate-tail');

  program
    .command('stats')
    .description('per-action statistics (all-time, from the replayed journal)')
    .argument('[path]', 'journal directory (default: $EXEC_WAL_PATH)')
    .option('--action <name>', 'only this action')
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
    .option('--status <status>', 'only this status (succeeded, failed, timed_out, cancelled)')
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
