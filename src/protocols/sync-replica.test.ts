import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DeviceId } from '../core/identifiers.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import type { Leaf, TreeOp } from '../journal/commitment-tree.ts';
import type { FactRecord } from '../journal/fact.ts';
import { MemoryFactStore } from '../journal/memory-fact-store.ts';
import { TestAuthority } from '../journal/testing.ts';
import { treeOpDraft } from '../journal/tree-op.ts';
import { reduceTree } from '../journal/tree-reduce.ts';
import { authorityJournalAdmission } from './authority.ts';
import { LOCK_RELEASE } from './coordination-facts.ts';
import { StoreReplica, type JournalAdmission } from './sync-replica.ts';

const random = new SeededRandom('sync-replica-test');
const crypto = new Ed25519CryptoEffects(random.fork('crypto'));
/** Devices 0 and 1 found the authority, device 2 joins later, device 3 never does. */
const authority = new TestAuthority(crypto, random.fork('authority'), 4);
const [first, second, joiner, stranger] = [...authority.devices.keys()] as [DeviceId, DeviceId, DeviceId, DeviceId]; // four devices made above
const leafOf = (device: DeviceId): Leaf => ({ id: device, role: 'device', publicKey: authority.devices.get(device)!.publicKey }); // devices of the authority

/** Each op on top of the tree the previous ones made, group-signed. */
function treeHistory(ops: readonly TreeOp[]): FactRecord[] {
  const records: FactRecord[] = [];
  for (const op of ops) records.push(authority.groupSigned(treeOpDraft(authority.authority, reduceTree(records).tree, op, random)));
  return records;
}

const tree = treeHistory([
  { kind: 'addLeaf', leaf: leafOf(first), branch: 'root' },
  { kind: 'addLeaf', leaf: leafOf(second), branch: 'root' },
  { kind: 'changePolicy', branch: 'root', policy: { kind: 'threshold', m: 2 } },
  { kind: 'addLeaf', leaf: leafOf(joiner), branch: 'root' },
  { kind: 'rotateEpoch' },
]);
const deviceFact = (device: DeviceId, k: number): FactRecord => authority.deviceSigned(authority.draft(LOCK_RELEASE.typeId, { lock: `membership/${k}`, lease: random.randomBytes(16) }), device);
/** A valid journal: the tree, and device-signed facts of the founders and of the device that joined. */
const journal = [...tree, ...[first, second, joiner, joiner, first].map(deviceFact)];
const admission = authorityJournalAdmission(authority.authority, authority.groupKey.publicKey, crypto);

async function keysOf(replica: StoreReplica): Promise<string[]> {
  return (await replica.store.keys(replica.namespace)).sort();
}

test('a valid journal delivered to an empty replica in any order and any batch split ends identical', async () => {
  const whole = journal.map((r) => r.key).sort();
  await fc.assert(
    fc.asyncProperty(fc.shuffledSubarray(journal, { minLength: journal.length }), fc.array(fc.nat(journal.length), { maxLength: 4 }), async (order, cuts) => {
      const replica = new StoreReplica(new MemoryFactStore(), authority.authority, admission);
      const bounds = [0, ...[...cuts].sort((a, b) => a - b), order.length];
      const refused = new Set<string>();
      for (let k = 1; k < bounds.length; k++) {
        const received = await replica.receive(order.slice(bounds[k - 1], bounds[k]).map((r) => r.bytes), first);
        // A batch may hold a joiner's fact whose leaf comes in a later batch: anti-entropy offers it again next round.
        for (const r of received.rejected) {
          assert.equal(r.code, 'fact.unknown-signer');
          refused.add(r.cid ?? '');
        }
      }
      const again = await replica.receive(journal.filter((r) => refused.has(r.key)).map((r) => r.bytes), second);
      assert.deepEqual(again.rejected, []);
      assert.deepEqual(await keysOf(replica), whole);
    }),
    { numRuns: 40, seed: 11 },
  );
});

test('a whole journal in one batch, tree operations last, is admitted as a whole', async () => {
  const replica = new StoreReplica(new MemoryFactStore(), authority.authority, admission);
  const received = await replica.receive([...journal].reverse().map((r) => r.bytes), first);
  assert.deepEqual(received.rejected, []);
  assert.equal(received.added, journal.length);
  assert.deepEqual(await keysOf(replica), journal.map((r) => r.key).sort());
});

test('a device the tree never held is refused, in any batch, and nothing of it is stored', async () => {
  const replica = new StoreReplica(new MemoryFactStore(), authority.authority, admission);
  const intruder = deviceFact(stranger, 9);
  const received = await replica.receive([intruder.bytes, ...journal.map((r) => r.bytes)], first);
  assert.deepEqual(received.rejected.map((r) => [r.cid, r.code]), [[intruder.key, 'fact.unknown-signer']]);
  assert.equal(await replica.store.has(intruder.key), false);
});

test('the admission context is computed once per change of the tree, not per fact or per batch', async () => {
  let computed = 0;
  const counting: JournalAdmission = { shapedBy: admission.shapedBy, context: (records) => (computed++, admission.context(records)) };
  const replica = new StoreReplica(new MemoryFactStore(), authority.authority, counting);
  await replica.receive([...tree.slice(0, 3), deviceFact(first, 1), deviceFact(second, 2)].map((r) => r.bytes), first);
  assert.equal(computed, 2, 'the empty journal, then the tree the batch built');
  await replica.receive([deviceFact(first, 3), deviceFact(second, 4)].map((r) => r.bytes), first);
  assert.equal(computed, 2, 'facts that do not shape the context keep it');
  await replica.receive(tree.slice(3).map((r) => r.bytes), first);
  await replica.receive([deviceFact(joiner, 5).bytes], first);
  assert.equal(computed, 3);
  replica.refresh();
  await replica.receive([deviceFact(joiner, 6).bytes], first);
  assert.equal(computed, 4, 'a write behind the replica\'s back (refresh) recomputes it');
});

test('a removed device: its new facts are refused by a replica that knows the removal; its old ones stay where they were admitted', async () => {
  const removal = authority.groupSigned(treeOpDraft(authority.authority, reduceTree(tree).tree, { kind: 'removeLeaf', leaf: joiner }, random));
  const old = deviceFact(joiner, 7);
  const before = new StoreReplica(new MemoryFactStore(), authority.authority, admission);
  assert.deepEqual((await before.receive([...tree, old].map((r) => r.bytes), first)).rejected, []);
  assert.deepEqual((await before.receive([removal.bytes], first)).rejected, []);
  const stolen = deviceFact(joiner, 8);
  const refused = await before.receive([stolen.bytes], first);
  assert.deepEqual(refused.rejected.map((r) => [r.cid, r.code]), [[stolen.key, 'fact.unknown-signer']], 'a new fact of the removed device is refused');
  assert.equal(await before.store.has(old.key), true, 'its old fact stays');
  // A replica that starts after the removal cannot tell the old fact from a new one: it refuses both.
  const after = new StoreReplica(new MemoryFactStore(), authority.authority, admission);
  const fresh = await after.receive([...tree, removal, old].map((r) => r.bytes), first);
  assert.deepEqual(fresh.rejected.map((r) => r.cid), [old.key]);
});
