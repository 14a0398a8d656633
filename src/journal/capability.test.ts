import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAuraError } from '../core/errors.ts';
import { TOP_FRONTIER, allows, capabilityFrontier, isAttenuationOf, meet, sameFrontier, type CapabilityFrontier } from './capability.ts';

const permission = fc.constantFrom('journal:read', 'journal:write', 'tree:change', 'recovery:approve', 'message:send');
const frontierArb: fc.Arbitrary<CapabilityFrontier> = fc.oneof(
  fc.constant(TOP_FRONTIER),
  fc.tuple(fc.uniqueArray(permission), fc.option(fc.nat({ max: 1000 }), { nil: undefined })).map(([permissions, expiry]) => capabilityFrontier(permissions, expiry)),
);

test('meet is associative, commutative and idempotent, with the top as identity', () => {
  fc.assert(
    fc.property(frontierArb, frontierArb, frontierArb, (a, b, c) => {
      assert.ok(sameFrontier(meet(a, meet(b, c)), meet(meet(a, b), c)));
      assert.ok(sameFrontier(meet(a, b), meet(b, a)));
      assert.ok(sameFrontier(meet(a, a), a));
      assert.ok(sameFrontier(meet(a, TOP_FRONTIER), a));
    }),
  );
});

test('meet only attenuates, and is monotone', () => {
  fc.assert(
    fc.property(frontierArb, frontierArb, frontierArb, (a, b, c) => {
      const ab = meet(a, b);
      assert.ok(isAttenuationOf(ab, a) && isAttenuationOf(ab, b));
      assert.ok(isAttenuationOf(meet(ab, c), meet(a, c)));
    }),
  );
});

test('whatever the meet allows, both inputs allow', () => {
  fc.assert(
    fc.property(frontierArb, frontierArb, permission, fc.nat({ max: 1200 }), (a, b, p, now) => {
      if (allows(meet(a, b), p, now)) assert.ok(allows(a, p, now) && allows(b, p, now));
    }),
  );
});

test('a frontier allows its permissions until it expires', () => {
  const f = capabilityFrontier(['journal:write'], 100);
  assert.equal(allows(f, 'journal:write', 100), true);
  assert.equal(allows(f, 'journal:write', 101), false);
  assert.equal(allows(f, 'journal:read', 50), false);
  assert.equal(allows(TOP_FRONTIER, 'anything', Number.MAX_SAFE_INTEGER), true);
  assert.throws(() => capabilityFrontier([], Number.NaN), (error: unknown) => isAuraError(error, 'capability.invalid'));
});
