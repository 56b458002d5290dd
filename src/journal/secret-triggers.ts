// The masker's fast path: a necessary condition for every built-in pattern, checked in one scan
// of the lowercased text plus one scan for card-like digits. Text it rejects holds no match of
// any built-in pattern, so the patterns are not run (most log text). It may accept text without
// a secret ("tokens: 12"); that only costs the full pass.
//
// Why this shape: V8 scans fastest when each alternative starts with one literal character and
// alternatives sharing a first character are merged; a lookbehind right after that character
// confirms the context without slowing the scan. Digits are common in logs, so the card check
// is its own regex (inside the alternation it triples the cost). Measured in
// test/bench/masking-bench.ts; soundness (pattern matches => trigger matches) is tested in
// test/journal/secret-masker.test.ts.
//
// | anchor | trigger (lowercased text)                       | pattern(s)                            |
// |--------|-------------------------------------------------|---------------------------------------|
// | w      | passw, pwd, whsec_                              | assignment, flag, stripe (whsec_)     |
// | p      | passphrase                                      | assignment, flag                      |
// | c      | secret, credential                              | assignment, flag, aws-secret          |
// | k      | token, api/access/private key, cookie, hooks.slack.com/, k_live_/k_test_, akia | assignment, flag, auth-header, slack-webhook, stripe, aws-access-key-id |
// | z      | authorization                                   | auth-header                           |
// | b      | bearer, basic                                   | bearer-token, basic-auth              |
// | -      | -----begin, gl…-                                | private-key-block, gitlab-token       |
// | @      | ://user:pass@, looking back from the first @ after the colon | url-password             |
// | _      | gh?_, github_pat_                               | github-token                          |
// | x      | xox?-, xapp-                                    | slack-token                           |
// | i      | asia                                            | aws-access-key-id                     |
// | j      | eyj                                             | jwt                                   |
// | digits | four digits, then four more (one space or dash between at most) | credit-card           |

/**
 * url-password: the first `@` after the colon that ends the user has no `@` between it and
 * that colon, so the lookbehind from an `@` stops at the previous `@` (linear on `@@@@…`).
 * The bounds are twice the pattern's 256 characters: lowercasing can lengthen a string
 * (U+0130 becomes two code units), never shorten it.
 */
const keyTriggers = new RegExp(
  [
    'w(?:(?<=passw)|(?<=pw)d|hsec_)',
    'p(?<=passp)hrase',
    'c(?:(?<=sec)ret|redential)',
    'k(?:(?<=tok)en|(?<=(?:api|access|private)[_-]?k)ey|(?<=cook)ie|(?<=hook)s\\.slack\\.com/|_(?:live|test)_|(?<=ak)ia)',
    'z(?<=authoriz)ation',
    'b(?:earer|asic)',
    '-(?:----begin|(?<=gl(?:pat|dt|rt|ptt|soat|cbt|oas)-))',
    `@(?<=:\\\\?/\\\\?/[^\\s:/"']{0,512}:[^\\s/"'@]{0,512}@)`,
    '_(?<=gh[pousr]_|github_pat_)',
    'x(?:ox[a-z]|app)-',
    'i(?<=asi)a',
    'j(?<=eyj)',
  ].join('|'),
);

/** Every card the credit-card pattern matches starts with these eight digits (one separator). */
const cardTrigger = /[2-6](?<!\d[2-6])\d{3}[ -]?\d{4}/;

/** False only when no built-in pattern can match `text`. */
export function mayHoldSecret(text: string): boolean {
  return keyTriggers.test(text.toLowerCase()) || cardTrigger.test(text);
}
