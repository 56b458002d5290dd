// One execution's whole lifecycle as `show <id>` prints it (docs/cli.md#show): its fields, then
// a timeline of every step the journal holds — queued, each attempt's start and end, steps,
// progress, a retry's backoff, a cancellation with who and why — oldest first.
import type { ExecutionDetail } from '../journal/journal-types.js';
import type { Column, Field } from './output.js';

export interface TimelineRow {
  at: number;
  event: string;
  detail: string;
}

/** The execution's fields, in the order an operator reads them. */
export function executionFields(d: ExecutionDetail): Field[] {
  const fields: Field[] = [
    { label: 'executionId', kind: 'text', value: d.executionId },
    { label: 'actionId', kind: 'text', value: d.actionId },
    { label: 'status', kind: 'status', value: d.status },
    { label: 'source', kind: 'text', value: d.source || undefined },
    { label: 'executionType', kind: 'text', value: d.executionType || undefined },
    { label: 'requestId', kind: 'text', value: d.requestId },
    { label: 'approvalId', kind: 'text', value: d.approvalId },
    { label: 'priority', kind: 'number', value: d.priority },
    { label: 'attributes', kind: 'json', value: d.attributes },
    { label: 'idempotencyKey', kind: 'text', value: d.idempotencyKey },
    {
      label: 'attempts',
      kind: 'text',
      value: `${d.attempts.length}${d.maxAttempts === undefined ? '' : ` of ${d.maxAttempts}`}`,
    },
    { label: 'queuedAt', kind: 'time', value: d.queuedAt },
    { label: 'queueTimeout', kind: 'duration', value: d.queueTimeoutMs },
    { label: 'executionTimeout', kind: 'duration', value: d.executionTimeoutMs },
    { label: 'percent', kind: 'number', value: d.percent },
    { label: 'timedOut', kind: 'text', value: d.timedOut },
    { label: 'cancelledBy', kind: 'text', value: d.cancelledBy },
    { label: 'cancelReason', kind: 'block', value: d.cancelReason },
    { label: 'requeuedFrom', kind: 'text', value: d.requeuedFrom },
    { label: 'request', kind: 'json', value: d.request },
    { label: 'lsns', kind: 'text', value: `${d.firstLsn}-${d.lastLsn}` },
    { label: 'output', kind: 'block', value: d.outcome?.output },
    { label: 'error', kind: 'block', value: d.outcome?.error },
  ];
  return fields;
}

/** Every step of the lifecycle, oldest first (ties keep the order they were recorded in). */
export function executionTimeline(d: ExecutionDetail): TimelineRow[] {
  const rows: TimelineRow[] = [];
  if (d.queuedAt !== undefined)
    rows.push({ at: d.queuedAt, event: 'queued', detail: d.source ? `from ${d.source}` : '' });
  for (const a of d.attempts) {
    rows.push({ at: a.startedAt, event: `attempt ${a.attempt}`, detail: 'started' });
    if (a.completedAt !== undefined) {
      const parts = [a.status, a.error ?? a.output ?? ''];
      if (a.timedOut) parts.push(`${a.timedOut} deadline`);
      if (a.retryAt !== undefined) parts.push(`retry from ${new Date(a.retryAt).toISOString()}`);
      rows.push({
        at: a.completedAt,
        event: `attempt ${a.attempt}`,
        detail: parts.filter((p) => p !== '').join(' · '),
      });
    } else if (a.status === 'interrupted') {
      rows.push({
        at: a.startedAt,
        event: `attempt ${a.attempt}`,
        detail: 'interrupted (its process ended)',
      });
    }
  }
  for (const s of d.steps) {
    rows.push({ at: s.startedAt, event: `step ${s.stepId}`, detail: 'started' });
    if (s.completedAt !== undefined)
      rows.push({
        at: s.completedAt,
        event: `step ${s.stepId}`,
        detail: [s.status, s.error ?? ''].filter((p) => p !== '').join(' · '),
      });
  }
  for (const p of d.progress)
    rows.push({
      at: p.at,
      event: 'progress',
      detail: `${p.percent}%${p.message ? ` ${p.message}` : ''}`,
    });
  if (d.cancelledAt !== undefined) {
    rows.push({
      at: d.cancelledAt,
      event: 'cancelled',
      detail: `by ${d.cancelledBy ?? 'unknown'}${d.cancelReason ? `: ${d.cancelReason}` : ''}`,
    });
  } else if (d.outcome && d.attempts.length === 0) {
    rows.push({ at: d.outcome.at, event: d.outcome.status, detail: d.outcome.error ?? '' });
  }
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => a.row.at - b.row.at || a.i - b.i)
    .map(({ row }) => row);
}

export const timelineColumns: readonly Column<TimelineRow>[] = [
  { header: 'TIME', name: 'at', kind: 'time', value: (r) => r.at },
  { header: 'EVENT', name: 'event', kind: 'text', value: (r) => r.event, maxWidth: 24 },
  { header: 'DETAIL', name: 'detail', kind: 'text', value: (r) => r.detail, maxWidth: 80 },
];
