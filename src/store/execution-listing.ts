// listExecutions (docs/api.md#listexecutions): executions in the order of their first record
// (its LSN is the position, so a page boundary never moves while a writer appends), filtered,
// a page at a time with an opaque cursor. One pass of the log: an execution is judged once it
// ended (or when the pass ends, for those still live); memory holds the executions open during
// the pass plus one page.
import type { ErasureSet } from '../journal/erasure-set.js';
import { ExecutionDetailBuilder } from '../journal/execution-detail.js';
import type { LifecycleState } from '../journal/execution-lifecycle.js';
import {
  isTerminal,
  type LifecyclePlace,
  lifecycleStates,
  nextState,
} from '../journal/execution-lifecycle.js';
import { invalid } from '../journal/field-checks.js';
import type { ExecutionSummary } from '../journal/journal-types.js';
import { defaults } from '../limits.js';
import { checkOptionKeys } from './option-keys.js';
import { type ScanRange, scanRecords } from './execution-scan.js';

export interface ListFilter {
  status?: LifecycleState;
  actionId?: string;
  source?: string;
  requestId?: string;
  /** Every given attribute must be equal (by org, agent, user, project...). */
  attributes?: Record<string, string>;
  /** Created (queued or first started) at or after, epoch ms. */
  since?: number;
  /** Created before, epoch ms. */
  until?: number;
  /** 'asc': oldest first (default 'desc': newest first). */
  order?: 'asc' | 'desc';
  /** Default 100, at most maxListLimit. */
  limit?: number;
  cursor?: string;
}

export interface ExecutionPage {
  items: ExecutionSummary[];
  /** Pass it as `cursor` for the next page; undefined on the last page. */
  nextCursor: string | undefined;
}

const listKeys = [
  'status',
  'actionId',
  'source',
  'requestId',
  'attributes',
  'since',
  'until',
  'order',
  'limit',
  'cursor',
];

export interface ListContext {
  range: Omit<ScanRange, 'fromLsn' | 'toLsn'>;
  erased: ErasureSet;
  /** What a running execution is now: 'interrupted' when its process is gone. */
  runningAs(executionId: string): 'running' | 'interrupted';
}

export async function listExecutions(
  context: ListContext,
  filter: ListFilter = {},
): Promise<ExecutionPage> {
  checkOptionKeys('listExecutions filter', filter, listKeys);
  const order = filter.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc')
    invalid(`order must be 'asc' or 'desc', got ${String(order)}`);
  const limit = filter.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > defaults.maxListLimit)
    invalid(
      `limit must be an integer from 1 to ${defaults.maxListLimit}, got ${String(filter.limit)}`,
    );
  if (filter.status !== undefined && !lifecycleStates.includes(filter.status))
    invalid(`status must be one of ${lifecycleStates.join(', ')}, got ${String(filter.status)}`);
  const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor, order);
  const open = new Map<string, ExecutionDetailBuilder>();
  const page = new Page(order, limit);
  const judge = (builder: ExecutionDetailBuilder) => {
    const summary = builder.summary(context.runningAs(builder.executionId));
    if (summary && matches(summary, filter) && !hidden(context.erased, summary))
      page.offer(summary);
  };
  // Always from the oldest record: an execution's position is its first record, which may come
  // before the cursor even when the rest of it comes after.
  // Executions on the other side of the cursor, bounded like `open` by those live at once.
  const skipped = new Map<string, LifecyclePlace>();
  await scanRecords(context.range, (record) => {
    const id = record.kind.executionIdOf(record.payload);
    if (id === undefined) return undefined;
    let builder = open.get(id);
    if (!builder) {
      const skippedAt = skipped.get(id);
      const before =
        after !== undefined && (order === 'asc' ? record.lsn <= after : record.lsn >= after);
      if (skippedAt !== undefined || before) {
        const event = record.kind.eventOf(record.payload);
        const to = event === undefined ? undefined : nextState(skippedAt ?? 'unknown', event);
        if (to !== undefined && (to === 'erased' || isTerminal(to))) skipped.delete(id);
        else skipped.set(id, to ?? skippedAt ?? 'unknown');
        return undefined;
      }
      builder = new ExecutionDetailBuilder(id);
      open.set(id, builder);
    }
    builder.add(record);
    const status = builder.summary('running')?.status;
    if (status !== undefined && isTerminal(status)) {
      open.delete(id);
      judge(builder);
      // Oldest first: done once one more than the page matched (so a next page exists) and
      // nothing still open could come before the page's end.
      if (order === 'asc' && page.more && !earlierOpen(open, page.lastLsn)) return 'stop';
    }
    return undefined;
  });
  for (const builder of open.values()) judge(builder);
  return page.result();
}

