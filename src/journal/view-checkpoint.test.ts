import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { isAuraError } from '../core/errors.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import { SqliteFactStore } from '../handlers/sqlite-fact-store.ts';
import { counterReducer } from './counter.ts';
import type { FactStore } from './fact-store.ts';
import { MemoryFactStore } from './memory-fact-store.ts';
import { reduce } from './reducer.ts';
import { TestAuthority } from './testing.ts';
import { rebuildView, saveViewCheckpoint } from './view-checkpoint.ts';

const random = new SeededRandom('view-checkpoint');
const alice = new TestAuthority(new Ed25519CryptoEffects(random.fork('crypto')), random.fork('alice'));
const bob = new TestAuthority(new Ed25519CryptoEffects(random.fork('crypto-bob')), random.fork('bob'));
const pool = Array.from({ length: 60 }, (_, i) => (i % 5 === 4 ? bob : alice).local((i % 5 === 4 ? bob : alice).draft('counter.add', { counter: `c${i % 3}`, amount: i + 1 })));
const mine = pool.filter((record) => record.fact.metadata.namespace === alice.authority);
const dir = mkdtempSync(join(tmpdir(), 'aura-view-checkpoint-'));
let files = 0;
test.after(() => { rmSync(dir, { recursive: true, force: true }); });

const stores: [string, () => FactStore][] = [
  ['memory', () => new MemoryFactStore()],
  ['sqlite', () => SqliteFactStore.open(join(dir, `store-${files++}.db`))],
];

for (const [name, open] of stores) {
  test(`${name}: resuming from a checkpoint gives the state of a full replay, wherever the checkpoint was taken`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: pool.length }), fc.nat({ max: pool.length }), async (before, after) => {
        const store = open();
        const [early, late] = [pool.slice(0, Math.min(before, after)), pool.slice(Math.min(before, after), Math.max(before, after))];
        await store.put(early);
        const first = await rebuildView(store, alice.authority, counterReducer);
        await saveViewCheckpoint(store, alice.authority, counterReducer, first);
        await store.put([...late, ...early.slice(0, 3)]); // facts already stored are not stored again
        const resumed = await rebuildView(store, alice.authority, counterReducer);
        const full = await rebuildView(store, alice.authority, counterReducer, { useCheckpoint: false });
        const expected = reduce(counterReducer, [...early, ...late].filter((r) => r.fact.metadata.namespace === alice.authority));
        assert.equal(resumed.resumed, true);
        assert.equal(full.resumed, false);
        assert.deepEqual(counterReducer.view(resumed.state), expected);
        assert.deepEqual(counterReducer.view(full.state), expected);
        assert.equal(resumed.replayed, late.filter((r) => r.fact.metadata.namespace === alice.authority).length);
        await store.close();
      }),
      { numRuns: 15 },
    );
  });

  test(`${name}: removing a fact drops the checkpoints, so the next rebuild replays everything`, async () => {
    const store = open();
    await store.put(mine);
    await saveViewCheckpoint(store, alice.authority, counterReducer, await rebuildView(store, alice.authority, counterReducer));
    assert.ok((await store.loadCheckpoint(alice.authority, counterReducer.name)) !== undefined);
    assert.equal(await store.remove([mine[0]!.key]), 1);
    assert.equal(await store.loadCheckpoint(alice.authority, counterReducer.name), undefined);
    const rebuilt = await rebuildView(store, alice.authority, counterReducer);
    assert.equal(rebuilt.resumed, false);
    assert.deepEqual(counterReducer.view(rebuilt.state), reduce(counterReducer, mine.slice(1)));
    await store.close();
  });

  test(`${name}: scans by position see only the facts stored in the range`, async () => {
    const store = open();
    assert.equal(await store.position(), 0);
    await store.put(mine.slice(0, 10));
    const middle = await store.position();
    await store.put(mine.slice(10, 20));
    const end = await store.position();
    assert.ok(middle > 0 && end > middle);
    const keysIn = async (options: { after?: number; through?: number }): Promise<string[]> => {
      const keys: string[] = [];
      await store.scan(alice.authority, (record) => keys.push(record.key), options);
      return keys.sort();
    };
    assert.deepEqual(await keysIn({ through: middle }), mine.slice(0, 10).map((r) => r.key).sort());
    assert.deepEqual(await keysIn({ after: middle }), mine.slice(10, 20).map((r) => r.key).sort());
    assert.deepEqual(await keysIn({ after: end }), []);
    await store.close();
  });
}

test('a checkpoint whose state the reducer cannot read is refused with the reducer\'s reason', async () => {
  const store = new MemoryFactStore();
  await store.put(mine);
  await store.saveCheckpoint(alice.authority, counterReducer.name, { position: 1, state: new Uint8Array([0xa0]) });
  await assert.rejects(rebuildView(store, alice.authority, counterReducer), (error: unknown) => isAuraError(error, 'snapshot.bad-state'));
});
