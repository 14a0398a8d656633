import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareBytes, toHex } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier, type DeviceId } from '../core/identifiers.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import { GENESIS_TREE, rootCommitment, type Leaf, type TreeOp, type TreeState } from './commitment-tree.ts';
import { sealFact, type FactRecord } from './fact.ts';
import { FactRegistry } from './fact-registry.ts';
import { admit, emptyJournal, type AdmissionContext } from './journal.ts';
import { reduce } from './reducer.ts';
import { TREE_OP, treeOpDraft } from './tree-op.ts';
import { admitTreeOp, checkTreeOp, reduceTree, treeEpoch, treeMembers, treePolicy, treeReducer, treeSignerKeys } from './tree-reduce.ts';
import { TestAuthority } from './testing.ts';

const random = new SeededRandom('tree-reduce-test');
const crypto = new Ed25519CryptoEffects(random.fork('crypto'));
const alice = new TestAuthority(crypto, random.fork('alice'));
const context: AdmissionContext = { registry: new FactRegistry([TREE_OP]), crypto, keys: alice.keys() };
const device = (): Leaf & { readonly id: DeviceId } => ({ id: randomIdentifier('device', random), role: 'device', publicKey: random.randomBytes(32) });
const leaves = Array.from({ length: 6 }, device);

/** `op` on top of `parent`, group-signed by alice. */
function propose(parent: TreeState, op: TreeOp): FactRecord {
  return alice.groupSigned(treeOpDraft(alice.authority, parent, op, random));
}

/** A linear history: each op on top of the tree the previous one made. */
function history(ops: readonly TreeOp[]): FactRecord[] {
  const records: FactRecord[] = [];
  for (const op of ops) records.push(propose(reduceTree(records).tree, op));
  return records;
}

const founding = history([
  { kind: 'addLeaf', leaf: leaves[0]!, branch: 'root' },
  { kind: 'addLeaf', leaf: leaves[1]!, branch: 'root' },
  { kind: 'changePolicy', branch: 'root', policy: { kind: 'threshold', m: 2 } },
]);

test('reduction rebuilds the tree the operations describe, and the views read it', () => {
  const view = reduceTree(founding);
  assert.deepEqual(treeMembers(view).map((leaf) => leaf.id), [leaves[0]!.id, leaves[1]!.id].sort());
  assert.deepEqual(treePolicy(view), { kind: 'threshold', m: 2 });
  assert.equal(treeEpoch(view), 0);
  assert.deepEqual(view.applied, founding.map((r) => r.key));
  assert.deepEqual(view.dropped, []);
  assert.equal(view.chain.length, 4);
  assert.deepEqual(view.commitment, rootCommitment(view.tree));
});

test('of concurrent operations on the same parent, the smallest CID wins and the rest are superseded', () => {
  const parent = reduceTree(founding).tree;
  const rivals = [2, 3, 4].map((i) => propose(parent, { kind: 'addLeaf', leaf: leaves[i]!, branch: 'root' }));
  const winner = [...rivals].sort((a, b) => compareBytes(a.id.bytes, b.id.bytes))[0]!;
  const view = reduceTree([...founding, ...rivals]);
  assert.equal(view.applied.at(-1), winner.key);
  assert.equal(view.dropped.filter((d) => d.status === 'superseded').length, 2);
  assert.equal(view.tree.leaves.size, 3);
});

test('the tree does not depend on the order the operations arrived in', () => {
  const parent = reduceTree(founding).tree;
  const rivals = [2, 3].map((i) => propose(parent, { kind: 'addLeaf', leaf: leaves[i]!, branch: 'root' }));
  const afterFirst = propose(reduceTree([...founding, rivals[0]!]).tree, { kind: 'rotateEpoch' });
  const afterSecond = propose(reduceTree([...founding, rivals[1]!]).tree, { kind: 'rotateEpoch' });
  const all = [...founding, ...rivals, afterFirst, afterSecond];
  const reference = toHex(reduceTree(all).commitment);
  fc.assert(
    fc.property(fc.shuffledSubarray(all, { minLength: all.length }), (order) => {
      assert.equal(toHex(reduceTree(order).commitment), reference);
      assert.equal(toHex(reduce(treeReducer, order).commitment), reference);
    }),
  );
  const view = reduceTree(all);
  assert.equal(view.tree.epoch, 1);
  assert.equal(view.dropped.filter((d) => d.status === 'stale').length, 1);
});

test('an operation that cannot apply to its parent is dropped as invalid, and a valid rival still applies', () => {
  const parent = reduceTree(founding).tree;
  const bad = propose(parent, { kind: 'removeLeaf', leaf: leaves[0]!.id }); // would break 2-of-2
  const good = propose(parent, { kind: 'addLeaf', leaf: leaves[5]!, branch: 'root' });
  const view = reduceTree([...founding, bad, good]);
  assert.equal(view.applied.at(-1), good.key);
  assert.ok(view.dropped.some((d) => d.key === bad.key && d.status === 'invalid' && /need 2 of its 1/.test(d.reason)));
});

