import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dagCbor from '@ipld/dag-cbor';
import fc from 'fast-check';
import { contentId } from '../core/content-id.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import { TestAuthority } from './testing.ts';
import { TrustedCborDecoder } from './trusted-cbor.ts';

/** Values of the IPLD data model, floats and CIDs included (the decoder hands those to dag-cbor). */
const value = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -(2 ** 31), max: 2 ** 32 }),
    fc.maxSafeInteger(),
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ unit: 'grapheme', maxLength: 120 }),
    fc.constantFrom('typeId', 'payload', 'namespace', 'authority-' + 'a'.repeat(52)),
    fc.uint8Array({ maxLength: 40 }),
    fc.integer().map((n) => contentId({ n })),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 5, noNullPrototype: true }),
  ),
})).value;

/** What decoding gives: the value, or that it threw. */
function outcome(decode: () => unknown): { value: unknown } | { threw: true } {
  try {
    return { value: decode() };
  } catch {
    return { threw: true };
  }
}

// One decoder across all runs, so its string cache is exercised with many different strings.
const decoder = new TrustedCborDecoder();

test('the trusted decoder gives exactly what dag-cbor gives for every encodable value', () => {
  fc.assert(
    fc.property(value, (input) => {
      const bytes = dagCbor.encode(input);
      assert.deepStrictEqual(decoder.decode(bytes), dagCbor.decode(bytes));
    }),
    { numRuns: 2000 },
  );
});

test('on damaged bytes the trusted decoder refuses or accepts exactly what dag-cbor does', () => {
  const damaged = value.chain((input) => {
    const bytes = dagCbor.encode(input);
    return fc.oneof(
      fc.nat({ max: Math.max(0, bytes.length - 1) }).map((end) => bytes.slice(0, end)),
      fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
        const copy = bytes.slice();
        copy[at] = byte;
        return copy;
      }),
      fc.uint8Array({ minLength: 1, maxLength: 4 }).map((tail) => new Uint8Array([...bytes, ...tail])),
    );
  });
  fc.assert(
    fc.property(damaged, (bytes) => {
      assert.deepStrictEqual(outcome(() => decoder.decode(bytes)), outcome(() => dagCbor.decode(bytes)));
    }),
    { numRuns: 3000 },
  );
});

test('non-canonical forms dag-cbor accepts or refuses are decided by dag-cbor', () => {
  const cases = [
    new Uint8Array([0x18, 0x05]), // 5 in a two-byte form
    new Uint8Array([0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02]), // keys out of order
    new Uint8Array([0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02]), // a repeated key
    new Uint8Array([0xa1, 0x01, 0x02]), // an integer key
    new Uint8Array([0xa1, 0x69, ...new TextEncoder().encode('__proto__'), 0xa0]),
    new Uint8Array([0x62, 0xc3, 0x28]), // invalid UTF-8
    new Uint8Array([0xf7]), // undefined
  ];
  for (const bytes of cases) assert.deepStrictEqual(outcome(() => decoder.decode(bytes)), outcome(() => dagCbor.decode(bytes)));
});

test('facts decode to the same value, with byte strings as views of the input', () => {
  const random = new SeededRandom('trusted-cbor');
  const alice = new TestAuthority(new Ed25519CryptoEffects(random.fork('crypto')), random.fork('alice'));
  for (let i = 0; i < 50; i++) {
    const record = alice.deviceSigned(alice.draft('counter.add', { counter: `c${i % 4}`, amount: i }));
    const decoded = decoder.decode(record.bytes) as { attestation: { signature: Uint8Array } };
    assert.deepStrictEqual(decoded, dagCbor.decode(record.bytes));
    assert.equal(decoded.attestation.signature.buffer, record.bytes.buffer);
  }
});
