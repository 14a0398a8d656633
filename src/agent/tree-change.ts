/**
 * The tree side of a membership change run by device agents (issue 9 items 4 and 6: "the tree gets
 * the new membership and epoch"): after a resharing, the group that holds the new shares signs
 * the change of its commitment tree (`membershipOps`: leaves added and removed, the root policy),
 * then `rotateEpoch`, with `attestMembershipChange`, one signing session per fact derived from
 * the change's session. `aura device add|remove`, guardian setup (guardian leaves added) and
 * recovery (the new device added, the lost devices removed) all go through here, so each bumps
 * the epoch.
 *
 * Every signer must build the same facts, so each signs over the tree of its own journal (a
 * recovered device over the journal it copied from a survivor), and the change is refused before
 * any message when that tree is not in the change's epoch.
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import { deriveIdentifier, type AuthorityId, type DeviceId, type SessionId } from '../core/identifiers.ts';
import type { PublicKeyPackage } from '../crypto/key-share.ts';
import type { TreeOp, TreeState } from '../journal/commitment-tree.ts';
import type { FactRecord } from '../journal/fact.ts';
import type { Transport } from '../runtime/transport.ts';
import { attestMembershipChange, factSession, type GroupSigner } from '../protocols/authority.ts';
import { epochSession } from '../protocols/epoch.ts';
import type { RunOptions } from '../protocols/protocol-source.ts';
import { exclusionSessions } from './session-groups.ts';

/** A change of an authority's tree, as its signers agreed it. */
export interface TreeChange {
  /** The authority. */
  readonly authority: AuthorityId;
  /** The devices that sign, in an order every signer derives alike (at least the threshold). */
  readonly signers: readonly DeviceId[];
  /** The threshold after the resharing (signatures are made with its new shares). */
  readonly threshold: number;
  /** The session of the whole membership change; the tree signing derives its own from it. */
  readonly session: SessionId;
  /** The epoch before the change. */
  readonly epoch: number;
  /** The operations before the epoch rotation. */
  readonly ops: readonly TreeOp[];
}

/** The session in which the group signs the tree of the change run in `session`. */
export function treeChangeSession(session: SessionId): SessionId {
  return deriveIdentifier('session', { base: session, change: 'tree' });
}

/**
 * The signing sessions of `change` with their role maps (`S[k]` the k-th signer left), every
 * attempt an exclusion can reach for each fact (the operations, then the epoch rotation): a
 * device agent registers them before any frame arrives (`session-groups.ts`).
 */
export function treeChangeSessions(change: TreeChange): Map<SessionId, Map<RoleName, DeviceId>> {
  const sessions = new Map<SessionId, Map<RoleName, DeviceId>>();
  const base = treeChangeSession(change.session);
  for (let k = 0; k <= change.ops.length; k++) {
    for (const [session, roles] of exclusionSessions(epochSession(factSession(base, k), change.epoch), change.signers, change.threshold)) sessions.set(session, roles);
  }
  return sessions;
}

/**
 * Signs `change` as `signer`, with its share of `publicKeyPackage` (the group after the
 * resharing), over `tree` (the tree of this signer's journal): the `tree.op` facts
 * of its operations and the epoch rotation, in order, to be admitted in that order. Errors: those
 * of `attestMembershipChange`: `protocols.stale-epoch` (the tree is not in the change's epoch:
 * nothing is sent), `tree.invalid-op`, `protocols.sign.*`.
 */
export async function signTreeChange(change: TreeChange, publicKeyPackage: PublicKeyPackage, signer: GroupSigner, tree: TreeState, transport: Transport, options: RunOptions): Promise<FactRecord[]> {
  const group = { authority: change.authority, publicKeyPackage, signers: change.signers, session: treeChangeSession(change.session), epoch: change.epoch };
  const attested = await attestMembershipChange(group, signer, tree, change.ops, transport, options);
  return attested.map((a) => a.record);
}
