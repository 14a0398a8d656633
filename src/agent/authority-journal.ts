/**
 * The authority's journal as a device keeps it: the facts of its authority's namespace in the
 * device's SQLite fact store, admitted only after the journal's checks (registered type, right
 * namespace, a threshold signature that verifies under the group key, and for tree operations a
 * parent the journal has reached: `admitTreeOp` of `src/journal/`).
 *
 * Genesis: right after the DKG the new group signs, one FROST signature each, the tree operations
 * that describe it: one `addLeaf` per device (its Ed25519 device key) and `changePolicy` of the
 * root to `threshold t`. Every device stores the same facts, so their journals start equal.
 *
 * Source: issue 11 item 1; the commitment tree of `src/journal/commitment-tree.ts`.
 *
 * @module
 */
import type { RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import type { AuthorityId, DeviceId } from '../core/identifiers.ts';
import { staticSignerKeys } from '../journal/attestation.ts';
import { applyTreeOp, GENESIS_TREE, ROOT_BRANCH, type TreeOp, type TreeState } from '../journal/commitment-tree.ts';
import { sealFact, unsignedPart, type FactDraft, type FactRecord } from '../journal/fact.ts';
import { FactRegistry } from '../journal/fact-registry.ts';
import type { FactStore } from '../journal/fact-store.ts';
import { emptyJournal, type AdmissionContext, type Journal } from '../journal/journal.ts';
import { admitTreeOp, reduceTree, treeEpoch, treeMembers, treePolicy, type TreeView } from '../journal/tree-reduce.ts';
import { TREE_OP, treeOpDraft } from '../journal/tree-op.ts';
import { attestationTranscript, thresholdAttestation } from '../journal/attestation.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { NodeRandom } from '../handlers/random.ts';

/** The fact types an authority journal admits. */
export const AUTHORITY_FACT_TYPES = new FactRegistry([TREE_OP]);

/** A device of a new authority, as genesis records it. */
export interface GenesisDevice {
  /** The device. */
  readonly device: DeviceId;
  /** Its Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

/** The tree operations of a new authority: every device a leaf of the root, then the root's threshold. */
export function genesisOps(devices: readonly GenesisDevice[], threshold: number): TreeOp[] {
  return [
    ...devices.map((d): TreeOp => ({ kind: 'addLeaf', leaf: { id: d.device, role: 'device', publicKey: d.publicKey }, branch: ROOT_BRANCH })),
    { kind: 'changePolicy', branch: ROOT_BRANCH, policy: { kind: 'threshold', m: threshold } },
  ];
}

/** The drafts of `ops` applied one after another from the genesis tree, each bound to its parent. */
export function chainedDrafts(authority: AuthorityId, ops: readonly TreeOp[], random: RandomEffects, from: TreeState = GENESIS_TREE): FactDraft[] {
  const drafts: FactDraft[] = [];
  let tree = from;
  for (const op of ops) {
    drafts.push(treeOpDraft(authority, tree, op, random));
    tree = applyTreeOp(tree, op);
  }
  return drafts;
}

/** The bytes the group signs to attest `draft` for `authority`. */
export function thresholdTranscript(authority: AuthorityId, draft: FactDraft): Uint8Array {
  return attestationTranscript('threshold', authority, unsignedPart(draft));
}

/** The fact of `draft` attested by the group signature `signature`. */
export function attestedFact(authority: AuthorityId, draft: FactDraft, signature: Uint8Array): FactRecord {
  return sealFact(draft, thresholdAttestation(authority, signature));
}

/** What admission of an authority's facts checks against. */
export function admissionContext(authority: AuthorityId, groupKey: Uint8Array): AdmissionContext {
  return { registry: AUTHORITY_FACT_TYPES, crypto: new Ed25519CryptoEffects(new NodeRandom()), keys: staticSignerKeys(new Map([[authority, groupKey]])) };
}

/** Every fact of `authority` in `store`, as a journal value. */
export async function loadJournal(store: FactStore, authority: AuthorityId): Promise<Journal> {
  const facts = new Map<string, FactRecord>();
  await store.scan(authority, (record) => {
    facts.set(record.key, record);
  });
  return { ...emptyJournal(authority), facts };
}

/**
 * Admits `records` (tree operations, in order) into the journal of `authority` held in `store`
 * and stores those that are new in one transaction. Any refusal throws before anything is
 * written. Returns how many facts were added.
 */
export async function storeTreeOps(store: FactStore, authority: AuthorityId, groupKey: Uint8Array, records: readonly FactRecord[]): Promise<number> {
  const context = admissionContext(authority, groupKey);
  let journal = await loadJournal(store, authority);
  const fresh: FactRecord[] = [];
  for (const record of records) {
    if (journal.facts.has(record.key)) continue;
    journal = admitTreeOp(journal, record, context);
    fresh.push(record);
  }
  return fresh.length === 0 ? 0 : store.put(fresh);
}

/** The authority's state as its journal tells it. */
export interface AuthorityView {
  /** The commitment tree. */
  readonly tree: TreeView;
  /** Devices (and guardians) of the tree. */
  readonly members: readonly { readonly id: string; readonly role: string }[];
  /** Signers needed, from the root policy (`undefined` before genesis finished). */
  readonly threshold: number | undefined;
  /** The tree's epoch. */
  readonly epoch: number;
  /** Facts in the journal. */
  readonly facts: number;
}

/** The authority view of `authority` from `store`. */
export async function authorityView(store: FactStore, authority: AuthorityId): Promise<AuthorityView> {
  const journal = await loadJournal(store, authority);
  const tree = reduceTree(journal.facts.values());
  const policy = treePolicy(tree);
  return {
    tree,
    members: treeMembers(tree).map((leaf) => ({ id: leaf.id, role: leaf.role })),
    threshold: policy?.kind === 'threshold' ? policy.m : undefined,
    epoch: treeEpoch(tree),
    facts: journal.facts.size,
  };
}

/**
 * Checks that every fact in `store` belongs to `authority`. Error: `agent.foreign-dir` naming how
 * many facts of other namespaces it holds.
 */
export async function checkJournalOwner(store: FactStore, authority: AuthorityId, dir: string): Promise<void> {
  const [all, own] = await Promise.all([store.count(), store.count(authority)]);
  if (all !== own) {
    throw permanentError('agent.foreign-dir', `${dir} holds a journal with ${all - own} facts of another authority (not ${authority}); it was refused and left as it was`, { context: { dir, authority } });
  }
}
