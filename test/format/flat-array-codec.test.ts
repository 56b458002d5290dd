// The flat-array fast path must be msgpackr, only faster: the same bytes for every flat array,
// and on any other input a hand-off to msgpackr (undefined). Property-based over fast-check.
import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { packFlatArray } from '../../src/format/flat-array-codec.js';
import { decodePayload, encodePayload } from '../../src/format/payload-codec.js';
import { fastCheckSeed, withSeed } from '../support/random.js';

const options = {
  useRecords: false,
  mapsAsObjects: true,
  int64AsType: 'number',
  moreTypes: false,
  structuredClone: false,
} as const;
const packr = new Packr(options);
const unpackr = new Unpackr(options);

const asciiText = fc.string({ unit: fc.constantFrom(...'abcXYZ019 -:_/~\t'), maxLength: 300 });
const scalar = fc.oneof(
  asciiText,
  fc.integer(),
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    127,
    128,
    255,
    256,
    65535,
    65536,
    2 ** 32 - 1,
    2 ** 32,
    -32,
    -33,
    -128,
    -129,
  ),
  fc.boolean(),
  fc.constant(null),
);
const flat = fc.array(scalar, { maxLength: 40 });

describe('the flat-array msgpack fast path', () => {
  it('encodes every flat array to the bytes msgpackr writes', async () => {
    await withSeed('flat array bytes', (_random, seed) =>
      fc.assert(
        fc.property(flat, (values) => {
          const ours = Buffer.from(packFlatArray(values)!);
          expect(ours.equals(Buffer.from(packr.pack(values)))).toBe(true);
        }),
        { numRuns: 2000, seed: fastCheckSeed(seed) },
      ),
    );
  });

  it('hands everything else to msgpackr, and payloads round-trip either way', async () => {
    for (const other of [{ a: 1 }, ['é'], [{ m: 1 }], 'text', 7, [[1]], [new Uint8Array(2)]]) {
      if (Array.isArray(other)) expect(packFlatArray(other)).toBeUndefined();
      expect(decodePayload(encodePayload(other))).toEqual(unpackr.unpack(packr.pack(other)));
    }
    await withSeed('flat array round trip', (_random, seed) =>
      fc.assert(
        fc.property(flat, (values) => {
          expect(decodePayload(encodePayload(values))).toEqual(unpackr.unpack(packr.pack(values)));
        }),
        { numRuns: 500, seed: fastCheckSeed(seed) },
      ),
    );
  });
});
