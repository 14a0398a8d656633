import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { concat, lengthPrefixed } from './bytes.ts';

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
