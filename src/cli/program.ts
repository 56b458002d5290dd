// Every command, its arguments and options (docs/cli.md lists the same; a test compares them).
// Each option value is parsed by its kind's parser (option-values.ts) or checked against its
// choices, so a bad value is a usage error before any command runs. A command's code is loaded
// only when it runs (start-up stays close to bare Node).
import { Command, Option } from 'commander';
import { repairModes } from '../store/journal-admin.js';
import { type CliIo, clockOf, journalPath } from './cli-io.js';
import { commonOptions } from './common-options.js';
import {
  attributeValue,
  countValue,
  durationValue,
  groupByValue,
  lsnValue,
  sizeValue,
} from './option-values.js';
import { humanLine, OutputFormat } from './output.js';
import { escapeBlock } from './untrusted-text.js';

export const EXIT_CODES_HELP = `
Exit codes:
  0  ok (a torn tail alone is reported on stderr, not an error)
  1  error: the journal cannot be opened or read (missing, not a directory, permission,
     I/O), a newer format, nothing matches (show)
  2  usage: unknown command or option, bad option value, no journal path
  3  corruption found (verify), or a command refused a damaged journal
  4  the journal is locked by a writer (compact, repair)`;

const COMMAND_EXIT_HELP =
  '\nExit codes: 0 ok, 1 error, 2 usage, 3 corruption, 4 locked (exec-wal --help)';

const PATH_HELP = 'journal directory (default: $EXEC_WAL_PATH)';

/** Runs a command: its module is imported here, so only what it needs is ever loaded. */
export type Run = (command: () => Promise<number>) => Promise<void>;

// biome-ignore lint/suspicious/noExplicitAny: commander hands options over untyped
type Options = any;

