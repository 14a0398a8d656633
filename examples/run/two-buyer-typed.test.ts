import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BytesMemoryTransport } from '../../src/runtime/index.ts';
import { twoBuyerTyped } from './two-buyer-typed.ts';
import { twoBuyer } from './two-buyer.ts';

test('two-buyer, typed: every role written on the generated API reaches the same outcomes as the driven roles', async () => {
  for (const [title, budget] of [['Session Types', 20], ['Types and Programming Languages', 39], ['Types and Programming Languages', 40]] as const) {
    const typed = await twoBuyerTyped(title, budget);
    assert.deepEqual(typed, await twoBuyer(title, budget));
    assert.equal(typed.bought, budget >= (title === 'Session Types' ? 20 : 40));
  }
  assert.deepEqual(await twoBuyerTyped('Session Types', 20, new BytesMemoryTransport()), { bought: true, date: '2026-12-24', price: 40 });
});
