import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAuraError } from '../../core/errors.ts';
import { randomIdentifier } from '../../core/identifiers.ts';
import { SeededRandom } from '../../handlers/random.ts';
import { TOP_FRONTIER, allows, capabilityFrontier, capabilityLattice } from '../capability.ts';
import { CrdtCoordinator } from './coordinator.ts';
import { gCounter, gCounterIncrement, gCounterValue, type GCounter } from './g-counter.ts';

const random = new SeededRandom('coordinator');
const alice = randomIdentifier('authority', random);
const bob = randomIdentifier('authority', random);

test('state-based replicas converge after exchanging states in either order', () => {
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 5 })), fc.array(fc.nat({ max: 5 })), fc.boolean(), (mine, theirs, aliceFirst) => {
      const a = CrdtCoordinator.withCvState(alice, gCounter);
      const b = CrdtCoordinator.withCvState(bob, gCounter);
      for (const n of mine) a.merge(gCounterIncrement(a.state, 'a', n));
      for (const n of theirs) b.merge(gCounterIncrement(b.state, 'b', n));
      if (aliceFirst) { b.receive(a.syncMessage()); a.receive(b.syncMessage()); } else { a.receive(b.syncMessage()); b.receive(a.syncMessage()); }
      assert.ok(gCounter.equals(a.state, b.state));
      assert.equal(a.receive(b.syncMessage()), false);
    }),
  );
});

test('delta replicas compact their buffer at the threshold and still deliver every update', () => {
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 5 }), { maxLength: 30 }), fc.integer({ min: 1, max: 8 }), (increments, threshold) => {
      const a = CrdtCoordinator.withDeltaThreshold<GCounter>(alice, gCounter, threshold);
      const b = CrdtCoordinator.withDeltaThreshold<GCounter>(bob, gCounter, threshold);
      for (const n of increments) {
        a.applyDelta(gCounterIncrement(gCounter.bottom(), 'a', (a.state.get('a') ?? 0) + n));
        assert.ok(a.pendingDeltas < threshold || threshold === 1);
      }
      const message = a.takeSyncMessage();
      if (message !== undefined) b.receive(message);
      assert.equal(gCounterValue(b.state), increments.reduce((x, y) => x + y, 0));
      assert.equal(a.takeSyncMessage(), undefined);
    }),
  );
});

test('meet-based replicas only narrow capabilities', () => {
  const a = CrdtCoordinator.withMvState(alice, capabilityLattice);
  const b = CrdtCoordinator.withMvState(bob, capabilityLattice, capabilityFrontier(['journal:read', 'journal:write'], 500));
  a.merge(capabilityFrontier(['journal:read', 'tree:change']));
  assert.equal(a.receive(b.syncMessage()), true);
  b.receive(a.syncMessage());
  assert.ok(capabilityLattice.equals(a.state, b.state));
  assert.equal(allows(a.state, 'journal:read', 100), true);
  assert.equal(allows(a.state, 'journal:write', 100), false);
  assert.equal(allows(a.state, 'journal:read', 501), false);
  assert.equal(a.receive(CrdtCoordinator.withMvState(bob, capabilityLattice, TOP_FRONTIER).syncMessage()), false);
});

test('a coordinator refuses messages of another replication style, and bad thresholds', () => {
  const cv = CrdtCoordinator.withCvState(alice, gCounter);
  const mv = CrdtCoordinator.withMvState(alice, capabilityLattice);
  assert.throws(() => cv.receive({ kind: 'constraint', from: bob, state: gCounter.bottom() }), (error: unknown) => isAuraError(error, 'crdt.wrong-message'));
  assert.throws(() => mv.receive({ kind: 'state', from: bob, state: TOP_FRONTIER }), (error: unknown) => isAuraError(error, 'crdt.wrong-message'));
  assert.throws(() => CrdtCoordinator.withDeltaThreshold(alice, gCounter, 0), (error: unknown) => isAuraError(error, 'crdt.bad-threshold'));
});
