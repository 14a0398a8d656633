import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeCanonical } from '../core/canonical.ts';
import { isAuraError } from '../core/errors.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import { COUNTER_ADD, counterReducer } from './counter.ts';
import type { FactRecord } from './fact.ts';
import { FactRegistry } from './fact-registry.ts';
import { admit, emptyJournal, type AdmissionContext } from './journal.ts';
import { reduce } from './reducer.ts';
import { SNAPSHOT, checkSnapshot, compactJournal, resumeFromSnapshot, snapshotDraft } from './snapshot.ts';
import { TestAuthority } from './testing.ts';

const random = new SeededRandom('snapshot-test');
const crypto = new Ed25519CryptoEffects(random.fork('crypto'));
const alice = new TestAuthority(crypto, random.fork('alice'));
const context: AdmissionContext = { registry: new FactRegistry([COUNTER_ADD, SNAPSHOT]), crypto, keys: alice.keys() };
const pool: FactRecord[] = Array.from({ length: 24 }, (_, i) => alice.deviceSigned(alice.draft('counter.add', { counter: `c${i % 3}`, amount: i + 1 })));

function snapshotOf(records: readonly FactRecord[]): { snapshot: FactRecord; state: Uint8Array } {
  const { draft, state } = snapshotDraft(alice.authority, counterReducer, records, random);
  return { snapshot: alice.groupSigned(draft), state };
}

test('resuming from a snapshot of a prefix gives the same view as reducing every fact', () => {
  fc.assert(
    fc.property(fc.shuffledSubarray(pool, { minLength: pool.length }), fc.nat({ max: pool.length }), (order, cut) => {
      const { snapshot, state } = snapshotOf(order.slice(0, cut));
      assert.deepEqual(resumeFromSnapshot(counterReducer, snapshot, state, [...order.slice(cut), snapshot, ...order.slice(0, 3)]), reduce(counterReducer, pool));
    }),
    { numRuns: 40 },
  );
});

test('compaction prunes the superseded facts and keeps the snapshot and later facts', () => {
  const { snapshot, state } = snapshotOf(pool.slice(0, 20));
  const journal = admit(emptyJournal(alice.authority), [...pool, snapshot], context);
  const compacted = compactJournal(journal, snapshot);
  assert.equal(compacted.facts.size, 5);
  assert.ok(compacted.facts.has(snapshot.key));
  assert.deepEqual(resumeFromSnapshot(counterReducer, snapshot, state, compacted.facts.values()), reduce(counterReducer, pool));
});

test('a state that does not match the signed hash is refused', () => {
  const { snapshot } = snapshotOf(pool.slice(0, 10));
  const lie = encodeCanonical([{ counter: 'c0', total: 1_000_000 }]);
  assert.throws(() => resumeFromSnapshot(counterReducer, snapshot, lie, []), (error: unknown) => isAuraError(error, 'snapshot.state-mismatch'));
});

test('a replica with the old facts can check a snapshot, and catches one that lies', () => {
  const { snapshot } = snapshotOf(pool.slice(0, 10));
  checkSnapshot(counterReducer, snapshot, pool);
  assert.throws(() => { checkSnapshot(counterReducer, snapshot, pool.slice(1)); }, (error: unknown) => isAuraError(error, 'snapshot.mismatch') && /9 of them are here/.test(error.message));
  const { draft } = snapshotDraft(alice.authority, counterReducer, pool.slice(0, 10), random);
  const forgedState = alice.groupSigned({ ...draft, payload: { ...(draft.payload as object), stateHash: new Uint8Array(32) } });
  assert.throws(() => { checkSnapshot(counterReducer, forgedState, pool); }, (error: unknown) => isAuraError(error, 'snapshot.mismatch') && /do not reduce to/.test(error.message));
});

test('snapshots must be group-signed and list their facts in canonical order', () => {
  const { draft } = snapshotDraft(alice.authority, counterReducer, pool.slice(0, 4), random);
  assert.throws(() => admit(emptyJournal(alice.authority), [alice.deviceSigned(draft)], context), (error: unknown) => isAuraError(error, 'fact.wrong-attestation'));
  const payload = draft.payload as { superseded: Uint8Array[] };
  const unsorted = alice.groupSigned({ ...draft, payload: { ...(draft.payload as object), superseded: [...payload.superseded].reverse() } });
  assert.throws(() => admit(emptyJournal(alice.authority), [unsorted], context), (error: unknown) => isAuraError(error, 'fact.invalid-payload') && /sorted and unique/.test(error.message));
});

test('a malformed snapshot state is refused by the reducer', () => {
  assert.throws(() => counterReducer.decodeState([{ counter: 'x' }]), (error: unknown) => isAuraError(error, 'snapshot.bad-state'));
});
