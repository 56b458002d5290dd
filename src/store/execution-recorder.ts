// The recording calls of an execution's lifecycle (docs/api.md#recording): each call is
// checked (its options' keys and values, the state machine, the caps), masked, then written as
// one record through the appender, which folds it once it is durable. Nothing is written for a
// call that fails a check; the store stays usable.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ErrorCode, WalStateError, WalValidationError } from '../errors.js';
import {
  assertTransition,
  type LifecycleEvent,
  type LifecyclePlace,
} from '../journal/execution-lifecycle.js';
import { checkFields, checkString, invalid, tooLarge } from '../journal/field-checks.js';
import { cancelledKind } from '../journal/kinds/cancelled.js';
import { completedKind } from '../journal/kinds/completed.js';
import { progressKind } from '../journal/kinds/progress.js';
import { queuedKind } from '../journal/kinds/queued.js';
import { startedKind } from '../journal/kinds/started.js';
import { stepCompletedKind } from '../journal/kinds/step-completed.js';
import { stepStartedKind } from '../journal/kinds/step-started.js';
import {
  type CancelledPayload,
  type CompletedPayload,
  executionStatuses,
  type ExecutionStatus,
  type ProgressPayload,
  type QueuedPayload,
  type StartedPayload,
  type StepCompletedPayload,
  stepStatuses,
} from '../journal/journal-records.js';
import type { JournalState } from '../journal/journal-state.js';
import type { RecordKind } from '../journal/record-kind.js';
import { defaults } from '../limits.js';
import { checkObject, checkOutcome } from './call-checks.js';
import type { ExecutionPlaces } from './execution-place.js';
import { checkOptionKeys } from './option-keys.js';
import type { PendingTransitions } from './pending-transitions.js';
import {
  type CancelOptions,
  type CompleteOptions,
  optionKeys,
  type ProgressOptions,
  type QueueOptions,
  type StartOptions,
  type StepCompleteOptions,
  type StepStartOptions,
} from './store-options.js';

/** What the recorder needs of the store: where records go, and its settings. */
export interface RecorderDeps {
  state: JournalState;
  places: ExecutionPlaces;
  pending: PendingTransitions;
  idempotencyWindowMs: number;
  /** Masks, writes and folds one record; resolves with its LSN once durable. */
  write<P extends object>(kind: RecordKind<P>, payload: P): Promise<number>;
  now(): number;
}

/** An idempotency key already seen: the execution it made. */
export interface Duplicate {
  executionId: string;
  place: LifecyclePlace;
}

export class ExecutionRecorder {
  readonly #d: RecorderDeps;
  /** performance.now() of starts made by this process: durations measured monotonically. */
  readonly #startedHere = new Map<string, number>();

  constructor(deps: RecorderDeps) {
    this.#d = deps;
  }

  async queue(
    actionId: string,
    o: QueueOptions = {},
  ): Promise<{ lsn: number; executionId: string } | Duplicate> {
    checkOptionKeys('queue options', o, optionKeys.queue);
    const duplicate = this.#duplicate(o.idempotencyKey, o.attributes, o.onDuplicateKey);
    if (duplicate) return duplicate;
    const executionId = o.executionId ?? randomUUID();
    const p: QueuedPayload = {
      executionId,
      actionId,
      queuedAt: o.queuedAt ?? this.#d.now(),
      source: o.source ?? '',
    };
    copyDefined(o, p, [
      'requestId',
      'approvalId',
      'priority',
      'attributes',
      'maxAttempts',
      'queueTimeoutMs',
      'executionTimeoutMs',
      'idempotencyKey',
      'executionType',
      'requeuedFrom',
      'request',
    ]);
    checkFields(queuedKind.fields, p);
    if (o.onDuplicateKey !== undefined) checkDuplicateMode(o.onDuplicateKey);
    this.#transition(executionId, 'queue');
    if (p.requeuedFrom !== undefined) {
      const from = this.#d.places.of(p.requeuedFrom);
      if (from === 'queued' || from === 'running' || from === 'erased')
        throw new WalStateError(p.requeuedFrom, from, 'requeue', []);
    }
    const { state, pending } = this.#d;
    if (state.table.queuedCount + pending.queued >= state.limits.maxQueued)
      tooLarge(
        `${state.limits.maxQueued} executions are queued (maxQueued); start or cancel some first`,
      );
    this.#assertActionRoom(actionId);
    const lsn = await this.#accepted(
      queuedKind,
      p,
      { place: 'queued', attempt: 0, steps: 0 },
      { queued: 1, key: this.#scopedKey(p.idempotencyKey, p.attributes) },
    );
    return { lsn, executionId };
  }

