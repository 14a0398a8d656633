import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { factStoreContract, sampleFacts } from '../../test/fact-store-contract.ts';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import type { FactRecord } from '../journal/fact.ts';
import { TestAuthority } from '../journal/testing.ts';
import { Ed25519CryptoEffects } from './ed25519-crypto.ts';
import { SeededRandom } from './random.ts';
import { SqliteFactStore } from './sqlite-fact-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'aura-sqlite-facts-'));
let files = 0;
const freshPath = (): string => join(dir, `store-${files++}.db`);
test.after(() => { rmSync(dir, { recursive: true, force: true }); });

factStoreContract('sqlite store', async () => SqliteFactStore.open(freshPath()));

test('facts survive closing and reopening the file, in WAL mode', async () => {
  const path = freshPath();
  const facts = sampleFacts(20);
  const store = SqliteFactStore.open(path);
  await store.put(facts);
  await store.close();
  const reopened = SqliteFactStore.open(path, { check: 'full' });
  assert.equal(await reopened.count(), 20);
  assert.deepEqual((await reopened.get(facts[7]!.key))?.fact, facts[7]!.fact);
  await reopened.close();
  const raw = new Database(path, { readonly: true });
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  raw.close();
});

test('a file that is not a database is refused as corrupt', () => {
  const path = freshPath();
  writeFileSync(path, 'this is not a SQLite database, just some text that is long enough to have a header'.repeat(20));
  assert.throws(() => SqliteFactStore.open(path), (error: unknown) => isAuraError(error, 'store.corrupt') && error.kind === 'system' && error.message.includes(path));
});

test('a database with damaged pages fails the integrity check on open', async () => {
  const path = freshPath();
  const store = SqliteFactStore.open(path);
  await store.put(sampleFacts(300));
  await store.close();
  const bytes = readFileSync(path);
  const pageSize = bytes.readUInt16BE(16);
  for (let i = 2 * pageSize + 8; i < 3 * pageSize; i += 7) bytes[i] = 0xa5; // scribble over page 3
  writeFileSync(path, bytes);
  assert.throws(() => SqliteFactStore.open(path, { check: 'full' }), (error: unknown) => isAuraError(error, 'store.corrupt'));
});

test('a row whose bytes were altered is reported by the deep integrity check and refused on read', async () => {
  const path = freshPath();
  const [a, b] = sampleFacts(2);
  const store = SqliteFactStore.open(path);
  await store.put([a!, b!]);
  await store.close();
  const raw = new Database(path);
  raw.prepare('UPDATE facts SET bytes = ? WHERE cid = ?').run(b!.bytes, a!.key);
  raw.close();
  const reopened = SqliteFactStore.open(path);
  await assert.rejects(reopened.get(a!.key), (error: unknown) => isAuraError(error, 'cid.mismatch'));
  const report = await reopened.checkIntegrity({ deep: true });
  assert.equal(report.ok, false);
  assert.equal(report.problems.length, 1);
  await reopened.close();
});

test('a store written by a newer format is refused', () => {
  const path = freshPath();
  const raw = new Database(path);
  raw.pragma('user_version = 99');
  raw.close();
  assert.throws(() => SqliteFactStore.open(path), (error: unknown) => isAuraError(error, 'store.unsupported-version') && /format 99/.test(error.message));
});

test('single-fact puts (one statement once the namespace is known) add each fact once and survive reopening', async () => {
  const path = freshPath();
  const facts = sampleFacts(4);
  const store = SqliteFactStore.open(path);
  assert.deepEqual([await store.put([facts[0]!]), await store.put([facts[1]!]), await store.put([facts[1]!])], [1, 1, 0]); // sampleFacts(4) has 4 entries
  await store.close();
  const reopened = SqliteFactStore.open(path);
  assert.deepEqual([await reopened.put([facts[1]!]), await reopened.put([facts[2]!]), await reopened.put([facts[2]!])], [0, 1, 0]);
  assert.equal(await reopened.count(), 3);
  assert.deepEqual((await reopened.get(facts[2]!.key))?.fact, facts[2]!.fact);
  await reopened.close();
});

test('scans read large namespaces in chunks and small ones through the index, with the same facts either way', async () => {
  const random = new SeededRandom('sqlite-scan');
  const alice = new TestAuthority(new Ed25519CryptoEffects(random.fork('crypto')), random.fork('alice'));
  const room = randomIdentifier('context', random);
  // 9,000 facts (three chunks of row ids) in alice's journal, with a few notes and a small room among them.
  const facts = Array.from({ length: 9000 }, (_, i) =>
    alice.local(alice.draft(i % 500 === 7 ? 'note.add' : 'counter.add', { counter: `c${i % 5}`, amount: i }, i % 1000 === 3 ? room : alice.authority)),
  );
  const store = SqliteFactStore.open(freshPath());
  await store.put(facts);
  await store.remove(facts.slice(4000, 4200).map((record) => record.key)); // a gap in the row ids
  const present = [...facts.slice(0, 4000), ...facts.slice(4200)];
  const expect = (namespace: string, typeId?: string): FactRecord[] =>
    present.filter((r) => r.fact.metadata.namespace === namespace && (typeId === undefined || r.fact.typeId === typeId));
  for (const [namespace, typeId] of [[alice.authority], [alice.authority, 'counter.add'], [alice.authority, 'note.add'], [room], [room, 'note.add']] as const) {
    for (const verify of [true, false]) {
      const read = new Map<string, FactRecord>();
      const count = await store.scan(namespace, (record) => read.set(record.key, record), { verify, ...(typeId === undefined ? {} : { typeId }) });
      const expected = expect(namespace, typeId);
      assert.equal(count, expected.length);
      assert.equal(read.size, expected.length);
      for (const record of expected) {
        const got = read.get(record.key);
        assert.ok(got !== undefined, `${record.key} missing from the scan of ${namespace} ${typeId ?? ''}`);
        assert.deepEqual(got.bytes, record.bytes);
        assert.deepEqual(got.fact, record.fact);
        assert.ok(got.id.equals(record.id));
      }
    }
  }
  await store.close();
});

test('a large batch with facts repeated in it and facts already stored adds each new fact once', async () => {
  const facts = sampleFacts(150, 'batch');
  const store = SqliteFactStore.open(freshPath());
  assert.equal(await store.put(facts.slice(0, 30)), 30);
  const batch = [...facts, ...facts.slice(100, 120), ...facts.slice(10, 15)].reverse();
  assert.equal(await store.put(batch), 120);
  assert.equal(await store.count(), 150);
  for (const record of facts) assert.ok(await store.has(record.key));
  const report = await store.checkIntegrity({ deep: true });
  assert.equal(report.ok, true);
  await store.close();
});
