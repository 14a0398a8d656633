import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concat } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { NodeRandom, SeededRandom } from './random.ts';

test('the same seed gives the same bytes', () => {
  for (const seed of [0, 42, 2n ** 63n, 'scenario-a', new Uint8Array([1, 2, 3])]) {
    assert.deepEqual(new SeededRandom(seed).randomBytes(10_000), new SeededRandom(seed).randomBytes(10_000));
  }
});

test('different seeds give different bytes, and seeds of different types do not collide', () => {
  const outputs = [new SeededRandom(1), new SeededRandom(2), new SeededRandom('1'), new SeededRandom(1n)].map((r) => r.randomBytes(32).join());
  assert.equal(new Set(outputs.slice(0, 3)).size, 3);
  // 1 and 1n are the same integer in the data model, so they seed the same stream.
  assert.equal(outputs[3], outputs[0]);
});

test('how the bytes are requested does not change them', () => {
  const whole = new SeededRandom('chunks').randomBytes(9000);
  const pieces = new SeededRandom('chunks');
  const parts = [1, 63, 64, 4000, 4872].map((n) => pieces.randomBytes(n));
  assert.deepEqual(concat(...parts), whole);
});

test('forks are reproducible and independent of the parent and of each other', () => {
  const parent = new SeededRandom(9);
  const a = parent.fork('node-a').randomBytes(64);
  assert.deepEqual(new SeededRandom(9).fork('node-a').randomBytes(64), a);
  assert.notDeepEqual(parent.fork('node-b').randomBytes(64), a);
  assert.notDeepEqual(new SeededRandom(9).randomBytes(64), a);
});

test('the seeded stream is not trivially biased', () => {
  const bytes = new SeededRandom('bias').randomBytes(1 << 16);
  let ones = 0;
  for (const byte of bytes) for (let bit = 0; bit < 8; bit++) ones += (byte >> bit) & 1;
  const expected = bytes.length * 4;
  assert.ok(Math.abs(ones - expected) < 5 * Math.sqrt(bytes.length * 2), `${ones} ones of ${expected * 2} bits`);
});

test('numeric seeds must be safe integers', () => {
  assert.throws(() => new SeededRandom(1.5), (error: unknown) => isAuraError(error, 'random.bad-seed'));
});

test('NodeRandom gives fresh bytes of the requested length', () => {
  const random = new NodeRandom();
  assert.equal(random.randomBytes(17).length, 17);
  assert.notDeepEqual(random.randomBytes(32), random.randomBytes(32));
});
