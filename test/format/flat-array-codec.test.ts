// The flat-array fast path must be msgpackr, only faster: the same bytes for every flat array,
// the same values for every encoding of its scalars, and on any other input either the same
// result as msgpackr or a hand-off to it (undefined). Property-based over fast-check's values.
import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { packFlatArray, unpackFlatArray } from '../../src/format/flat-array-codec.js';
import { decodePayload, encodePayload } from '../../src/format/payload-codec.js';

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
  it('encodes every flat array to the bytes msgpackr writes', () => {
    fc.assert(
      fc.property(flat, (values) => {
        const ours = Buffer.from(packFlatArray(values)!);
        expect(ours.equals(Buffer.from(packr.pack(values)))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes them to what msgpackr decodes, and hands everything else over', () => {
    fc.assert(
      fc.property(flat, (values) => {
        const bytes = packr.pack(values);
        expect(unpackFlatArray(bytes)).toEqual(unpackr.unpack(bytes));
      }),
      { numRuns: 2000 },
    );
    for (const other of [{ a: 1 }, ['é'], [{ m: 1 }], 'text', 7, [[1]], [new Uint8Array(2)]]) {
      expect(unpackFlatArray(packr.pack(other))).toBeUndefined();
      expect(decodePayload(encodePayload(other))).toEqual(unpackr.unpack(packr.pack(other)));
    }
  });

  it('reads the scalar forms msgpackr never writes (int8..64, uint64, float32, str16)', () => {
    const bytes = Buffer.from([
      0x97, 0xd0, 0x85, 0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xcf, 0, 0, 0, 1, 0,
      0, 0, 2, 0xca, 0x3f, 0xc0, 0, 0, 0xda, 0, 2, 0x68, 0x69, 0xd1, 0xff, 0x00, 0xd2, 0xff, 0xff,
      0xff, 0x00,
    ]);
    expect(unpackFlatArray(bytes)).toEqual([-123, -2, 2 ** 32 + 2, 1.5, 'hi', -256, -256]);
    expect(unpackFlatArray(bytes)).toEqual(unpackr.unpack(bytes));
  });

  it('agrees with msgpackr on random and mutated bytes: the same value, or both throw', () => {
    const outcome = (decode: () => unknown) => {
      try {
        return { value: decode() };
      } catch {
        return { threw: true };
      }
    };
    fc.assert(
      fc.property(flat, fc.nat(), fc.integer({ min: 0, max: 255 }), (values, where, byte) => {
        const bytes = Buffer.from(packr.pack(values));
        bytes[where % bytes.length] = byte;
        const ours = outcome(() => unpackFlatArray(bytes) ?? unpackr.unpack(bytes));
        const theirs = outcome(() => unpackr.unpack(bytes));
        if ('threw' in ours) expect(theirs).toEqual(ours);
        else if (!('threw' in theirs)) expect(ours.value).toEqual(theirs.value);
      }),
      { numRuns: 3000 },
    );
  });
});
