// `exec-wal cleanups <path>`: the newest cleanup operations, newest first.
import type { CleanupRecord } from '../store/journal-types.js';
import { type CliIo, chooseFormat } from './cli-io.js';
import { openForReading, parseCount } from './journal-path.js';
import { type ColorMode, painter } from './terminal-style.js';
import { formatAgo, isoTime, renderCsv, renderTable } from './text-format.js';

export async function cleanupsCommand(
  path: string,
  options: {
    limit?: string;
    scanner?: string;
    failed?: boolean;
    json?: boolean;
    output?: string;
    color?: string;
  },
  io: CliIo,
): Promise<number> {
  const format = chooseFormat(options);
  const limit = parseCount(options.limit, 20);
  const store = await openForReading(path, undefined, io);
  try {
    const rows = store
      .recentCleanupOperations(Number.MAX_SAFE_INTEGER)
      .filter((r) => !options.scanner || r.scannerId === options.scanner)
      .filter((r) => !options.failed || !r.success)
      .slice(0, limit);
    const now = Date.now();
    if (format === 'json') io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else if (format === 'jsonl')
      for (const row of rows) io.stdout.write(`${JSON.stringify(row)}\n`);
    else if (format === 'csv') io.stdout.write(renderCsv(rows, csvColumns));
    else if (rows.length === 0) io.stdout.write('no cleanups recorded\n');
    else {
      const paint = painter(io, options.color as ColorMode | undefined);
      io.stdout.write(
        renderTable(rows, [
          { header: 'LSN', value: (r) => String(r.lsn), align: 'right' },
          { header: 'WHEN', value: (r) => formatAgo(r.executedAt, now) },
          { header: 'SCANNER', value: (r) => r.scannerId, maxWidth: 18 },
          { header: 'ACTION', value: (r) => r.action, maxWidth: 12 },
          { header: 'RESOURCE', value: (r) => r.resourceId, maxWidth: 24 },
          { header: 'RESULT', value: (r) => paint.status(r.success ? 'ok' : 'failed') },
          { header: 'ERROR', value: (r) => r.error ?? '', maxWidth: format === 'wide' ? 80 : 20 },
        ]),
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}

const csvColumns = [
  { header: 'lsn', value: (r: CleanupRecord) => String(r.lsn) },
  { header: 'scannerId', value: (r: CleanupRecord) => r.scannerId },
  { header: 'resourceId', value: (r: CleanupRecord) => r.resourceId },
  { header: 'action', value: (r: CleanupRecord) => r.action },
  { header: 'success', value: (r: CleanupRecord) => String(r.success) },
  { header: 'executedAt', value: (r: CleanupRecord) => isoTime(r.executedAt) },
  { header: 'error', value: (r: CleanupRecord) => r.error ?? '' },
];
