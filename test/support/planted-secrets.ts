// Concrete secrets, at least one per built-in masking pattern (docs/masking.md), for the
// end-to-end scan: plant `text` through every entry point that takes free text or attribute
// values, then read every byte of every segment and checkpoint file; `secret` must occur
// nowhere. Every secret carries the marker "l4nt" / "L4NT" (the Basic credentials once decoded;
// card numbers are numbers no test writes otherwise), so a byte scan has no false hits.
// test/journal/planted-secrets.test.ts proves the default masker removes each one.

export interface PlantedSecret {
  /** The built-in pattern (builtinSecretPatterns[].name) that must mask it. */
  pattern: string;
  /** What to pass as an output, error, progress message, cancel reason or attribute value. */
  text: string;
  /** The substring that must never reach disk. */
  secret: string;
}

const pemBody = 'MIIEpAIBAAKCAQEAPl4ntedPemBodyQx7Zr9Vw2Ks';
const pemSecondLine = 'Pl4ntedPemSecondLineZz0Qp3Xy4Wv8Ut2Sr6Qp==';
const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJwbDRudGVkIjoiand0In0.Pl4ntedJwtSignature00x';

export const plantedSecrets: readonly PlantedSecret[] = [
  {
    pattern: 'private-key-block',
    text: `-----BEGIN RSA PRIVATE KEY-----\n${pemBody}\n${pemSecondLine}\n-----END RSA PRIVATE KEY-----`,
    secret: pemBody,
  },
  {
    pattern: 'private-key-block',
    text: `-----BEGIN RSA PRIVATE KEY-----\n${pemBody}\n${pemSecondLine}\n-----END RSA PRIVATE KEY-----`,
    secret: pemSecondLine,
  },
  {
    pattern: 'private-key-block',
    text: '{"key":"-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktPl4ntedOpenSsh0\\n-----END OPENSSH PRIVATE KEY-----\\n"}',
    secret: 'b3BlbnNzaC1rZXktPl4ntedOpenSsh0',
  },
  {
    pattern: 'url-password',
    text: 'connecting to postgres://orders:Pl4nted-Url-Pw-9q2@db.internal:5432/orders',
    secret: 'Pl4nted-Url-Pw-9q2',
  },
  {
    pattern: 'auth-header',
    text: "curl -H 'Authorization: Bearer pl4nted.header.tok3n.8h2k' https://api.example.com",
    secret: 'pl4nted.header.tok3n.8h2k',
  },
  {
    pattern: 'auth-header',
    text: 'Cookie: sid=Pl4ntedCookieSid77x; theme=dark',
    secret: 'Pl4ntedCookieSid77x',
  },
  {
    pattern: 'bearer-token',
    text: 'retrying with bearer Pl4ntedBearer0x1f2e3d',
    secret: 'Pl4ntedBearer0x1f2e3d',
  },
  {
    pattern: 'basic-auth',
    // base64 of "planted-user:Pl4ntedBasicPw!"
    text: 'proxy answered 407 to Basic cGxhbnRlZC11c2VyOlBsNG50ZWRCYXNpY1B3IQ==',
    secret: 'cGxhbnRlZC11c2VyOlBsNG50ZWRCYXNpY1B3IQ==',
  },
  {
    pattern: 'github-token',
    text: 'pushing with ghp_Pl4ntedGithubTokenAAAA0123456789bcde',
    secret: 'Pl4ntedGithubTokenAAAA0123456789bcde',
  },
  {
    pattern: 'github-token',
    text: 'GH_TOKEN github_pat_11PL4NTED0aBcDeFgHiJkLm_Pl4ntedFineGrainedPat0123456789abcdefghijklmnopqr',
    secret: '11PL4NTED0aBcDeFgHiJkLm_Pl4ntedFineGrainedPat0123456789abcdefghijklmnopqr',
  },
  {
    pattern: 'gitlab-token',
    text: 'git clone https://oauth2@gitlab.example.com (glpat-Pl4ntedGitlabTok3n0000)',
    secret: 'Pl4ntedGitlabTok3n0000',
  },
  {
    pattern: 'slack-token',
    text: 'slack client xoxb-424242424242-Pl4ntedSlackBot0000',
    secret: '424242424242-Pl4ntedSlackBot0000',
  },
  {
    pattern: 'slack-webhook',
    text: 'posting to https://hooks.slack.com/services/T0PL4NT00/B0PL4NT00/Pl4ntedWebhookSecret00',
    secret: 'T0PL4NT00/B0PL4NT00/Pl4ntedWebhookSecret00',
  },
  {
    pattern: 'stripe-key',
    text: 'stripe.charges.create failed for sk_live_Pl4ntedStripeLiveKey000000',
    secret: 'Pl4ntedStripeLiveKey000000',
  },
  {
    pattern: 'aws-access-key-id',
    text: 'assumed role with AKIAPL4NTEDAWSKEY000',
    secret: 'PL4NTEDAWSKEY000',
  },
  {
    pattern: 'aws-secret-access-key',
    text: 'aws_secret_access_key = Pl4ntedAwsSecretKey/0000000000000000000+',
    secret: 'Pl4ntedAwsSecretKey/0000000000000000000+',
  },
  { pattern: 'jwt', text: `session ${jwt} expired`, secret: jwt },
  {
    pattern: 'secret-assignment',
    text: '{"user":"app","password":"Pl4nted Json Pw!"}',
    secret: 'Pl4nted Json Pw!',
  },
  {
    pattern: 'secret-assignment',
    text: 'env DB_PASSWORD=Pl4ntedEnvPw#42 ./migrate',
    secret: 'Pl4ntedEnvPw#42',
  },
  {
    pattern: 'secret-assignment',
    text: 'x-api-key: Pl4ntedXApiKey77',
    secret: 'Pl4ntedXApiKey77',
  },
  {
    pattern: 'secret-assignment',
    text: 'GET /v1/items?access_token=Pl4ntedQueryToken5&page=2',
    secret: 'Pl4ntedQueryToken5',
  },
  {
    pattern: 'secret-flag',
    text: 'mysql --user app --password Pl4ntedFlagPw55 orders',
    secret: 'Pl4ntedFlagPw55',
  },
  {
    pattern: 'credit-card',
    text: 'charge 4539 1488 0343 6467 declined',
    secret: '4539 1488 0343 6467',
  },
  { pattern: 'credit-card', text: 'card=5238947362105939 ok', secret: '5238947362105939' },
  { pattern: 'credit-card', text: 'amex 3428-224631-00044', secret: '3428-224631-00044' },
];

/** Attribute values masked whole because their key names a secret (docs/masking.md#key-names). */
export const plantedAttributes: readonly { key: string; value: string; secret: string }[] = [
  { key: 'db_password', value: 'Pl4ntedAttrPw01', secret: 'Pl4ntedAttrPw01' },
  { key: 'apiKey', value: 'Pl4ntedAttrKey02', secret: 'Pl4ntedAttrKey02' },
  { key: 'X-Auth-Token', value: 'Pl4ntedAttrTok03', secret: 'Pl4ntedAttrTok03' },
  { key: 'authorization', value: 'Pl4ntedAttrAuth04', secret: 'Pl4ntedAttrAuth04' },
];
