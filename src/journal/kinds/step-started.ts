// Kind `step-started` (type 130, ancillary): a named step inside a running attempt began
// (docs/lifecycle.md#steps). At most maxStepsPerExecution steps per attempt are kept in memory.
import { countIllegal } from '../execution-fold.js';
import { req } from '../field-table.js';
import type { StepStartedEntry } from '../history-entry.js';
import { RecordType, type StepStartedPayload } from '../journal-records.js';
import type { RecordKind } from '../record-kind.js';
import { withExecution } from './execution-entry.js';
import { defaults } from '../../limits.js';

export const stepStartedKind: RecordKind<StepStartedPayload> = {
  name: 'step-started',
  type: RecordType.stepStarted,
  summary: 'a named step of a running execution began',
  fields: [req('executionId', 'id'), req('stepId', 'id'), req('at', 'time')],
  executionIdOf: (p) => p.executionId,
  eventOf: () => 'step',
  timeOf: (p) => p.at,

  fold(state, lsn, p) {
    state.counters.steps += 1;
    const live = state.table.live.get(p.executionId);
    if (live?.status !== 'running' || live.steps.length >= defaults.maxStepsPerExecution) {
      countIllegal(state);
      return;
    }
    live.lastLsn = lsn;
    live.steps.push({ stepId: p.stepId, startedAt: p.at, status: 'running' });
  },

  entry: (lsn, p, known): StepStartedEntry =>
    withExecution<StepStartedEntry>(
      { lsn, kind: 'step-started', at: p.at, executionId: p.executionId, stepId: p.stepId },
      known,
    ),

  join: (_lsn, _p, known) => known,
  detail: (entry) => `step ${(entry as StepStartedEntry).stepId}`,
};
