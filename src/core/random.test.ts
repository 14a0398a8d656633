import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../handlers/random.ts';
import { isAuraError } from './errors.ts';
import { randomFloat, randomInt, shuffled } from './random.ts';

test('randomInt stays in range and hits every value of a small range', () => {
  const random = new SeededRandom('ints');
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const value = randomInt(random, 7);
    assert.ok(Number.isInteger(value) && value >= 0 && value < 7);
    seen.add(value);
  }
  assert.equal(seen.size, 7);
});

test('randomInt is close to uniform (chi-square, 6 degrees of freedom)', () => {
  const random = new SeededRandom('uniform');
  const counts = new Array<number>(7).fill(0);
  const draws = 70_000;
  for (let i = 0; i < draws; i++) counts[randomInt(random, 7)]! += 1;
  const expected = draws / 7;
  const chiSquare = counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
  assert.ok(chiSquare < 22.46, `chi-square ${chiSquare} exceeds the p=0.001 critical value`); // p = 0.001
});

test('randomFloat is in [0, 1)', () => {
  const random = new SeededRandom('floats');
  for (let i = 0; i < 1000; i++) {
    const value = randomFloat(random);
    assert.ok(value >= 0 && value < 1);
  }
});

test('shuffled keeps the same items', () => {
  const items = [1, 2, 3, 4, 5, 6, 7, 8];
  const result = shuffled(new SeededRandom(1), items);
  assert.deepEqual([...result].sort(), items);
  assert.deepEqual(items, [1, 2, 3, 4, 5, 6, 7, 8]);
});

test('bad bounds are refused', () => {
  for (const bound of [0, -1, 1.5, 2 ** 33]) assert.throws(() => randomInt(new SeededRandom(1), bound), (error: unknown) => isAuraError(error, 'random.bad-bound'));
});
