// fast-check arbitraries for the masking property test: random secrets of every built-in
// pattern (each with the substrings that must not survive), and log-like filler text full of
// near misses. Secrets stay inside each pattern's documented coverage (docs/masking.md).
import fc from 'fast-check';

export interface Plant {
  pattern: string;
  text: string;
  secrets: string[];
}

const chars = (alphabet: string, minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength, maxLength });
const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const lower = 'abcdefghijklmnopqrstuvwxyz';
const digits = '0123456789';
const alnum = upper + lower + digits;
const base64 = `${alnum}+/`;
const base64url = `${alnum}_-`;
/** Characters a bare (unquoted) secret value may hold. */
const bareValue = `${alnum}!#$%*()_+.~:@=?^[]{}|-`;
const casings = (word: string) =>
  fc.constantFrom(word, word.toUpperCase(), word[0]!.toUpperCase() + word.slice(1));

function luhnComplete(body: string): string {
  for (let check = 0; check < 10; check++) {
    const candidate = body + check;
    let sum = 0;
    for (let i = 0; i < candidate.length; i++) {
      let d = Number(candidate[candidate.length - 1 - i]);
      if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    if (sum % 10 === 0) return candidate;
  }
  throw new Error('unreachable');
}

const plant = (pattern: string, text: string, ...secrets: string[]): Plant => ({
  pattern,
  text,
  secrets,
});

const assignmentKeys = [
  'password',
  'db_password',
  'DB_PASSWORD',
  'PassWord',
  'passwd',
  'passphrase',
  'pwd',
  'secret',
  'client_secret',
  'secretKey',
  'api_key',
  'apiKey',
  'x-api-key',
  'API-KEY',
  'token',
  'access_token',
  'refreshToken',
  'auth_token',
  'private_key',
  'credentials',
  'githubToken',
];
const card = fc.oneof(
  fc
    .tuple(fc.constantFrom('4', '5', '6'), chars(digits, 14, 14), fc.constantFrom(' ', '-', ''))
    .map(([first, rest, sep]) => luhnComplete(first + rest).replace(/(\d{4})(?=\d)/g, `$1${sep}`)),
  fc
    .tuple(fc.constantFrom('34', '37'), chars(digits, 12, 12), fc.constantFrom(' ', '-'))
    .map(([first, rest, sep]) => {
      const n = luhnComplete(first + rest);
      return `${n.slice(0, 4)}${sep}${n.slice(4, 10)}${sep}${n.slice(10)}`;
    }),
  fc
    .tuple(fc.constantFrom('2', '3', '4', '5', '6'), fc.integer({ min: 11, max: 17 }))
    .chain(([first, n]) => chars(digits, n, n).map((rest) => luhnComplete(first + rest))),
);

export const plantArbitrary: fc.Arbitrary<Plant> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('RSA ', 'EC ', '', 'OPENSSH ', 'ENCRYPTED '),
      fc.array(chars(base64, 12, 64), { minLength: 1, maxLength: 3 }),
    )
    .map(([kind, lines]) =>
      plant(
        'private-key-block',
        `-----BEGIN ${kind}PRIVATE KEY-----\n${lines.join('\n')}\n-----END ${kind}PRIVATE KEY-----`,
        ...lines,
      ),
    ),
  fc
    .tuple(
      fc.constantFrom('postgres', 'mysql', 'redis', 'amqp', 'https', 'mongodb+srv'),
      chars(alnum, 0, 10),
      chars(`${alnum}@:!#?%*`, 10, 30),
      chars(lower, 3, 12),
    )
    .map(([scheme, user, pw, host]) =>
      plant('url-password', `${scheme}://${user}:${pw}@${host}.internal/db`, pw),
    ),
  fc
    .tuple(
      fc.constantFrom(
        'Authorization',
        'authorization',
        'AUTHORIZATION',
        'Proxy-Authorization',
        'Cookie',
        'Set-Cookie',
      ),
      fc.constantFrom('Bearer ', 'Basic ', 'token ', 'Digest ', ''),
      chars(`${alnum}-._~+/=`, 10, 40),
    )
    .map(([header, scheme, value]) => plant('auth-header', `${header}: ${scheme}${value}`, value)),
  fc
    .tuple(casings('bearer'), chars(`${alnum}-._~+/`, 9, 40), fc.constantFrom(...digits))
    .map(([word, token, digit]) =>
      plant('bearer-token', `${word} ${token}${digit}`, token + digit),
    ),
  fc
    .tuple(casings('basic'), chars(alnum, 3, 12), chars(`${alnum}!$%`, 3, 20))
    .map(([word, user, pw]) => {
      const encoded = Buffer.from(`${user}:${pw}`).toString('base64');
      return plant('basic-auth', `${word} ${encoded}`, encoded);
    }),
  fc
    .tuple(fc.constantFrom('ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'), chars(alnum, 36, 40))
    .map(([prefix, body]) => plant('github-token', prefix + body, body)),
  chars(`${alnum}_`, 22, 82).map((body) => plant('github-token', `github_pat_${body}`, body)),
  fc
    .tuple(fc.constantFrom('glpat-', 'gldt-', 'glrt-', 'glptt-'), chars(`${alnum}_-`, 20, 30))
    .map(([prefix, body]) => plant('gitlab-token', prefix + body, body)),
  fc
    .tuple(
      fc.constantFrom('xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xapp-'),
      chars(`${alnum}-`, 10, 40),
    )
    .map(([prefix, body]) => plant('slack-token', prefix + body, body)),
  fc
    .tuple(
      chars(`${upper}${digits}`, 9, 11),
      chars(`${upper}${digits}`, 9, 11),
      chars(alnum, 20, 24),
    )
    .map(([t, b, s]) =>
      plant(
        'slack-webhook',
        `https://hooks.slack.com/services/T${t}/B${b}/${s}`,
        `T${t}/B${b}/${s}`,
      ),
    ),
  fc
    .tuple(
      fc.constantFrom('sk_live_', 'rk_live_', 'sk_test_', 'rk_test_', 'whsec_'),
      chars(alnum, 10, 40),
    )
    .map(([prefix, body]) => plant('stripe-key', prefix + body, body)),
  fc
    .tuple(fc.constantFrom('AKIA', 'ASIA'), chars(`${upper}${digits}`, 16, 16))
    .map(([prefix, body]) => plant('aws-access-key-id', prefix + body, body)),
  fc
    .tuple(
      fc.constantFrom('aws_secret_access_key = ', 'AWS_SECRET_ACCESS_KEY=', '"SecretAccessKey": "'),
      chars(base64, 40, 40),
    )
    .map(([key, body]) => plant('aws-secret-access-key', key + body, body)),
  fc
    .tuple(chars(base64url, 10, 30), chars(base64url, 10, 40), chars(base64url, 10, 40))
    .map(([h, p, s]) => plant('jwt', `eyJ${h}.eyJ${p}.${s}`, `eyJ${h}.eyJ${p}.${s}`)),
  fc
    .tuple(
      fc.constantFrom(...assignmentKeys),
      fc.constantFrom('=', ': ', ':', ' = ', '":"', '": "', "': '", '\\":\\"', ' => '),
      chars(bareValue, 10, 30),
    )
    .map(([key, sep, value]) => {
      const quoted = sep.includes('"') || sep.includes("'");
      const open = sep.startsWith('\\') ? '\\"' : sep.startsWith("'") ? "'" : '"';
      const text = quoted ? `${open}${key}${sep}${value}${open}` : `${key}${sep}${value}`;
      return plant('secret-assignment', text, value);
    }),
  fc
    .tuple(fc.constantFrom(...assignmentKeys), chars(`${alnum} !#$%*`, 10, 30))
    .map(([key, value]) => plant('secret-assignment', `{"${key}": "${value}"}`, value)),
  fc
    .tuple(
      fc.constantFrom('--password', '--db-password', '-token', '--api-key', '--client-secret'),
      chars(bareValue.replace('-', ''), 10, 30),
    )
    .map(([flag, value]) => plant('secret-flag', `${flag} ${value}`, value)),
  card.map((number) => plant('credit-card', number, number)),
);

