import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ring } from './ring.ts';

test('ring: the token visits every node once, in ring order, and comes back with n hops', async () => {
  for (const n of [2, 3, 7]) {
    const { hops, order } = await ring(n);
    assert.equal(hops, n);
    assert.deepEqual(order, Array.from({ length: n }, (_, i) => `Node[${i}]`));
  }
});
