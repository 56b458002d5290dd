// `exec-wal show <path> <executionId|lsn>`: one record in full. A whole number is an LSN;
// anything else an execution id, shown with its start and completion merged.
import { flatEntry } from '../journal/history-entry.js';
import type { RecoveryMode } from '../store/journal-admin.js';
import type { HistoryEntry } from '../journal/history-filter.js';
import type { WalStore } from '../store/wal-store.js';
import { type CliIo, CommandFailure, ExitCode, UsageError } from './cli-io.js';
import { defaultTimeFormat, historyFields, withTimes } from './history-view.js';
import { openForReading } from './journal-path.js';
import { jsonDocument, type OutputFormat, renderFields, type TimeFormat } from './output.js';
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
    const found = lsn === undefined ? await byExecution(store, id) : await byLsn(store, lsn);
    if (!found) {
      const what = lsn === undefined ? `no execution '${id}'` : `no record with lsn ${id}`;
      throw new CommandFailure(
        ExitCode.error,
        `${what} on disk in ${path} (retention may have removed it)`,
      );
    }
    io.stdout.write(
      ctx.format === 'json'
        ? jsonDocument(withTimes(found, ctx))
        : renderFields(historyFields(found), ctx),
    );
    return 0;
  } finally {
    await store.close();
  }
}

async function byLsn(store: WalStore, lsn: number): Promise<HistoryEntry | undefined> {
  for await (const entry of store.history({
    fromLsn: lsn,
    kinds: ['started', 'completed', 'cleanup'],
  })) {
    return entry.lsn === lsn ? entry : undefined;
  }
  return undefined;
}

/** The completion (with its start joined) if there is one, else the start and its state. */
async function byExecution(
  store: WalStore,
  executionId: string,
): Promise<HistoryEntry | undefined> {
  let start: HistoryEntry | undefined;
  let end: HistoryEntry | undefined;
  for await (const entry of store.history()) {
    if (flatEntry(entry).executionId !== executionId) continue;
    if (entry.kind === 'completed') end = entry;
    else if (entry.kind === 'started') start = entry;
    else if (!end) start = entry; // interrupted / in-flight marker
  }
  return end ?? start;
}
