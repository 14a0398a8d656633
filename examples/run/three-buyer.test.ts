import { test } from 'node:test';
import assert from 'node:assert/strict';
import { threeBuyer } from './three-buyer.ts';

test('three-buyer: Bob buys, or delegates to Carol who accepts or declines; Alice learns each outcome', async () => {
  assert.deepEqual(await threeBuyer({ price: 60, bobBudget: 30, carolBudget: 0 }), { bought: true, decidedBy: 'Bob' });
  assert.deepEqual(await threeBuyer({ price: 60, bobBudget: 10, carolBudget: 30 }), { bought: true, decidedBy: 'Carol', delegated: 30 });
  assert.deepEqual(await threeBuyer({ price: 61, bobBudget: 10, carolBudget: 30 }), { bought: false, decidedBy: 'Carol', delegated: 31 });
});
