// The masker's fast path: for each built-in pattern, a necessary condition (a trigger), all
// checked in one scan of the lowercased text plus one scan for card-like digits. A pattern runs
// only on text in which one of its triggers fires, so most log text costs these two scans and
// nothing else; text that fires a trigger without holding a secret ("tokens: 12") only costs
// the patterns it names.
//
// Why this shape: V8 scans fastest when each alternative starts with one literal character and
// alternatives sharing a first character are merged; a lookbehind right after that character
// confirms the context. Digits are common in logs, so the card check is its own regex (inside
// the alternation it triples the cost). Soundness (a pattern matches => one of its triggers
// fires) is tested in test/journal/secret-masker.test.ts on random texts.
import { builtinSecretPatterns } from './secret-patterns.js';

/**
 * A trigger on the lowercased text: its anchor character, what must precede the anchor
 * (`behind`, a lookbehind source that ends with the anchor) and what must follow it (`ahead`).
 */
interface Trigger {
  anchor: string;
  behind?: string;
  ahead?: string;
  patterns: readonly string[];
}
const keyPatterns = ['secret-assignment', 'secret-flag'];

const triggers: readonly Trigger[] = [
  { anchor: 'w', behind: 'passw', patterns: keyPatterns },
  { anchor: 'w', behind: 'pw', ahead: 'd', patterns: keyPatterns },
  { anchor: 'w', ahead: 'hsec_', patterns: ['stripe-key'] },
  { anchor: 'p', behind: 'passp', ahead: 'hrase', patterns: keyPatterns },
  { anchor: 'c', behind: 'sec', ahead: 'ret', patterns: [...keyPatterns, 'aws-secret-access-key'] },
  { anchor: 'c', ahead: 'redential', patterns: keyPatterns },
  { anchor: 'k', behind: 'tok', ahead: 'en', patterns: keyPatterns },
  { anchor: 'k', behind: '(?:api|access|private)[_-]?k', ahead: 'ey', patterns: keyPatterns },
  { anchor: 'k', behind: 'cook', ahead: 'ie', patterns: ['auth-header'] },
  { anchor: 'k', behind: 'hook', ahead: 's\\.slack\\.com/', patterns: ['slack-webhook'] },
  { anchor: 'k', ahead: '_(?:live|test)_', patterns: ['stripe-key'] },
  { anchor: 'k', behind: 'ak', ahead: 'ia', patterns: ['aws-access-key-id'] },
  { anchor: 'z', behind: 'authoriz', ahead: 'ation', patterns: ['auth-header'] },
  { anchor: 'b', ahead: 'earer', patterns: ['bearer-token'] },
  { anchor: 'b', ahead: 'asic', patterns: ['basic-auth'] },
  { anchor: '-', ahead: '----begin', patterns: ['private-key-block'] },
  { anchor: '-', behind: 'gl(?:pat|dt|rt|ptt|soat|cbt|oas)-', patterns: ['gitlab-token'] },
  // url-password: the first `@` after the colon that ends the user has no `@` between it and
  // that colon, so looking back from an `@` stops at the previous one (linear on `@@@@…`).
  // Bounds are twice the pattern's 256: lowercasing can lengthen a string (U+0130 becomes two
  // code units), never shorten it.
  {
    anchor: '@',
    behind: `:\\\\?/\\\\?/[^\\s:/"']{0,512}:[^\\s/"'@]{0,512}@`,
    patterns: ['url-password'],
  },
  { anchor: '_', behind: 'gh[pousr]_|github_pat_', patterns: ['github-token'] },
  { anchor: 'x', ahead: 'ox[a-z]-|app-', patterns: ['slack-token'] },
  { anchor: 'i', behind: 'asi', ahead: 'a', patterns: ['aws-access-key-id'] },
  { anchor: 'j', behind: 'eyj', patterns: ['jwt'] },
];

const bitOf = new Map(builtinSecretPatterns.map((p, i) => [p.name, 1 << i] as const));
function bits(names: readonly string[]): number {
  let mask = 0;
  for (const name of names) {
    const bit = bitOf.get(name);
    if (bit === undefined) throw new Error(`secret trigger names an unknown pattern ${name}`);
    mask |= bit;
  }
  return mask;
}

/** One alternative per anchor character, its triggers merged under it (what V8 scans fastest). */
const byAnchor = new Map<string, Trigger[]>();
for (const trigger of triggers)
  byAnchor.set(trigger.anchor, [...(byAnchor.get(trigger.anchor) ?? []), trigger]);
function alternation(tail: (t: Trigger) => string): string {
  return [...byAnchor]
    .map(([anchor, list]) => `${anchor}(?:${list.map(tail).join('|')})`)
    .join('|');
}
const behind = (t: Trigger) => (t.behind === undefined ? '' : `(?<=${t.behind})`);
/** Does any trigger fire? No captures, no `g`: the fastest scan, the common case's only one. */
const anyTrigger = new RegExp(alternation((t) => `${behind(t)}${t.ahead ?? ''}`));
/**
 * Which triggers fire: each consumes only its anchor (`ahead` is a lookahead, so no trigger
 * hides another) and ends in an empty marker group.
 */
const keyTriggers = new RegExp(
  alternation((t) => `${behind(t)}${t.ahead === undefined ? '' : `(?=${t.ahead})`}()`),
  'g',
);
/** The pattern bits of each marker group, in group order. */
const markerBits = [...byAnchor.values()].flat().map((t) => bits(t.patterns));
/** Every card the credit-card pattern matches starts with these eight digits (one separator). */
const cardTrigger = /[2-6](?<!\d[2-6])\d{3}[ -]?\d{4}/;
const cardBit = bits(['credit-card']);

/**
 * The built-in patterns that may match `text`, one bit per index in builtinSecretPatterns
 * (0: none can). `lowered` is `text.toLowerCase()`.
 */
export function secretCandidates(text: string, lowered = text.toLowerCase()): number {
  let mask = cardTrigger.test(text) ? cardBit : 0;
  if (!anyTrigger.test(lowered)) return mask;
  keyTriggers.lastIndex = 0;
  for (let m = keyTriggers.exec(lowered); m !== null; m = keyTriggers.exec(lowered)) {
    for (let group = 1; group < m.length; group++)
      if (m[group] !== undefined) {
        mask |= markerBits[group - 1]!;
        break;
      }
  }
  return mask;
}
