import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { joinLaws } from '../../../test/lattice-laws.ts';
import { orderTime } from '../../core/time.ts';
import { RandomOrderClock } from '../../handlers/order-clock.ts';
import { SeededRandom } from '../../handlers/random.ts';
import { lwwRegister, lwwValue, lwwWrite, type LwwRegister } from './lww-register.ts';

const lattice = lwwRegister<string>();
// Tokens from a tiny range so that ties (same token, different replica or value) are common.
const writes: fc.Arbitrary<LwwRegister<string>> = fc.oneof(
  fc.constant(lattice.bottom()),
  fc.record({ value: fc.constantFrom('x', 'y', 'z'), token: fc.integer({ min: 0, max: 3 }).map((n) => new Uint8Array(32).fill(n)), replica: fc.constantFrom('a', 'b') }).map((w) => ({ kind: 'set' as const, ...w })),
);
joinLaws('LWW-Register', lattice, writes);

test('the write with the larger order token wins, whichever replica merges first', () => {
  const early = { kind: 'set' as const, value: 'early', token: orderTime(new Uint8Array(32).fill(1)).token, replica: 'b' };
  const late = { kind: 'set' as const, value: 'late', token: orderTime(new Uint8Array(32).fill(2)).token, replica: 'a' };
  assert.equal(lwwValue(lattice.join(early, late)), 'late');
  assert.equal(lwwValue(lattice.join(late, early)), 'late');
});

test('equal tokens are broken by replica id, the same way everywhere', () => {
  const token = new Uint8Array(32);
  const a = { kind: 'set' as const, value: 'from a', token, replica: 'a' };
  const b = { kind: 'set' as const, value: 'from b', token, replica: 'b' };
  assert.equal(lwwValue(lattice.join(a, b)), 'from b');
  assert.equal(lwwValue(lattice.join(b, a)), 'from b');
});

test('writes take their order from the order clock', () => {
  const clock = new RandomOrderClock(new SeededRandom('lww'));
  const written = lwwWrite(lattice.bottom(), 'a', 'hello', clock);
  assert.equal(lwwValue(written), 'hello');
  assert.equal(lwwValue(lattice.bottom()), undefined);
});
