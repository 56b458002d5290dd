// `exec-wal compact <path>`: write a checkpoint and delete the segments it covers that the
// retention flags allow. Takes the writer lock (refuses with exit 4 if a writer holds it).
import { WalLockedError } from '../errors.js';
import { journalRetentionPlan } from '../store/journal-retention-plan.js';
import { WalStore } from '../store/wal-store.js';
import { readHolder } from '../wal/writer-lock.js';
import type { CliIo } from './cli-io.js';
import { existingJournal, UsageError } from './journal-path.js';
import { formatBytes, parseDuration, parseSize } from './unit-parse.js';

export interface CompactOptions {
  keepSegments?: string;
  keepBytes?: string;
  keepAge?: string;
  dryRun?: boolean;
}

export async function compactCommand(
  path: string,
  options: CompactOptions,
  io: CliIo,
): Promise<number> {
  const retention = {
    maxSegments: options.keepSegments === undefined ? undefined : positiveInt(options.keepSegments),
    maxBytes:
      options.keepBytes === undefined ? undefined : parseSize(options.keepBytes, '--keep-bytes'),
    maxAgeMs:
      options.keepAge === undefined ? undefined : parseDuration(options.keepAge, '--keep-age'),
  };
  existingJournal(path);
  if (options.dryRun) {
    const holder = readHolder(path);
    if (holder) throw new WalLockedError(path, holder);
    const plan = journalRetentionPlan(path, retention);
    io.stdout.write(`dry run: would write a checkpoint at lsn ${plan.checkpointLsn}\n`);
    for (const seg of plan.doomed)
      io.stdout.write(`dry run: would delete ${seg.name} (${formatBytes(seg.bytes)})\n`);
    io.stdout.write(
      `dry run: ${plan.doomed.length} of ${plan.segments} segments, ${formatBytes(plan.doomedBytes)} would be freed; nothing was changed\n`,
    );
    return 0;
  }
  const store = await WalStore.open(path, { retention, checkpointEveryBytes: 0 });
  try {
    const before = store.diskUsage();
    const result = await store.checkpoint();
    const after = store.diskUsage();
    io.stdout.write(
      `wrote ${result.name} (lsn ${result.lsn}, ${formatBytes(result.bytes)}) in ${Math.round(result.durationMs)} ms\n`,
    );
    for (const name of result.removedSegments) io.stdout.write(`deleted ${name}\n`);
    io.stdout.write(
      `segments ${before.segments} -> ${after.segments}, ${formatBytes(before.bytes)} -> ${formatBytes(after.bytes)}\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

function positiveInt(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`--keep-segments takes a positive integer, got '${text}'`);
  return value;
}