  async start(
    actionId: string,
    o: StartOptions = {},
  ): Promise<{ lsn: number; executionId: string; attempt: number } | Duplicate> {
    checkOptionKeys('start options', o, optionKeys.start);
    const duplicate = this.#duplicate(o.idempotencyKey, o.attributes, o.onDuplicateKey);
    if (duplicate) return duplicate;
    const executionId = o.executionId ?? randomUUID();
    const from = this.#transition(executionId, 'start');
    const live = this.#d.state.table.live.get(executionId);
    if (live && live.actionId !== actionId)
      invalid(`execution ${executionId} belongs to action '${live.actionId}', not '${actionId}'`);
    const expected = this.#d.places.attemptsOf(executionId) + 1;
    const attempt = o.attempt ?? expected;
    if (from !== 'unknown' && attempt !== expected)
      invalid(
        `attempt of execution ${executionId} must be ${expected} (attempts so far: ${expected - 1}), got ${String(o.attempt)}`,
      );
    const p: StartedPayload = {
      executionId,
      actionId,
      source: o.source ?? live?.source ?? '',
      executionType: o.executionType ?? live?.executionType ?? '',
      attempt,
      startedAt: o.startedAt ?? this.#d.now(),
    };
    copyDefined(o, p, ['attributes', 'idempotencyKey', 'requestId']);
    if (from !== 'unknown' && (p.idempotencyKey !== undefined || p.requestId !== undefined))
      invalid(
        'idempotencyKey and requestId of a queued execution are given when it is queued, not when it starts',
      );
    checkFields(startedKind.fields, p);
    if (o.onDuplicateKey !== undefined) checkDuplicateMode(o.onDuplicateKey);
    const { state, pending } = this.#d;
    if (state.table.runningCount + pending.running >= state.limits.maxInFlight)
      tooLarge(
        `${state.limits.maxInFlight} executions are in flight (maxInFlight); complete some first`,
      );
    if (!live) this.#assertActionRoom(actionId);
    const lsn = await this.#accepted(
      startedKind,
      p,
      { place: 'running', attempt, steps: 0 },
      { running: 1, key: this.#scopedKey(p.idempotencyKey, p.attributes) },
    );
    this.#startedHere.set(executionId, performance.now());
    return { lsn, executionId, attempt };
  }