/** Whether an execution still open started before `lsn`. */
function earlierOpen(open: Map<string, ExecutionDetailBuilder>, lsn: number): boolean {
  for (const builder of open.values()) {
    const first = builder.summary('running')?.firstLsn ?? Number.POSITIVE_INFINITY;
    if (first < lsn) return true;
  }
  return false;
}

function matches(s: ExecutionSummary, f: ListFilter): boolean {
  if (f.status !== undefined && s.status !== f.status) return false;
  if (f.actionId !== undefined && s.actionId !== f.actionId) return false;
  if (f.source !== undefined && s.source !== f.source) return false;
  if (f.requestId !== undefined && s.requestId !== f.requestId) return false;
  if (f.since !== undefined && s.createdAt < f.since) return false;
  if (f.until !== undefined && s.createdAt >= f.until) return false;
  for (const [key, value] of Object.entries(f.attributes ?? {}))
    if (s.attributes?.[key] !== value) return false;
  return true;
}

function hidden(erased: ErasureSet, s: ExecutionSummary): boolean {
  if (erased.empty) return false;
  return erased.hides({
    executionId: s.executionId,
    actionId: s.actionId,
    firstLsn: s.firstLsn,
    firstAt: s.createdAt,
    attributes: s.attributes,
  });
}

/** The best `limit` summaries by first LSN (smallest for asc, largest for desc). */
class Page {
  readonly #order: 'asc' | 'desc';
  readonly #limit: number;
  #items: ExecutionSummary[] = [];
  /** Whether more than `limit` matched (there is a next page). */
  #more = false;

  constructor(order: 'asc' | 'desc', limit: number) {
    this.#order = order;
    this.#limit = limit;
  }

  /** More than `limit` matched. */
  get more(): boolean {
    return this.#more;
  }

  get lastLsn(): number {
    return this.#items.at(-1)?.firstLsn ?? Number.POSITIVE_INFINITY;
  }

  offer(summary: ExecutionSummary): void {
    const before = (a: ExecutionSummary, b: ExecutionSummary) =>
      this.#order === 'asc' ? a.firstLsn - b.firstLsn : b.firstLsn - a.firstLsn;
    let at = this.#items.length;
    while (at > 0 && before(summary, this.#items[at - 1]!) < 0) at--;
    this.#items.splice(at, 0, summary);
    if (this.#items.length > this.#limit) {
      this.#items.pop();
      this.#more = true;
    }
  }

  result(): ExecutionPage {
    const last = this.#items.at(-1);
    return {
      items: this.#items,
      nextCursor: this.#more && last ? encodeCursor(last.firstLsn, this.#order) : undefined,
    };
  }
}

function encodeCursor(lsn: number, order: 'asc' | 'desc'): string {
  return Buffer.from(`v1:${order}:${lsn}`).toString('base64url');
}

function decodeCursor(cursor: unknown, order: 'asc' | 'desc'): number {
  const text = typeof cursor === 'string' ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^v1:(asc|desc):(\d+)$/.exec(text);
  if (!match) invalid(`cursor is not one listExecutions returned: ${String(cursor).slice(0, 40)}`);
  if (match[1] !== order) invalid(`cursor was made for order '${match[1]}', not '${order}'`);
  return Number(match[2]);
}
