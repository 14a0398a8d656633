import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { concat, toHex, utf8 } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { taggedDigest } from '../core/hash.ts';
import { identifierBytes, randomIdentifier } from '../core/identifiers.ts';
import { SeededRandom } from '../handlers/random.ts';
import { GENESIS_TREE, applyTreeOp, branchCommitment, leafCommitment, rootCommitment, type Leaf, type TreeOp, type TreeState } from './commitment-tree.ts';

const random = new SeededRandom('tree-test');
const device = (): Leaf => ({ id: randomIdentifier('device', random), role: 'device', publicKey: random.randomBytes(32) });
const leaves = Array.from({ length: 5 }, device);

function applyAll(ops: readonly TreeOp[], start: TreeState = GENESIS_TREE): TreeState {
  return ops.reduce(applyTreeOp, start);
}

function assertRefused(tree: TreeState, op: TreeOp, pattern: RegExp): void {
  assert.throws(() => applyTreeOp(tree, op), (error: unknown) => isAuraError(error, 'tree.invalid-op') && pattern.test(error.message));
}

test('the leaf commitment is the tagged hash of role, identifier bytes and key, as documented', () => {
  const leaf = leaves[0]!;
  const expected = taggedDigest('aura.tree.v1.leaf', concat(Uint8Array.of(0), identifierBytes(leaf.id), leaf.publicKey));
  assert.deepEqual(leafCommitment(leaf), expected);
});

test('the root commitment is the tagged hash of epoch, version and the root branch, as documented', () => {
  const tree = applyAll([{ kind: 'addLeaf', leaf: leaves[0]!, branch: 'root' }, { kind: 'changePolicy', branch: 'root', policy: { kind: 'threshold', m: 1 } }]);
  const branch = taggedDigest('aura.tree.v1.branch', concat(Uint8Array.of(0, 4), utf8('root'), Uint8Array.of(1, 0, 1), Uint8Array.of(0, 0, 0, 1), leafCommitment(leaves[0]!)));
  assert.deepEqual(branchCommitment(tree, 'root'), branch);
  const counters = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2);
  assert.deepEqual(rootCommitment(tree), taggedDigest('aura.tree.v1.root', concat(counters, branch)));
});

test('a branch commitment does not depend on the order its children were added', () => {
  fc.assert(
    fc.property(fc.shuffledSubarray(leaves, { minLength: leaves.length }), (order) => {
      const tree = applyAll(order.map((leaf) => ({ kind: 'addLeaf', leaf, branch: 'root' })));
      const reference = applyAll(leaves.map((leaf) => ({ kind: 'addLeaf', leaf, branch: 'root' })));
      assert.equal(toHex(rootCommitment(tree)), toHex(rootCommitment(reference)));
    }),
  );
});

test('every change of members, policy or epoch changes the root commitment, even a return to an earlier shape', () => {
  const base = applyAll([{ kind: 'addLeaf', leaf: leaves[0]!, branch: 'root' }]);
  const seen = new Set([toHex(rootCommitment(GENESIS_TREE)), toHex(rootCommitment(base))]);
  const added = applyTreeOp(base, { kind: 'addLeaf', leaf: leaves[1]!, branch: 'root' });
  const removed = applyTreeOp(added, { kind: 'removeLeaf', leaf: leaves[1]!.id });
  const policy = applyTreeOp(removed, { kind: 'changePolicy', branch: 'root', policy: { kind: 'any' } });
  const rotated = applyTreeOp(policy, { kind: 'rotateEpoch' });
  for (const tree of [added, removed, policy, rotated]) seen.add(toHex(rootCommitment(tree)));
  assert.equal(seen.size, 6);
  assert.equal(rotated.epoch, 1);
});

test('guardians sit in their own branch under their own policy', () => {
  const guardian: Leaf = { id: randomIdentifier('authority', random), role: 'guardian', publicKey: random.randomBytes(32) };
  const tree = applyAll([
    { kind: 'addLeaf', leaf: leaves[0]!, branch: 'root' },
    { kind: 'addBranch', branch: 'guardians', parent: 'root', policy: { kind: 'any' } },
    { kind: 'addLeaf', leaf: guardian, branch: 'guardians' },
    { kind: 'changePolicy', branch: 'root', policy: { kind: 'threshold', m: 2 } },
  ]);
  assert.equal(tree.leaves.get(guardian.id)?.branch, 'guardians');
  assert.deepEqual(tree.branches.get('root')?.policy, { kind: 'threshold', m: 2 });
});

test('operations that cannot apply are refused with the reason', () => {
  const tree = applyAll([{ kind: 'addLeaf', leaf: leaves[0]!, branch: 'root' }, { kind: 'addLeaf', leaf: leaves[1]!, branch: 'root' }, { kind: 'changePolicy', branch: 'root', policy: { kind: 'threshold', m: 2 } }]);
  assertRefused(tree, { kind: 'addLeaf', leaf: leaves[0]!, branch: 'root' }, /already a member/);
  assertRefused(tree, { kind: 'addLeaf', leaf: leaves[2]!, branch: 'nowhere' }, /no branch named "nowhere"/);
  assertRefused(tree, { kind: 'addLeaf', leaf: { ...leaves[2]!, role: 'guardian' }, branch: 'root' }, /guardian leaf needs an authority identifier/);
  assertRefused(tree, { kind: 'removeLeaf', leaf: leaves[3]!.id }, /is not a member/);
  assertRefused(tree, { kind: 'removeLeaf', leaf: leaves[0]!.id }, /need 2 of its 1 children/);
  assertRefused(tree, { kind: 'changePolicy', branch: 'root', policy: { kind: 'threshold', m: 0 } }, /outside 1\.\.2/);
  assertRefused(tree, { kind: 'addBranch', branch: 'root', parent: 'root', policy: { kind: 'any' } }, /already exists/);
});
