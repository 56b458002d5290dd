// `exec-wal info <path>`: what is on disk: segments, sizes, LSN and time ranges, checkpoints,
// lock holder, and which CRC32C implementation this process uses. Read-only; a damaged journal
// fails as the other reading commands do (exit 3; `--recovery salvage` reads it anyway).
import { checksumImplementation, lockHolder, type RecoveryMode } from '../store/journal-admin.js';
import type { CliIo } from './cli-io.js';
import { openForReading } from './journal-path.js';
import { type Field, jsonDocument, type OutputFormat, renderFields } from './output.js';
import { renderContext } from './render-context.js';
import { formatBytes, isoTime } from './text-format.js';

export interface InfoOptions {
  output?: Extract<OutputFormat, 'table' | 'json'>;
  json?: boolean;
  recovery?: RecoveryMode;
}

export async function infoCommand(path: string, options: InfoOptions, io: CliIo): Promise<number> {
  const ctx = renderContext(io, options);
  const store = await openForReading(path, options.recovery, io);
  try {
    const usage = store.diskUsage();
    const report = store.recoveryReport;
    const holder = await lockHolder(path);
    const info = {
      path,
      segments: usage.segments,
      bytes: usage.bytes,
      oldestLsn: usage.oldestLsn,
      newestLsn: usage.newestLsn,
      oldestSegmentAt: isoTime(usage.oldestSegmentAt),
      newestSegmentAt: isoTime(usage.newestSegmentAt),
      checkpointLsn: usage.checkpointLsn,
      checkpointBytes: usage.checkpointBytes,
      loadedCheckpoint: report.checkpoint?.name,
      rejectedCheckpoints: report.rejectedCheckpoints,
      tail: report.tail.status,
      inFlight: store.inFlight().length,
      interrupted: report.interruptedCount,
      lockHolder: holder
        ? { pid: holder.pid, hostname: holder.hostname, since: isoTime(holder.sinceMs) }
        : null,
      crc32c: await checksumImplementation(),
    };
    if (ctx.format === 'json') {
      io.stdout.write(jsonDocument(info));
      return 0;
    }
    const text = (label: string, value: string): Field => ({ label, value, kind: 'text' });
    const fields: Field[] = [
      text('path', path),
      text('segments', `${info.segments} (${formatBytes(info.bytes)})`),
      text(
        'lsn range',
        info.oldestLsn === undefined ? 'empty' : `${info.oldestLsn} - ${info.newestLsn}`,
      ),
      text('written', `${info.oldestSegmentAt || '-'} .. ${info.newestSegmentAt || '-'}`),
      text(
        'checkpoint',
        info.checkpointLsn === undefined
          ? 'none'
          : `lsn ${info.checkpointLsn} (${formatBytes(info.checkpointBytes)} on disk)`,
      ),
      text('tail', info.tail),
      text(
        'in flight',
        `${info.inFlight}${info.interrupted ? ` (${info.interrupted} interrupted)` : ''}`,
      ),
      text(
        'writer',
        holder
          ? `pid ${holder.pid} on ${holder.hostname} since ${isoTime(holder.sinceMs)}`
          : 'none (not locked)',
      ),
      text('crc32c', info.crc32c),
      ...info.rejectedCheckpoints.map((r) => text('damaged', `${r.name}: ${r.reason}`)),
    ];
    io.stdout.write(renderFields(fields, ctx));
    return 0;
  } finally {
    await store.close();
  }
}
