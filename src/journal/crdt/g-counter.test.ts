import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { joinLaws, reachedStates } from '../../../test/lattice-laws.ts';
import { isAuraError } from '../../core/errors.ts';
import { gCounter, gCounterIncrement, gCounterValue } from './g-counter.ts';
import { pnCounter, pnCounterAdd, pnCounterValue } from './pn-counter.ts';

joinLaws('G-Counter', gCounter, reachedStates(gCounter, fc.nat({ max: 5 }), (s, r, n) => gCounterIncrement(s, r, n)));
joinLaws('PN-Counter', pnCounter, reachedStates(pnCounter, fc.integer({ min: -5, max: 5 }), (s, r, n) => pnCounterAdd(s, r, n)));

test('replicas that count apart and merge see every increment once', () => {
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 9 })), fc.array(fc.nat({ max: 9 })), (mine, theirs) => {
      const a = mine.reduce((s, n) => gCounterIncrement(s, 'a', n), gCounter.bottom());
      const b = theirs.reduce((s, n) => gCounterIncrement(s, 'b', n), gCounter.bottom());
      const sum = (xs: number[]): number => xs.reduce((x, y) => x + y, 0);
      assert.equal(gCounterValue(gCounter.join(gCounter.join(a, b), a)), sum(mine) + sum(theirs));
    }),
  );
});

test('a PN-Counter goes down as well as up', () => {
  const a = pnCounterAdd(pnCounterAdd(pnCounter.bottom(), 'a', 5), 'a', -2);
  const b = pnCounterAdd(pnCounter.bottom(), 'b', -4);
  assert.equal(pnCounterValue(pnCounter.join(a, b)), -1);
});

test('a G-Counter refuses to shrink', () => {
  assert.throws(() => gCounterIncrement(gCounter.bottom(), 'a', -1), (error: unknown) => isAuraError(error, 'crdt.bad-amount'));
});
