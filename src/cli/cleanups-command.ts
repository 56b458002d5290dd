// `exec-wal cleanups <path>`: the newest cleanup operations, newest first.
import type { RecoveryMode } from '../store/journal-admin.js';
import type { CleanupRecord } from '../journal/journal-types.js';
import type { CliIo } from './cli-io.js';
import { openForReading } from './journal-path.js';
import { type Column, renderList } from './output.js';
import { type OutputOptions, renderContext } from './render-context.js';

export interface CleanupsOptions extends OutputOptions {
  limit: number;
  scanner?: string;
  failed?: boolean;
  recovery?: RecoveryMode;
}

export async function cleanupsCommand(
  path: string,
  options: CleanupsOptions,
  io: CliIo,
): Promise<number> {
  const ctx = renderContext(io, options);
  const store = await openForReading(path, options.recovery, io);
  try {
    const rows = store
      .recentCleanupOperations(Number.MAX_SAFE_INTEGER)
      .filter((r) => options.scanner === undefined || r.scannerId === options.scanner)
      .filter((r) => !options.failed || !r.success)
      .slice(0, options.limit);
    io.stdout.write(
      renderList(rows, { columns: cleanupColumns, empty: 'no cleanups recorded' }, ctx),
    );
    return 0;
  } finally {
    await store.close();
  }
}

const cleanupColumns: readonly Column<CleanupRecord>[] = [
  { header: 'LSN', name: 'lsn', kind: 'number', value: (r) => r.lsn },
  {
    header: 'WHEN',
    name: 'executedAt',
    kind: 'time',
    value: (r) => r.executedAt,
    in: ['table', 'wide'],
  },
  { header: 'SCANNER', name: 'scannerId', kind: 'text', value: (r) => r.scannerId, maxWidth: 18 },
  {
    header: 'RESOURCE',
    name: 'resourceId',
    kind: 'text',
    value: (r) => r.resourceId,
    maxWidth: 24,
  },
  { header: 'ACTION', name: 'action', kind: 'text', value: (r) => r.action, maxWidth: 12 },
  {
    header: 'RESULT',
    name: 'success',
    kind: 'status',
    value: (r) => (r.success ? 'ok' : 'failed'),
    in: ['table', 'wide'],
  },
  { header: 'OK', name: 'success', kind: 'text', value: (r) => String(r.success), in: ['csv'] },
  { header: 'EXECUTED', name: 'executedAt', kind: 'time', value: (r) => r.executedAt, in: ['csv'] },
  { header: 'ERROR', name: 'error', kind: 'text', value: (r) => r.error, maxWidth: 20 },
];
