// What a record kind declares (one module per kind in src/journal/kinds/, listed once in
// record-registry.ts): its wire type and field table (docs/format.md#journal-records), the
// lifecycle event it is (docs/lifecycle.md), how it folds into state and how it appears in
// history. The codec, the fold, history(), follow(), the CLI and the fixtures read these.
import type { LifecycleEvent } from './execution-lifecycle.js';
import type { FieldTable } from './field-table.js';
import type { HistoryEntry } from './history-entry.js';
import type { JournalState } from './journal-state.js';

export type KindName =
  | 'queued'
  | 'started'
  | 'progress'
  | 'step-started'
  | 'step-completed'
  | 'completed'
  | 'cancelled'
  | 'cleanup'
  | 'erased'
  | 'redacted';

/** What history knows of an execution from its earlier records (bounded: see HistoryJoin). */
export interface ExecutionContext {
  executionId: string;
  actionId: string;
  source: string;
  executionType: string;
  attributes?: Record<string, string>;
  firstLsn: number;
  firstAt: number;
  queuedAt?: number;
  attempt: number;
  startedAt?: number;
  startLsn?: number;
}

export interface RecordKind<P extends object = object> {
  readonly name: KindName;
  readonly type: number;
  readonly fields: FieldTable;
  /** A sentence for docs and `--help`: what the record says. */
  readonly summary: string;
  /**
   * How the masker's hook names this kind's free-text fields: `<prefix>.<field>` ('progress.
   * message', 'cancel.reason', 'step.error'); without one, the field name alone ('output').
   */
  readonly maskPrefix?: string;
  /** The execution the record is about (undefined for cleanups, erasures). */
  executionIdOf(payload: P): string | undefined;
  /** The state-machine event the payload is (undefined: not an execution transition). */
  eventOf(payload: P): LifecycleEvent | undefined;
  /** When it happened. */
  timeOf(payload: P): number;
  fold(state: JournalState, lsn: number, payload: P): void;
  /**
   * The history entry of the record, given what is known of its execution; `next` is what is
   * known after it (undefined: the execution ended, forget it).
   */
  entry(lsn: number, payload: P, known: ExecutionContext | undefined): HistoryEntry | undefined;
  /** What history knows of the execution after this record (undefined: it ended). */
  join(lsn: number, payload: P, known: ExecutionContext | undefined): ExecutionContext | undefined;
  /** One line for people (tail, show): what the entry of this kind says beyond its columns. */
  detail(entry: HistoryEntry): string;
}

/** A kind whose records are not about one execution keeps no context. */
export const noContext = (): undefined => undefined;
