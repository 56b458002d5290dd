// One execution's whole lifecycle, folded from its records in LSN order (getExecution, `show`,
// listExecutions): queued, each attempt, steps, progress, the outcome, who cancelled and why.
// Pure; the store feeds it records read from disk (or from memory for the live part).
import { type LifecyclePlace, lifecycleStates, nextState } from './execution-lifecycle.js';
import type { LiveExecution } from './execution-table.js';
import type {
  CancelledPayload,
  CompletedPayload,
  ProgressPayload,
  QueuedPayload,
  StartedPayload,
  StepCompletedPayload,
  StepStartedPayload,
} from './journal-records.js';
import type { AttemptDetail, ExecutionDetail, ExecutionSummary } from './journal-types.js';
import type { DecodedRecord } from './record-registry.js';

/** Progress updates one detail holds (the oldest are dropped past it, and counted). */
export const DETAIL_PROGRESS_MAX = 10_000;

export class ExecutionDetailBuilder {
  readonly executionId: string;
  #detail: ExecutionDetail | undefined;
  #place: LifecyclePlace = 'unknown';
  /** Progress updates dropped past DETAIL_PROGRESS_MAX. */
  droppedProgress = 0;

  constructor(executionId: string) {
    this.executionId = executionId;
  }

  get seen(): boolean {
    return this.#detail !== undefined;
  }

  /** Folds the next record of this execution (records of other executions are ignored). */
  add(record: DecodedRecord): void {
    const { kind, payload, lsn } = record;
    if (kind.executionIdOf(payload) !== this.executionId) return;
    const event = kind.eventOf(payload);
    const detail = this.#detail ?? this.#start(lsn, kind.timeOf(payload));
    detail.lastLsn = lsn;
    if (event !== undefined) {
      const to = nextState(this.#place, event);
      // A step an old log made that is not legal: keep the state it was in.
      if (to !== undefined && to !== 'erased') this.#place = to;
    }
    switch (kind.name) {
      case 'queued':
        this.#queued(detail, payload as QueuedPayload);
        break;
      case 'started':
        this.#started(detail, payload as StartedPayload);
        break;
      case 'progress':
        this.#progress(detail, lsn, payload as ProgressPayload);
        break;
      case 'step-started': {
        const step = payload as StepStartedPayload;
        detail.steps.push({ stepId: step.stepId, startedAt: step.at, status: 'running' });
        break;
      }
      case 'step-completed':
        this.#stepCompleted(detail, payload as StepCompletedPayload);
        break;
      case 'completed':
        this.#completed(detail, payload as CompletedPayload);
        break;
      case 'cancelled':
        this.#cancelled(detail, payload as CancelledPayload);
        break;
    }
    if ((lifecycleStates as readonly string[]).includes(this.#place)) {
      detail.status = this.#place as ExecutionDetail['status'];
    }
  }

  #start(lsn: number, at: number): ExecutionDetail {
    this.#detail = {
      executionId: this.executionId,
      actionId: '',
      status: 'running',
      source: '',
      executionType: '',
      firstLsn: lsn,
      lastLsn: lsn,
      attempts: [],
      steps: [],
      progress: [],
    };
    this.#createdAt = at;
    return this.#detail;
  }

  #createdAt = 0;
  #updatedAt = 0;

