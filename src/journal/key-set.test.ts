import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KeySet } from './key-set.ts';

test('a key set holds exactly the distinct keys added, even when their buckets collide', () => {
  // Short keys over a tiny alphabet make bucket collisions common.
  fc.assert(
    fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'q', 'A'), maxLength: 8 }), { maxLength: 60 }), (keys) => {
      const set = new KeySet();
      const reference = new Set<string>();
      for (const key of keys) {
        assert.equal(set.add(key), !reference.has(key));
        reference.add(key);
      }
      assert.equal(set.size, reference.size);
      for (const key of keys) assert.ok(set.has(key));
      assert.equal(set.has('never added'), false);
    }),
  );
});

test('a key set keeps every key as it grows', () => {
  const set = new KeySet();
  const keys = Array.from({ length: 5000 }, (_, i) => `key-${i}`);
  for (const key of keys) assert.equal(set.add(key), true);
  for (const key of keys) assert.equal(set.add(key), false);
  assert.equal(set.size, 5000);
  assert.ok(keys.every((key) => set.has(key)));
  assert.equal(set.has('key-5000'), false);
});
