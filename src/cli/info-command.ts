// `exec-wal info <path>`: what is on disk: segments, sizes, LSN and time ranges, checkpoints,
// lock holder, and which CRC32C implementation this process uses. Read-only.
import { crcImplementation } from '../format/checksum.js';
import { WalStore } from '../store/wal-store.js';
import { readHolder } from '../wal/writer-lock.js';
import type { CliIo } from './cli-io.js';
import { existingJournal } from './journal-path.js';
import { isoTime } from './text-format.js';
import { formatBytes } from './unit-parse.js';

export async function infoCommand(
  path: string,
  options: { json?: boolean },
  io: CliIo,
): Promise<number> {
  const store = await WalStore.open(existingJournal(path), { readOnly: true });
  try {
    const usage = store.diskUsage();
    const report = store.recoveryReport;
    const holder = readHolder(path);
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
      crc32c: crcImplementation(),
    };
    if (options.json) {
      io.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
      return 0;
    }
    const lines: [string, string][] = [
      ['path', path],
      ['segments', `${info.segments} (${formatBytes(info.bytes)})`],
      [
        'lsn range',
        info.oldestLsn === undefined ? 'empty' : `${info.oldestLsn} - ${info.newestLsn}`,
      ],
      ['written', `${info.oldestSegmentAt || '-'} .. ${info.newestSegmentAt || '-'}`],
      [
        'checkpoint',
        info.checkpointLsn === undefined
          ? 'none'
          : `lsn ${info.checkpointLsn} (${formatBytes(info.checkpointBytes)} on disk)`,
      ],
      ['tail', info.tail],
      [
        'in flight',
        `${info.inFlight}${info.interrupted ? ` (${info.interrupted} interrupted)` : ''}`,
      ],
      [
        'writer',
        holder
          ? `pid ${holder.pid} on ${holder.hostname} since ${isoTime(holder.sinceMs)}`
          : 'none (not locked)',
      ],
      ['crc32c', info.crc32c],
    ];
    for (const rejected of info.rejectedCheckpoints)
      lines.push(['damaged', `${rejected.name}: ${rejected.reason}`]);
    for (const [key, value] of lines) io.stdout.write(`${key.padEnd(11)} ${value}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
