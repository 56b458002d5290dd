// Verification of a whole journal: every segment read in salvage mode (so one damaged range does
// not hide the next), every record folded, every problem kept with its place. Read-only; it
// reads each segment only up to the size it had when verification reached it.
import { ErrorCode, WalError } from '../errors.js';
import { applyRecord } from '../journal/journal-fold.js';
import { JournalState } from '../journal/journal-state.js';
import { iterateLog, replayInto } from '../wal/log-replay.js';
import { limitsFrom } from './store-options.js';

export interface SegmentVerdict {
  name: string;
  verdict: 'pass' | 'fail' | 'torn';
  fileBytes: number;
  baseLsn: number;
  lastLsn: number;
  problems: { offset: number; expectedLsn: number; reason: string; droppedBytes: number }[];
}

export interface VerifyReport {
  path: string;
  segments: SegmentVerdict[];
  records: number;
  firstLsn: number | undefined;
  lastLsn: number;
  /** Damage other than a torn tail, or records whose payload is invalid. */
  corrupt: boolean;
  /** Records this version cannot read (an unknown critical type): upgrade, not repair. */
  unsupported: { lsn: number; message: string }[];
  tornTail: boolean;
  recordProblems: { lsn: number; message: string }[];
}

const MAX_RECORD_PROBLEMS = 100;

export function verifyJournal(
  path: string,
  onProgress?: (progress: { bytesDone: number; bytesTotal: number }) => void,
): VerifyReport {
  const state = new JournalState({ ...limitsFrom({}), maxHistoryEntries: 1, statsAttributes: [] });
  const recordProblems: VerifyReport['recordProblems'] = [];
  const unsupported: VerifyReport['unsupported'] = [];
  const report = replayInto(iterateLog(path, { recovery: 'salvage', onProgress }), (record) => {
    try {
      applyRecord(state, record);
    } catch (error) {
      if (!(error instanceof WalError)) throw error;
      const list = error.code === ErrorCode.unsupported ? unsupported : recordProblems;
      if (list.length < MAX_RECORD_PROBLEMS) list.push({ lsn: record.lsn, message: error.message });
    }
  });
  const segments: SegmentVerdict[] = report.segments.map((s) => {
    const problems = report.damage
      .filter((d) => d.segment === s.name)
      .map((d) => ({
        offset: d.offset,
        expectedLsn: d.expectedLsn,
        reason: d.reason,
        droppedBytes: d.droppedBytes,
      }));
    const midLog = report.damage.some((d) => d.segment === s.name && d.kind === 'mid-log');
    const bad = recordProblems.some((p) => p.lsn >= s.baseLsn && p.lsn <= s.lastLsn);
    const verdict = midLog || bad ? 'fail' : s.status === 'torn-tail' ? 'torn' : 'pass';
    return {
      name: s.name,
      verdict,
      fileBytes: s.fileBytes,
      baseLsn: s.baseLsn,
      lastLsn: s.lastLsn,
      problems,
    };
  });
  return {
    path,
    segments,
    records: report.records,
    firstLsn: report.firstLsn,
    lastLsn: report.lastLsn,
    corrupt: segments.some((s) => s.verdict === 'fail') || recordProblems.length > 0,
    tornTail: report.tail.status === 'torn',
    recordProblems,
    unsupported,
  };
}
