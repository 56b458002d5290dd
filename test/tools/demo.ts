// `make demo`: writes the demo journal (test/tools/demo-journal.ts) as of now, then the real CLI
// prints `stats`, `recent --failed` and `verify` for it. Usage: demo.js <journal-dir>
import { main } from '../../src/cli/main.js';
import { WalStore } from '../../src/index.js';
import { plural } from '../../src/cli/text-format.js';
import { writeDemoJournal } from './demo-journal.js';

const dir = process.argv[2] ?? '.demo/journal';
await writeDemoJournal(dir, Date.now());

const reopened = await WalStore.open(dir, { readOnly: true });
const report = reopened.recoveryReport;
process.stdout.write(
  `wrote ${dir}: ${plural(report.records, 'record')} in ${plural(report.segments, 'segment')} (${report.bytes} bytes); ` +
    `interrupted executions: ${report.interruptedCount}\n\n`,
);
await reopened.close();

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
for (const args of [
  ['stats', dir],
  ['recent', dir, '-n', '8', '--failed'],
  ['verify', dir],
]) {
  process.stdout.write(`$ exec-wal ${args.join(' ')}\n`);
  const code = await main(args, io);
  process.stdout.write('\n');
  if (code !== 0) process.exit(code);
}
