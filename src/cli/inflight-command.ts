// `exec-wal inflight <path>`: executions started and not completed, with their age; those
// started before the last crash or restart (no writer alive) are 'interrupted'.
import type { RecoveryMode } from '../store/journal-admin.js';
import type { InFlightExecution } from '../journal/journal-types.js';
import type { CliIo } from './cli-io.js';
import { openForReading } from './journal-path.js';
import { type Column, renderList } from './output.js';
import { type OutputOptions, renderContext } from './render-context.js';

export interface InflightOptions extends OutputOptions {
  action?: string;
  recovery?: RecoveryMode;
}

export async function inflightCommand(
  path: string,
  options: InflightOptions,
  io: CliIo,
): Promise<number> {
  const ctx = renderContext(io, options);
  const store = await openForReading(path, options.recovery, io);
  try {
    const rows = store
      .inFlight()
      .filter((e) => options.action === undefined || e.actionId === options.action);
    const columns: Column<InFlightExecution>[] = [
      { header: 'LSN', name: 'lsn', kind: 'number', value: (r) => r.lsn },
      { header: 'STATE', name: 'state', kind: 'status', value: (r) => r.state },
      { header: 'ID', name: 'executionId', kind: 'text', value: (r) => r.executionId, in: ['csv'] },
      { header: 'ACTION', name: 'actionId', kind: 'text', value: (r) => r.actionId, maxWidth: 20 },
      {
        header: 'STARTED',
        name: 'startedAt',
        kind: 'time',
        value: (r) => r.startedAt,
        in: ['table', 'wide'],
      },
      {
        header: 'AGE',
        name: 'ageMs',
        kind: 'duration',
        value: (r) => ctx.nowMs - r.startedAt,
        in: ['table', 'wide'],
      },
      { header: 'SOURCE', name: 'source', kind: 'text', value: (r) => r.source, maxWidth: 16 },
      {
        header: 'ATTEMPT',
        name: 'attempt',
        kind: 'number',
        value: (r) => r.attempt,
        in: ['wide', 'csv'],
      },
      {
        header: 'STARTED',
        name: 'startedAt',
        kind: 'time',
        value: (r) => r.startedAt,
        in: ['csv'],
      },
      {
        header: 'TYPE',
        name: 'executionType',
        kind: 'text',
        value: (r) => r.executionType,
        in: ['csv'],
      },
      {
        header: 'EXECUTION',
        name: 'executionId',
        kind: 'text',
        value: (r) => r.executionId,
        maxWidth: 12,
        in: ['table', 'wide'],
      },
      {
        header: 'ATTRIBUTES',
        name: 'attributes',
        kind: 'json',
        value: (r) => r.attributes,
        in: ['wide', 'csv'],
      },
    ];
    io.stdout.write(renderList(rows, { columns, empty: 'nothing in flight' }, ctx));
    return 0;
  } finally {
    await store.close();
  }
}
