// Every built-in pattern: what it masks and keeps (exact stored text), near misses it leaves
// alone, the trigger that gates it, and its running time on adversarial 64 KiB inputs.
import { describe, expect, it } from 'vitest';
import { builtinSecretPatterns, luhnValid } from '../../src/journal/secret-patterns.js';
import { REDACTED, SecretMasker } from '../../src/journal/secret-masker.js';
import { secretCandidates } from '../../src/journal/secret-triggers.js';
import { patternCases } from './secret-pattern-cases.js';

const masker = new SecretMasker();

/** The pattern's first accepted match in `text`, as the masker runs it. */
function acceptedMatch(name: string, text: string): RegExpExecArray | undefined {
  const entry = builtinSecretPatterns.find((p) => p.name === name)!;
  const regex = new RegExp(entry.pattern);
  for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
    if (entry.accept === undefined || entry.accept(m)) return m;
    regex.lastIndex = m.index + 1;
  }
  return undefined;
}

describe('the built-in secret patterns', () => {
  it('has cases for every pattern, each with masked texts and near misses', () => {
    const names = builtinSecretPatterns.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(patternCases).sort()).toEqual([...names].sort());
    for (const name of names) {
      expect(patternCases[name]!.masked.length, name).toBeGreaterThanOrEqual(2);
      expect(patternCases[name]!.untouched.length, name).toBeGreaterThanOrEqual(2);
    }
  });

  builtinSecretPatterns.forEach(({ name, example, pattern }, index) => {
    const bit = 1 << index;
    describe(name, () => {
      const cases = patternCases[name]!;
      it('carries the g flag and masks its own example', () => {
        expect(pattern.flags).toContain('g');
        expect(acceptedMatch(name, example)).toBeDefined();
        expect(masker.text('output', example)).toContain(REDACTED);
      });

      it.each(cases.masked)('masks %j', (input, stored) => {
        const match = acceptedMatch(name, input);
        expect(match, 'this pattern matches the case').toBeDefined();
        expect(secretCandidates(input) & bit, 'its trigger fires').toBe(bit);
        for (const [group, value] of Object.entries(match!.groups ?? {}))
          if (group.startsWith('secret') && value !== undefined)
            expect(match![0].endsWith(value), `${group} ends the match`).toBe(true);
        expect(masker.text('output', input)).toBe(stored);
      });

      it.each(cases.untouched)('leaves %j alone', (input) => {
        expect(masker.text('output', input)).toBe(input);
      });
    });
  });

  it('never matches the mask itself, so masking cannot feed on its own output', () => {
    expect(secretCandidates(REDACTED)).toBe(0);
    for (const { name, pattern } of builtinSecretPatterns)
      expect(new RegExp(pattern).test(` ${REDACTED} `), name).toBe(false);
  });

  it('checks card numbers with Luhn', () => {
    // 1760000000123 (a millisecond timestamp) passes Luhn too: the card pattern excludes it by
    // its first digit, and patternCases has it as a near miss.
    for (const valid of ['4111111111111111', '4539 1488 0343 6467', '79927398713', '1760000000123'])
      expect(luhnValid(valid), valid).toBe(true);
    for (const invalid of ['4111111111111112', '4539 1488 0343 6468', '79927398710'])
      expect(luhnValid(invalid), invalid).toBe(false);
    // Every single-digit change breaks the checksum.
    const card = '4539148803436467';
    for (let i = 0; i < card.length; i++) {
      const digit = Number(card[i]);
      const changed = `${card.slice(0, i)}${(digit + 1) % 10}${card.slice(i + 1)}`;
      expect(luhnValid(changed), changed).toBe(false);
    }
  });
});

describe('pattern safety on adversarial 64 KiB inputs', () => {
  const K = 64 * 1024;
  const repeated = (s: string) => s.repeat(Math.ceil(K / s.length)).slice(0, K);
  const runOf = (head: string, fill: string) => (head + fill.repeat(K)).slice(0, K);
  const inputs = [
    ...['a', ' ', '-', '@', 'A', '4', '1', '4 ', '4111 ', '4111-', '3782 822463 ', 'a:b@'].map(
      repeated,
    ),
    ...['-----BEGIN PRIVATE KEY-----', '-----BEGIN ', '://a:', ':///', 'authorization:'].map(
      repeated,
    ),
    ...[
      'cookie: ',
      'bearer ',
      'basic ',
      'Basic QUFB',
      'ghp_',
      'github_pat_',
      'glpat-',
      'xoxb-',
    ].map(repeated),
    ...['hooks.slack.com/services/', 'sk_live_', 'AKIA', 'ASIA', 'secret_access_key='].map(
      repeated,
    ),
    ...['eyJ', 'eyJa.', 'eyJaaaaa.aa', 'password=', 'password', 'password ', '"password":"'].map(
      repeated,
    ),
    ...[
      '"password":"\\',
      '\\"token\\":\\"',
      'tokens: ',
      'token_',
      '--password ',
      '--',
      '-token-',
    ].map(repeated),
    ...['password=a&', ' password:\t', 'pwd=x ', 'aaaa.'].map(repeated),
    runOf('eyJ', 'a'),
    runOf('eyJaaaaaa.', 'a'),
    runOf('://', 'a'),
    runOf('://a:', 'b'),
    runOf('ghp_', 'a'),
    runOf('password="', 'a'),
    runOf('Authorization: ', 'a'),
    runOf('basic ', 'A'),
    runOf('bearer ', 'a'),
    runOf('-----BEGIN PRIVATE KEY-----', 'A'),
    runOf('--password', 'a'),
    runOf('a', 'password'),
  ];

  // A generous bound, not a benchmark: catastrophic backtracking on 64 KiB takes minutes; these
  // finish in milliseconds (the slowest is printed).
  const boundMs = 2_000;

  it('runs every pattern and the whole masker in linear time', () => {
    let slowest = { ms: 0, what: '' };
    for (const input of inputs) {
      for (const { name, pattern } of builtinSecretPatterns) {
        const regex = new RegExp(pattern);
        const began = performance.now();
        while (regex.exec(input) !== null) {
          // count nothing: the scan itself is what is timed
        }
        const ms = performance.now() - began;
        if (ms > slowest.ms)
          slowest = { ms, what: `${name} on ${JSON.stringify(input.slice(0, 16))}` };
        expect(ms, `${name} on ${JSON.stringify(input.slice(0, 16))}`).toBeLessThan(boundMs);
      }
      const began = performance.now();
      masker.text('output', input);
      const ms = performance.now() - began;
      if (ms > slowest.ms)
        slowest = { ms, what: `masker on ${JSON.stringify(input.slice(0, 16))}` };
      expect(ms, `masker on ${JSON.stringify(input.slice(0, 16))}`).toBeLessThan(boundMs);
    }
    console.log(`slowest adversarial case: ${slowest.ms.toFixed(1)} ms (${slowest.what})`);
  });
});
