// `exec-wal delete <path> <id> | --action A --before T --attr k=v [--reason R] [--dry-run] [-y]`:
// deletes one ended execution, or every ended one matching all the filters (docs/lifecycle.md
// #erasure). The records are hidden at once; `exec-wal compact` removes their bytes. Takes the
// writer lock. Without -y it only lists what it would delete (as --dry-run) and exits 2.
import { isTerminal } from '../journal/execution-lifecycle.js';
import type { ExecutionSummary } from '../journal/journal-types.js';
import { WalStore } from '../store/wal-store.js';
import { type CliIo, UsageError } from './cli-io.js';
import { existingJournal } from './journal-path.js';
import { type Column, humanLine, jsonDocument, renderList } from './output.js';
import { type OutputOptions, renderContext } from './render-context.js';
import { plural } from './text-format.js';

export interface DeleteOptions extends OutputOptions {
  action?: string;
  before?: number;
  attr?: Record<string, string>;
  reason?: string;
  dryRun?: boolean;
  yes?: boolean;
}

/** Executions listed by a dry run (the rest are counted). */
const LISTED_MAX = 1000;

export async function deleteCommand(
  path: string,
  id: string | undefined,
  options: DeleteOptions,
  io: CliIo,
): Promise<number> {
  const byFilter =
    options.action !== undefined || options.before !== undefined || options.attr !== undefined;
  if (id === undefined && !byFilter)
    throw new UsageError('delete needs an execution id, or filters (--action, --before, --attr)');
  if (id !== undefined && byFilter)
    throw new UsageError('delete takes an execution id or filters, not both');
  const ctx = renderContext(io, options);
  const say = (text: string) => io.stdout.write(humanLine(text));
  const looking = options.dryRun || !options.yes;
  existingJournal(path, looking ? 'read' : 'write');
  const store = await WalStore.open(
    path,
    looking ? { readOnly: true } : { checkpointEveryBytes: 0 },
  );
  try {
    const doomed = await matching(store, id, options);
    if (looking) {
      if (ctx.format === 'json')
        io.stdout.write(jsonDocument({ wouldDelete: doomed.items, more: doomed.more }));
      else {
        io.stdout.write(
          renderList(doomed.items, { columns: doomedColumns, empty: 'nothing to delete' }, ctx),
        );
        if (doomed.more) say(`... and more (the first ${LISTED_MAX} are listed)`);
      }
      if (options.dryRun || doomed.items.length === 0) {
        say('dry run: nothing was changed');
        return 0;
      }
      throw new UsageError(
        'delete hides executions for good: pass -y to go ahead (or --dry-run to only look)',
      );
    }
    const reason = options.reason === undefined ? {} : { reason: options.reason };
    const { lsn } =
      id !== undefined
        ? await store.deleteExecution(id, reason)
        : await store.deleteExecutions({
            ...reason,
            ...(options.action === undefined ? {} : { actionId: options.action }),
            ...(options.before === undefined ? {} : { before: options.before }),
            ...(options.attr === undefined ? {} : { attributes: options.attr }),
          });
    say(
      `deleted ${plural(doomed.items.length, 'execution')}${doomed.more ? ' (and more)' : ''} at lsn ${lsn}: hidden now; \`exec-wal compact ${path}\` removes their bytes`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

/** What would be deleted: the execution, or every ended one the filters match. */
async function matching(
  store: WalStore,
  id: string | undefined,
  options: DeleteOptions,
): Promise<{ items: ExecutionSummary[]; more: boolean }> {
  if (id !== undefined) {
    const detail = await store.getExecution(id);
    if (!detail) return { items: [], more: false };
    const { executionId, actionId, status, source, firstLsn, lastLsn } = detail;
    const createdAt = detail.queuedAt ?? detail.attempts[0]?.startedAt ?? detail.outcome?.at ?? 0;
    return {
      items: [
        {
          executionId,
          actionId,
          status,
          source,
          firstLsn,
          lastLsn,
          createdAt,
          updatedAt: createdAt,
          attempts: detail.attempts.length,
        },
      ],
      more: false,
    };
  }
  const items: ExecutionSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listExecutions({
      order: 'asc',
      limit: 1000,
      ...(cursor === undefined ? {} : { cursor }),
      ...(options.action === undefined ? {} : { actionId: options.action }),
      ...(options.before === undefined ? {} : { until: options.before }),
      ...(options.attr === undefined ? {} : { attributes: options.attr }),
    });
    for (const item of page.items) if (isTerminal(item.status)) items.push(item);
    cursor = page.nextCursor;
  } while (cursor && items.length <= LISTED_MAX);
  return {
    items: items.slice(0, LISTED_MAX),
    more: items.length > LISTED_MAX || cursor !== undefined,
  };
}

const doomedColumns: readonly Column<ExecutionSummary>[] = [
  {
    header: 'EXECUTION',
    name: 'executionId',
    kind: 'text',
    value: (r) => r.executionId,
    maxWidth: 36,
  },
  { header: 'ACTION', name: 'actionId', kind: 'text', value: (r) => r.actionId, maxWidth: 20 },
  { header: 'STATUS', name: 'status', kind: 'status', value: (r) => r.status },
  { header: 'CREATED', name: 'createdAt', kind: 'time', value: (r) => r.createdAt },
  { header: 'ATTEMPTS', name: 'attempts', kind: 'number', value: (r) => r.attempts },
];
