// `exec-wal inflight <path>`: executions started and not completed, with their age; those
// started before the last crash or restart (no writer alive) are 'interrupted'.
import type { InFlightExecution } from '../store/journal-types.js';
import { WalStore } from '../store/wal-store.js';
import { type CliIo, chooseFormat } from './cli-io.js';
import { existingJournal } from './journal-path.js';
import { type ColorMode, painter } from './terminal-style.js';
import { formatAgo, formatDuration, isoTime, renderCsv, renderTable } from './text-format.js';

export async function inflightCommand(
  path: string,
  options: { json?: boolean; output?: string; action?: string; color?: string },
  io: CliIo,
): Promise<number> {
  const format = chooseFormat(options);
  const store = await WalStore.open(existingJournal(path), { readOnly: true });
  try {
    const rows = store.inFlight().filter((e) => !options.action || e.actionId === options.action);
    const now = Date.now();
    if (format === 'json') io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else if (format === 'jsonl')
      for (const row of rows) io.stdout.write(`${JSON.stringify(row)}\n`);
    else if (format === 'csv') io.stdout.write(renderCsv(rows, csvColumns));
    else if (rows.length === 0) io.stdout.write('nothing in flight\n');
    else {
      const paint = painter(io, options.color as ColorMode | undefined);
      io.stdout.write(
        renderTable(rows, [
          { header: 'LSN', value: (r) => String(r.lsn), align: 'right' },
          { header: 'STATE', value: (r) => paint.status(r.state) },
          { header: 'ACTION', value: (r) => r.actionId, maxWidth: 20 },
          { header: 'STARTED', value: (r) => formatAgo(r.startedAt, now) },
          { header: 'AGE', value: (r) => formatDuration(now - r.startedAt), align: 'right' },
          { header: 'SOURCE', value: (r) => r.source, maxWidth: 16 },
          {
            header: 'EXECUTION',
            value: (r) => r.executionId,
            maxWidth: format === 'wide' ? 40 : 12,
          },
        ]),
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}

const csvColumns = [
  { header: 'lsn', value: (r: InFlightExecution) => String(r.lsn) },
  { header: 'state', value: (r: InFlightExecution) => r.state },
  { header: 'executionId', value: (r: InFlightExecution) => r.executionId },
  { header: 'actionId', value: (r: InFlightExecution) => r.actionId },
  { header: 'source', value: (r: InFlightExecution) => r.source },
  { header: 'attempt', value: (r: InFlightExecution) => String(r.attempt) },
  { header: 'startedAt', value: (r: InFlightExecution) => isoTime(r.startedAt) },
];
