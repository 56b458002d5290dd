// The planted secrets of test/support/planted-secrets.ts (the end-to-end disk scan's inputs)
// are what they claim: each is matched by the pattern it names and fully masked by default,
// as free text and as an attribute value, and each secret is distinctive.
import { describe, expect, it } from 'vitest';
import { builtinSecretPatterns, REDACTED, SecretMasker } from '../../src/journal/secret-masker.js';
import { plantedAttributes, plantedSecrets } from '../support/planted-secrets.js';

const masker = new SecretMasker();

describe('planted secrets', () => {
  it('covers every built-in pattern', () => {
    const covered = new Set(plantedSecrets.map((p) => p.pattern));
    expect([...covered].sort()).toEqual(builtinSecretPatterns.map((p) => p.name).sort());
  });

  it.each(plantedSecrets)('$pattern: $secret never survives', ({ pattern, text, secret }) => {
    expect(text).toContain(secret);
    expect(secret.length).toBeGreaterThanOrEqual(15);
    const entry = builtinSecretPatterns.find((p) => p.name === pattern)!;
    expect(new RegExp(entry.pattern).test(text), `${pattern} matches its planted text`).toBe(true);
    for (const stored of [masker.text('output', text), masker.attribute('note', text)]) {
      expect(stored).toContain(REDACTED);
      expect(stored).not.toContain(secret);
      // No 12-character piece of the secret survives either.
      for (let i = 0; i + 12 <= secret.length; i++)
        expect(stored, secret.slice(i, i + 12)).not.toContain(secret.slice(i, i + 12));
    }
  });

  it.each(plantedAttributes)('attribute $key is stored masked whole', ({ key, value, secret }) => {
    expect(value).toContain(secret);
    expect(masker.attribute(key, value)).toBe(REDACTED);
  });

  it('has secrets no other planted text contains by accident', () => {
    const all = [...plantedSecrets.map((p) => p.secret), ...plantedAttributes.map((p) => p.secret)];
    for (const secret of all) {
      const holders = plantedSecrets.filter((p) => p.text.includes(secret));
      expect(holders.every((p) => p.secret === secret || p.pattern === 'private-key-block')).toBe(
        true,
      );
      const decoded = Buffer.from(secret, 'base64').toString('utf8');
      expect(/l4nt|L4NT|^[\d -]+$/.test(secret) || decoded.includes('l4nt'), secret).toBe(true);
    }
  });
});
