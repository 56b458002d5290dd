// The execution state machine (docs/lifecycle.md): the states, the events (each one record), and
// the legal transitions as ONE table. The store, the tracker, the CLI and the server ask it; none
// re-derives it. A call whose event is not legal in the execution's state is refused with
// WalStateError before anything is written. Replay never refuses: a log is history, so an
// illegal step found in an old log is folded as well as it can be and counted.
import { WalStateError } from '../errors.js';

export const lifecycleStates = [
  'queued',
  'running',
  /** Was running when its process ended (derived on open: no record says it). */
  'interrupted',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
] as const;
export type LifecycleState = (typeof lifecycleStates)[number];

/** What the journal can say about an id that is not a state: never seen (or forgotten), erased. */
export type LifecyclePlace = LifecycleState | 'unknown' | 'erased';
export const lifecyclePlaces: readonly LifecyclePlace[] = ['unknown', ...lifecycleStates, 'erased'];

export const terminalStates: readonly LifecycleState[] = [
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
];

export function isTerminal(state: LifecyclePlace): boolean {
  return (terminalStates as readonly string[]).includes(state);
}

export const lifecycleEvents = [
  /** queued record */
  'queue',
  /** started record */
  'start',
  /** progress record */
  'progress',
  /** step started / step completed records */
  'step',
  /** completed record, status succeeded */
  'succeed',
  /** completed record, status failed */
  'fail',
  /** completed record, status timed_out, the execution deadline */
  'time-out',
  /** completed record, status cancelled (an attempt reported as cancelled by its runner) */
  'end-cancelled',
  /** completed record with retryAt: the attempt ended and the execution waits for the next */
  'retry',
  /** completed record, status timed_out, the queue deadline */
  'queue-timeout',
  /** cancelled record (who and why) */
  'cancel',
  /** erased record */
  'erase',
] as const;
export type LifecycleEvent = (typeof lifecycleEvents)[number];

type Row = Partial<Record<LifecycleEvent, LifecycleState | 'erased'>>;

const ended: Row = { erase: 'erased' };
const attemptEnds: Row = {
  succeed: 'succeeded',
  fail: 'failed',
  'time-out': 'timed_out',
  'end-cancelled': 'cancelled',
  retry: 'queued',
  cancel: 'cancelled',
};

/** The legal transitions: from → event → to. Anything not listed is illegal. */
export const transitions: Readonly<Record<LifecyclePlace, Row>> = {
  // A start or a completion without a queue record (one-shot reporting) is legal, as before
  // the lifecycle existed. (Erasing an execution memory forgot asks the disk for its state.)
  unknown: {
    queue: 'queued',
    start: 'running',
    succeed: 'succeeded',
    fail: 'failed',
    'time-out': 'timed_out',
    'end-cancelled': 'cancelled',
  },
  queued: { start: 'running', 'queue-timeout': 'timed_out', cancel: 'cancelled' },
  running: { progress: 'running', step: 'running', ...attemptEnds },
  // Its process is gone: a new attempt may start, or its end be recorded (retry, fail, ...).
  interrupted: { start: 'running', ...attemptEnds },
  succeeded: ended,
  failed: ended,
  timed_out: ended,
  cancelled: ended,
  erased: {},
};

/** The state `event` leads to from `from`, or undefined when it is illegal. */
export function nextState(
  from: LifecyclePlace,
  event: LifecycleEvent,
): LifecycleState | 'erased' | undefined {
  return transitions[from][event];
}

/** The events legal in `from`, for error messages and docs. */
export function legalEvents(from: LifecyclePlace): LifecycleEvent[] {
  return lifecycleEvents.filter((event) => transitions[from][event] !== undefined);
}

/** The next state, or WalStateError saying what is legal instead. */
export function assertTransition(
  executionId: string,
  from: LifecyclePlace,
  event: LifecycleEvent,
): LifecycleState | 'erased' {
  const to = nextState(from, event);
  if (to === undefined) throw new WalStateError(executionId, from, event, legalEvents(from));
  return to;
}
