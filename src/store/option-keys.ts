// Every options object a caller passes is checked against the keys its function knows: an
// unknown key (a typo such as `maxHistoryEntrys`) is a WalValidationError naming it and the
// nearest valid key, never silently ignored.
import { ErrorCode, WalValidationError } from '../errors.js';

/** Throws unless `options` is undefined or a plain object whose keys are all in `known`. */
export function checkOptionKeys(what: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new WalValidationError(ErrorCode.invalidArgument, `${what} must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = nearest(key, known);
    throw new WalValidationError(
      ErrorCode.invalidArgument,
      `${what} has no option '${key}'${near ? `; did you mean '${near}'?` : ''} (known: ${known.join(', ')})`,
    );
  }
}

/** The known key within edit distance 3 of `key` (case-insensitive), the closest first. */
function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance (the keys are short: a two-row table is enough). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
