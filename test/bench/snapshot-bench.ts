// `make bench` (checkpoint pause): how long a checkpoint holds the event loop (appends wait
// that long): the synchronous state snapshot plus its msgpack encoding, with 1,000 actions and
// full rings of 1,000, median and worst of 15.
import { performance } from 'node:perf_hooks';
import { encodePayload } from '../../src/format/payload-codec.js';
import { applyRecord, JournalState } from '../../src/index.js';
import { snapshotState } from '../../src/journal/journal-snapshot.js';
import { limitsFrom } from '../../src/store/store-options.js';
import { benchRecord } from './bench-journal.js';

const state = new JournalState(limitsFrom({ maxHistoryEntries: 1000 }));
for (let j = 0; j < 400_000; j++) {
  const { type, value } = benchRecord(j, 1000);
  applyRecord(state, { lsn: j + 1, type, value });
}
const pauses: number[] = [];
for (let i = 0; i < 15; i++) {
  const began = performance.now();
  encodePayload({ state: snapshotState(state) });
  pauses.push(performance.now() - began);
}
pauses.sort((a, b) => a - b);
console.log(
  `checkpoint event-loop pause (snapshot + msgpack encode, 1,000 actions, rings of 1,000): ` +
    `median ${pauses[7]!.toFixed(1)} ms, worst ${pauses[14]!.toFixed(1)} ms of 15`,
);
