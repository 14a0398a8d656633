import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAuraError } from '../core/errors.ts';
import { SeededRandom } from '../handlers/random.ts';
import { RandomDraws } from './draws.ts';

test('the same seed draws the same values', () => {
  const a = new RandomDraws(new SeededRandom(3));
  const b = new RandomDraws(new SeededRandom(3));
  const drawsOf = (d: RandomDraws): number[] => Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? d.float() : i % 3 === 1 ? d.int(7) : d.normal()));
  assert.deepEqual(drawsOf(a), drawsOf(b));
});

test('draws stay in range', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 2 ** 32 }), (seed, bound) => {
      const draws = new RandomDraws(new SeededRandom(seed));
      const f = draws.float();
      const n = draws.int(bound);
      return f >= 0 && f < 1 && Number.isInteger(n) && n >= 0 && n < bound;
    }),
  );
});

test('chance follows its probability and skips drawing at 0 and 1', () => {
  const draws = new RandomDraws(new SeededRandom('chance'));
  let hits = 0;
  for (let i = 0; i < 20_000; i++) if (draws.chance(0.25)) hits++;
  assert.ok(Math.abs(hits - 5000) < 300, `${hits} hits`);
  const untouched = new RandomDraws(new SeededRandom('x'));
  const reference = new RandomDraws(new SeededRandom('x'));
  assert.equal(untouched.chance(0), false);
  assert.equal(untouched.chance(1), true);
  assert.equal(untouched.u32(), reference.u32());
});

test('a bad bound or an empty choice is a typed error', () => {
  const draws = new RandomDraws(new SeededRandom(1));
  assert.throws(() => draws.int(0), (e: unknown) => isAuraError(e, 'random.bad-bound'));
  assert.throws(() => draws.pick([]), (e: unknown) => isAuraError(e, 'random.empty-choice'));
});
