// Where the patterns find secrets, and the text with those places masked. Every pattern scans
// the same text, and the union of what they find is masked in one pass, so no pattern's mask
// can hide the context another pattern needs (`Bearer --password x`: both the token and the
// flag's value go).

/** What a secret is replaced by (re-exported by secret-masker.ts, which documents it). */
export const REDACTED = '[REDACTED]';

/** How a pattern's `secret…` groups are located in a match. */
export const GroupPlacement = {
  /** Every `secret…` group ends where the match ends (the built-ins): no `d` flag needed. */
  suffix: 'suffix',
  /** Anywhere (caller patterns): located with the `d` flag's indices. */
  anywhere: 'anywhere',
} as const;
export type GroupPlacement = (typeof GroupPlacement)[keyof typeof GroupPlacement];

export interface CompiledPattern {
  readonly regex: RegExp;
  /** Named groups replaced by the mask; none: the whole match is. */
  readonly secretGroups: readonly string[];
  readonly placement: GroupPlacement;
  readonly accept: ((match: RegExpExecArray) => boolean) | undefined;
}

/** A private copy of `pattern` with the `g` flag (and `d` where needed; without `y`). */
export function compilePattern(
  pattern: RegExp,
  placement: GroupPlacement,
  accept?: (match: RegExpExecArray) => boolean,
): CompiledPattern {
  const secretGroups = [...pattern.source.matchAll(/\(\?<(secret[A-Za-z0-9_$]*)>/g)].map(
    (m) => m[1]!,
  );
  const wanted = placement === GroupPlacement.anywhere && secretGroups.length > 0 ? 'gd' : 'g';
  const flags = [...new Set(`${pattern.flags.replace('y', '')}${wanted}`)].join('');
  return { regex: new RegExp(pattern.source, flags), secretGroups, placement, accept };
}

/** True when [start, end) lies inside an occurrence of REDACTED in `text`. */
function insideMask(text: string, start: number, end: number): boolean {
  for (let at = start; at >= 0 && at > start - REDACTED.length; at--) {
    if (text.charCodeAt(at) === 91 && text.startsWith(REDACTED, at))
      return at + REDACTED.length >= end;
  }
  return false;
}

/** Appends the [start, end) of each `secret…` group of `match` to `spans`; false if none took part. */
function groupSpans(pattern: CompiledPattern, match: RegExpExecArray, spans: number[]): boolean {
  let found = false;
  if (pattern.placement === GroupPlacement.suffix) {
    const end = match.index + match[0].length;
    for (const name of pattern.secretGroups) {
      const value = match.groups?.[name];
      if (value === undefined) continue;
      found = true;
      if (!insideMask(match.input, end - value.length, end)) spans.push(end - value.length, end);
    }
    return found;
  }
  const indices = match.indices?.groups;
  for (const name of pattern.secretGroups) {
    const span = indices?.[name];
    if (span === undefined) continue;
    found = true;
    if (!insideMask(match.input, span[0], span[1])) spans.push(span[0], span[1]);
  }
  return found;
}

/**
 * Appends to `spans` the [start, end) of every secret `pattern` finds in `text`: its `secret…`
 * groups, or the whole match. A refused or empty match resumes the scan one character later;
 * a span inside an earlier mask is skipped (that keeps masking idempotent).
 */
export function collectSpans(pattern: CompiledPattern, text: string, spans: number[]): void {
  const { regex, accept } = pattern;
  regex.lastIndex = 0;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    const start = match.index;
    const end = start + match[0].length;
    if (end === start || (accept !== undefined && !accept(match))) {
      regex.lastIndex = start + 1;
      continue;
    }
    if (!groupSpans(pattern, match, spans) && !insideMask(text, start, end)) spans.push(start, end);
  }
}

/** `text` with the union of `spans` (flat start/end pairs) replaced by REDACTED, one per run. */
export function maskSpans(text: string, spans: readonly number[]): string {
  if (spans.length === 0) return text;
  const pairs: [number, number][] = [];
  for (let i = 0; i < spans.length; i += 2) pairs.push([spans[i]!, spans[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  let out = '';
  let [runStart, runEnd] = pairs[0]!;
  let copied = 0;
  for (let i = 1; i <= pairs.length; i++) {
    const next = pairs[i];
    // A span that overlaps or touches the current run extends it.
    if (next !== undefined && next[0] <= runEnd) {
      if (next[1] > runEnd) runEnd = next[1];
      continue;
    }
    out += text.slice(copied, runStart) + REDACTED;
    copied = runEnd;
    if (next !== undefined) [runStart, runEnd] = next;
  }
  return out + text.slice(copied);
}
