// `exec-wal show <path> <executionId|lsn>`: an execution's whole lifecycle (its fields and a
// timeline, from every record of it still on disk), or one record in full by its LSN (a whole
// number; an id made of digits only is tried as an id when no record has that LSN).
import { recordedKinds } from '../journal/history-entry.js';
import type { RecoveryMode } from '../store/journal-admin.js';
import type { HistoryEntry } from '../journal/history-filter.js';
import type { WalStore } from '../store/wal-store.js';
import { type CliIo, CommandFailure, ExitCode, UsageError } from './cli-io.js';
import { defaultTimeFormat, historyFields, withTimes } from './history-view.js';
import { openForReading } from './journal-path.js';
import { executionFields, executionTimeline, timelineColumns } from './execution-view.js';
import {
  jsonDocument,
  type OutputFormat,
  renderFields,
  renderList,
  type TimeFormat,
} from './output.js';
import { renderContext } from './render-context.js';

export interface ShowOptions {
  output?: Extract<OutputFormat, 'table' | 'json'>;
  json?: boolean;
  timeFormat?: TimeFormat;
  recovery?: RecoveryMode;
}

export async function showCommand(
  path: string,
  id: string,
  options: ShowOptions,
  io: CliIo,
): Promise<number> {
  if (id === '') throw new UsageError('show needs an execution id or an lsn, not the empty string');
  const lsn = /^\d{1,16}$/.test(id) ? Number(id) : undefined;
  const ctx = renderContext(io, options, defaultTimeFormat);
  const store = await openForReading(path, options.recovery, io);
  try {
    const record = lsn === undefined ? undefined : await byLsn(store, lsn);
    if (record) {
      io.stdout.write(
        ctx.format === 'json'
          ? jsonDocument(withTimes(record, ctx))
          : renderFields(historyFields(record), ctx),
      );
      return 0;
    }
    const execution = await store.getExecution(id);
    if (!execution) {
      const what =
        lsn === undefined
          ? `no execution '${id}'`
          : `no record with lsn ${id} and no execution '${id}'`;
      throw new CommandFailure(
        ExitCode.error,
        `${what} on disk in ${path} (retention may have removed it, or it was deleted)`,
      );
    }
    if (ctx.format === 'json') {
      io.stdout.write(jsonDocument(execution));
      return 0;
    }
    io.stdout.write(renderFields(executionFields(execution), ctx));
    io.stdout.write('\n');
    io.stdout.write(
      renderList(
        executionTimeline(execution),
        { columns: timelineColumns, empty: 'no step recorded' },
        ctx,
      ),
    );
    return 0;
  } finally {
    await store.close();
  }
}

async function byLsn(store: WalStore, lsn: number): Promise<HistoryEntry | undefined> {
  for await (const entry of store.history({ fromLsn: lsn, kinds: recordedKinds })) {
    return entry.lsn === lsn ? entry : undefined;
  }
  return undefined;
}
