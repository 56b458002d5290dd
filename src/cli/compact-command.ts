// `exec-wal compact <path>`: remove the bytes of deleted executions (their records become
// redacted records), write a checkpoint and delete the segments it covers that the retention
// flags allow. Takes the writer lock (refuses with exit 4 if a writer holds it).
// `--dry-run` reads the journal as the real run would (damage fails it the same way) and
// changes nothing.
import { lockHolder, planCompaction, type RetentionPolicy } from '../store/journal-admin.js';
import { WalStore } from '../store/wal-store.js';
import type { CliIo } from './cli-io.js';
import { existingJournal } from './journal-path.js';
import { humanLine } from './output.js';
import { formatBytes, plural } from './text-format.js';

export interface CompactOptions {
  keepSegments?: number;
  keepBytes?: number;
  keepAge?: number;
  dryRun?: boolean;
}

export async function compactCommand(
  path: string,
  options: CompactOptions,
  io: CliIo,
): Promise<number> {
  const retention: RetentionPolicy = {};
  if (options.keepSegments !== undefined) retention.maxSegments = options.keepSegments;
  if (options.keepBytes !== undefined) retention.maxBytes = options.keepBytes;
  if (options.keepAge !== undefined) retention.maxAgeMs = options.keepAge;
  const say = (text: string) => io.stdout.write(humanLine(text));
  if (options.dryRun) {
    existingJournal(path, 'read');
    const plan = await planCompaction(path, retention);
    if (plan.tail.status === 'torn')
      say(
        `dry run: would first cut a torn tail of ${plural(plan.tail.droppedBytes, 'byte')} from ${plan.tail.segment} at offset ${plan.tail.offset} (${plan.tail.reason}), as every writer's open does`,
      );
    say(`dry run: would write a checkpoint at lsn ${plan.checkpointLsn}`);
    for (const seg of plan.doomed)
      say(`dry run: would delete ${seg.name} (${formatBytes(seg.bytes)})`);
    say(
      `dry run: ${plan.doomed.length} of ${plural(plan.segments, 'segment')}, ${formatBytes(plan.doomedBytes)} would be freed; nothing was changed`,
    );
    const holder = await lockHolder(path);
    if (holder)
      say(
        `note: a writer (pid ${holder.pid} on ${holder.hostname}) holds the lock; compact will refuse until it stops`,
      );
    return 0;
  }
  existingJournal(path, 'write');
  const store = await WalStore.open(path, { retention, checkpointEveryBytes: 0 });
  try {
    const before = store.diskUsage();
    const erased = await store.compactErased();
    if (erased.recordsRedacted > 0)
      say(
        `removed the bytes of ${plural(erased.recordsRedacted, 'record')} of deleted executions from ${plural(erased.segmentsRewritten.length, 'segment')}`,
      );
    const result = await store.checkpoint();
    const after = store.diskUsage();
    say(`wrote ${result.name} (lsn ${result.lsn}, ${formatBytes(result.bytes)})`);
    for (const name of result.removedSegments) say(`deleted ${name}`);
    say(
      `segments ${before.segments} -> ${after.segments}, ${formatBytes(before.bytes)} -> ${formatBytes(after.bytes)}`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
