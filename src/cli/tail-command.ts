// `exec-wal tail <path> [-f] [-n N] [--after-lsn N]`: the last records on disk, then (with -f)
// new ones as the writer appends them, across rotation, until Ctrl-C.
import type { RecoveryMode } from '../store/journal-admin.js';
import type { HistoryEntry, HistoryKind } from '../journal/history-filter.js';
import { type CliIo, writeOut } from './cli-io.js';
import { defaultTimeFormat, historyView } from './history-view.js';
import { openForReading } from './journal-path.js';
import { streamList } from './output.js';
import { type OutputOptions, renderContext } from './render-context.js';

export interface TailOptions extends OutputOptions {
  follow?: boolean;
  lines: number;
  afterLsn?: number;
  recovery?: RecoveryMode;
}

const RECORD_KINDS: readonly HistoryKind[] = ['started', 'completed', 'cleanup'];

export async function tailCommand(path: string, options: TailOptions, io: CliIo): Promise<number> {
  const ctx = renderContext(io, options, defaultTimeFormat);
  const out = streamList(historyView(ctx), ctx);
  const store = await openForReading(path, options.recovery, io);
  try {
    await writeOut(io, out.head());
    let next = (options.afterLsn ?? 0) + 1;
    if (options.afterLsn !== undefined) {
      for await (const entry of store.history({ fromLsn: next, kinds: RECORD_KINDS })) {
        await writeOut(io, out.row(entry));
        next = entry.lsn + 1;
      }
    } else {
      // The last `lines` records, with bounded memory: a ring over one pass of the history.
      const last: HistoryEntry[] = [];
      for await (const entry of store.history({ kinds: RECORD_KINDS })) {
        last.push(entry);
        if (last.length > options.lines) last.shift();
        next = entry.lsn + 1;
      }
      for (const entry of last) await writeOut(io, out.row(entry));
    }
    if (options.follow) {
      for await (const entry of store.follow({ fromLsn: next, signal: io.signal })) {
        await writeOut(io, out.row(entry));
      }
    }
    return 0;
  } finally {
    await store.close();
  }
}
