// `exec-wal tail <path> [-f] [-n N] [--after-lsn N]`: the last records on disk, then (with -f)
// new ones as the writer appends them, across rotation, until Ctrl-C.
import type { HistoryEntry, HistoryKind } from '../store/journal-history.js';
import { WalStore } from '../store/wal-store.js';
import { type CliIo, writeOut } from './cli-io.js';
import {
  checkTimeFormat,
  csvHeader,
  csvLine,
  defaultTimeFormat,
  type EntryFormat,
  jsonLine,
  textLine,
} from './history-output.js';
import { existingJournal, UsageError } from './journal-path.js';
import { type ColorMode, painter } from './terminal-style.js';

export interface TailOptions {
  follow?: boolean;
  lines?: string;
  afterLsn?: string;
  output?: string;
  timeFormat?: string;
  color?: string;
  pollMs?: string;
}

const RECORD_KINDS: readonly HistoryKind[] = ['started', 'completed', 'cleanup'];

export async function tailCommand(path: string, options: TailOptions, io: CliIo): Promise<number> {
  const count = Number(options.lines ?? '10');
  if (!Number.isInteger(count) || count < 0)
    throw new UsageError(`-n takes a count >= 0, got '${options.lines}'`);
  const afterLsn = options.afterLsn === undefined ? undefined : Number(options.afterLsn);
  if (afterLsn !== undefined && (!Number.isInteger(afterLsn) || afterLsn < 0)) {
    throw new UsageError(`--after-lsn takes an lsn >= 0, got '${options.afterLsn}'`);
  }
  const output = (options.output ?? 'table') as EntryFormat;
  const timeFormat = checkTimeFormat(options.timeFormat) ?? defaultTimeFormat(output);
  const paint = painter(io, options.color as ColorMode | undefined);
  const render = (entry: HistoryEntry) => {
    const now = Date.now();
    if (output === 'json' || output === 'jsonl') return jsonLine(entry, timeFormat, now);
    if (output === 'csv') return csvLine(entry, timeFormat, now);
    return textLine(entry, timeFormat, now, paint);
  };
  const store = await WalStore.open(existingJournal(path), { readOnly: true });
  try {
    if (output === 'csv') await writeOut(io, csvHeader());
    let next = (afterLsn ?? 0) + 1;
    if (afterLsn !== undefined) {
      for await (const entry of store.history({ fromLsn: next, kinds: RECORD_KINDS })) {
        await writeOut(io, render(entry));
        next = entry.lsn + 1;
      }
    } else {
      // The last `count` records, with bounded memory: a ring over one pass of the history.
      const last: HistoryEntry[] = [];
      for await (const entry of store.history({ kinds: RECORD_KINDS })) {
        last.push(entry);
        if (last.length > count) last.shift();
        next = entry.lsn + 1;
      }
      for (const entry of last) await writeOut(io, render(entry));
    }
    if (options.follow) {
      const pollMs = options.pollMs === undefined ? undefined : Number(options.pollMs);
      for await (const entry of store.follow({ fromLsn: next, signal: io.signal, pollMs })) {
        await writeOut(io, render(entry));
      }
    }
    return 0;
  } finally {
    await store.close();
  }
}