  #queued(detail: ExecutionDetail, p: QueuedPayload): void {
    detail.actionId = p.actionId;
    detail.source = p.source;
    detail.executionType = p.executionType ?? '';
    detail.queuedAt = p.queuedAt;
    detail.priority = p.priority ?? 0;
    detail.maxAttempts = p.maxAttempts ?? 1;
    const optional = [
      'requestId',
      'approvalId',
      'attributes',
      'queueTimeoutMs',
      'executionTimeoutMs',
      'idempotencyKey',
      'requeuedFrom',
      'request',
    ] as const;
    for (const key of optional)
      if (p[key] !== undefined) (detail as unknown as Record<string, unknown>)[key] = p[key];
    this.#updatedAt = p.queuedAt;
  }

  #started(detail: ExecutionDetail, p: StartedPayload): void {
    detail.actionId = p.actionId;
    if (p.source !== '') detail.source = p.source;
    if (p.executionType !== '') detail.executionType = p.executionType;
    if (p.attributes !== undefined) detail.attributes = p.attributes;
    if (p.requestId !== undefined) detail.requestId ??= p.requestId;
    if (p.idempotencyKey !== undefined) detail.idempotencyKey ??= p.idempotencyKey;
    const running = detail.attempts.at(-1);
    if (running?.status === 'running') running.status = 'interrupted';
    for (const step of detail.steps) if (step.status === 'running') step.status = 'interrupted';
    detail.attempts.push({ attempt: p.attempt, startedAt: p.startedAt, status: 'running' });
    this.#updatedAt = p.startedAt;
  }

  #progress(detail: ExecutionDetail, lsn: number, p: ProgressPayload): void {
    if (detail.progress.length >= DETAIL_PROGRESS_MAX) {
      detail.progress.shift();
      this.droppedProgress += 1;
    }
    const point: ExecutionDetail['progress'][number] = { lsn, at: p.at, percent: p.percent };
    if (p.message !== undefined) point.message = p.message;
    if (p.stepId !== undefined) point.stepId = p.stepId;
    detail.progress.push(point);
    detail.percent = p.percent;
  }

  #stepCompleted(detail: ExecutionDetail, p: StepCompletedPayload): void {
    let step = detail.steps.findLast((s) => s.stepId === p.stepId && s.status === 'running');
    if (!step) {
      step = { stepId: p.stepId, startedAt: p.at - (p.durationMs ?? 0), status: 'running' };
      detail.steps.push(step);
    }
    step.status = p.status;
    step.completedAt = p.at;
    step.durationMs = p.durationMs ?? p.at - step.startedAt;
    if (p.error !== undefined) step.error = p.error;
  }

  #completed(detail: ExecutionDetail, p: CompletedPayload): void {
    if (detail.actionId === '') detail.actionId = p.actionId;
    if (detail.source === '' && p.source !== undefined) detail.source = p.source;
    if (detail.executionType === '' && p.executionType !== undefined)
      detail.executionType = p.executionType;
    let attempt: AttemptDetail | undefined = detail.attempts.at(-1);
    const queuedEnd = p.timedOut === 'queue';
    if (!queuedEnd && attempt?.status !== 'running') {
      // A one-shot report: the attempt is known only from its end.
      attempt = {
        attempt: (attempt?.attempt ?? 0) + 1,
        startedAt: p.completedAt - p.durationMs,
        status: 'running',
      };
      detail.attempts.push(attempt);
    }
    if (attempt && !queuedEnd) {
      attempt.status = p.status;
      attempt.completedAt = p.completedAt;
      attempt.durationMs = p.durationMs;
      if (p.output !== undefined) attempt.output = p.output;
      if (p.error !== undefined) attempt.error = p.error;
      if (p.metrics !== undefined) attempt.metrics = p.metrics;
      if (p.timedOut !== undefined) attempt.timedOut = p.timedOut;
      if (p.retryAt !== undefined) attempt.retryAt = p.retryAt;
    }
    if (p.timedOut !== undefined) detail.timedOut = p.timedOut;
    if (p.retryAt === undefined) {
      const outcome: NonNullable<ExecutionDetail['outcome']> = {
        status: p.status,
        at: p.completedAt,
      };
      if (!queuedEnd) outcome.durationMs = p.durationMs;
      if (p.output !== undefined) outcome.output = p.output;
      if (p.error !== undefined) outcome.error = p.error;
      detail.outcome = outcome;
    }
    this.#updatedAt = p.completedAt;
  }

  #cancelled(detail: ExecutionDetail, p: CancelledPayload): void {
    if (detail.actionId === '') detail.actionId = p.actionId;
    const attempt = detail.attempts.at(-1);
    if (attempt?.status === 'running') {
      attempt.status = 'cancelled';
      attempt.completedAt = p.cancelledAt;
      if (p.durationMs !== undefined) attempt.durationMs = p.durationMs;
    }
    detail.cancelledAt = p.cancelledAt;
    if (p.actor !== undefined) detail.cancelledBy = p.actor;
    if (p.reason !== undefined) detail.cancelReason = p.reason;
    const outcome: NonNullable<ExecutionDetail['outcome']> = {
      status: 'cancelled',
      at: p.cancelledAt,
    };
    if (p.durationMs !== undefined) outcome.durationMs = p.durationMs;
    if (p.reason !== undefined) outcome.error = p.reason;
    detail.outcome = outcome;
    this.#updatedAt = p.cancelledAt;
  }

  /**
   * The detail, its state as of the last record; `runningAs` says what a running execution is
   * now ('interrupted' when its process is gone). Undefined when no record was seen.
   */
  detail(runningAs: 'running' | 'interrupted'): ExecutionDetail | undefined {
    const detail = this.#detail;
    if (!detail) return undefined;
    if (detail.status === 'running' && runningAs === 'interrupted') {
      const out = structuredClone(detail);
      out.status = 'interrupted';
      const attempt = out.attempts.at(-1);
      if (attempt?.status === 'running') attempt.status = 'interrupted';
      for (const step of out.steps) if (step.status === 'running') step.status = 'interrupted';
      return out;
    }
    return structuredClone(detail);
  }

  summary(runningAs: 'running' | 'interrupted'): ExecutionSummary | undefined {
    const detail = this.#detail;
    if (!detail) return undefined;
    const summary: ExecutionSummary = {
      executionId: detail.executionId,
      actionId: detail.actionId,
      status:
        detail.status === 'running' && runningAs === 'interrupted' ? 'interrupted' : detail.status,
      source: detail.source,
      firstLsn: detail.firstLsn,
      lastLsn: detail.lastLsn,
      createdAt: detail.queuedAt ?? this.#createdAt,
      updatedAt: Math.max(this.#updatedAt, this.#createdAt),
      attempts: detail.attempts.length,
    };
    if (detail.requestId !== undefined) summary.requestId = detail.requestId;
    if (detail.approvalId !== undefined) summary.approvalId = detail.approvalId;
    if (detail.attributes !== undefined) summary.attributes = detail.attributes;
    if (detail.outcome?.durationMs !== undefined) summary.durationMs = detail.outcome.durationMs;
    if (detail.outcome?.error !== undefined) summary.error = detail.outcome.error;
    return summary;
  }
}

