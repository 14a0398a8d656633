import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import { COUNTER_ADD } from './counter.ts';
import { sealFact, type FactRecord } from './fact.ts';
import { FactRegistry, defineFactType } from './fact-registry.ts';
import { admit, admitBytes, emptyJournal, isSubJournal, join, type AdmissionContext, type Journal } from './journal.ts';
import { record, text } from './schema.ts';
import { TestAuthority } from './testing.ts';

const random = new SeededRandom('journal-test');
const crypto = new Ed25519CryptoEffects(random.fork('crypto'));
const alice = new TestAuthority(crypto, random.fork('alice'));
const registry = new FactRegistry([
  COUNTER_ADD,
  defineFactType({
    typeId: 'profile.name',
    schemaVersion: 1,
    description: 'the display name of an authority',
    payload: record({ name: text(64) }),
    attestations: ['threshold'],
    namespaces: ['authority'],
    rule: (payload) => (payload.name.trim() === '' ? 'payload.name: must not be blank' : undefined),
  }),
]);
const context: AdmissionContext = { registry, crypto, keys: alice.keys() };

function counterFacts(count: number): FactRecord[] {
  return Array.from({ length: count }, (_, i) => alice.deviceSigned(alice.draft('counter.add', { counter: `c${i % 3}`, amount: i })));
}
const pool = counterFacts(12);

/** A journal holding the facts of `pool` picked by `indexes`. */
function journalOf(indexes: readonly number[]): Journal {
  return admit(emptyJournal(alice.authority), indexes.map((i) => pool[i % pool.length]!), context); // i % length < length
}
const journalArb = fc.array(fc.nat({ max: pool.length - 1 }), { maxLength: 12 }).map(journalOf);

function sameFacts(a: Journal, b: Journal): boolean {
  return isSubJournal(a, b) && isSubJournal(b, a);
}

function refusedWith(journal: Journal, records: FactRecord[], code: string, ctx: AdmissionContext = context): void {
  assert.throws(() => admit(journal, records, ctx), (error: unknown) => isAuraError(error, code) && error.message.length > 0, `expected ${code}`);
}

test('join is associative, commutative and idempotent', () => {
  fc.assert(
    fc.property(journalArb, journalArb, journalArb, (a, b, c) => {
      assert.ok(sameFacts(join(a, join(b, c)), join(join(a, b), c)));
      assert.ok(sameFacts(join(a, b), join(b, a)));
      assert.ok(sameFacts(join(a, a), a));
    }),
  );
});

test('join is monotone: both inputs are below the result, and a larger input gives a larger result', () => {
  fc.assert(
    fc.property(journalArb, journalArb, journalArb, (a, b, c) => {
      const ab = join(a, b);
      assert.ok(isSubJournal(a, ab) && isSubJournal(b, ab));
      assert.ok(isSubJournal(join(a, c), join(ab, c)));
    }),
  );
});

test('facts arriving in any order give the same journal', () => {
  fc.assert(
    fc.property(fc.shuffledSubarray(pool, { minLength: pool.length }), (shuffled) => {
      const one = shuffled.reduce((journal, fact) => admit(journal, [fact], context), emptyJournal(alice.authority));
      assert.ok(sameFacts(one, journalOf(pool.map((_, i) => i))));
    }),
  );
});

test('journals of different namespaces do not merge', () => {
  const other = emptyJournal(randomIdentifier('context', random));
  assert.throws(() => join(journalOf([1]), other), (error: unknown) => isAuraError(error, 'journal.namespace-mismatch') && error.message.includes(other.namespace));
});

test('a fact of another namespace is refused and the journal is unchanged', () => {
  const journal = journalOf([0, 1]);
  const elsewhere = alice.deviceSigned(alice.draft('counter.add', { counter: 'x', amount: 1 }, randomIdentifier('context', random)));
  refusedWith(journal, [pool[2]!, elsewhere], 'journal.wrong-namespace');
  assert.equal(journal.facts.size, 2);
});

test('unknown types and invalid payloads are refused with the reason', () => {
  const journal = emptyJournal(alice.authority);
  refusedWith(journal, [alice.groupSigned(alice.draft('nobody.knows', {}))], 'fact.unknown-type');
  const v2 = alice.groupSigned({ ...alice.draft('counter.add', { counter: 'a', amount: 1 }), schemaVersion: 2 });
  assert.throws(() => admit(journal, [v2], context), (error: unknown) => isAuraError(error, 'fact.unknown-type') && /registered versions: 1/.test(error.message));
  const negative = alice.deviceSigned(alice.draft('counter.add', { counter: 'a', amount: -1 }));
  assert.throws(() => admit(journal, [negative], context), (error: unknown) => isAuraError(error, 'fact.invalid-payload') && /payload\.amount/.test(error.message));
  const blank = alice.groupSigned(alice.draft('profile.name', { name: '  ' }));
  assert.throws(() => admit(journal, [blank], context), (error: unknown) => isAuraError(error, 'fact.invalid-payload') && /must not be blank/.test(error.message));
});

test('attestations must be of a kind the type accepts, by the right signer, and verify', () => {
  const journal = emptyJournal(alice.authority);
  refusedWith(journal, [alice.deviceSigned(alice.draft('profile.name', { name: 'Alice' }))], 'fact.wrong-attestation');
  const bob = new TestAuthority(crypto, random.fork('bob'));
  const both: AdmissionContext = { ...context, keys: { groupKey: (a) => bob.keys().groupKey(a) ?? alice.keys().groupKey(a), deviceKey: (d) => alice.keys().deviceKey(d) } };
  refusedWith(journal, [bob.groupSigned(bob.draft('profile.name', { name: 'Alice' }, alice.authority))], 'fact.wrong-signer', both);
  const good = alice.groupSigned(alice.draft('profile.name', { name: 'Alice' }));
  const forged = sealFact(good.fact, { kind: 'threshold', authority: alice.authority, signature: new Uint8Array(64).fill(7) });
  refusedWith(journal, [forged], 'fact.bad-signature');
  assert.equal(admit(journal, [good], context).facts.size, 1);
});

test('local-only facts are admitted only from this device', () => {
  const local = alice.local(alice.draft('counter.add', { counter: 'a', amount: 1 }));
  refusedWith(emptyJournal(alice.authority), [local], 'fact.unattested');
  assert.equal(admit(emptyJournal(alice.authority), [local], { ...context, local: true }).facts.size, 1);
});

test('a refused batch admits nothing, and a good batch admits everything once', () => {
  const journal = journalOf([0]);
  const forged = sealFact(pool[5]!.fact, { kind: 'device', device: alice.firstDevice, signature: new Uint8Array(64) });
  refusedWith(journal, [pool[3]!, pool[4]!, forged], 'fact.bad-signature');
  assert.equal(journal.facts.size, 1);
  assert.equal(admit(journal, [pool[0]!, pool[3]!, pool[3]!, pool[4]!], context).facts.size, 3);
});

test('bytes from a peer are decoded, checked against their CID and admitted', () => {
  const journal = admitBytes(emptyJournal(alice.authority), pool[0]!.bytes, context, pool[0]!.id);
  assert.ok(journal.facts.has(pool[0]!.key));
  assert.throws(() => admitBytes(journal, pool[1]!.bytes, context, pool[2]!.id), (error: unknown) => isAuraError(error, 'cid.mismatch'));
});
