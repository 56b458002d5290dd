// Entry-point walk child (test/reliability/raw-errno.test.ts): runs walkEntryPoints with real
// chmod denials, as whichever user it was started as (the test starts it unprivileged, where
// chmod does deny), and prints the outcomes as one JSON line.
//
//   node dist/test/support/children/errno-walk.js <root>
//
// stdout: `outcomes <json>`, or `fatal <detail>` (exit code 1).
import { walkEntryPoints } from '../entry-walk.js';

const [root] = process.argv.slice(2);
if (!root) throw new Error('usage: errno-walk <root>');
setTimeout(() => {
  process.stdout.write('fatal lifetime cap reached\n');
  process.exit(1);
}, 120_000).unref();

try {
  const outcomes = await walkEntryPoints(root, 'chmod');
  process.stdout.write(`outcomes ${JSON.stringify(outcomes)}\n`);
  process.exit(0);
} catch (error) {
  process.stdout.write(`fatal ${String((error as Error).stack ?? error).replaceAll('\n', ' ')}\n`);
  process.exit(1);
}