/** The detail of a live execution from memory alone (its newest progress and attempts only). */
export function liveDetail(
  live: LiveExecution,
  status: ExecutionDetail['status'],
): ExecutionDetail {
  const detail: ExecutionDetail = {
    executionId: live.executionId,
    actionId: live.actionId,
    status,
    source: live.source,
    executionType: live.executionType,
    priority: live.priority,
    maxAttempts: live.maxAttempts,
    firstLsn: live.firstLsn,
    lastLsn: live.lastLsn,
    attempts: live.attempts.map((a) => {
      const out: AttemptDetail = {
        attempt: a.attempt,
        startedAt: a.startedAt,
        status: a.status ?? 'running',
      };
      if (a.completedAt !== undefined) out.completedAt = a.completedAt;
      if (a.durationMs !== undefined) out.durationMs = a.durationMs;
      if (a.error !== undefined) out.error = a.error;
      return out;
    }),
    steps: live.steps.map((s) => ({ ...s })),
    progress: live.progress.oldestFirst().map((p) => ({ ...p })),
  };
  if (status === 'interrupted') {
    const last = detail.attempts.at(-1);
    if (last?.status === 'running') last.status = 'interrupted';
  }
  const optional = [
    'requestId',
    'approvalId',
    'attributes',
    'queueTimeoutMs',
    'executionTimeoutMs',
    'idempotencyKey',
    'requeuedFrom',
    'request',
    'queuedAt',
    'percent',
  ] as const;
  for (const key of optional) {
    const value = live[key];
    if (value !== undefined)
      (detail as unknown as Record<string, unknown>)[key] = structuredClone(value);
  }
  return detail;
}
