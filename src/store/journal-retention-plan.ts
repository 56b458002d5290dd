// What `compact` would do, computed without changing anything: a checkpoint at the last LSN
// on disk would cover every sealed segment; retention picks from those.
import { nodeFileSystem } from '../wal/file-system.js';
import { replayLog } from '../wal/log-replay.js';
import { statSegments } from '../wal/segment-list.js';
import {
  planRetention,
  type RetentionPolicy,
  type SegmentOnDisk,
} from '../wal/segment-retention.js';

export interface RetentionPlan {
  checkpointLsn: number;
  segments: number;
  doomed: SegmentOnDisk[];
  doomedBytes: number;
}

export function journalRetentionPlan(dir: string, policy: RetentionPolicy): RetentionPlan {
  const scan = replayLog(dir, { recovery: 'point-in-time' }, () => {});
  const segments = statSegments(nodeFileSystem, dir);
  const names = new Set(planRetention(segments, scan.lastLsn, policy, Date.now()));
  const doomed = segments.filter((s) => names.has(s.name));
  return {
    checkpointLsn: scan.lastLsn,
    segments: segments.length,
    doomed,
    doomedBytes: doomed.reduce((sum, s) => sum + s.bytes, 0),
  };
}