test('live operations with a stale parent or epoch, or that cannot apply, are refused', () => {
  const rotated = [...founding, propose(reduceTree(founding).tree, { kind: 'rotateEpoch' })];
  const grown = [...rotated, propose(reduceTree(rotated).tree, { kind: 'addLeaf', leaf: leaves[2]!, branch: 'root' })];
  const view = reduceTree(grown);
  const oldEpoch = propose(reduceTree(founding).tree, { kind: 'addLeaf', leaf: leaves[3]!, branch: 'root' });
  assert.throws(() => { checkTreeOp(view, oldEpoch); }, (error: unknown) => isAuraError(error, 'tree.stale-epoch'));
  const nowhere = alice.groupSigned({ ...treeOpDraft(alice.authority, view.tree, { kind: 'rotateEpoch' }, random), payload: { parentEpoch: 1, parentCommitment: new Uint8Array(32), op: { kind: 'rotateEpoch' } } });
  assert.throws(() => { checkTreeOp(view, nowhere); }, (error: unknown) => isAuraError(error, 'tree.stale-parent'));
  const impossible = propose(view.tree, { kind: 'removeLeaf', leaf: leaves[4]!.id });
  assert.throws(() => { checkTreeOp(view, impossible); }, (error: unknown) => isAuraError(error, 'tree.invalid-op'));
  checkTreeOp(view, propose(view.tree, { kind: 'addLeaf', leaf: leaves[3]!, branch: 'root' }));
  const concurrent = view.chain.at(-2)!.tree; // the tree just before the last op, in the same epoch
  checkTreeOp(view, propose(concurrent, { kind: 'addLeaf', leaf: leaves[4]!, branch: 'root' }));
});

test('operations must be group-signed by the authority: forged or device-signed ones are refused', () => {
  const journal = admit(emptyJournal(alice.authority), founding, context);
  const op = founding[0]!;
  const forged = sealFact(op.fact, { kind: 'threshold', authority: alice.authority, signature: op.fact.attestation.kind === 'threshold' ? op.fact.attestation.signature.map((b, i) => (i === 0 ? b ^ 1 : b)) : new Uint8Array(64) });
  assert.throws(() => admit(journal, [forged], context), (error: unknown) => isAuraError(error, 'fact.bad-signature'));
  const deviceSigned = alice.deviceSigned(treeOpDraft(alice.authority, GENESIS_TREE, { kind: 'rotateEpoch' }, random));
  assert.throws(() => admit(journal, [deviceSigned], context), (error: unknown) => isAuraError(error, 'fact.wrong-attestation'));
  assert.equal(journal.facts.size, founding.length);
});

test('malformed operation payloads are refused by the registry with the field named', () => {
  const draft = treeOpDraft(alice.authority, GENESIS_TREE, { kind: 'changePolicy', branch: 'root', policy: { kind: 'any' } }, random);
  const bad = alice.groupSigned({ ...draft, payload: { parentEpoch: 0, parentCommitment: new Uint8Array(31), op: { kind: 'rotateEpoch' } } });
  assert.throws(() => admit(emptyJournal(alice.authority), [bad], context), (error: unknown) => isAuraError(error, 'fact.invalid-payload') && /parentCommitment/.test(error.message));
});

test('device keys for attestations come from the tree', () => {
  const view = reduceTree(founding);
  const keys = treeSignerKeys(view, alice.authority, alice.groupKey.publicKey);
  assert.deepEqual(keys.deviceKey(leaves[0]!.id), leaves[0]!.publicKey);
  assert.equal(keys.deviceKey(leaves[5]!.id), undefined);
  assert.deepEqual(keys.groupKey(alice.authority), alice.groupKey.publicKey);
  const grown = [...founding, propose(reduceTree(founding).tree, { kind: 'addLeaf', leaf: leaves[2]!, branch: 'root' })];
  const shrunk = [...grown, propose(reduceTree(grown).tree, { kind: 'removeLeaf', leaf: leaves[2]!.id })];
  const after = reduceTree(shrunk);
  assert.equal(after.tree.leaves.has(leaves[2]!.id), false);
  assert.equal(treeSignerKeys(after, alice.authority, alice.groupKey.publicKey).deviceKey(leaves[2]!.id), undefined, 'a removed device signs nothing others admit');
});

test('a live operation on a stale parent is refused and leaves the journal unchanged', () => {
  const rotated = [...founding, propose(reduceTree(founding).tree, { kind: 'rotateEpoch' })];
  const journal = rotated.reduce((j, op) => admitTreeOp(j, op, context), emptyJournal(alice.authority));
  const staleEpoch = propose(reduceTree(founding).tree, { kind: 'addLeaf', leaf: leaves[5]!, branch: 'root' });
  assert.throws(() => admitTreeOp(journal, staleEpoch, context), (error: unknown) => isAuraError(error, 'tree.stale-epoch'));
  const otherHistory = [propose(GENESIS_TREE, { kind: 'addLeaf', leaf: leaves[4]!, branch: 'root' })];
  otherHistory.push(propose(reduceTree(otherHistory).tree, { kind: 'rotateEpoch' }));
  const elsewhere = propose(reduceTree(otherHistory).tree, { kind: 'rotateEpoch' }); // epoch 1, but a tree this journal never had
  assert.throws(() => admitTreeOp(journal, elsewhere, context), (error: unknown) => isAuraError(error, 'tree.stale-parent'));
  assert.equal(journal.facts.size, rotated.length);
  const next = admitTreeOp(journal, propose(reduceTree(journal.facts.values()).tree, { kind: 'addLeaf', leaf: leaves[5]!, branch: 'root' }), context);
  assert.equal(treeMembers(reduceTree(next.facts.values())).length, 3);
});
