// The built-in secret patterns (docs/masking.md has the table: what each matches, what it keeps,
// its known misses). All run on the same text; an entry's index is its bit in
// secret-triggers.ts. Contract of every entry:
// - `pattern` has the `g` flag. Only its named groups whose names start with `secret` are
//   replaced by the mask (the context around them stays readable); a pattern without such a
//   group, or a match in which none took part, is replaced whole. A `secret…` group always ends
//   where the match ends (what follows a secret is lookahead), so its place is known without
//   the `d` flag, which costs V8 several hundred ns per match.
// - secret-triggers.ts has a trigger that fires on every text the pattern matches (the masker
//   runs a pattern only when one of its triggers fires); a new pattern needs one there.
// - linear time: every match starts at a literal anchor, runs of one character class are either
//   bounded or end at a character the class excludes, and tokens carry a left boundary so a
//   long run is tried from its first character only (test/journal/secret-patterns.test.ts times
//   each pattern on adversarial 64 KiB inputs).
// - `accept`, when present, vets a match; a refused match is skipped and the scan resumes one
//   character after its start.
import { Buffer } from 'node:buffer';
import { KeyNameMemo } from './secret-key-names.js';

export interface SecretPattern {
  readonly name: string;
  readonly pattern: RegExp;
  readonly example: string;
  readonly accept?: (match: RegExpExecArray) => boolean;
}

/** Key words that make `key=value`, `key: value`, `"key": "value"` and `--key value` secret. */
const keyword = `(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)`;
/** An optional closing quote after a key (`"password":`), also JSON-escaped (`\"password\":`). */
const keyQuote = String.raw`(?:\\?["'])?`;
const urlAuthority = String.raw`:\\?/\\?/[^\s:/"']{0,256}:`;

/** Keys found in text repeat as much as attribute keys do (bounded, see KeyNameMemo). */
const textKeys = new KeyNameMemo();
function keyOf(match: RegExpExecArray): boolean {
  return textKeys.namesSecret(match.groups?.key ?? '');
}

/** Bearer tokens are opaque; a bare English word after "bearer" is not one. */
function tokenLike(match: RegExpExecArray): boolean {
  const token = match.groups?.secret ?? '';
  return token.length >= 20 || /[\d._~+/=-]/.test(token);
}

/** `Basic x`: x must decode to printable `user:password`. */
function basicCredentials(match: RegExpExecArray): boolean {
  const decoded = Buffer.from(match.groups?.secret ?? '', 'base64').toString('utf8');
  return decoded.includes(':') && !/[\u0000-\u001f\u007f\ufffd]/.test(decoded);
}

/** Luhn checksum over the digits of `text` (other characters are skipped). */
export function luhnValid(text: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = text.length - 1; i >= 0; i--) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) continue;
    sum += double ? (digit * 2 > 9 ? digit * 2 - 9 : digit * 2) : digit;
    double = !double;
  }
  return sum % 10 === 0;
}

const re = (source: string, flags = 'g') => new RegExp(source, flags);