export function buildProgram(io: CliIo, run: Run, version: () => string): Command {
  const now = () => clockOf(io.env)();
  const path = (argument: string | undefined) => journalPath(argument, io.env);
  const program = new Command('exec-wal')
    .description('inspect, verify, repair and compact exec-wal execution journals')
    .version(version(), '-V, --version', 'print the version')
    .option('--debug', 'print the stack trace of an error')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(escapeBlock(text)),
      // One line, in the CLI's own voice; the value typed is quoted escaped.
      outputError: (text, write) =>
        write(
          humanLine(
            `exec-wal: ${text
              .trim()
              .replace(/^error: /, '')
              .replace(/\n/g, ' ')}`,
          ),
        ),
    })
    .addHelpText(
      'after',
      `${EXIT_CODES_HELP}\n\nThe journal path defaults to $EXEC_WAL_PATH. Docs: docs/cli.md`,
    );

  const { output, json, color, timeFormat, recovery, name, since, status } = commonOptions(now);
  const attribute = () =>
    new Option(
      '--attr <key=value>',
      'only executions with this attribute (repeatable: all must match)',
    ).argParser(attributeValue);
  const command = (name: string, description: string, example: string) =>
    program
      .command(name)
      .description(description)
      .addHelpText('after', `\n${example}\n${COMMAND_EXIT_HELP}`);

  command(
    'stats',
    'per-action statistics (all-time from the replayed state, or a window from history on disk)',
    'Example:\n  exec-wal stats /var/lib/scheduler/exec.wal --sort failures',
  )
    .argument('[path]', PATH_HELP)
    .addOption(name('--action <name>', 'only this action'))
    .addOption(name('--source <source>', 'only executions from this source (a window)'))
    .addOption(since('--since <time>', 'window start: ISO time, age like 1h or 7d, or now'))
    .addOption(since('--until <time>', 'window end (exclusive): ISO time, age or now'))
    .addOption(
      new Option(
        '--by <grouping>',
        'group by source or by an attribute (attr:KEY) instead of by action',
      ).argParser(groupByValue),
    )
    .addOption(
      new Option('--sort <key>', 'sort order')
        .choices(['total', 'failures', 'success', 'p95', 'last', 'name'])
        .default('total'),
    )
    .addOption(output(OutputFormat))
    .addOption(json())
    .addOption(color())
    .addOption(recovery())
    .action((p: string | undefined, o: Options) =>
      run(async () => (await import('./stats-command.js')).statsCommand(path(p), o, io)),
    );

  command(
    'recent',
    'the newest executions, newest first',
    'Example:\n  exec-wal recent /var/lib/scheduler/exec.wal -n 50 --failed',
  )
    .argument('[path]', PATH_HELP)
    .addOption(new Option('-n, --limit <count>', 'how many').argParser(countValue(1)).default(20))
    .option('--failed', 'only failed, timed-out and cancelled executions')
    .addOption(name('--action <name>', 'only this action'))
    .addOption(status())
    .addOption(name('--source <source>', 'only executions from this source'))
    .addOption(attribute())
    .addOption(output(OutputFormat))
    .addOption(json())
    .addOption(color())
    .addOption(recovery())
    .action((p: string | undefined, o: Options) =>
      run(async () => (await import('./recent-command.js')).recentCommand(path(p), o, io)),
    );

  command(
    'cleanups',
    'the newest cleanup operations, newest first',
    'Example:\n  exec-wal cleanups /var/lib/scheduler/exec.wal --scanner stale-locks',
  )
    .argument('[path]', PATH_HELP)
    .addOption(new Option('-n, --limit <count>', 'how many').argParser(countValue(1)).default(20))
    .addOption(name('--scanner <id>', 'only this scanner'))
    .option('--failed', 'only failed cleanups')
    .addOption(output(OutputFormat))
    .addOption(json())
    .addOption(color())
    .addOption(recovery())
    .action((p: string | undefined, o: Options) =>
      run(async () => (await import('./cleanups-command.js')).cleanupsCommand(path(p), o, io)),
    );

  command(
    'inflight',
    'executions not ended: queued (waiting, or retrying) and running (or interrupted by a crash), with progress',
    'Example:\n  exec-wal inflight /var/lib/scheduler/exec.wal',
  )
    .argument('[path]', PATH_HELP)
    .addOption(name('--action <name>', 'only this action'))
    .addOption(output(OutputFormat))
    .addOption(json())
    .addOption(color())
    .addOption(recovery())
    .action((p: string | undefined, o: Options) =>
      run(async () => (await import('./inflight-command.js')).inflightCommand(path(p), o, io)),
    );

  command(
    'show',
    'one record in full: an execution (by id) or any record (by lsn)',
    'Examples:\n  exec-wal show /var/lib/scheduler/exec.wal 4711\n  EXEC_WAL_PATH=/var/lib/scheduler/exec.wal exec-wal show 1fb0ce62-a7ff-4160-b702-9eb6f51582e1',
  )
    .argument('<path-or-id>', 'journal directory, or the id when $EXEC_WAL_PATH is set')
    .argument('[id]', 'execution id, or an lsn (a whole number)')
    .addOption(output(['table', 'json']))
    .addOption(json())
    .addOption(timeFormat())
    .addOption(recovery())
    .action((first: string, second: string | undefined, o: Options) =>
      run(async () => {
        const [p, id] = second === undefined ? [path(undefined), first] : [path(first), second];
        return (await import('./show-command.js')).showCommand(p, id, o, io);
      }),
    );

  command(
    'tail',
    'the last records on disk; with -f, then new ones as they are appended (Ctrl-C ends)',
    'Examples:\n  exec-wal tail /var/lib/scheduler/exec.wal -f -n 20\n  exec-wal tail /var/lib/scheduler/exec.wal -f --after-lsn 4711 -o jsonl',
  )
    .argument('[path]', PATH_HELP)
    .option('-f, --follow', 'keep following appends, across segment rotation')
    .addOption(
      new Option('-n, --lines <count>', 'how many records to show first')
        .argParser(countValue(0))
        .default(10),
    )
    .addOption(
      new Option('--after-lsn <lsn>', 'resume: every record after this lsn (instead of -n)')
        .argParser(lsnValue)
        .conflicts('lines'),
    )
    .addOption(output(['table', 'wide', 'jsonl', 'csv']))
    .addOption(timeFormat())
    .addOption(color())
    .addOption(recovery())
    .action((p: string | undefined, o: Options) =>
      run(async () => (await import('./tail-command.js')).tailCommand(path(p), o, io)),
    );

  command(
    'export',
    'every record still on disk as JSON Lines (the API field names) or CSV; streams',
    'Examples:\n  exec-wal export /var/lib/scheduler/exec.wal > journal.jsonl\n  exec-wal export /var/lib/scheduler/exec.wal -o csv --failed --since 7d > failures.csv',
  )
    .argument('[path]', PATH_HELP)
    .addOption(output(['jsonl', 'csv'], 'jsonl'))
    .addOption(name('--action <name>', 'only this action'))
    .addOption(status())
    .option('--failed', 'only failed, timed-out and cancelled completions')
    .addOption(name('--source <source>', 'only this source'))
    .addOption(attribute())
    .addOption(since('--since <time>', 'from: ISO time, age like 1h or 7d, or now'))
    .addOption(since('--until <time>', 'to (exclusive): ISO time, age or now'))
    .addOption(new Option('--from-lsn <lsn>', 'only records from this lsn on').argParser(lsnValue))
    .addOption(timeFormat())
    .addOption(recovery())
    .action((p: string | undefined, o: Options) =>
      run(async () => (await import('./export-command.js')).exportCommand(path(p), o, io)),
    );

  command(
    'verify',
    'check every segment; PASS/TORN/FAIL per segment with the last good lsn and offset',
    'Example:\n  exec-wal verify /var/lib/scheduler/exec.wal && echo healthy',
  )
    .argument('[path]', PATH_HELP)
    .addOption(output(['table', 'json']))
    .addOption(json())
    .addOption(color())
    .action((p: string | undefined, o: Options) =>
      run(async () => (await import('./verify-command.js')).verifyCommand(path(p), o, io)),
    );

  command(
    'repair',
    'repair a damaged journal under the writer lock, keeping every byte it removes',
    'Example:\n  exec-wal repair /var/lib/scheduler/exec.wal --mode point-in-time --dry-run',
  )
    .argument('[path]', PATH_HELP)
    .addOption(
      new Option(
        '--mode <mode>',
        'tail: cut a torn tail; point-in-time: end the log at the first damage; salvage: keep every readable record',
      )
        .choices(repairModes)
        .default('tail'),
    )
    .option('--dry-run', 'say what would be done; change nothing')
    .addOption(new Option('-y, --yes', 'go ahead without asking').conflicts('dryRun'))
    .action((p: string | undefined, o: Options) =>
      run(async () => (await import('./repair-command.js')).repairCommand(path(p), o, io)),
    );

  command(
    'delete',
    'delete an ended execution, or every ended one matching filters: hidden at once, bytes removed by compact',
    'Examples:\n  exec-wal delete /var/lib/scheduler/exec.wal 1fb0ce62-a7ff-4160-b702-9eb6f51582e1 --reason "user request"\n  exec-wal delete /var/lib/scheduler/exec.wal --attr user=u-17 --before 30d --yes',
  )
    .argument('[path]', PATH_HELP)
    .argument('[id]', 'the execution to delete (else give filters)')
    .addOption(name('--action <name>', 'every ended execution of this action'))
    .addOption(since('--before <time>', 'first recorded before: ISO time, age like 30d, or now'))
    .addOption(attribute())
    .addOption(name('--reason <reason>', 'why (kept in the journal with the deletion)'))
    .option('--dry-run', 'list what would be deleted; change nothing')
    .addOption(new Option('-y, --yes', 'go ahead without asking').conflicts('dryRun'))
    .addOption(output(['table', 'json']))
    .addOption(json())
    .action((p: string | undefined, id: string | undefined, o: Options) =>
      run(async () => (await import('./delete-command.js')).deleteCommand(path(p), id, o, io)),
    );

  command(
    'compact',
    'remove the bytes of deleted executions, write a checkpoint, then delete the segments it covers (takes the writer lock)',
    'Example:\n  exec-wal compact /var/lib/scheduler/exec.wal --keep-bytes 1GiB --dry-run',
  )
    .argument('[path]', PATH_HELP)
    .addOption(
      new Option('--keep-segments <count>', 'keep at most this many segments').argParser(
        countValue(1),
      ),
    )
    .addOption(
      new Option(
        '--keep-bytes <size>',
        'keep at most this many bytes of segments (e.g. 512MiB)',
      ).argParser(sizeValue),
    )
    .addOption(
      new Option(
        '--keep-age <duration>',
        'delete segments last written longer ago (e.g. 7d)',
      ).argParser(durationValue),
    )
    .option('--dry-run', 'say what would be deleted; change nothing')
    .action((p: string | undefined, o: Options) =>
      run(async () => (await import('./compact-command.js')).compactCommand(path(p), o, io)),
    );

  command(
    'info',
    'segments, sizes, lsn and time ranges, checkpoints, lock holder, crc32c implementation',
    'Example:\n  exec-wal info /var/lib/scheduler/exec.wal',
  )
    .argument('[path]', PATH_HELP)
    .addOption(output(['table', 'json']))
    .addOption(json())
    .addOption(recovery())
    .action((p: string | undefined, o: Options) =>
      run(async () => (await import('./info-command.js')).infoCommand(path(p), o, io)),
    );

  return program;
}