const fillerWords = [
  'ok',
  'done',
  'error:',
  'retrying',
  'tokens',
  'tokens: 1234',
  'max_tokens=100',
  'key',
  'passed',
  'basic',
  'Bearer',
  'secret_name: prod',
  'https://example.com:8443/x?page=2',
  '1760000000123',
  'Asia/Tokyo',
  'ghp_short',
  '-----',
  'user@example.com',
  '=',
  ':',
  '"',
  "'",
  'é',
  'İstanbul',
  '\\',
  '{',
  '}',
  '2025-01-12T10:22:33.123Z',
  'INFO',
  'worker-7',
  '(batch 44/100)',
  'id=42',
  'password reset',
  'token_count=5',
  'eyJ',
  'AKIA',
  'sk_',
  'x-request-id: 9f1c',
  '&',
  ',',
  ';',
];
const fillerPiece = fc.oneof(
  fc.constantFrom(...fillerWords),
  fc.string({ unit: fc.constantFrom(...`${alnum} .,:;=-_/@"'\n`), maxLength: 20 }),
);
export const fillerArbitrary: fc.Arbitrary<string> = fc
  .array(fillerPiece, { maxLength: 30 })
  .map((pieces) => pieces.join(' '));
/** What separates a planted secret from the filler around it. */
export const delimiterArbitrary = fc.constantFrom(' ', '\n', ' | ', '\t', '\r\n');
