// Semilattice laws as property tests, for every CRDT in src/journal/crdt/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { JoinSemilattice } from '../src/journal/crdt/lattice.ts';

/** Registers the join-semilattice laws for `lattice` over states drawn from `states`. */
export function joinLaws<S>(name: string, lattice: JoinSemilattice<S>, states: fc.Arbitrary<S>): void {
  const join = (a: S, b: S): S => lattice.join(a, b);
  const equals = (a: S, b: S): boolean => lattice.equals(a, b);
  void test(`${name}: join is associative, commutative and idempotent, with bottom as identity`, () => {
    fc.assert(
      fc.property(states, states, states, (a, b, c) => {
        assert.ok(equals(join(a, join(b, c)), join(join(a, b), c)), 'associative');
        assert.ok(equals(join(a, b), join(b, a)), 'commutative');
        assert.ok(equals(join(a, a), a), 'idempotent');
        assert.ok(equals(join(a, lattice.bottom()), a), 'bottom');
      }),
    );
  });
  void test(`${name}: join is an upper bound of both states (merging never loses an update)`, () => {
    fc.assert(
      fc.property(states, states, (a, b) => {
        const ab = join(a, b);
        assert.ok(equals(join(a, ab), ab) && equals(join(b, ab), ab));
      }),
    );
  });
}

/**
 * States reached by replicas applying random operations: `replicas` states, each built from the
 * bottom by a random sequence of `operation(state, replica, draw)` calls.
 */
export function reachedStates<S, O>(lattice: JoinSemilattice<S>, operations: fc.Arbitrary<O>, apply: (state: S, replica: string, operation: O) => S): fc.Arbitrary<S> {
  return fc.tuple(fc.constantFrom('r1', 'r2', 'r3'), fc.array(operations, { maxLength: 6 })).map(([replica, ops]) => ops.reduce((state, op) => apply(state, replica, op), lattice.bottom()));
}
