// Segment files are named after their base LSN in 16 zero-padded lowercase hex digits, so a
// plain sort of the names is log order: 0000000000000001.wal, 00000000000003e9.wal, ...
import { SEGMENT_NAME_HEX_DIGITS, SEGMENT_SUFFIX } from './constants.js';

const SEGMENT_NAME = /^([0-9a-f]{16})\.wal$/;

export function segmentName(baseLsn: number): string {
  return baseLsn.toString(16).padStart(SEGMENT_NAME_HEX_DIGITS, '0') + SEGMENT_SUFFIX;
}

/** The base LSN a segment file name encodes, or undefined when the name is not a segment's. */
export function parseSegmentName(name: string): number | undefined {
  const match = SEGMENT_NAME.exec(name);
  if (!match?.[1]) return undefined;
  const base = Number.parseInt(match[1], 16);
  return Number.isSafeInteger(base) && base > 0 ? base : undefined;
}
