import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAuraError } from './errors.ts';
import { bytesToHex } from '@noble/hashes/utils.js';
import { concat, fromHex, lengthPrefixed, lengthPrefixedUtf8, toHex, u64be, utf8 } from './bytes.ts';

test('length-prefixed fields join unambiguously: u32be length, then the bytes', () => {
  assert.deepEqual(lengthPrefixed(new Uint8Array([7, 8])), new Uint8Array([0, 0, 0, 2, 7, 8]));
  const field = fc.uint8Array({ maxLength: 40 });
  fc.assert(
    fc.property(field, field, field, field, (a, b, c, d) => {
      const same = concat(lengthPrefixed(a), lengthPrefixed(b)).join() === concat(lengthPrefixed(c), lengthPrefixed(d)).join();
      assert.equal(same, a.join() === c.join() && b.join() === d.join());
    }),
  );
});

test('u64be is the big-endian form of a safe integer; others are refused', () => {
  fc.assert(
    fc.property(fc.maxSafeNat(), (n) => {
      const bytes = u64be(n);
      assert.equal(new DataView(bytes.buffer).getBigUint64(0), BigInt(n));
    }),
  );
  for (const bad of [-1, 0.5, 2 ** 53, Number.NaN]) assert.throws(() => u64be(bad), (e) => isAuraError(e, 'bytes.bad-integer'));
});

test('utf8 (and lengthPrefixedUtf8) give the bytes TextEncoder gives, for ASCII, any Unicode, lone surrogates and long texts', () => {
  const encoder = new TextEncoder();
  const texts = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme-ascii', minLength: 250, maxLength: 300 }));
  fc.assert(
    fc.property(texts, (text) => {
      assert.deepEqual(utf8(text), encoder.encode(text));
      assert.deepEqual(lengthPrefixedUtf8(text), lengthPrefixed(encoder.encode(text)));
    }),
    { numRuns: 300 },
  );
  assert.deepEqual(utf8('a\uD800b'), encoder.encode('a\uD800b'));
  assert.deepEqual(utf8('é'), new Uint8Array([0xc3, 0xa9]));
});

test('toHex is lowercase hex of exactly the bytes viewed (subarrays included), and fromHex reads it back', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(10), fc.nat(10), (bytes, start, trim) => {
      const view = bytes.subarray(Math.min(start, bytes.length), Math.max(Math.min(start, bytes.length), bytes.length - trim));
      assert.equal(toHex(view), bytesToHex(view));
      assert.deepEqual(fromHex(toHex(view)), view);
    }),
  );
});
