// Executions read from the records on disk (getExecution, listExecutions): one forward pass of
// the log from a starting LSN, each record of interest folded into its execution's detail. The
// pass yields to the event loop every few thousand records and releases its segment descriptor
// however it ends. Memory is bounded by the executions open at once during the pass.
import { ExecutionDetailBuilder } from '../journal/execution-detail.js';
import { decodeRecord, type DecodedRecord } from '../journal/record-registry.js';
import type { FileSystem } from '../wal/file-system.js';
import { iterateLog } from '../wal/log-replay.js';
import type { RecoveryMode } from '../wal/recovery-policy.js';

export interface ScanRange {
  fs: FileSystem;
  dir: string;
  recovery: RecoveryMode;
  fromLsn?: number;
  /** Last LSN of interest (inclusive). */
  toLsn?: number;
}

/** Records decoded and handed to `visit` in LSN order; `visit` returning 'stop' ends the pass. */
export async function scanRecords(
  range: ScanRange,
  visit: (record: DecodedRecord) => 'stop' | undefined,
): Promise<void> {
  const scan = iterateLog(range.dir, {
    recovery: range.recovery,
    fs: range.fs,
    fromLsn: range.fromLsn,
  });
  let count = 0;
  try {
    for (let step = scan.next(); !step.done; step = scan.next()) {
      const record = step.value;
      if (range.toLsn !== undefined && record.lsn > range.toLsn) return;
      const decoded = decodeRecord(record);
      if (decoded && visit(decoded) === 'stop') return;
      if (++count % 4096 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    scan.return(undefined as never);
  }
}

/** Every record of one execution folded into its detail. */
export async function scanExecution(
  range: ScanRange,
  executionId: string,
): Promise<ExecutionDetailBuilder> {
  const builder = new ExecutionDetailBuilder(executionId);
  await scanRecords(range, (record) => {
    if (record.kind.executionIdOf(record.payload) === executionId) builder.add(record);
    return undefined;
  });
  return builder;
}
