// SecretMasker: idempotence, caller patterns, the hook (and that it fails closed), builtins
// 'none', attribute keys, option checks, and a seeded property test that plants random secrets
// of every pattern in random text and finds none of them afterwards.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, WalValidationError } from '../../src/errors.js';
import { namesSecret } from '../../src/journal/secret-key-names.js';
import {
  builtinSecretPatterns,
  REDACT_PATTERNS_MAX,
  REDACTED,
  SecretMasker,
} from '../../src/journal/secret-masker.js';
import { secretCandidates } from '../../src/journal/secret-triggers.js';
import { testSeed, tier } from '../support/random.js';
import {
  delimiterArbitrary,
  fillerArbitrary,
  type Plant,
  plantArbitrary,
} from './planted-secret-arbitraries.js';
import { patternCases } from './secret-pattern-cases.js';

const masker = new SecretMasker();

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('SecretMasker', () => {
  it('is idempotent on every case', () => {
    for (const { masked, untouched } of Object.values(patternCases))
      for (const text of [...masked.map(([input]) => input), ...untouched]) {
        const once = masker.text('output', text);
        expect(masker.text('output', once), text).toBe(once);
      }
  });

  it('masks what every pattern finds in the same text, so one mask cannot hide another secret', () => {
    // bearer-token alone would mask `--password` and leave the flag's value behind.
    expect(masker.text('output', 'Bearer --password hunter2x')).toBe(
      `Bearer ${REDACTED} ${REDACTED}`,
    );
    // Overlapping matches (auth-header and jwt) become one mask.
    expect(masker.text('output', 'Authorization: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln')).toBe(
      `Authorization: ${REDACTED}`,
    );
  });

  it('applies caller patterns with the built-ins, adding the global flag', () => {
    const m = new SecretMasker({ patterns: [/secret-\w+/, /ticket#\d+/giy] });
    expect(m.text('output', 'a secret-abc and secret-def, TICKET#12 ticket#3')).toBe(
      `a ${REDACTED} and ${REDACTED}, ${REDACTED} ${REDACTED}`,
    );
    expect(m.text('error', 'password=x secret-y')).toBe(`password=${REDACTED} ${REDACTED}`);
    // Named groups called secret… mask only themselves; empty matches are skipped.
    const partial = new SecretMasker({ patterns: [/pin (?<secret>\d{4})/, /x*/] });
    expect(partial.text('output', 'pin 1234 ok')).toBe(`pin ${REDACTED} ok`);
  });

  it('leaves earlier masks alone, so a caller pattern cannot eat into one', () => {
    const m = new SecretMasker({ patterns: [/[A-Z]{4,}/, /\[\w+\]/] });
    const once = m.text('output', 'password=hunter2 ABCDE');
    expect(once).toBe(`password=${REDACTED} ${REDACTED}`);
    expect(m.text('output', once)).toBe(once);
  });

  it("with builtins 'none' runs only the caller's patterns and hook", () => {
    const none = new SecretMasker({ builtins: 'none' });
    const raw = 'password=hunter2 ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789';
    expect(none.text('output', raw)).toBe(raw);
    expect(none.attribute('db_password', 'hunter2')).toBe('hunter2');
    const only = new SecretMasker({ builtins: 'none', patterns: [/hunter\d/] });
    expect(only.text('output', raw)).toBe(raw.replace('hunter2', REDACTED));
  });

  it('passes the masked value and the field to the hook and stores what it returns', () => {
    const seen: [string, string][] = [];
    const m = new SecretMasker({
      hook: (field, value) => {
        seen.push([field, value]);
        return value.replace('acme', 'ACME');
      },
    });
    expect(m.text('output', 'acme password=x')).toBe(`ACME password=${REDACTED}`);
    expect(m.text('progress.message', 'halfway')).toBe('halfway');
    expect(m.attribute('org', 'acme')).toBe('ACME');
    expect(m.attribute('token', 'abc')).toBe(REDACTED);
    expect(seen).toEqual([
      ['output', `acme password=${REDACTED}`],
      ['progress.message', 'halfway'],
      ['attributes.org', 'acme'],
      ['attributes.token', REDACTED],
    ]);
  });

  it('fails closed when the hook throws or returns a non-string', () => {
    const cause = new RangeError('boom hunter2');
    const throwing = new SecretMasker({
      hook: () => {
        throw cause;
      },
    });
    const error = thrown(() => throwing.text('cancel.reason', 'hunter2'));
    expect(error).toBeInstanceOf(WalValidationError);
    expect((error as WalValidationError).code).toBe(ErrorCode.invalidArgument);
    expect((error as WalValidationError).cause).toBe(cause);
    expect((error as Error).message).toContain('cancel.reason');
    expect((error as Error).message).not.toContain('hunter2');
    for (const result of [undefined, null, 42, { value: 'x' }]) {
      const bad = new SecretMasker({ hook: () => result as unknown as string });
      const e = thrown(() => bad.attribute('org', 'hunter2'));
      expect(e, String(result)).toBeInstanceOf(WalValidationError);
      expect((e as WalValidationError).code).toBe(ErrorCode.invalidArgument);
      expect((e as Error).message).toContain('attributes.org');
      expect((e as Error).message).not.toContain('hunter2');
    }
  });

  it('masks an attribute whole when its key names a secret, else by the text patterns', () => {
    const secretKeys = [
      'password',
      'db_password',
      'DB_PASSWORD',
      'PassWord',
      'apiKey',
      'x-api-key',
      'API_KEY',
      'githubToken',
      'refresh_token',
      'client_secret',
      'clientKey',
      'authorization',
      'Set-Cookie',
      'AWS_SECRET_ACCESS_KEY',
      'private-key',
      'credentials',
      'pwd',
      'oauth2Token',
    ];
    const plainKeys = [
      'org',
      'agent',
      'user',
      'tokens',
      'max_tokens',
      'token_count',
      'secret_name',
      'password_url',
      'access_key_id',
      'token_type',
      'passwordless',
      'key',
      'cache_key',
      'auth_method',
    ];
    for (const key of secretKeys) {
      expect(namesSecret(key), key).toBe(true);
      expect(masker.attribute(key, 'acme'), key).toBe(REDACTED);
    }
    for (const key of plainKeys) {
      expect(namesSecret(key), key).toBe(false);
      expect(masker.attribute(key, 'acme'), key).toBe('acme');
    }
    expect(masker.attribute('note', 'postgres://u:pw@h/db')).toBe(`postgres://u:${REDACTED}@h/db`);
    expect(masker.attribute('password', '')).toBe('');
    // The memo of key names is bounded and stays right after it starts over.
    for (let i = 0; i < 3000; i++) expect(masker.attribute(`k${i}_token`, 'v')).toBe(REDACTED);
  });

  it('rejects bad options with WAL_INVALID_ARGUMENT, too many patterns with WAL_LIMIT_EXCEEDED', () => {
    const bad = [
      { builtins: 'some' },
      { patterns: ['secret'] },
      { patterns: /x/ },
      { hook: 'redact' },
    ] as unknown as ConstructorParameters<typeof SecretMasker>[0][];
    for (const options of bad) {
      const error = thrown(() => new SecretMasker(options));
      expect(error, JSON.stringify(options)).toBeInstanceOf(WalValidationError);
      expect((error as WalValidationError).code).toBe(ErrorCode.invalidArgument);
    }
    const many = Array.from({ length: REDACT_PATTERNS_MAX + 1 }, (_, i) => new RegExp(`p${i}`));
    expect((thrown(() => new SecretMasker({ patterns: many })) as WalValidationError).code).toBe(
      ErrorCode.limitExceeded,
    );
    expect(() => new SecretMasker({ patterns: many.slice(1) })).not.toThrow();
  });
});

describe('planting random secrets in random text', () => {
  const seed = testSeed();

  function leaked(plants: Plant[], fillers: string[], masked: string): string[] {
    const fillerText = fillers.join('\n');
    const found: string[] = [];
    for (const { secrets } of plants)
      for (const secret of secrets)
        for (let i = 0; i + Math.min(10, secret.length) <= secret.length; i++) {
          const window = secret.slice(i, i + Math.min(10, secret.length));
          if (masked.includes(window) && !fillerText.includes(window)) found.push(window);
        }
    return found;
  }

  it(`masks every planted secret, and masking again changes nothing (SEED=${seed})`, () => {
    const sample = fc.array(fc.tuple(plantArbitrary, fillerArbitrary, delimiterArbitrary), {
      minLength: 1,
      maxLength: 4,
    });
    fc.assert(
      fc.property(fillerArbitrary, sample, (head, planted) => {
        const text = head + planted.map(([p, filler, d]) => `${d}${p.text}${d}${filler}`).join('');
        const plants = planted.map(([p]) => p);
        const masked = masker.text('output', text);
        expect(leaked(plants, [head, ...planted.map(([, f]) => f)], masked), text).toEqual([]);
        expect(masker.text('output', masked)).toBe(masked);
        expect(masker.attribute('note', text)).toBe(masked);
      }),
      { seed, numRuns: tier === 'torture' ? 50_000 : 1000 },
    );
  });

  it(`fires a pattern's trigger wherever it matches, its secret ending the match (SEED=${seed})`, () => {
    const regexes = builtinSecretPatterns.map((p, i) => ({
      name: p.name,
      regex: new RegExp(p.pattern),
      bit: 1 << i,
    }));
    fc.assert(
      fc.property(fillerArbitrary, fc.option(plantArbitrary), fillerArbitrary, (a, p, b) => {
        const text = `${a}${p?.text ?? ''}${b}`;
        const candidates = secretCandidates(text);
        for (const { name, regex, bit } of regexes) {
          regex.lastIndex = 0;
          for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
            expect(candidates & bit, `${name}'s trigger on ${text}`).toBe(bit);
            for (const [group, value] of Object.entries(m.groups ?? {}))
              if (group.startsWith('secret') && value !== undefined)
                expect(m[0].endsWith(value), `${name}: ${group} ends ${m[0]}`).toBe(true);
          }
        }
      }),
      { seed, numRuns: tier === 'torture' ? 50_000 : 2000 },
    );
  });
});
