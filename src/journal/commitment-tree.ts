/**
 * The commitment tree: which devices and guardians make up an authority, and the policy under
 * which they act. Leaves are devices or guardians with their public keys; branches group children
 * under a policy (`any`, `threshold m` of the branch's n children, `all`). The tree lives in the
 * authority's journal as operation facts (`tree-op.ts`, `tree-reduce.ts`); this file holds the
 * tree state, the operations on it, and its commitments.
 *
 * Commitments (BLAKE3-256 through `taggedDigest(tag, data) = H(u16be(len(tag)) ‖ tag ‖ data)`):
 *
 * ```text
 * policy(p)   = u8(0)                 any
 *             | u8(1) ‖ u16be(m)      threshold m-of-n (n = the branch's child count)
 *             | u8(2)                 all
 * leaf(l)     = taggedDigest("aura.tree.v1.leaf",   u8(role) ‖ id ‖ publicKey)
 *               role: 0 device, 1 guardian; id: the 32 identifier bytes (DeviceId / AuthorityId);
 *               publicKey: 32 bytes
 * branch(b)   = taggedDigest("aura.tree.v1.branch", u16be(len(name)) ‖ name ‖ policy(b.policy)
 *                                                   ‖ u32be(k) ‖ c1 ‖ … ‖ ck)
 *               name: UTF-8 branch name; c1…ck: the commitments of b's k children (leaves and
 *               sub-branches), sorted bytewise, so the commitment does not depend on insertion order
 * root(t)     = taggedDigest("aura.tree.v1.root",   u64be(epoch) ‖ u64be(version) ‖ branch(root))
 * ```
 *
 * `version` counts the operations applied, so a tree that returns to an earlier shape (a leaf
 * added then removed) still has a new root commitment and an old operation cannot be replayed.
 *
 * Source: the commitment tree of the Rust original (hxrts/aura, `aura-journal`), simplified to
 * named branches.
 *
 * @module
 */
import { compareBytes, concat, toHex, utf8 } from '../core/bytes.ts';
import { permanentError } from '../core/errors.ts';
import { taggedDigest } from '../core/hash.ts';
import { identifierBytes, type AuthorityId, type DeviceId } from '../core/identifiers.ts';

/** What a leaf stands for: one of the authority's devices, or a guardian authority. */
export type LeafRole = 'device' | 'guardian';

/** A member of the tree. */
export type Leaf = {
  /** The device, or the guardian's authority. */
  readonly id: DeviceId | AuthorityId;
  /** Device or guardian (must match the kind of `id`). */
  readonly role: LeafRole;
  /** The member's Ed25519 public key (32 bytes). */
  readonly publicKey: Uint8Array;
};

/** How many of a branch's children must take part. */
export type Policy = { readonly kind: 'any' } | { readonly kind: 'all' } | { readonly kind: 'threshold'; readonly m: number };

/** A branch: a named group of children under a policy. */
export interface Branch {
  /** Its policy. */
  readonly policy: Policy;
  /** The enclosing branch; `undefined` for the root. */
  readonly parent: string | undefined;
}

/** The whole tree. */
export interface TreeState {
  /** Incremented by `rotateEpoch`; older-epoch operations are stale. */
  readonly epoch: number;
  /** Number of operations applied since genesis. */
  readonly version: number;
  /** Branches by name; `root` always exists. */
  readonly branches: ReadonlyMap<string, Branch>;
  /** Leaves by id, with the branch each sits in. */
  readonly leaves: ReadonlyMap<string, Leaf & { readonly branch: string }>;
}

/** One change to the tree. */
export type TreeOp =
  | {
      readonly kind: 'addLeaf';
      /** The new member. */
      readonly leaf: Leaf;
      /** The branch it joins. */
      readonly branch: string;
    }
  | {
      readonly kind: 'removeLeaf';
      /** The member to remove. */
      readonly leaf: string;
    }
  | {
      readonly kind: 'addBranch';
      /** Name of the new branch. */
      readonly branch: string;
      /** The branch it goes under. */
      readonly parent: string;
      /** Its policy. */
      readonly policy: Policy;
    }
  | {
      readonly kind: 'changePolicy';
      /** The branch whose policy changes. */
      readonly branch: string;
      /** The new policy. */
      readonly policy: Policy;
    }
  | {
      /** Starts a new epoch (after resharing, say): operations of older epochs become stale. */
      readonly kind: 'rotateEpoch';
    };

/** Name of the root branch. */
export const ROOT_BRANCH = 'root';

/** The tree before any operation: an empty root branch under policy `all`, epoch 0. */
export const GENESIS_TREE: TreeState = { epoch: 0, version: 0, branches: new Map([[ROOT_BRANCH, { policy: { kind: 'all' }, parent: undefined }]]), leaves: new Map() };

