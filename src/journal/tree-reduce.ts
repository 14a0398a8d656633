/**
 * Rebuilding the commitment tree from `tree.op` facts, deterministically.
 *
 * Starting from the genesis tree, reduction repeatedly takes the operations whose parent is the
 * current tree (same epoch, same root commitment) and applies one of them. **Concurrent
 * operations on the same parent** are resolved by one rule: among those that apply cleanly, the
 * one with the bytewise smallest CID wins; the others are superseded (their proposers re-issue
 * them on top of the new tree). Operations that cannot apply to their parent are invalid;
 * operations whose parent never becomes current are stale. Every replica with the same facts
 * therefore rebuilds the same tree, whatever order the facts arrived in.
 *
 * {@link checkTreeOp} is the stricter gate for a live operation: its parent must be the current
 * tree or an earlier tree of the current epoch (a concurrent proposal), else `tree.stale-parent`
 * or `tree.stale-epoch`; and it must apply to that parent, else `tree.invalid-op`.
 *
 * @module
 */
import { compareBytes, toHex } from '../core/bytes.ts';
import { isAuraError, permanentError } from '../core/errors.ts';
import type { AuthorityId, DeviceId } from '../core/identifiers.ts';
import type { SignerKeys } from './attestation.ts';
import { GENESIS_TREE, ROOT_BRANCH, applyTreeOp, rootCommitment, type Leaf, type Policy, type TreeState } from './commitment-tree.ts';
import type { FactRecord } from './fact.ts';
import { admit, checkFact, type AdmissionContext, type Journal } from './journal.ts';
import type { Reducer } from './reducer.ts';
import { TREE_OP, type TreeOpPayload } from './tree-op.ts';

/** Why an operation fact is not part of the tree. */
export interface DroppedOp {
  /** The op fact's CID. */
  readonly key: string;
  /** `superseded` (lost to a concurrent op), `invalid` (cannot apply), or `stale` (parent never current). */
  readonly status: 'superseded' | 'invalid' | 'stale';
  /** A sentence for people. */
  readonly reason: string;
}

/** The rebuilt tree and how it was reached. */
export interface TreeView {
  /** The current tree. */
  readonly tree: TreeState;
  /** Its root commitment. */
  readonly commitment: Uint8Array;
  /** Every tree from genesis to the current one, each with its commitment (hex). */
  readonly chain: readonly { readonly tree: TreeState; readonly commitment: string }[];
  /** The CIDs of the operations applied, in order. */
  readonly applied: readonly string[];
  /** Operations not applied, with the reason. */
  readonly dropped: readonly DroppedOp[];
}

/** Rebuilds the tree from a set of facts (facts other than `tree.op` are ignored). */
export function reduceTree(records: Iterable<FactRecord>): TreeView {
  const byParent = new Map<string, FactRecord[]>();
  for (const record of records) {
    if (record.fact.typeId !== TREE_OP.typeId) continue;
    const parent = toHex((record.fact.payload as TreeOpPayload).parentCommitment);
    const group = byParent.get(parent) ?? [];
    if (!group.some((r) => r.key === record.key)) group.push(record);
    byParent.set(parent, group);
  }
  let tree = GENESIS_TREE;
  let commitment = toHex(rootCommitment(tree));
  const chain = [{ tree, commitment }];
  const applied: string[] = [];
  const dropped: DroppedOp[] = [];
  for (;;) {
    const candidates = (byParent.get(commitment) ?? []).sort((a, b) => compareBytes(a.id.bytes, b.id.bytes));
    byParent.delete(commitment);
    let winner: FactRecord | undefined;
    for (const candidate of candidates) {
      if (winner !== undefined) {
        dropped.push({ key: candidate.key, status: 'superseded', reason: `a concurrent operation with a smaller CID (${winner.key}) applied to the same parent` });
        continue;
      }
      const payload = candidate.fact.payload as TreeOpPayload;
      try {
        if (payload.parentEpoch !== tree.epoch) throw permanentError('tree.invalid-op', `names parent epoch ${payload.parentEpoch}, but its parent is in epoch ${tree.epoch}`);
        tree = applyTreeOp(tree, payload.op);
        winner = candidate;
      } catch (error) {
        if (!isAuraError(error, 'tree.invalid-op')) throw error;
        dropped.push({ key: candidate.key, status: 'invalid', reason: error.message });
      }
    }
    if (winner === undefined) break;
    applied.push(winner.key);
    commitment = toHex(rootCommitment(tree));
    chain.push({ tree, commitment });
  }
  for (const group of byParent.values()) {
    for (const record of group) dropped.push({ key: record.key, status: 'stale', reason: 'its parent commitment is not a tree this journal reaches' });
  }
  return { tree, commitment: rootCommitment(tree), chain, applied, dropped };
}

