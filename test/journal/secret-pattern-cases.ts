// Per built-in pattern: texts and exactly what the default masker stores for them (what is kept
// and what is masked), and near misses it must leave alone. Shared by the pattern tests and the
// trigger-soundness test.
const M = '[REDACTED]';

export interface PatternCases {
  masked: readonly (readonly [input: string, stored: string])[];
  untouched: readonly string[];
}

export const patternCases: Record<string, PatternCases> = {
  'private-key-block': {
    masked: [
      [
        '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7x\nabc+/=\n-----END RSA PRIVATE KEY-----',
        `-----BEGIN RSA PRIVATE KEY-----${M}-----END RSA PRIVATE KEY-----`,
      ],
      [
        'k:\n-----BEGIN ENCRYPTED PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,AB\n\nMIIx\n-----END ENCRYPTED PRIVATE KEY-----\nnext',
        `k:\n-----BEGIN ENCRYPTED PRIVATE KEY-----${M}-----END ENCRYPTED PRIVATE KEY-----\nnext`,
      ],
      [
        '{"key":"-----BEGIN PRIVATE KEY-----\\nMIIEvQ\\n-----END PRIVATE KEY-----\\n"}',
        `{"key":"-----BEGIN PRIVATE KEY-----${M}-----END PRIVATE KEY-----\\n"}`,
      ],
      [
        '-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK-----',
        `-----BEGIN PGP PRIVATE KEY BLOCK-----${M}-----END PGP PRIVATE KEY BLOCK-----`,
      ],
      // Truncated output: no END line, everything after BEGIN is masked.
      [
        'dump: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBase64',
        `dump: -----BEGIN EC PRIVATE KEY-----${M}`,
      ],
    ],
    untouched: [
      '-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----',
      '-----BEGIN CERTIFICATE-----\nMIIDdz\n-----END CERTIFICATE-----',
      'private key rotated ----- ok',
    ],
  },
  'url-password': {
    masked: [
      ['postgres://app:hunter2@db:5432/x', `postgres://app:${M}@db:5432/x`],
      ['redis://:s3cr3t@cache:6379/0', `redis://:${M}@cache:6379/0`],
      ['amqp://me@example.com:p@ss@mq/vhost', `amqp://me@example.com:${M}@mq/vhost`],
      ['{"url":"https:\\/\\/u:pw1@h\\/x"}', `{"url":"https:\\/\\/u:${M}@h\\/x"}`],
    ],
    untouched: [
      'https://example.com:8443/path?a=1',
      'https://host:443/@user',
      'mailto:bob@example.com',
      'git@github.com:org/repo.git',
    ],
  },
  'auth-header': {
    masked: [
      ['Authorization: Bearer 9f8e7d6c5b4a', `Authorization: Bearer ${M}`],
      ['{"Authorization":"token gh-secret"}', `{"Authorization":"token ${M}"}`],
      [
        "curl -H 'authorization: Basic dXNlcjpwYXNz' https://x",
        `curl -H 'authorization: Basic ${M}' https://x`,
      ],
      ['Authorization: opaque value', `Authorization: ${M}`],
      ['Cookie: session=abc123; theme=dark', `Cookie: ${M}`],
      ['Set-Cookie: sid=xyz; Path=/\r\nHost: x', `Set-Cookie: ${M}\r\nHost: x`],
    ],
    untouched: ['authorization failed for user bob', 'cookies enabled', 'authorization:'],
  },
  'bearer-token': {
    masked: [
      ['retrying with bearer 0a1b2c3d4e5f6a7b', `retrying with bearer ${M}`],
      ['BEARER abc.def-ghi_jkl', `BEARER ${M}`],
      ['use Bearer AbCdEfGhIjKlMnOpQrStUv now', `use Bearer ${M} now`],
    ],
    untouched: ['the bearer instrument', 'bearer token missing', 'bearer abc1'],
  },
  'basic-auth': {
    masked: [
      ['sent Basic YWxpY2U6czNjcmV0', `sent Basic ${M}`],
      ['basic dXNlcjpwYXNzd29yZA== (retry)', `basic ${M} (retry)`],
    ],
    untouched: ['Basic authentication failed', 'basic usage: run --help', 'Basic aGVsbG8='],
  },
  'github-token': {
    masked: [
      ['ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789', `ghp_${M}`],
      ['token gho_0123456789abcdefghijABCDEFGHIJ012345.', `token gho_${M}.`],
      [
        'ghu_0123456789abcdefghijABCDEFGHIJ012345 ghs_0123456789abcdefghijABCDEFGHIJ012345',
        `ghu_${M} ghs_${M}`,
      ],
      ['(ghr_0123456789abcdefghijABCDEFGHIJ012345)', `(ghr_${M})`],
      ['github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', `github_pat_${M}`],
    ],
    untouched: [
      'ghp_short',
      'xghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
      'ghx_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
    ],
  },
  'gitlab-token': {
    masked: [
      ['glpat-xYz12AbC34dEf56GhI78', `glpat-${M}`],
      ['using gldt-AbCdEfGhIjKlMnOpQrSt01 now', `using gldt-${M} now`],
      ['glrt-AbCdEfGhIjKlMnOpQrSt01', `glrt-${M}`],
    ],
    untouched: ['glpat-short', 'glxyz-AbCdEfGhIjKlMnOpQrSt01'],
  },
  'slack-token': {
    masked: [
      ['xoxb-1234567890-0987654321-AbCdEfGhIjKl', `xoxb-${M}`],
      ['xoxp-1234567890-abc xoxa-2-abcdefghij', `xoxp-${M} xoxa-${M}`],
      ['xoxr-abcdefghij0 xoxs-abcdefghij1', `xoxr-${M} xoxs-${M}`],
      ['xapp-1-A0123456-789-abc', `xapp-${M}`],
    ],
    untouched: ['xoxb-123', 'xox-1234567890abc'],
  },
  'slack-webhook': {
    masked: [
      [
        'https://hooks.slack.com/services/T0001/B0002/XyZ123abc456',
        `https://hooks.slack.com/services/${M}`,
      ],
      ['POST hooks.slack.com/workflows/T01/A02/336/abcdef', `POST hooks.slack.com/workflows/${M}`],
    ],
    untouched: ['https://hooks.slack.com/', 'https://slack.com/services/T0001/B0002/XyZ123abc456'],
  },
  'stripe-key': {
    masked: [
      ['sk_live_4eC39HqLyjWDarjtT1zdp7dc', `sk_live_${M}`],
      ['rk_live_4eC39HqLyjWDarjtT1zd', `rk_live_${M}`],
      [
        'key sk_test_4eC39HqLyjWDarjtT1zdp7dc, rk_test_abcdefghij12',
        `key sk_test_${M}, rk_test_${M}`,
      ],
      ['whsec_abcdefghijABCDEFGHIJ0123', `whsec_${M}`],
    ],
    untouched: ['pk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_short', 'task_live_abcdefghijklm'],
  },
  'aws-access-key-id': {
    masked: [
      ['AKIAIOSFODNN7EXAMPLE', `AKIA${M}`],
      ['creds ASIAY34FZKBOKMUTVV7A expire', `creds ASIA${M} expire`],
      ['aws_access_key_id=AKIAIOSFODNN7EXAMPLE', `aws_access_key_id=AKIA${M}`],
    ],
    untouched: ['AKIA123', 'akiaiosfodnn7example', 'XAKIAIOSFODNN7EXAMPLE', 'Asia/Tokyo'],
  },
  'aws-secret-access-key': {
    masked: [
      [
        'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        `aws_secret_access_key = ${M}`,
      ],
      [
        '{"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}',
        `{"SecretAccessKey": "${M}"}`,
      ],
    ],
    untouched: ['secret access key rotated', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  },
  jwt: {
    masked: [
      ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl', M],
      [
        'GET /cb?jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl&x=1',
        `GET /cb?jwt=${M}&x=1`,
      ],
      ['alg none: eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', `alg none: ${M}`],
    ],
    untouched: ['eyJhbGciOiJIUzI1NiJ9', 'eyJ.a.b', 'keyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2ln'],
  },
  'secret-assignment': {
    masked: [
      ['password=hunter2', `password=${M}`],
      ['DB_PASSWORD="p@ss w0rd" next', `DB_PASSWORD="${M}" next`],
      ["{'secret': 'abc'}", `{'secret': '${M}'}`],
      ['{"password":"a\\"b","user":"x"}', `{"password":"${M}","user":"x"}`],
      ['{\\"token\\":\\"abc123\\"}', `{\\"token\\":\\"${M}\\"}`],
      ['api_key: 12345abcde', `api_key: ${M}`],
      ['x-api-key: k-987', `x-api-key: ${M}`],
      ['?access_token=abc&page=2', `?access_token=${M}&page=2`],
      ['client_secret => "s"', `client_secret => "${M}"`],
      ['Pwd=abc;Server=db', `Pwd=${M};Server=db`],
      ['secretKey: abc, passwd:=x', `secretKey: ${M}, passwd:=${M}`],
      ['credentials=user:pw', `credentials=${M}`],
    ],
    untouched: [
      'tokens: 1234',
      'max_tokens=100',
      'token_count: 5',
      'password_url=https://x/reset',
      'secret_name: prod-db',
      'password reset requested',
      'passwordless=true',
      'token_type=Bearer',
      'password:\nnext line',
    ],
  },
  'secret-flag': {
    masked: [
      ['mysql --user app --password hunter2 orders', `mysql --user app --password ${M} orders`],
      ['cli -token "a b c"', `cli -token "${M}"`],
      ['deploy --api-key abc123 --region eu', `deploy --api-key ${M} --region eu`],
    ],
    untouched: ['--password-file /etc/pw', '--token-count 5', '--password --verbose'],
  },
  'credit-card': {
    masked: [
      ['4111111111111111', M],
      ['card 4111 1111 1111 1111 declined', `card ${M} declined`],
      ['5500-0000-0000-0004', M],
      ['amex 3782 822463 10005.', `amex ${M}.`],
      ['visa13 4916338506085', `visa13 ${M}`],
      ['{"pan":"6221260473182900514"}', `{"pan":"${M}"}`],
      ['4111 1111 1111 1111 123', `${M} 123`],
    ],
    untouched: [
      'ts=1760000000123',
      '4111111111111112',
      '41111111111111111234',
      '4111 1111-1111 1111',
      '0.4111111111111111',
      'v4111111111111111',
      '7111111111111111',
    ],
  },
};
