import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareVectors, lamportObserve, lamportTick, mergeVectors, vectorDominates, vectorIncrement, type VectorClock } from './logical-clock.ts';

const replica = fc.constantFrom('a', 'b', 'c', 'd');
const vector: fc.Arbitrary<VectorClock> = fc.dictionary(replica, fc.nat({ max: 20 }), { noNullPrototype: true });

/** Clocks are equal as functions: absent entries count as zero. */
function sameClock(a: VectorClock, b: VectorClock): boolean {
  return compareVectors(a, b) === 'equal';
}

test('vector merge is associative, commutative and idempotent', () => {
  fc.assert(
    fc.property(vector, vector, vector, (a, b, c) => {
      assert.ok(sameClock(mergeVectors(a, mergeVectors(b, c)), mergeVectors(mergeVectors(a, b), c)));
      assert.ok(sameClock(mergeVectors(a, b), mergeVectors(b, a)));
      assert.ok(sameClock(mergeVectors(a, a), a));
    }),
  );
});

test('the merge is an upper bound of both inputs', () => {
  fc.assert(
    fc.property(vector, vector, (a, b) => {
      const merged = mergeVectors(a, b);
      assert.ok(vectorDominates(merged, a) && vectorDominates(merged, b));
    }),
  );
});

test('an increment is strictly after the clock it came from', () => {
  fc.assert(
    fc.property(vector, replica, (clock, who) => {
      assert.equal(compareVectors(clock, vectorIncrement(clock, who)), 'before');
      assert.equal(compareVectors(vectorIncrement(clock, who), clock), 'after');
    }),
  );
});

test('comparison is antisymmetric', () => {
  const flip = { before: 'after', after: 'before', equal: 'equal', concurrent: 'concurrent' } as const;
  fc.assert(fc.property(vector, vector, (a, b) => { assert.equal(compareVectors(b, a), flip[compareVectors(a, b)]); }));
});

test('independent increments on two replicas are concurrent', () => {
  const base = { a: 1, b: 1 };
  assert.equal(compareVectors(vectorIncrement(base, 'a'), vectorIncrement(base, 'b')), 'concurrent');
});

test('Lamport ticks increase and a receive is after both the send and the receiver', () => {
  fc.assert(
    fc.property(fc.nat(), fc.nat(), (local, received) => {
      assert.ok(lamportTick(local) > local);
      const next = lamportObserve(local, received);
      assert.ok(next > local && next > received);
    }),
  );
});