/**
 * Checks a new operation fact against the current view before it is admitted. Errors:
 * `tree.stale-epoch` (its parent is from an earlier epoch), `tree.stale-parent` (its parent is no
 * tree this journal has reached), `tree.invalid-op` (it cannot apply to its parent).
 */
export function checkTreeOp(view: TreeView, record: FactRecord): void {
  const payload = record.fact.payload as TreeOpPayload;
  const parentHex = toHex(payload.parentCommitment);
  const parent = view.chain.find((entry) => entry.commitment === parentHex);
  const context = { cid: record.key, parentEpoch: payload.parentEpoch, epoch: view.tree.epoch };
  if (payload.parentEpoch < view.tree.epoch) {
    throw permanentError('tree.stale-epoch', `tree operation ${record.key} was made in epoch ${payload.parentEpoch}; the tree is in epoch ${view.tree.epoch}`, { context });
  }
  if (parent === undefined || parent.tree.epoch !== view.tree.epoch) {
    throw permanentError('tree.stale-parent', `tree operation ${record.key} names parent commitment ${parentHex.slice(0, 16)}…, which is not a tree of the current epoch`, { context });
  }
  if (payload.parentEpoch !== parent.tree.epoch) throw permanentError('tree.invalid-op', `tree operation ${record.key} names epoch ${payload.parentEpoch} for a parent in epoch ${parent.tree.epoch}`, { context });
  applyTreeOp(parent.tree, payload.op);
}

/**
 * Admits a live tree operation into an authority's journal: checked against the tree the journal
 * holds ({@link checkTreeOp}), then admitted like any fact (type, namespace, group signature).
 * On any refusal the journal is returned unchanged by the throw.
 */
export function admitTreeOp(journal: Journal, record: FactRecord, context: AdmissionContext): Journal {
  if (record.fact.typeId !== TREE_OP.typeId) throw permanentError('tree.not-an-op', `fact ${record.key} is a ${record.fact.typeId}, not a tree operation`);
  checkFact(journal.namespace, record, context);
  checkTreeOp(reduceTree(journal.facts.values()), record);
  return admit(journal, [record], context);
}

/** The tree as a reducer: its state is the set of op facts, its view the rebuilt tree. */
export const treeReducer: Reducer<Map<string, FactRecord>, TreeView> = {
  name: 'tree',
  init: () => new Map(),
  step(ops, record) {
    if (record.fact.typeId === TREE_OP.typeId) ops.set(record.key, record);
    return ops;
  },
  view: (ops) => reduceTree(ops.values()),
  equals: (a, b) => toHex(a.commitment) === toHex(b.commitment) && a.dropped.length === b.dropped.length,
};

/** The members of the tree (all leaves), sorted by id. */
export function treeMembers(view: TreeView): (Leaf & { readonly branch: string })[] {
  return [...view.tree.leaves.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The policy of a branch (the root by default). */
export function treePolicy(view: TreeView, branch = ROOT_BRANCH): Policy | undefined {
  return view.tree.branches.get(branch)?.policy;
}

/** The current epoch. */
export function treeEpoch(view: TreeView): number {
  return view.tree.epoch;
}

/** Signer keys from the tree: device keys of its device leaves, and the authority's group key. */
export function treeSignerKeys(view: TreeView, authority: AuthorityId, groupKey: Uint8Array): SignerKeys {
  return {
    groupKey: (who) => (who === authority ? groupKey : undefined),
    deviceKey: (device: DeviceId) => {
      const leaf = view.tree.leaves.get(device);
      return leaf?.role === 'device' ? leaf.publicKey : undefined;
    },
  };
}
