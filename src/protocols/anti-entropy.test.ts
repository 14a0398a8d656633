import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import type { FactRecord } from '../journal/fact.ts';
import { MemoryFactStore } from '../journal/memory-fact-store.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import { runSyncSession, type SyncRunOptions } from './anti-entropy.ts';
import { fixedAdmission, StoreReplica, replicaDigest, type SyncReplica } from './sync-replica.ts';
import { ByzantineReplica, SyncFixture } from './sync-testing.ts';

const random = new SeededRandom('anti-entropy-test');
const fixture = new SyncFixture(new Ed25519CryptoEffects(random.fork('crypto')), random.fork('fixture'));
const pool = fixture.facts(60);
const alice = randomIdentifier('device', random);
const bob = randomIdentifier('device', random);

async function sync(a: SyncReplica, b: SyncReplica, options: { a?: SyncRunOptions; b?: SyncRunOptions } = {}) {
  const transport = new MemoryTransport();
  const session = randomIdentifier('session', random);
  return Promise.all([
    runSyncSession({ replica: a, role: 'A', peer: bob, session }, transport, options.a),
    runSyncSession({ replica: b, role: 'B', peer: alice, session }, transport, options.b),
  ]);
}

async function keys(replica: StoreReplica): Promise<string[]> {
  return replica.store.keys(replica.namespace);
}

