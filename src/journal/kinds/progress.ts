// Kind `progress` (type 129, ancillary: a reader that does not know it loses nothing it needs):
// how far a running execution is, 0-100, with a message (docs/lifecycle.md#progress). The newest
// maxProgressEntries per execution are kept in memory while it runs; all of them stay on disk.
import { countIllegal } from '../execution-fold.js';
import type { ProgressPoint } from '../execution-table.js';
import { opt, req } from '../field-table.js';
import type { ProgressEntry } from '../history-entry.js';
import { type ProgressPayload, RecordType } from '../journal-records.js';
import type { RecordKind } from '../record-kind.js';
import { withExecution } from './execution-entry.js';

export const progressKind: RecordKind<ProgressPayload> = {
  name: 'progress',
  type: RecordType.executionProgress,
  summary: 'a running execution reported its progress (percent, message, step)',
  maskPrefix: 'progress',
  fields: [
    req('executionId', 'id'),
    req('percent', 'percent'),
    req('at', 'time'),
    opt('message', 'text'),
    opt('stepId', 'id'),
  ],
  executionIdOf: (p) => p.executionId,
  eventOf: () => 'progress',
  timeOf: (p) => p.at,

  fold(state, lsn, p) {
    state.counters.progress += 1;
    const live = state.table.live.get(p.executionId);
    if (live?.status !== 'running') {
      countIllegal(state);
      return;
    }
    live.lastLsn = lsn;
    live.percent = p.percent;
    const point: ProgressPoint = { lsn, at: p.at, percent: p.percent };
    if (p.message !== undefined) point.message = p.message;
    if (p.stepId !== undefined) point.stepId = p.stepId;
    live.progress.push(point);
  },

  entry(lsn, p, known): ProgressEntry {
    const entry: ProgressEntry = withExecution<ProgressEntry>(
      { lsn, kind: 'progress', at: p.at, executionId: p.executionId, percent: p.percent },
      known,
    );
    if (p.message !== undefined) entry.message = p.message;
    if (p.stepId !== undefined) entry.stepId = p.stepId;
    return entry;
  },

  join: (_lsn, _p, known) => known,
  detail(entry) {
    const e = entry as ProgressEntry;
    return `${e.percent}%${e.message ? ` ${e.message}` : ''}${e.stepId ? ` (step ${e.stepId})` : ''}`;
  },
};
