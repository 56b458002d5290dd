// `exec-wal show <path> <executionId|lsn>`: one record in full. A number is an LSN; anything
// else an execution id, shown with its start and completion merged.
import type { HistoryEntry } from '../store/journal-history.js';
import { WalStore } from '../store/wal-store.js';
import type { CliIo } from './cli-io.js';
import { checkTimeFormat, withTimes } from './history-output.js';
import { existingJournal } from './journal-path.js';
import { formatDuration } from './text-format.js';
import { ErrorCode, WalError } from '../errors.js';

export interface ShowOptions {
  output?: string;
  json?: boolean;
  timeFormat?: string;
}

export async function showCommand(
  path: string,
  id: string,
  options: ShowOptions,
  io: CliIo,
): Promise<number> {
  const store = await WalStore.open(existingJournal(path), { readOnly: true });
  try {
    const found = /^\d+$/.test(id) ? await byLsn(store, Number(id)) : await byExecution(store, id);
    if (!found) {
      const what = /^\d+$/.test(id) ? `no record with lsn ${id}` : `no execution '${id}'`;
      throw new WalError(
        ErrorCode.invalidArgument,
        `${what} on disk in ${path} (retention may have removed it)`,
      );
    }
    const json = options.json || options.output === 'json';
    const timeFormat = checkTimeFormat(options.timeFormat) ?? (json ? 'raw' : 'iso');
    const view = withTimes(found, timeFormat, Date.now());
    if (json) {
      io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
      return 0;
    }
    for (const [key, value] of Object.entries(view)) {
      if (value === undefined) continue;
      const text =
        key === 'durationMs'
          ? `${value} (${formatDuration(value as number)})`
          : typeof value === 'object'
            ? JSON.stringify(value)
            : String(value);
      const lines = text.split('\n');
      io.stdout.write(`${key.padEnd(14)} ${lines[0]}\n`);
      for (const line of lines.slice(1)) io.stdout.write(`${' '.repeat(15)}${line}\n`);
    }
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
    if (entry.executionId !== executionId) continue;
    if (entry.kind === 'completed') end = entry;
    else if (entry.kind === 'started') start = entry;
    else if (!end) start = entry; // interrupted / in-flight marker
  }
  return end ?? start;
}
