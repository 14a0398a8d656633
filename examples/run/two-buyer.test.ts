import { test } from 'node:test';
import assert from 'node:assert/strict';
import { twoBuyer } from './two-buyer.ts';

test('two-buyer: Buyer2 accepts when its part fits the budget, and both buyers learn the outcome', async () => {
  assert.deepEqual(await twoBuyer('Session Types', 20), { bought: true, date: '2026-12-24', price: 40 });
  assert.deepEqual(await twoBuyer('Types and Programming Languages', 39), { bought: false, price: 80 });
  assert.deepEqual(await twoBuyer('Unknown Book', 10_000), { bought: true, date: '2026-12-24', price: 1000 });
});
