/**
 * Tree operation facts: `tree.op@1`, in an authority's journal, attested by the authority's
 * threshold signature. Each operation is bound to the tree it applies to by its parent epoch and
 * parent root commitment, so it cannot be replayed onto another tree state.
 *
 * Payload: `{ parentEpoch: uint, parentCommitment: bytes(32), op: TreeOp }` (`commitment-tree.ts`).
 *
 * @module
 */
import type { AuthorityId } from '../core/identifiers.ts';
import type { RandomEffects } from '../core/effects.ts';
import { rootCommitment, type TreeOp, type TreeState } from './commitment-tree.ts';
import type { FactDraft } from './fact.ts';
import { defineFactType } from './fact-registry.ts';
import { bytes, identifierOf, literal, record, text, uint, variant, type Infer, type Schema } from './schema.ts';

const branchName = text(64);
const policySchema = variant({ any: {}, all: {}, threshold: { m: uint(65535) } });

const treeOpSchema: Schema<TreeOp> = variant({
  addLeaf: { leaf: record({ id: identifierOf('device', 'authority'), role: literal('device', 'guardian'), publicKey: bytes(32) }), branch: branchName },
  removeLeaf: { leaf: identifierOf('device', 'authority') },
  addBranch: { branch: branchName, parent: branchName, policy: policySchema },
  changePolicy: { branch: branchName, policy: policySchema },
  rotateEpoch: {},
});

const treeOpPayload = record({ parentEpoch: uint(), parentCommitment: bytes(32), op: treeOpSchema });

/** Payload of a `tree.op` fact. */
export type TreeOpPayload = Infer<typeof treeOpPayload>;

/** `tree.op@1`: one operation on the authority's commitment tree. */
export const TREE_OP = defineFactType({
  typeId: 'tree.op',
  schemaVersion: 1,
  description: "one operation on an authority's commitment tree, bound to its parent epoch and commitment",
  payload: treeOpPayload,
  attestations: ['threshold'],
  namespaces: ['authority'],
});

/** The draft of `op` on top of `parent`, for the devices to sign with the group key. */
export function treeOpDraft(authority: AuthorityId, parent: TreeState, op: TreeOp, random: RandomEffects): FactDraft {
  const payload: TreeOpPayload = { parentEpoch: parent.epoch, parentCommitment: rootCommitment(parent), op };
  return { typeId: TREE_OP.typeId, schemaVersion: TREE_OP.schemaVersion, payload, metadata: { namespace: authority, nonce: random.randomBytes(16) } };
}
