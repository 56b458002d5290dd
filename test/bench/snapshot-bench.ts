// `make bench` (checkpoint pause): how long a checkpoint holds the event loop (appends wait
// that long): the synchronous state snapshot plus its msgpack encoding, with 1,000 actions and
// full rings of 1,000, median and worst of 15.
import { performance } from 'node:perf_hooks';
import { encodePayload } from '../../src/format/payload-codec.js';
import { applyRecord, JournalState, RecordType } from '../../src/index.js';
import { snapshotState } from '../../src/store/journal-snapshot.js';

const state = new JournalState({
  maxHistoryEntries: 1000,
  maxInFlight: 10_000,
  maxActions: 10_000,
});
for (let j = 0; j < 400_000; j++) {
  const actionId = `action-${(j >> 1) % 1000}`;
  const executionId = `e${j >> 1}`;
  applyRecord(
    state,
    j % 2 === 0
      ? {
          lsn: j + 1,
          type: RecordType.actionStarted,
          value: {
            executionId,
            actionId,
            source: 'bench',
            executionType: 'command',
            attempt: 1,
            startedAt: 1.7e12 + j,
          },
        }
      : {
          lsn: j + 1,
          type: RecordType.actionCompleted,
          value: {
            executionId,
            actionId,
            status: j % 10 === 1 ? 'failed' : 'succeeded',
            durationMs: (j * 7919) % 60_000,
            completedAt: 1.7e12 + j,
          },
        },
  );
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
