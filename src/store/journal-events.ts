// In-process events (docs/api.md#events): each is emitted after the record it announces is
// durable and folded, with that record's history entry. A listener that throws never breaks the
// store: the error goes to `onListenerError` (and is counted). Bounded: at most maxListeners
// listeners per event (a named error past it).
import { invalid, tooLarge } from '../journal/field-checks.js';
import type { HistoryEntry } from '../journal/history-entry.js';
import { defaults } from '../limits.js';

export const storeEvents = [
  'queued',
  'started',
  'progress',
  'step',
  'completed',
  'timed_out',
  'retry',
  'cancelled',
  'cleanup',
  'erased',
] as const;
export type StoreEvent = (typeof storeEvents)[number];

export type StoreListener = (entry: HistoryEntry) => void;

export class JournalEvents {
  readonly #listeners = new Map<StoreEvent, StoreListener[]>();
  readonly #onError: (error: unknown, event: string) => void;
  listenerErrors = 0;

  constructor(onError: ((error: unknown, event: string) => void) | undefined) {
    this.#onError = onError ?? (() => {});
  }

  on(event: StoreEvent, listener: StoreListener): void {
    if (!(storeEvents as readonly string[]).includes(event))
      invalid(`unknown event '${String(event)}'; events: ${storeEvents.join(', ')}`);
    if (typeof listener !== 'function') invalid('a listener must be a function');
    const list = this.#listeners.get(event) ?? [];
    if (list.length >= defaults.maxListeners)
      tooLarge(`event '${event}' has ${list.length} listeners, the limit (maxListeners)`);
    list.push(listener);
    this.#listeners.set(event, list);
  }

  off(event: StoreEvent, listener: StoreListener): void {
    const list = this.#listeners.get(event);
    const at = list?.indexOf(listener) ?? -1;
    if (list && at >= 0) list.splice(at, 1);
  }

  wants(event: StoreEvent): boolean {
    return (this.#listeners.get(event)?.length ?? 0) > 0;
  }

  emit(event: StoreEvent, entry: HistoryEntry): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        listener(entry);
      } catch (error) {
        this.listenerErrors += 1;
        try {
          this.#onError(error, event);
        } catch {
          // The error handler itself failed: nothing more to tell.
        }
      }
    }
  }
}

/** The event a record of `kind` with lifecycle event `lifecycle` announces. */
export function storeEventOf(kind: string, lifecycle: string | undefined): StoreEvent | undefined {
  switch (kind) {
    case 'queued':
    case 'started':
    case 'progress':
    case 'cancelled':
    case 'cleanup':
    case 'erased':
      return kind;
    case 'step-started':
    case 'step-completed':
      return 'step';
    case 'completed':
      if (lifecycle === 'retry') return 'retry';
      return lifecycle === 'time-out' || lifecycle === 'queue-timeout' ? 'timed_out' : 'completed';
    default:
      return undefined;
  }
}
