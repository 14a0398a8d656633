import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeCanonical, encodeCanonical } from './canonical.ts';
import { fromHex } from './bytes.ts';
import { isAuraError } from './errors.ts';

/** Values of the IPLD data model without floats (whose -0/NaN rules are tested separately). */
const canonicalValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
    fc.string(),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 5, noNullPrototype: true }),
  ),
})).value;

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => isAuraError(error, code));
}

test('encoding then decoding gives the same value back', () => {
  fc.assert(
    fc.property(canonicalValue, (value) => {
      assert.deepEqual(decodeCanonical(encodeCanonical(value)), value);
    }),
  );
});

test('the encoding does not depend on the order keys were inserted', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { noNullPrototype: true }), (record) => {
      const reversed = Object.fromEntries(Object.entries(record).reverse());
      assert.deepEqual(encodeCanonical(reversed), encodeCanonical(record));
    }),
  );
});

test('map keys out of canonical order are rejected', () => {
  // {"b": 1, "a": 2}: valid CBOR, but canonical order puts "a" first.
  assertCode(() => decodeCanonical(fromHex('a2616201616102')), 'cbor.non-canonical');
});

test('an integer in more bytes than needed is rejected', () => {
  assertCode(() => decodeCanonical(fromHex('190001')), 'cbor.malformed');
});

test('truncated input is reported as truncated, at every cut point', () => {
  const bytes = encodeCanonical({ type: 'fact', payload: [1, 2, 3], note: 'hello world' });
  for (let cut = 0; cut < bytes.length; cut++) {
    assertCode(() => decodeCanonical(bytes.subarray(0, cut)), 'cbor.truncated');
  }
});

test('trailing bytes and indefinite lengths are malformed', () => {
  assertCode(() => decodeCanonical(fromHex('0102')), 'cbor.malformed');
  assertCode(() => decodeCanonical(fromHex('9fff')), 'cbor.malformed');
});

test('random bytes either decode to a value that re-encodes identically or fail with a cbor code', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        const value = decodeCanonical(bytes);
        assert.deepEqual(encodeCanonical(value), bytes);
      } catch (error) {
        assert.ok(isAuraError(error) && error.code.startsWith('cbor.'), String(error));
      }
    }),
    { numRuns: 2000 },
  );
});

test('values outside the data model cannot be encoded', () => {
  assertCode(() => encodeCanonical({ missing: undefined }), 'cbor.unencodable');
  assertCode(() => encodeCanonical(Number.NaN), 'cbor.unencodable');
  assertCode(() => encodeCanonical(() => 1), 'cbor.unencodable');
});
