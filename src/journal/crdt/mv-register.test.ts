import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { joinLaws } from '../../../test/lattice-laws.ts';
import { mvRegister, mvValues, mvWrite, type MvRegister } from './mv-register.ts';

const lattice = mvRegister<string>();
// Replicas writing on top of states merged from others: every register a run could produce.
const histories: fc.Arbitrary<MvRegister<string>> = fc
  .array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('x', 'y'), fc.boolean()), { maxLength: 8 })
  .map((steps) => {
    const replicas = new Map<string, MvRegister<string>>();
    let merged = lattice.bottom();
    for (const [replica, value, sync] of steps) {
      const local = sync ? lattice.join(replicas.get(replica) ?? [], merged) : (replicas.get(replica) ?? []);
      const written = mvWrite(local, replica, value);
      replicas.set(replica, written);
      merged = lattice.join(merged, written);
    }
    return [...replicas.values()].reduce((x, y) => lattice.join(x, y), lattice.bottom());
  });
joinLaws('MV-Register', lattice, histories);

test('concurrent writes are all kept, and a later write replaces what it saw', () => {
  const a = mvWrite(lattice.bottom(), 'a', 'from a');
  const b = mvWrite(lattice.bottom(), 'b', 'from b');
  const both = lattice.join(a, b);
  assert.deepEqual(mvValues(both).sort(), ['from a', 'from b']);
  const resolved = mvWrite(both, 'a', 'resolved');
  assert.deepEqual(mvValues(lattice.join(both, resolved)), ['resolved']);
});