  async complete(
    actionId: string,
    o: CompleteOptions,
  ): Promise<{ lsn: number; executionId: string; durationMs: number }> {
    checkObject('completion options', o);
    checkOptionKeys('completion options', o, optionKeys.complete);
    const status = checkOutcome(o.success, o.status, executionStatuses, 'succeeded', 'failed');
    const executionId = o.executionId ?? this.#oldestRunning(actionId) ?? randomUUID();
    const live = this.#d.state.table.live.get(executionId);
    if (live && live.actionId !== actionId)
      invalid(`execution ${executionId} belongs to action '${live.actionId}', not '${actionId}'`);
    const place = this.#d.places.of(executionId);
    if (o.timedOut !== undefined && status !== 'timed_out')
      invalid(`timedOut is only for status 'timed_out', not '${status}'`);
    // A queued execution can only miss its queue deadline; a running one says which, if it knows.
    const timedOut =
      status === 'timed_out'
        ? (o.timedOut ?? (place === 'queued' ? 'queue' : undefined))
        : undefined;
    if (status === 'interrupted' && o.retryAt === undefined)
      invalid(
        "status 'interrupted' ends an interrupted attempt that is retried: give retryAt (or end it as failed)",
      );
    if (status === 'interrupted' && place !== 'interrupted')
      throw new WalStateError(executionId, place, 'retry', ['an interrupted attempt only']);
    const event = completedKind.eventOf({
      status,
      timedOut,
      retryAt: o.retryAt,
    } as CompletedPayload)!;
    this.#transition(executionId, event);
    const completedAt = o.completedAt ?? this.#d.now();
    const ran = place === 'running' || place === 'interrupted';
    const durationMs =
      timedOut === 'queue' && !ran
        ? 0
        : (o.durationMs ?? this.#measure(executionId, place, completedAt));
    const p: CompletedPayload = { executionId, actionId, status, durationMs, completedAt };
    copyDefined(o, p, ['output', 'error', 'metrics', 'retryAt']);
    if (timedOut !== undefined) p.timedOut = timedOut;
    if (!live) copyDefined(o, p, ['source', 'executionType']);
    checkFields(completedKind.fields, p);
    if (event === 'retry') this.#assertAttemptLeft(executionId);
    if (!live) this.#assertActionRoom(actionId);
    const next =
      event === 'retry'
        ? { place: 'queued' as const, attempt: this.#d.places.attemptsOf(executionId), steps: 0 }
        : { place: terminalPlace(status), attempt: 0, steps: 0 };
    const lsn = await this.#accepted(completedKind, p, next, { queued: event === 'retry' ? 1 : 0 });
    if (event !== 'retry') this.#startedHere.delete(executionId);
    return { lsn, executionId, durationMs };
  }

  async progress(executionId: string, o: ProgressOptions): Promise<{ lsn: number }> {
    checkId(executionId);
    checkObject('progress options', o);
    checkOptionKeys('progress options', o, optionKeys.progress);
    const p: ProgressPayload = { executionId, percent: o.percent, at: o.at ?? this.#d.now() };
    copyDefined(o, p, ['message', 'stepId']);
    checkFields(progressKind.fields, p);
    this.#transition(executionId, 'progress');
    const pending = this.#d.pending.placeOf(executionId);
    return {
      lsn: await this.#accepted(progressKind, p, this.#same(executionId, pending?.steps), {}),
    };
  }

  async stepStarted(
    executionId: string,
    stepId: string,
    o: StepStartOptions = {},
  ): Promise<{ lsn: number }> {
    checkId(executionId);
    checkOptionKeys('step options', o, optionKeys.stepStart);
    const p = { executionId, stepId, at: o.at ?? this.#d.now() };
    checkFields(stepStartedKind.fields, p);
    this.#transition(executionId, 'step');
    const steps = this.#d.places.stepsOf(executionId);
    if (steps >= defaults.maxStepsPerExecution)
      tooLarge(`execution ${executionId} has ${steps} steps, the limit (maxStepsPerExecution)`);
    return {
      lsn: await this.#accepted(stepStartedKind, p, this.#same(executionId, steps + 1), {}),
    };
  }

  async stepCompleted(
    executionId: string,
    stepId: string,
    o: StepCompleteOptions,
  ): Promise<{ lsn: number }> {
    checkId(executionId);
    checkObject('step options', o);
    checkOptionKeys('step options', o, optionKeys.stepComplete);
    const status = checkOutcome(o.success, o.status, stepStatuses, 'succeeded', 'failed');
    const p: StepCompletedPayload = { executionId, stepId, at: o.at ?? this.#d.now(), status };
    copyDefined(o, p, ['durationMs', 'error']);
    checkFields(stepCompletedKind.fields, p);
    this.#transition(executionId, 'step');
    const live = this.#d.state.table.live.get(executionId);
    const open = live?.steps.some((s) => s.stepId === stepId && s.status === 'running');
    const steps = this.#d.places.stepsOf(executionId);
    if (!open && steps >= defaults.maxStepsPerExecution)
      tooLarge(`execution ${executionId} has ${steps} steps, the limit (maxStepsPerExecution)`);
    return {
      lsn: await this.#accepted(
        stepCompletedKind,
        p,
        this.#same(executionId, open ? steps : steps + 1),
        {},
      ),
    };
  }

  async cancel(
    executionId: string,
    o: CancelOptions = {},
  ): Promise<{ lsn: number; actionId: string }> {
    checkId(executionId);
    checkOptionKeys('cancel options', o, optionKeys.cancel);
    const place = this.#transition(executionId, 'cancel');
    const live = this.#d.state.table.live.get(executionId)!;
    const cancelledAt = o.cancelledAt ?? this.#d.now();
    const p: CancelledPayload = { executionId, actionId: live.actionId, cancelledAt };
    copyDefined(o, p, ['actor', 'reason']);
    if (place === 'running' || place === 'interrupted')
      p.durationMs = this.#measure(executionId, place, cancelledAt);
    checkFields(cancelledKind.fields, p);
    const lsn = await this.#accepted(
      cancelledKind,
      p,
      { place: 'cancelled', attempt: 0, steps: 0 },
      {},
    );
    this.#startedHere.delete(executionId);
    return { lsn, actionId: live.actionId };
  }

  /** The event's target state, or WalStateError; the pending calls count. */
  #transition(executionId: string, event: LifecycleEvent): LifecyclePlace {
    const from = this.#d.places.of(executionId);
    assertTransition(executionId, from, event);
    return from;
  }

  #same(executionId: string, steps: number | undefined) {
    return {
      place: this.#d.places.of(executionId),
      attempt: this.#d.places.attemptsOf(executionId),
      steps: steps ?? this.#d.places.stepsOf(executionId),
    };
  }

  async #accepted<P extends object>(
    kind: RecordKind<P>,
    payload: P,
    next: { place: LifecyclePlace; attempt: number; steps: number },
    adds: { queued?: number; running?: number; key?: string | undefined },
  ): Promise<number> {
    const executionId = kind.executionIdOf(payload);
    const action = (payload as { actionId?: string }).actionId;
    const newAction =
      action !== undefined && !this.#d.state.actions.has(action) ? action : undefined;
    const settle = this.#d.pending.accept(executionId, next, {
      ...adds,
      ...(adds.key === undefined ? {} : { key: adds.key }),
      ...(newAction === undefined ? {} : { action: newAction }),
    });
    try {
      return await this.#d.write(kind, payload);
    } finally {
      settle();
    }
  }

  #scopedKey(
    key: string | undefined,
    attributes: Record<string, string> | undefined,
  ): string | undefined {
    return key === undefined ? undefined : `${this.#d.state.tenantOf(attributes)}\u0000${key}`;
  }

  /** The execution an idempotency key already made (within the window), unless it is to be retried. */
  #duplicate(key: unknown, attributes: unknown, mode: unknown): Duplicate | undefined {
    if (key === undefined) return undefined;
    checkString('idempotencyKey', key, defaults.maxIdBytes, 'refused');
    if (mode !== undefined) checkDuplicateMode(mode);
    const attrs =
      typeof attributes === 'object' && attributes !== null
        ? (attributes as Record<string, string>)
        : undefined;
    const { state, pending, idempotencyWindowMs } = this.#d;
    const tenant = state.tenantOf(attrs);
    const executionId =
      pending.keyOwner(`${tenant}\u0000${key}`) ??
      state.idempotency.find(tenant, key as string, this.#d.now(), idempotencyWindowMs)
        ?.executionId;
    if (executionId === undefined) return undefined;
    const place = this.#d.places.of(executionId);
    if (place === 'erased') return undefined;
    if (mode === 'retry-if-failed' && (place === 'failed' || place === 'timed_out'))
      return undefined;
    return { executionId, place };
  }

  #assertActionRoom(actionId: string): void {
    const { state, pending } = this.#d;
    if (state.actions.has(actionId) || pending.hasAction(actionId)) return;
    if (state.actions.size + pending.newActions >= state.limits.maxActions) {
      tooLarge(
        `${state.limits.maxActions} distinct actions are tracked (maxActions); '${actionId}' would be one more`,
      );
    }
  }

  #assertAttemptLeft(executionId: string): void {
    const live = this.#d.state.table.live.get(executionId);
    const used = this.#d.places.attemptsOf(executionId);
    const max = live?.maxAttempts ?? 1;
    if (used >= max) {
      throw new WalValidationError(
        ErrorCode.limitExceeded,
        `execution ${executionId} has used ${used} of its ${max} attempts (maxAttempts); end it instead of retrying`,
      );
    }
  }

  /** The oldest running execution of `actionId` no call is recording yet (completions without an id). */
  #oldestRunning(actionId: string): string | undefined {
    for (const live of this.#d.state.table.live.values()) {
      if (
        live.status === 'running' &&
        live.actionId === actionId &&
        !this.#d.pending.has(live.executionId)
      )
        return live.executionId;
    }
    return undefined;
  }

  /** Duration of an end that gave none: monotonic within this process, else from the start's time. */
  #measure(executionId: string, place: LifecyclePlace, at: number): number {
    const here = this.#startedHere.get(executionId);
    if (here !== undefined) return Math.max(0, performance.now() - here);
    const live = this.#d.state.table.live.get(executionId);
    if (!live?.startedAt || (place !== 'running' && place !== 'interrupted'))
      invalid('durationMs is required when the completion matches no start in flight');
    return Math.max(0, at - live.startedAt);
  }
}

function checkId(executionId: unknown): void {
  checkString('executionId', executionId, defaults.maxIdBytes, 'refused');
}

function checkDuplicateMode(mode: unknown): void {
  if (mode !== 'return-existing' && mode !== 'retry-if-failed')
    invalid(`onDuplicateKey must be 'return-existing' or 'retry-if-failed', got ${String(mode)}`);
}

function terminalPlace(status: ExecutionStatus): LifecyclePlace {
  return status === 'interrupted' ? 'failed' : status;
}

/** Copies the keys of `from` that are not undefined into `to`. */
function copyDefined<T extends object>(from: object, to: T, keys: readonly string[]): void {
  const source = from as Record<string, unknown>;
  for (const key of keys)
    if (source[key] !== undefined) (to as Record<string, unknown>)[key] = source[key];
}
