import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import { counterReducer, type CounterTotals } from './counter.ts';
import type { FactRecord } from './fact.ts';
import { IncrementalView, reduce } from './reducer.ts';
import { TestAuthority } from './testing.ts';

const random = new SeededRandom('reducer-test');
const alice = new TestAuthority(new Ed25519CryptoEffects(random.fork('crypto')), random.fork('alice'));
const pool: FactRecord[] = Array.from({ length: 30 }, (_, i) => alice.local(alice.draft('counter.add', { counter: `c${i % 4}`, amount: (i * 7) % 11 })));
const other = alice.local(alice.draft('something.else', { ignored: true }));

function expectedTotals(records: readonly FactRecord[]): CounterTotals {
  const totals = new Map<string, number>();
  for (const record of new Set(records)) {
    if (record.fact.typeId !== 'counter.add') continue;
    const { counter, amount } = record.fact.payload as { counter: string; amount: number };
    totals.set(counter, (totals.get(counter) ?? 0) + amount);
  }
  return totals;
}

const factsArb = fc.array(fc.constantFrom(...pool, other), { maxLength: 40 });

test('the view of a fact set is the sum per counter, counting duplicates once', () => {
  fc.assert(fc.property(factsArb, (records) => { assert.deepEqual(reduce(counterReducer, records), expectedTotals(records)); }));
});

test('the full reduction does not depend on arrival order', () => {
  fc.assert(
    fc.property(factsArb, fc.infiniteStream(fc.nat()), (records, noise) => {
      const shuffled = records.map((r) => [noise.next().value, r] as const).sort((a, b) => a[0] - b[0]).map(([, r]) => r);
      assert.deepEqual(reduce(counterReducer, shuffled), reduce(counterReducer, records));
    }),
  );
});

test('folding new facts into a cached view equals reducing everything from scratch', () => {
  fc.assert(
    fc.property(fc.array(factsArb, { maxLength: 6 }), (batches) => {
      const view = new IncrementalView(counterReducer);
      const all: FactRecord[] = [];
      for (const batch of batches) {
        view.add(batch);
        all.push(...batch);
        assert.deepEqual(view.view, reduce(counterReducer, all));
      }
      assert.equal(view.size, new Set(all.map((r) => r.key)).size);
    }),
  );
});

test('subscribers hear one batched change per turn, and nothing for facts that change nothing', async () => {
  const view = new IncrementalView(counterReducer);
  const seen: CounterTotals[] = [];
  view.signal.subscribe((totals) => seen.push(totals));
  view.add(pool.slice(0, 3));
  view.add(pool.slice(3, 5));
  await Promise.resolve();
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0], reduce(counterReducer, pool.slice(0, 5)));
  view.add([other, pool[0]!]);
  await Promise.resolve();
  assert.equal(seen.length, 1);
});

test('a published view does not change when more facts arrive later', () => {
  const view = new IncrementalView(counterReducer);
  view.add([pool[0]!]);
  const before = view.view;
  const copy = new Map(before);
  view.add(pool.slice(1, 9));
  assert.deepEqual(before, copy);
});
