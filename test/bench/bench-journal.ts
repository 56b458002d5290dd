// The workload every benchmark writes: pairs of (start, completion) records, execution j>>1 of
// action (j>>1) % actions, so a journal of N records has N/2 executions spread evenly over
// exactly `actions` actions; one completion in five fails.
import { RecordType, type RecordInput, WalWriter } from '../../src/index.js';

export function benchRecord(j: number, actions: number): RecordInput {
  const actionId = `action-${(j >> 1) % actions}`;
  const executionId = `e${j >> 1}`;
  const at = 1_700_000_000_000 + j;
  return j % 2 === 0
    ? {
        type: RecordType.actionStarted,
        value: {
          executionId,
          actionId,
          source: 'bench',
          executionType: 'command',
          attempt: 1,
          startedAt: at,
        },
      }
    : {
        type: RecordType.actionCompleted,
        value: {
          executionId,
          actionId,
          status: j % 10 === 1 ? 'failed' : 'succeeded',
          durationMs: (j * 7919) % 60_000,
          completedAt: at,
        },
      };
}

/** Appends records [from, to) in batches of 1,000 (durability 'none': setup, not what is measured). */
export async function writeBenchJournal(
  dir: string,
  from: number,
  to: number,
  actions: number,
): Promise<void> {
  const writer = await WalWriter.open(dir, { durability: 'none' });
  for (let i = from; i < to; i += 1000) {
    const batch: RecordInput[] = [];
    for (let j = i; j < Math.min(to, i + 1000); j++) batch.push(benchRecord(j, actions));
    await writer.append(batch);
  }
  await writer.close();
}
