// Kind `step-completed` (type 131, ancillary): a named step of a running attempt ended, with its
// status, duration and error (docs/lifecycle.md#steps). A step reported only when it ended is
// listed as both started and ended then.
import { countIllegal } from '../execution-fold.js';
import { opt, req } from '../field-table.js';
import type { StepCompletedEntry } from '../history-entry.js';
import {
  isSuccess,
  RecordType,
  type StepCompletedPayload,
  stepStatuses,
} from '../journal-records.js';
import type { RecordKind } from '../record-kind.js';
import { withExecution } from './execution-entry.js';
import { defaults } from '../../limits.js';

export const stepCompletedKind: RecordKind<StepCompletedPayload> = {
  name: 'step-completed',
  type: RecordType.stepCompleted,
  summary: 'a named step of a running execution ended (status, duration, error)',
  maskPrefix: 'step',
  fields: [
    req('executionId', 'id'),
    req('stepId', 'id'),
    req('at', 'time'),
    req('status', 'code', { codes: stepStatuses }),
    opt('durationMs', 'duration'),
    opt('error', 'text'),
  ],
  executionIdOf: (p) => p.executionId,
  eventOf: () => 'step',
  timeOf: (p) => p.at,

  fold(state, lsn, p) {
    state.counters.steps += 1;
    const live = state.table.live.get(p.executionId);
    if (live?.status !== 'running') {
      countIllegal(state);
      return;
    }
    live.lastLsn = lsn;
    let step = live.steps.findLast((s) => s.stepId === p.stepId && s.status === 'running');
    if (!step) {
      if (live.steps.length >= defaults.maxStepsPerExecution) {
        countIllegal(state);
        return;
      }
      step = { stepId: p.stepId, startedAt: p.at - (p.durationMs ?? 0), status: 'running' };
      live.steps.push(step);
    }
    step.status = p.status;
    step.completedAt = p.at;
    step.durationMs = p.durationMs ?? p.at - step.startedAt;
    if (p.error !== undefined) step.error = p.error;
  },

  entry(lsn, p, known): StepCompletedEntry {
    const entry: StepCompletedEntry = withExecution<StepCompletedEntry>(
      {
        lsn,
        kind: 'step-completed',
        at: p.at,
        executionId: p.executionId,
        stepId: p.stepId,
        status: p.status,
        success: isSuccess(p.status),
      },
      known,
    );
    if (p.durationMs !== undefined) entry.durationMs = p.durationMs;
    if (p.error !== undefined) entry.error = p.error;
    return entry;
  },

  join: (_lsn, _p, known) => known,
  detail(entry) {
    const e = entry as StepCompletedEntry;
    return `step ${e.stepId}${e.error ? `: ${e.error}` : ''}`;
  },
};
