// `exec-wal export <path>`: every record still on disk, as JSON Lines (the API's field names;
// times as epoch ms unless --time-format iso) or CSV, with recent's filters; streams with
// bounded memory and waits for a slow reader.
import { flatEntry } from '../journal/history-entry.js';
import type { ExecutionStatus, RecoveryMode } from '../store/journal-admin.js';
import type { HistoryFilter } from '../journal/history-filter.js';
import { type CliIo, UsageError, writeOut } from './cli-io.js';
import { defaultTimeFormat, historyView } from './history-view.js';
import { openForReading } from './journal-path.js';
import { streamList } from './output.js';
import { type OutputOptions, renderContext } from './render-context.js';
import { progressBar } from './terminal-style.js';

export interface ExportOptions extends OutputOptions {
  action?: string;
  status?: ExecutionStatus;
  failed?: boolean;
  source?: string;
  attr?: Record<string, string>;
  since?: number;
  until?: number;
  fromLsn?: number;
  recovery?: RecoveryMode;
}

export async function exportCommand(
  path: string,
  options: ExportOptions,
  io: CliIo,
): Promise<number> {
  const { since, until } = options;
  if (since !== undefined && until !== undefined && since >= until)
    throw new UsageError('--since must be before --until');
  const ctx = renderContext(io, options, defaultTimeFormat);
  const out = streamList(historyView(ctx), ctx);
  const filter: HistoryFilter = {};
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;
  if (options.action !== undefined) filter.actionId = options.action;
  if (options.status !== undefined) filter.status = options.status;
  if (options.source !== undefined) filter.source = options.source;
  if (options.attr !== undefined) filter.attributes = options.attr;
  if (options.fromLsn !== undefined) filter.fromLsn = options.fromLsn;
  if (options.failed) filter.kinds = ['completed', 'cancelled'];
  const store = await openForReading(path, options.recovery, io);
  const progress = progressBar(io, 'export');
  try {
    await writeOut(io, out.head());
    for await (const entry of store.history(filter, progress)) {
      if (options.failed && flatEntry(entry).success !== false) continue;
      await writeOut(io, out.row(entry));
    }
    return 0;
  } finally {
    progress.done();
    await store.close();
  }
}