export const builtinSecretPatterns: readonly SecretPattern[] = [
  {
    name: 'private-key-block',
    pattern: re(
      `-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?<secret>[^-]*(?:-(?!----)[^-]*)*)`,
    ),
    example: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----',
  },
  {
    name: 'url-password',
    pattern: re(String.raw`${urlAuthority}(?<secret>[^\s/"']{1,256})(?=@)`),
    example: 'postgres://app:hunter2@db.internal:5432/orders',
  },
  {
    name: 'auth-header',
    pattern: re(
      String.raw`(?:authorization|cookie)${keyQuote}[ \t]*[:=][ \t]*${keyQuote}` +
        String.raw`(?:(?:bearer|basic|digest|token|negotiate|ntlm|oauth|aws4-hmac-sha256|api-?key|key|ssws)[ \t]+)?` +
        String.raw`(?<secret>[^\s"'\\][^\r\n"'\\]{0,4095})`,
      'gi',
    ),
    example: 'Authorization: Bearer 9f8e7d6c5b4a',
  },
  {
    name: 'bearer-token',
    pattern: re(String.raw`(?<![\w-])bearer[ \t]+(?<secret>[\w.~+/-]{8,4096}=*)`, 'gi'),
    accept: tokenLike,
    example: 'retrying with bearer 0a1b2c3d4e5f6a7b',
  },
  {
    name: 'basic-auth',
    pattern: re(
      String.raw`(?<![\w-])basic[ \t]+(?<secret>[A-Za-z0-9+/]{4,4096}={0,2})(?![\w+/=])`,
      'gi',
    ),
    accept: basicCredentials,
    example: 'proxy sent Basic YWxpY2U6czNjcmV0',
  },
  {
    name: 'github-token',
    pattern: re(
      `(?<![A-Za-z0-9_])(?:gh[pousr]_(?<secret>[A-Za-z0-9]{36,251})|github_pat_(?<secretPat>[A-Za-z0-9_]{22,244}))`,
    ),
    example: 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
  },
  {
    name: 'gitlab-token',
    pattern: re(
      `(?<![A-Za-z0-9_-])gl(?:pat|dt|rt|ptt|soat|cbt|oas)-(?<secret>[A-Za-z0-9_.-]{20,255})`,
    ),
    example: 'glpat-xYz12AbC34dEf56GhI78',
  },
  {
    name: 'slack-token',
    pattern: re(`(?<![A-Za-z0-9_-])(?:xox[a-z]|xapp)-(?<secret>[A-Za-z0-9-]{10,255})`),
    example: 'xoxb-1234567890-0987654321-AbCdEfGhIjKl',
  },
  {
    name: 'slack-webhook',
    pattern: re(
      String.raw`hooks\.slack\.com/(?:services|workflows|triggers)/(?<secret>[A-Za-z0-9_/-]{8,255})`,
    ),
    example: 'https://hooks.slack.com/services/T0001/B0002/XyZ123abc456',
  },
  {
    name: 'stripe-key',
    pattern: re(`(?<![A-Za-z0-9_])(?:[rs]k_(?:live|test)|whsec)_(?<secret>[A-Za-z0-9]{10,255})`),
    example: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
  },
  {
    name: 'aws-access-key-id',
    pattern: re(`(?<![A-Za-z0-9])(?:AKIA|ASIA)(?<secret>[A-Z0-9]{16})`),
    example: 'AKIAIOSFODNN7EXAMPLE',
  },
  {
    name: 'aws-secret-access-key',
    pattern: re(
      String.raw`secret[_-]?access[_-]?key${keyQuote}[ \t]*[:=][ \t]*${keyQuote}(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])`,
      'gi',
    ),
    example: 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  },
  {
    name: 'jwt',
    pattern: re(
      String.raw`(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,8192}\.[A-Za-z0-9_-]{2,8192}\.[A-Za-z0-9_-]{0,8192}`,
    ),
    example: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl',
  },
  {
    name: 'secret-assignment',
    pattern: re(
      String.raw`(?<key>${keyword}[A-Za-z0-9_.-]{0,48})${keyQuote}[ \t]{0,8}(?::=|=>|[:=])[ \t]{0,8}` +
        String.raw`(?:\\"(?<secretEscaped>[^"\\\r\n]+)|"(?<secretQuoted>(?:[^"\\\r\n]|\\.)+)` +
        String.raw`|'(?<secretSingle>[^'\r\n]+)|(?<secret>[^\s"'\x60&,;]+))`,
      'gi',
    ),
    accept: keyOf,
    example: '{"user": "app", "password": "hunter2"}',
  },
  {
    name: 'secret-flag',
    pattern: re(
      String.raw`(?<![\w-])--?(?<key>[A-Za-z0-9_-]{0,32}${keyword}[A-Za-z0-9_-]{0,32})[ \t]+` +
        String.raw`(?:"(?<secretQuoted>[^"\r\n]+)|'(?<secretSingle>[^'\r\n]+)|(?<secret>[^\s"'\x60-][^\s"'\x60]*))`,
      'gi',
    ),
    accept: keyOf,
    example: 'mysql --user app --password hunter2 orders',
  },
  {
    name: 'credit-card',
    pattern: re(
      String.raw`(?<![\w.])(?:[2-6]\d{12,18}|[2-6]\d{3}(?<sep>[ -])\d{4}\k<sep>\d{4}\k<sep>\d{1,4}` +
        String.raw`|3\d{3}(?<sepAmex>[ -])\d{6}\k<sepAmex>\d{4,5})(?!\w)`,
    ),
    accept: (match) => luhnValid(match[0]),
    example: 'card 4111 1111 1111 1111 declined',
  },
];