/** The number of children (leaves and branches) of `branch`. */
export function childCount(tree: TreeState, branch: string): number {
  let count = 0;
  for (const leaf of tree.leaves.values()) if (leaf.branch === branch) count++;
  for (const child of tree.branches.values()) if (child.parent === branch) count++;
  return count;
}

/**
 * The tree after `op`, or `tree.invalid-op` naming why it cannot apply: an unknown branch or
 * leaf, a duplicate, a role that does not match the identifier, or a threshold outside `1..n`.
 */
export function applyTreeOp(tree: TreeState, op: TreeOp): TreeState {
  const next = { epoch: tree.epoch, version: tree.version + 1, branches: new Map(tree.branches), leaves: new Map(tree.leaves) };
  switch (op.kind) {
    case 'addLeaf':
      requireBranch(tree, op.branch);
      if (tree.leaves.has(op.leaf.id)) invalid(`${op.leaf.id} is already a member`);
      if (!op.leaf.id.startsWith(op.leaf.role === 'device' ? 'device-' : 'authority-')) invalid(`a ${op.leaf.role} leaf needs ${op.leaf.role === 'device' ? 'a device' : 'an authority'} identifier, got ${op.leaf.id}`);
      next.leaves.set(op.leaf.id, { ...op.leaf, branch: op.branch });
      break;
    case 'removeLeaf': {
      const leaf = tree.leaves.get(op.leaf);
      if (leaf === undefined) invalid(`${op.leaf} is not a member`);
      next.leaves.delete(op.leaf);
      break;
    }
    case 'addBranch':
      requireBranch(tree, op.parent);
      if (tree.branches.has(op.branch)) invalid(`branch "${op.branch}" already exists`);
      next.branches.set(op.branch, { policy: op.policy, parent: op.parent });
      break;
    case 'changePolicy': {
      const branch = requireBranch(tree, op.branch);
      next.branches.set(op.branch, { ...branch, policy: op.policy });
      break;
    }
    case 'rotateEpoch':
      next.epoch = tree.epoch + 1;
      break;
  }
  checkPolicies(next);
  return next;
}

function requireBranch(tree: TreeState, name: string): Branch {
  const branch = tree.branches.get(name);
  if (branch === undefined) invalid(`no branch named "${name}"`);
  return branch;
}

function checkPolicies(tree: TreeState): void {
  for (const [name, branch] of tree.branches) {
    if (branch.policy.kind !== 'threshold') continue;
    const n = childCount(tree, name);
    if (branch.policy.m < 1 || branch.policy.m > n) invalid(`branch "${name}" would need ${branch.policy.m} of its ${n} children, outside 1..${n}`);
  }
}

function invalid(reason: string): never {
  throw permanentError('tree.invalid-op', `tree operation refused: ${reason}`);
}

/** The byte encoding of a policy (see the module comment). */
export function policyBytes(policy: Policy): Uint8Array {
  if (policy.kind === 'any') return Uint8Array.of(0);
  if (policy.kind === 'all') return Uint8Array.of(2);
  return Uint8Array.of(1, (policy.m >> 8) & 0xff, policy.m & 0xff);
}

/** The commitment of a leaf. */
export function leafCommitment(leaf: Leaf): Uint8Array {
  return taggedDigest('aura.tree.v1.leaf', concat(Uint8Array.of(leaf.role === 'device' ? 0 : 1), identifierBytes(leaf.id), leaf.publicKey));
}

/** The commitment of the branch named `name` and everything under it. */
export function branchCommitment(tree: TreeState, name: string): Uint8Array {
  const branch = requireBranch(tree, name);
  const children: Uint8Array[] = [];
  for (const leaf of tree.leaves.values()) if (leaf.branch === name) children.push(leafCommitment(leaf));
  for (const [childName, child] of tree.branches) if (child.parent === name) children.push(branchCommitment(tree, childName));
  children.sort(compareBytes);
  const nameBytes = utf8(name);
  const header = new Uint8Array(2);
  new DataView(header.buffer).setUint16(0, nameBytes.length);
  const count = new Uint8Array(4);
  new DataView(count.buffer).setUint32(0, children.length);
  return taggedDigest('aura.tree.v1.branch', concat(header, nameBytes, policyBytes(branch.policy), count, ...children));
}

/** The root commitment: epoch, version and the root branch. */
export function rootCommitment(tree: TreeState): Uint8Array {
  const counters = new Uint8Array(16);
  const view = new DataView(counters.buffer);
  view.setBigUint64(0, BigInt(tree.epoch));
  view.setBigUint64(8, BigInt(tree.version));
  return taggedDigest('aura.tree.v1.root', concat(counters, branchCommitment(tree, ROOT_BRANCH)));
}

/** Lowercase hex of the root commitment, handy as a map key. */
export function rootCommitmentHex(tree: TreeState): string {
  return toHex(rootCommitment(tree));
}
