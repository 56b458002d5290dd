// Whether a key (an attribute key, or the key of a `key=value` found in text) names a secret.
// The rule (docs/masking.md#key-names): split the key into lowercase words (camelCase, snake_case,
// kebab-case, dots, digits); it names a secret when some word ends with a secret stem
// (`dbpassword`, `githubToken`), or two adjacent words spell one (`PassWord`, `api_key`), or a
// word is `key` after a key qualifier (`clientKey`, `signing-key`),
// unless its last word only describes the secret (`token_count`, `password_url`, `secret_name`).

/** A word ending with one of these names a secret: `password`, `db_password`, `mytoken`. */
const secretStems = [
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'privatekey',
  'secretkey',
  'credential',
  'credentials',
  'authorization',
  'auth',
  'cookie',
] as const;

/** `key` after one of these names a secret: `client_key`, `signingKey`, `master-key`. */
const keyQualifiers = new Set(['client', 'signing', 'encryption', 'master', 'session']);

/** A last word that describes a secret rather than holding it: `token_count`, `secret_name`. */
const descriptorWords = new Set([
  'count',
  'length',
  'len',
  'size',
  'type',
  'kind',
  'name',
  'id',
  'ids',
  'ttl',
  'expiry',
  'expires',
  'expired',
  'expiration',
  'at',
  'url',
  'uri',
  'path',
  'file',
  'dir',
  'version',
  'provider',
  'scope',
  'scopes',
  'limit',
  'usage',
  'used',
  'total',
  'max',
  'min',
  'index',
  'field',
  'format',
  'policy',
  'required',
  'enabled',
  'hint',
  'label',
  'method',
  'mode',
  'status',
  'state',
  'result',
  'error',
  'strategy',
  'flow',
  'source',
]);

/** Lowercase words of a key: `AWS_SECRET_ACCESS_KEY`, `apiKey`, `X-API-Key` -> words. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((word) => word.length > 0);
}

function endsWithStem(word: string): boolean {
  for (const stem of secretStems) if (word.endsWith(stem)) return true;
  return false;
}

/** True when `key` names a secret (the rule at the top of this file). */
export function namesSecret(key: string): boolean {
  const words = keyWords(key);
  const last = words[words.length - 1];
  if (last === undefined || descriptorWords.has(last)) return false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (endsWithStem(word)) return true;
    if (i === 0) continue;
    const previous = words[i - 1]!;
    // `PassWord`, `api_key`, `AccessKey`: two words that spell a stem together.
    if (endsWithStem(previous + word)) return true;
    if (word === 'key' && keyQualifiers.has(previous)) return true;
  }
  return false;
}

/** Keys remembered by a KeyNameMemo before it starts over (attribute keys repeat a lot). */
export const KEY_NAME_MEMO_ENTRIES_MAX = 1024;

/** `namesSecret` with a bounded memo: at most KEY_NAME_MEMO_ENTRIES_MAX keys, then cleared. */
export class KeyNameMemo {
  readonly #known = new Map<string, boolean>();

  namesSecret(key: string): boolean {
    const known = this.#known.get(key);
    if (known !== undefined) return known;
    const answer = namesSecret(key);
    if (this.#known.size >= KEY_NAME_MEMO_ENTRIES_MAX) this.#known.clear();
    this.#known.set(key, answer);
    return answer;
  }
}
