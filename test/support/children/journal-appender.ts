// Child for CLI tests: opens a WalStore on argv[2] and records argv[3] completions of action
// 'live' (small segments so rotation happens), printing "ready" first and "done <lastLsn>" last.
import { WalStore } from '../../../src/index.js';

const [dir, countText, segmentBytes] = process.argv.slice(2);
const store = await WalStore.open(dir!, { maxSegmentBytes: Number(segmentBytes ?? 4096) });
process.stdout.write('ready\n');
let last = 0;
for (let i = 0; i < Number(countText); i++) {
  last = (
    await store.actionExecutionCompleted('live', {
      success: i % 5 !== 0,
      durationMs: i,
      output: `run ${i}`,
    })
  ).lsn;
}
await store.close();
process.stdout.write(`done ${last}\n`);