describe('anti-entropy session', () => {
  it('two diverged replicas end with the union of their facts and the same view', async () => {
    const a = await fixture.replica(pool.slice(0, 40));
    const b = await fixture.replica(pool.slice(25, 60));
    const [reportA, reportB] = await sync(a, b);
    const union = [...new Set(pool.map((f) => f.key))].sort();
    assert.deepEqual(await keys(a), union);
    assert.deepEqual(await keys(b), union);
    assert.deepEqual(await fixture.view(a), await fixture.view(b));
    const indexed = [...(await a.cids())];
    a.refresh();
    assert.deepEqual(indexed, await a.cids(), 'the CID index kept up with what was received');
    assert.equal(reportA.outcome, 'converged');
    assert.equal(reportB.outcome, 'converged');
    assert.equal(reportA.added, 20); // pool[40..60) came from b
    assert.equal(reportB.added, 25); // pool[0..25) came from a
    assert.equal(reportA.sent, reportB.added);
    assert.equal(reportA.bytesSent, reportB.bytesReceived);
  });

  it('equal replicas close every range at once and send no facts', async () => {
    const a = await fixture.replica(pool);
    const b = await fixture.replica(pool);
    const [reportA, reportB] = await sync(a, b);
    assert.equal(reportA.sent + reportB.sent, 0);
    assert.equal(reportA.rounds, 1);
    assert.deepEqual(await replicaDigest(a), await replicaDigest(b));
  });

  it('an empty replica receives everything, and its digest then equals the other one', async () => {
    const a = await fixture.replica();
    const b = await fixture.replica(pool);
    assert.notDeepEqual(await replicaDigest(a), await replicaDigest(b));
    const [reportA] = await sync(a, b);
    assert.equal(reportA.added, pool.length);
    assert.deepEqual(await replicaDigest(a), await replicaDigest(b));
  });

  it('any split of a fact set converges to its union (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: pool.length, maxLength: pool.length }), async (placement) => {
        // 0: neither side, 1: only A, 2: only B, 3: both
        const at = (bit: number): FactRecord[] => pool.filter((_, i) => (placement[i]! & bit) !== 0); // placement has pool.length entries
        const a = await fixture.replica(at(1));
        const b = await fixture.replica(at(2));
        await sync(a, b);
        const union = pool.filter((_, i) => placement[i]! !== 0).map((f) => f.key).sort(); // same length
        assert.deepEqual(await keys(a), union);
        assert.deepEqual(await keys(b), union);
        const indexed = [...(await b.cids())];
        b.refresh();
        assert.deepEqual(indexed, await b.cids());
      }),
      { numRuns: 25 },
    );
  });

  it('a replica of another namespace is refused: a typed error at A, a refused report at B', async () => {
    const other = new SyncFixture(new Ed25519CryptoEffects(random.fork('other')), random.fork('other-fixture'));
    const a = await fixture.replica(pool.slice(0, 5));
    const b = await other.replica(other.facts(3));
    const transport = new MemoryTransport();
    const session = randomIdentifier('session', random);
    const [atA, atB] = await Promise.allSettled([
      runSyncSession({ replica: a, role: 'A', peer: bob, session }, transport),
      runSyncSession({ replica: b, role: 'B', peer: alice, session }, transport),
    ]);
    assert.ok(atA.status === 'rejected' && isAuraError(atA.reason, 'protocols.sync.refused'), 'A gets protocols.sync.refused');
    assert.ok(atB.status === 'fulfilled' && atB.value.outcome === 'refused');
    assert.equal(await b.store.count(), 3);
    assert.equal(await a.store.count(), 5);
  });

  for (const byzantineRole of ['A', 'B'] as const) {
    it(`invalid facts offered by a byzantine ${byzantineRole} are refused, each naming the sender`, async () => {
      const invalid = fixture.invalidFacts();
      const honest = await fixture.replica(pool.slice(0, 10));
      const byzantine = new ByzantineReplica(await fixture.replica(pool.slice(5, 20)), invalid.map((f) => f.bytes));
      const [reportA, reportB] = byzantineRole === 'A' ? await sync(byzantine, honest) : await sync(honest, byzantine);
      const report = byzantineRole === 'A' ? reportB : reportA;
      const sender = byzantineRole === 'A' ? alice : bob;
      assert.deepEqual(await keys(honest), pool.slice(0, 20).map((f) => f.key).sort(), 'every valid fact arrived, no invalid one');
      assert.equal(report.outcome, 'partial');
      assert.deepEqual(report.rejected.map((r) => r.code).sort(), invalid.map((f) => f.code).sort());
      assert.ok(report.rejected.every((r) => r.from === sender));
    });
  }

  it('a malformed reconciliation message aborts the session at both sides with a typed error', async () => {
    const garbled = (honest: RoleImpl): RoleImpl => ({ ...honest, send: { ...honest.send, Accept: () => ({ ranges: new Uint8Array([0x80]) }) } });
    const a = await fixture.replica(pool.slice(0, 10));
    const b = await fixture.replica(pool.slice(0, 12));
    const transport = new MemoryTransport();
    const session = randomIdentifier('session', random);
    const settled = await Promise.allSettled([
      runSyncSession({ replica: a, role: 'A', peer: bob, session }, transport),
      runSyncSession({ replica: b, role: 'B', peer: alice, session }, transport, { roleImpl: garbled }),
    ]);
    for (const s of settled) assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.sync.aborted'), s.status === 'rejected' ? String(s.reason) : 'fulfilled');
    assert.equal(await a.store.count(), 10);
  });

  it('a store-backed replica reads back facts it received and appended, and refuses a foreign local fact', async () => {
    const stranger = new SyncFixture(new Ed25519CryptoEffects(random.fork('stranger')), random.fork('stranger-fixture'));
    const other = stranger.fact('x', 1);
    const store = new MemoryFactStore();
    const replica = new StoreReplica(store, fixture.authority.authority, fixedAdmission(fixture.admission));
    const received = await replica.receive(pool.slice(0, 3).map((f) => f.bytes), alice);
    assert.deepEqual(received, { added: 3, rejected: [] });
    assert.deepEqual(await replica.facts(pool.slice(0, 4).map((f) => f.id.bytes)), pool.slice(0, 3).map((f) => f.bytes));
    assert.equal(await replica.append([pool[3]!, fixture.authority.local(fixture.authority.draft('counter.add', { counter: 'mine', amount: 1 }))]), 2);
    await assert.rejects(replica.append([other]), (error) => isAuraError(error, 'journal.wrong-namespace'));
    assert.equal((await replica.cids()).length, 5);
  });
});
