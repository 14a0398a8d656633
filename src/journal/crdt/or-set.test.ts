import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { joinLaws, reachedStates } from '../../../test/lattice-laws.ts';
import { SeededRandom } from '../../handlers/random.ts';
import { orSet, orSetAdd, orSetHas, orSetRemove, orSetValues } from './or-set.ts';

const lattice = orSet<string>();
const random = new SeededRandom('or-set');
const operation = fc.tuple(fc.boolean(), fc.constantFrom('x', 'y', 'z'));
joinLaws('OR-Set', lattice, reachedStates(lattice, operation, (s, _r, [add, e]) => (add ? orSetAdd(s, e, random) : orSetRemove(s, e))));

test('an add concurrent with a remove survives it (add wins)', () => {
  const base = orSetAdd(lattice.bottom(), 'x', random);
  const removed = orSetRemove(base, 'x');
  const readded = orSetAdd(base, 'x', random);
  assert.equal(orSetHas(removed, 'x'), false);
  assert.equal(orSetHas(lattice.join(removed, readded), 'x'), true);
});

test('a remove takes out only what it observed', () => {
  const a = orSetAdd(orSetAdd(lattice.bottom(), 'x', random), 'y', random);
  const b = orSetRemove(a, 'y');
  assert.deepEqual(orSetValues(lattice.join(a, b)).sort(), ['x']);
  assert.equal(orSetRemove(b, 'absent'), b);
});
