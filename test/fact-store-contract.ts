// The contract every FactStore keeps, as tests: run against the in-memory store
// (src/journal/memory-fact-store.test.ts) and the SQLite store (src/handlers/sqlite-fact-store.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../src/core/errors.ts';
import { randomIdentifier } from '../src/core/identifiers.ts';
import { Ed25519CryptoEffects } from '../src/handlers/ed25519-crypto.ts';
import { SeededRandom } from '../src/handlers/random.ts';
import type { FactRecord } from '../src/journal/fact.ts';
import type { FactStore } from '../src/journal/fact-store.ts';
import { TestAuthority } from '../src/journal/testing.ts';

const random = new SeededRandom('fact-store-contract');
const alice = new TestAuthority(new Ed25519CryptoEffects(random.fork('crypto')), random.fork('alice'));
const room = randomIdentifier('context', random);

/** `count` counter facts in alice's journal (and every third in a context). */
export function sampleFacts(count: number, prefix = 'c'): FactRecord[] {
  return Array.from({ length: count }, (_, i) => alice.deviceSigned(alice.draft(i % 3 === 2 ? 'note.add' : 'counter.add', { counter: `${prefix}${i}`, amount: i }, i % 3 === 1 ? room : alice.authority)));
}

/** Registers the contract tests for stores made by `open`. */
export function factStoreContract(name: string, open: () => Promise<FactStore>): void {
  const facts = sampleFacts(9);

  void test(`${name}: put stores each fact once and get returns it verified`, async () => {
    const store = await open();
    assert.equal(await store.put(facts.slice(0, 6)), 6);
    assert.equal(await store.put(facts), 3);
    for (const record of facts) {
      const read = await store.get(record.key);
      assert.ok(read !== undefined && read.id.equals(record.id));
      assert.deepEqual(read.fact, record.fact);
    }
    assert.equal(await store.get(sampleFacts(1, 'absent')[0]!.key), undefined);
    assert.equal(await store.count(), 9);
    await store.close();
  });

  void test(`${name}: facts are indexed by namespace and type`, async () => {
    const store = await open();
    await store.put(facts);
    const mine = facts.filter((r) => r.fact.metadata.namespace === alice.authority);
    assert.deepEqual(await store.keys(alice.authority), mine.map((r) => r.key).sort());
    assert.equal(await store.count(room), facts.length - mine.length);
    const seen: string[] = [];
    assert.equal(await store.scan(alice.authority, (r) => seen.push(r.key), { typeId: 'note.add' }), seen.length);
    assert.deepEqual(seen.sort(), mine.filter((r) => r.fact.typeId === 'note.add').map((r) => r.key).sort());
    const trusted: FactRecord[] = [];
    await store.scan(room, (r) => trusted.push(r), { verify: false });
    assert.deepEqual(trusted.map((r) => r.key).sort(), facts.filter((r) => r.fact.metadata.namespace === room).map((r) => r.key).sort());
    assert.ok(trusted.every((r) => r.id.toString() === r.key));
    assert.deepEqual(await store.keys(randomIdentifier('context', random)), []);
    await store.close();
  });

  void test(`${name}: remove deletes facts and reports how many existed`, async () => {
    const store = await open();
    await store.put(facts);
    assert.equal(await store.remove([facts[0]!.key, facts[1]!.key, facts[0]!.key]), 2);
    assert.equal(await store.has(facts[0]!.key), false);
    assert.equal(await store.count(), 7);
    await store.close();
  });

  void test(`${name}: a sound store passes the deep integrity check`, async () => {
    const store = await open();
    await store.put(facts);
    const report = await store.checkIntegrity({ deep: true });
    assert.deepEqual(report, { ok: true, facts: 9, problems: [] });
    await store.close();
  });

  void test(`${name}: a closed store refuses to work`, async () => {
    const store = await open();
    await store.close();
    await assert.rejects(store.count(), (error: unknown) => isAuraError(error, 'store.closed'));
  });
}
