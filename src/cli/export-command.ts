// `exec-wal export <path>`: every record still on disk, as JSON Lines (the API's field names;
// times as epoch ms unless --time-format iso) or CSV, with recent's filters; streams with
// bounded memory and waits for a slow reader.
import { type ExecutionStatus, executionStatuses } from '../store/journal-records.js';
import type { HistoryFilter, HistoryKind } from '../store/journal-history.js';
import { WalStore } from '../store/wal-store.js';
import { type CliIo, writeOut } from './cli-io.js';
import {
  checkTimeFormat,
  csvHeader,
  csvLine,
  defaultTimeFormat,
  jsonLine,
} from './history-output.js';
import { existingJournal, UsageError } from './journal-path.js';
import { progressBar } from './terminal-style.js';
import { parseWindow } from './time-window.js';

export interface ExportOptions {
  output?: string;
  action?: string;
  status?: string;
  failed?: boolean;
  source?: string;
  since?: string;
  until?: string;
  fromLsn?: string;
  timeFormat?: string;
}

export async function exportCommand(
  path: string,
  options: ExportOptions,
  io: CliIo,
): Promise<number> {
  const output = options.output ?? 'jsonl';
  if (output !== 'jsonl' && output !== 'csv')
    throw new UsageError(`export writes -o jsonl or -o csv, not '${output}'`);
  if (options.status && !executionStatuses.includes(options.status as ExecutionStatus)) {
    throw new UsageError(`--status must be one of ${executionStatuses.join(', ')}`);
  }
  const timeFormat = checkTimeFormat(options.timeFormat) ?? defaultTimeFormat(output);
  const filter: HistoryFilter = { ...parseWindow(options, Date.now()) };
  if (options.action !== undefined) filter.actionId = options.action;
  if (options.status !== undefined) filter.status = options.status as ExecutionStatus;
  if (options.source !== undefined) filter.source = options.source;
  if (options.fromLsn !== undefined) filter.fromLsn = Number(options.fromLsn);
  if (options.failed) filter.kinds = ['completed'] satisfies HistoryKind[];
  const progress = progressBar(io, 'export');
  const store = await WalStore.open(existingJournal(path), { readOnly: true });
  try {
    if (output === 'csv') await writeOut(io, csvHeader());
    const now = Date.now();
    for await (const entry of store.history(filter, progress)) {
      if (options.failed && entry.success !== false) continue;
      await writeOut(
        io,
        output === 'csv' ? csvLine(entry, timeFormat, now) : jsonLine(entry, timeFormat, now),
      );
    }
    return 0;
  } finally {
    progress.done();
    await store.close();
  }
}
