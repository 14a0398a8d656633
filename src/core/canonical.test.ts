import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as dagCbor from '@ipld/dag-cbor';
import { decodeCanonical, encodeCanonical, provedCanonical } from './canonical.ts';
import { bytesEqual, fromHex } from './bytes.ts';
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

/** The strict check by definition: decodes, re-encodes, compares; the one-pass check must agree with it. */
function reference(bytes: Uint8Array): { value: unknown } | { code: string } {
  try {
    const value = dagCbor.decode(bytes);
    return bytesEqual(dagCbor.encode(value), bytes) ? { value } : { code: 'cbor.non-canonical' };
  } catch (error) {
    const truncated = /not enough|did not find any content|unexpected end/i.test((error as Error).message);
    return { code: truncated ? 'cbor.truncated' : 'cbor.malformed' };
  }
}

function outcome(bytes: Uint8Array): { value: unknown } | { code: string } {
  try {
    return { value: decodeCanonical(bytes) };
  } catch (error) {
    return { code: isAuraError(error) ? error.code : String(error) };
  }
}

/** Canonical encodings with a few bytes changed, inserted or removed: mostly near-misses of the rules. */
const mutated = fc
  .tuple(
    fc.oneof(canonicalValue, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n })),
    fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), how: fc.constantFrom('set', 'insert', 'delete') }), { maxLength: 3 }),
  )
  .map(([value, edits]) => {
    const bytes = [...encodeCanonical(value)];
    for (const { at, byte, how } of edits) {
      const position = bytes.length === 0 ? 0 : at % bytes.length;
      if (how === 'set') bytes[position] = byte;
      else if (how === 'insert') bytes.splice(position, 0, byte);
      else bytes.splice(position, 1);
    }
    return Uint8Array.from(bytes);
  });

test('the one-pass check only ever proves bytes that re-encode identically', () => {
  fc.assert(
    fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 48 })), (bytes) => {
      if (provedCanonical(bytes)) assert.deepEqual(reference(bytes), { value: dagCbor.decode(bytes) });
    }),
    { numRuns: 5000 },
  );
});

test('decodeCanonical gives the same value or the same error code as the re-encoding check', () => {
  fc.assert(
    fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 48 })), (bytes) => {
      assert.deepEqual(outcome(bytes), reference(bytes));
    }),
    { numRuns: 5000 },
  );
});

/** True when `value` holds what the one-pass check leaves to re-encoding: an 8-byte integer, or text starting with a byte order mark. */
function leftToReencoding(value: unknown): boolean {
  if (typeof value === 'number') return (value < 0 ? -1 - value : value) >= 2 ** 32; // the CBOR argument of the integer
  if (typeof value === 'string') return value.startsWith('\uFEFF');
  if (Array.isArray(value)) return value.some(leftToReencoding);
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return false;
  return Object.entries(value).some(([key, item]) => leftToReencoding(key) || leftToReencoding(item));
}

test('the one-pass check proves every canonical encoding of integers, strings, lists, maps, booleans and null', () => {
  fc.assert(
    fc.property(canonicalValue, (value) => {
      assert.equal(provedCanonical(encodeCanonical(value)), !leftToReencoding(value));
    }),
  );
});

test('the one-pass check refuses each rule broken, and decodeCanonical then reports it as the re-encoding check does', () => {
  const cases: [string, string][] = [
    ['a2616201616102', 'cbor.non-canonical'], // {"b":1,"a":2}: keys out of order
    ['a262616101616202', 'cbor.non-canonical'], // {"aa":1,"b":2}: the longer key first
    ['a2616101616102', 'cbor.malformed'], // {"a":1,"a":2}: a repeated key
    ['a2626161016162', 'cbor.truncated'], // a map one entry short
    ['a1616101', ''], // {"a":1}: canonical (control)
    ['a10102', 'cbor.malformed'], // {1:2}: a key that is not text
    ['a1616101ff', 'cbor.malformed'], // a byte after the item
    ['1817', 'cbor.malformed'], // 23 in two bytes
    ['5801ff', 'cbor.malformed'], // a one-byte string with a two-byte length
    ['63efbbbf', 'cbor.non-canonical'], // a text string that is a byte order mark: the decoder drops it
    ['62c0af', 'cbor.non-canonical'], // overlong UTF-8
    ['63eda080', 'cbor.non-canonical'], // a UTF-8 surrogate
    ['f93c00', 'cbor.non-canonical'], // 1.0 as a half float
    ['fb3ff0000000000000', 'cbor.non-canonical'], // 1.0 as a double: canonically the integer 1
    ['fb3ff8000000000000', ''], // 1.5 as a double: canonical, proved by re-encoding
    ['f7', 'cbor.non-canonical'], // undefined, decoded as null
    ['1b0000000100000000', ''], // 2^32 in eight bytes: canonical, proved by re-encoding
    ['1b00000000ffffffff', 'cbor.malformed'], // 2^32 - 1 in eight bytes
  ];
  for (const [hex, code] of cases) {
    const bytes = fromHex(hex);
    assert.deepEqual(outcome(bytes), reference(bytes), hex);
    if (code === '') assert.ok('value' in outcome(bytes), hex);
    else assert.deepEqual(outcome(bytes), { code }, hex);
    if (code !== '') assert.equal(provedCanonical(bytes), false, hex);
  }
});
