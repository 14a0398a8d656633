/**
 * The outcome of a DKG: an authority (issue 9 item 1, "Outcome"). After the DKG every member
 * builds, deterministically and alike, the genesis of the authority's journal, and the group signs
 * it with its new key (its first act proves it can sign):
 *
 * - the authority id, derived from the group key: `deriveIdentifier("authority", { groupKey })`
 *   (the same derivation as `TestAuthority`);
 * - the commitment tree's genesis operations as `tree.op` facts: one `addLeaf` per member (its
 *   device id and Ed25519 device key, in role order, under `root`), then `changePolicy root →
 *   threshold t` (so the root's policy is t-of-n), in epoch 0;
 * - an `authority.created` fact naming the group key, the threshold, the members and the genesis
 *   root commitment.
 *
 * Every fact is attested by a threshold signature made by the signing choreography (`sign.ts`)
 * among the members, one session per fact. Each signer commits to the digest of the transcript it
 * was asked to sign, so a member that built different facts is named (`disagreement`) before any
 * share is sent: members that finish hold the same facts. The device's key share goes in its key
 * store (`authority-key-store.ts`).
 *
 * {@link attestTreeOp} is how every later change of the tree (resharing, recovery: add or remove a
 * leaf, change the policy, rotate the epoch) gets its group signature, and
 * {@link attestMembershipChange} signs a whole membership change ending with `rotateEpoch`;
 * {@link authorityView} reads an authority's state back from its journal.
 *
 * Fact nonces: every member must build byte-identical facts, so where a nonce is needed it comes
 * from a stream every member derives alike from the agreed session
 * (`SeededRandom({ key: taggedDigest("aura.protocols.authority.v1.nonce", utf8(session)) })`).
 *
 * @module
 */
import { utf8 } from '../core/bytes.ts';
import type { CryptoEffects, RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { taggedDigest } from '../core/hash.ts';
import { deriveIdentifier, type AuthorityId, type DeviceId, type SessionId } from '../core/identifiers.ts';
import type { KeyShare, PublicKeyPackage } from '../crypto/key-share.ts';
import { deviceParticipantId } from '../crypto/participant.ts';
import { SeededRandom } from '../handlers/random.ts';
import { attestationTranscript, thresholdAttestation } from '../journal/attestation.ts';
import { GENESIS_TREE, ROOT_BRANCH, applyTreeOp, rootCommitment, type Leaf, type Policy, type TreeOp, type TreeState } from '../journal/commitment-tree.ts';
import { sealFact, unsignedPart, type FactDraft, type FactRecord } from '../journal/fact.ts';
import { FactRegistry, defineFactType, type FactType } from '../journal/fact-registry.ts';
import { admit, emptyJournal, type AdmissionContext, type Journal } from '../journal/journal.ts';
import { bytes, identifier, list, record, uint, type Infer } from '../journal/schema.ts';
import { TREE_OP, treeOpDraft } from '../journal/tree-op.ts';
import { admitTreeOp, reduceTree, treeMembers, treePolicy, treeSignerKeys, type TreeView } from '../journal/tree-reduce.ts';
import type { Transport } from '../runtime/transport.ts';
import type { Accusation } from './attempts.ts';
import { COORDINATION_FACT_TYPES } from './coordination-facts.ts';
import { DKD_CONTEXT_KEY } from './dkd.ts';
import { runDkgDevice, type DkgDevice, type DkgMember } from './dkg.ts';
import { MAX_MEMBERS } from './payload-types.ts';
import type { RunOptions } from './protocol-source.ts';
import { runSigningDevice } from './sign.ts';
import type { JournalAdmission } from './sync-replica.ts';
import { storeKeyShare, type UnlockedKeyStore } from './authority-key-store.ts';
import { GENESIS_EPOCH, ROTATE_EPOCH } from './epoch.ts';

const authorityCreatedPayload = record({ groupKey: bytes(32), threshold: uint(MAX_MEMBERS), members: list(identifier('device'), MAX_MEMBERS), genesis: bytes(32) });

/** Payload of an `authority.created` fact. */
export type AuthorityCreatedPayload = Infer<typeof authorityCreatedPayload>;

/**
 * `authority.created@1`: the genesis of an authority, in its own journal, threshold-signed:
 * `{ groupKey, threshold, members, genesis }` where `genesis` is the root commitment of the tree
 * after the genesis operations. The authority must be the one its group key derives.
 */
export const AUTHORITY_CREATED = defineFactType({
  typeId: 'authority.created',
  schemaVersion: 1,
  description: 'the genesis of an authority: its group key, threshold, first members and genesis tree commitment',
  payload: authorityCreatedPayload,
  attestations: ['threshold'],
  namespaces: ['authority'],
  rule(payload, fact) {
    if (payload.threshold < 1 || payload.threshold > payload.members.length) return `payload.threshold: ${payload.threshold} is not within 1..${payload.members.length}`;
    if (authorityIdOf(payload.groupKey) !== fact.metadata.namespace) return `payload.groupKey: derives another authority than ${fact.metadata.namespace}`;
    return undefined;
  },
});

const signatureIssuedPayload = record({ digest: bytes(32), signers: list(identifier('device'), MAX_MEMBERS), epoch: uint() });

/** Payload of a `signature.issued` fact. */
export type SignatureIssuedPayload = Infer<typeof signatureIssuedPayload>;

/**
 * `signature.issued@1`: the authority signed the message whose digest (`messageDigest` of
 * `sign.ts`) is `digest`, by these signers, in this epoch. The fact is its own proof: its threshold
 * attestation is the group's signature over it (`sign-quorum.ts`).
 */
export const SIGNATURE_ISSUED = defineFactType({
  typeId: 'signature.issued',
  schemaVersion: 1,
  description: 'the authority signed the message with this digest: who signed, in which epoch',
  payload: signatureIssuedPayload,
  attestations: ['threshold'],
  namespaces: ['authority'],
  rule: (payload) => (new Set(payload.signers).size === payload.signers.length && payload.signers.length > 0 ? undefined : 'payload.signers: expected distinct devices, at least one'),
});

/**
 * The fact types an authority's journal holds (register them in a device's registry); the
 * coordination facts too, since a device keeps its operation lock's promises and grants there.
 */
export const AUTHORITY_FACT_TYPES: readonly FactType<unknown>[] = [TREE_OP, AUTHORITY_CREATED, SIGNATURE_ISSUED, DKD_CONTEXT_KEY, ...COORDINATION_FACT_TYPES];

/** The authority whose group public key is `groupKey`. */
export function authorityIdOf(groupKey: Uint8Array): AuthorityId {
  return deriveIdentifier('authority', { groupKey });
}

/** A member of a new authority: its DKG inputs and its Ed25519 device key (its tree leaf). */
export interface AuthorityMember extends DkgMember {
  /** The device's Ed25519 public key (32 bytes), the key of its leaf. */
  readonly signingPublicKey: Uint8Array;
}

/** What the members agree on before creating an authority. */
export interface AuthoritySetup {
  /** The members, in role order. */
  readonly members: readonly AuthorityMember[];
  /** Signers needed (t of n). */
  readonly threshold: number;
  /** A fresh session; the DKG's attempts and the genesis signing sessions derive theirs from it. */
  readonly session: SessionId;
}

/** One device's own inputs: its DKG inputs, and how it verifies and keeps what it gets. */
export interface AuthorityDevice extends DkgDevice {
  /** Signature verification for admitting the genesis facts. */
  readonly crypto: CryptoEffects;
  /** Where the key share goes (not stored when absent: the caller keeps the returned share). */
  readonly keyStore?: UnlockedKeyStore;
}

/** A signing group of an authority: who signs, under which key, in which session. */
export interface SigningGroup {
  /** The authority. */
  readonly authority: AuthorityId;
  /** Its group key and verifying shares. */
  readonly publicKeyPackage: PublicKeyPackage;
  /** The devices that take part, in role order (at least the threshold). */
  readonly signers: readonly DeviceId[];
  /** A session every signer agreed on. */
  readonly session: SessionId;
  /** The authority's current epoch (its tree's): the signing sessions are bound to it. */
  readonly epoch: number;
}

/** One signer's own inputs. */
export interface GroupSigner {
  /** The device. */
  readonly device: DeviceId;
  /** Its share of the group key. */
  readonly keyShare: KeyShare;
  /** Randomness for its nonces. */
  readonly random: RandomEffects;
}

/** A fact with its group signature, and who was excluded on the way. */
export interface AttestedFact {
  /** The threshold-attested fact. */
  readonly record: FactRecord;
  /** Signers named and excluded while signing. */
  readonly excluded: readonly Accusation[];
}

/** What a member holds once the authority exists. */
export interface EstablishedAuthority {
  /** The authority. */
  readonly authority: AuthorityId;
  /** This device's share (also in its key store when one was given). */
  readonly keyShare: KeyShare;
  /** The group key and verifying shares. */
  readonly publicKeyPackage: PublicKeyPackage;
  /** The authority's journal: the genesis facts. */
  readonly journal: Journal;
  /** The genesis facts, in order: the tree operations, then `authority.created`. */
  readonly facts: readonly FactRecord[];
  /** Members named and excluded by the DKG or the genesis signing. */
  readonly excluded: readonly Accusation[];
}

/** An authority's state, read from its journal. */
export interface AuthorityView {
  /** The authority. */
  readonly authority: AuthorityId;
  /** Its group public key. */
  readonly groupKey: Uint8Array;
  /** The devices and guardians of its tree, sorted by id. */
  readonly members: readonly (Leaf & { readonly branch: string })[];
  /** The root policy. */
  readonly policy: Policy;
  /** The tree epoch. */
  readonly epoch: number;
  /** The tree's root commitment. */
  readonly commitment: Uint8Array;
  /** The rebuilt tree. */
  readonly tree: TreeView;
}

/** The randomness every member derives alike from an agreed session, for fact nonces. */
export function agreedRandom(session: SessionId): RandomEffects {
  return new SeededRandom({ key: taggedDigest('aura.protocols.authority.v1.nonce', utf8(session)) });
}

/** The genesis operations: one device leaf per member (in order) under `root`, then root policy t-of-n. */
export function genesisOps(members: readonly Pick<AuthorityMember, 'device' | 'signingPublicKey'>[], threshold: number): TreeOp[] {
  return [
    ...members.map((m): TreeOp => ({ kind: 'addLeaf', leaf: { id: m.device, role: 'device', publicKey: m.signingPublicKey }, branch: ROOT_BRANCH })),
    { kind: 'changePolicy', branch: ROOT_BRANCH, policy: { kind: 'threshold', m: threshold } },
  ];
}

/**
 * The unsigned genesis facts of `authority` (the same bytes at every member of `session`): the
 * tree operations of {@link genesisOps}, each on top of the previous tree, then `authority.created`.
 */
export function genesisDrafts(authority: AuthorityId, groupKey: Uint8Array, members: readonly Pick<AuthorityMember, 'device' | 'signingPublicKey'>[], threshold: number, session: SessionId): FactDraft[] {
  const { drafts, tree } = treeOpChain(authority, GENESIS_TREE, genesisOps(members, threshold), session);
  const payload: AuthorityCreatedPayload = { groupKey, threshold, members: members.map((m) => m.device), genesis: rootCommitment(tree) };
  return [...drafts, { typeId: AUTHORITY_CREATED.typeId, schemaVersion: AUTHORITY_CREATED.schemaVersion, payload, metadata: { namespace: authority } }];
}

/**
 * The `tree.op` drafts of `ops` applied in order from `tree` (each on top of the previous), with
 * nonces from {@link agreedRandom}`(session)`, and the tree they lead to. Error: `tree.invalid-op`.
 */
export function treeOpChain(authority: AuthorityId, tree: TreeState, ops: readonly TreeOp[], session: SessionId): { readonly drafts: FactDraft[]; readonly tree: TreeState } {
  const random = agreedRandom(session);
  let current = tree;
  const drafts: FactDraft[] = [];
  for (const op of ops) {
    drafts.push(treeOpDraft(authority, current, op, random));
    current = applyTreeOp(current, op);
  }
  return { drafts, tree: current };
}

/** The session of the `index`-th fact signed in `session` (by {@link attestFacts}). */
export function factSession(session: SessionId, index: number): SessionId {
  return deriveIdentifier('session', { base: session, fact: index });
}

/**
 * Signs `draft` with the group: runs the signing choreography among `group.signers` over the
 * draft's threshold-attestation transcript and returns the sealed fact. A signer with a bad share
 * is named and the rest retry; errors are those of `runSigningDevice` (`protocols.sign.*`).
 */
export async function attestFact(group: SigningGroup, signer: GroupSigner, draft: FactDraft, transport: Transport, options: RunOptions = {}): Promise<AttestedFact> {
  if (draft.metadata.namespace !== group.authority) {
    throw permanentError('protocols.authority.wrong-namespace', `a fact of ${draft.metadata.namespace} cannot be attested by ${group.authority}`);
  }
  const message = attestationTranscript('threshold', group.authority, unsignedPart(draft));
  const setup = { signers: group.signers, publicKeyPackage: group.publicKeyPackage, session: group.session, epoch: group.epoch };
  const { signature, excluded } = await runSigningDevice(setup, { device: signer.device, keyShare: signer.keyShare, message, random: signer.random }, transport, options);
  return { record: sealFact(draft, thresholdAttestation(group.authority, signature)), excluded };
}

/** Signs each draft with the group, one session per draft (derived from `group.session`), concurrently. */
export async function attestFacts(group: SigningGroup, signer: GroupSigner, drafts: readonly FactDraft[], transport: Transport, options: RunOptions = {}): Promise<AttestedFact[]> {
  return Promise.all(drafts.map((draft, k) => attestFact({ ...group, session: factSession(group.session, k) }, signer, draft, transport, options)));
}

/**
 * Signs a change of the tree: the `tree.op` fact of `op` on top of `tree` (its nonce from
 * {@link agreedRandom}, so every signer builds the same fact). Resharing and recovery change the
 * membership only through this. Errors: `tree.invalid-op` (before any message) when `op` does not
 * apply to `tree`, then those of {@link attestFact}.
 */
export async function attestTreeOp(group: SigningGroup, signer: GroupSigner, tree: TreeState, op: TreeOp, transport: Transport, options: RunOptions = {}): Promise<AttestedFact> {
  const [draft] = treeOpChain(group.authority, tree, [op], group.session).drafts;
  // treeOpChain makes one draft per op.
  return attestFact(group, signer, draft!, transport, options);
}

/**
 * Signs a membership change (issue 9 item 6): `ops` (add or remove leaves, change policies) in
 * order on top of `tree`, then `rotateEpoch`, so finishing the change bumps the epoch and every
 * session of the old epoch is stale. One signing session per fact, bound to `group.epoch` (the
 * epoch before the change). Admit the facts in order with {@link admitAuthorityFacts}. Errors:
 * `tree.invalid-op` (before any message), then those of {@link attestFact}.
 */
export async function attestMembershipChange(group: SigningGroup, signer: GroupSigner, tree: TreeState, ops: readonly TreeOp[], transport: Transport, options: RunOptions = {}): Promise<AttestedFact[]> {
  if (tree.epoch !== group.epoch) throw permanentError('protocols.stale-epoch', `the tree is in epoch ${tree.epoch}, the signing group in epoch ${group.epoch}`, { context: { epoch: group.epoch, treeEpoch: tree.epoch } });
  const { drafts } = treeOpChain(group.authority, tree, [...ops, ROTATE_EPOCH], group.session);
  return attestFacts(group, signer, drafts, transport, options);
}

/** How a journal of `authority` with group key `groupKey` admits facts. */
export function authorityAdmission(journal: Journal, groupKey: Uint8Array, crypto: CryptoEffects): AdmissionContext {
  const view = reduceTree(journal.facts.values());
  return { registry: new FactRegistry(AUTHORITY_FACT_TYPES), crypto, keys: treeSignerKeys(view, journal.namespace as AuthorityId, groupKey) };
}

/**
 * How a replica of `authority`'s journal admits facts as its tree grows (`sync-replica.ts`): the
 * device keys are those of the tree its `tree.op` facts rebuild, so a replica that starts empty
 * admits a device's facts once it holds the operations that made the device a leaf.
 */
export function authorityJournalAdmission(authority: AuthorityId, groupKey: Uint8Array, crypto: CryptoEffects): JournalAdmission {
  return { shapedBy: [TREE_OP.typeId], context: (ops) => authorityAdmission({ namespace: authority, facts: new Map(ops.map((r) => [r.key, r])) }, groupKey, crypto) };
}

/**
 * The journal with an authority's facts admitted in order: tree operations through `admitTreeOp`
 * (which checks each against the tree so far; one already there is skipped), `authority.created`
 * only if the journal lacks one, any other fact through `admit`. Errors: those of admission
 * (`fact.bad-signature`, `tree.*`, …); the journal is unchanged by a throw.
 */
export function admitAuthorityFacts(journal: Journal, facts: readonly FactRecord[], groupKey: Uint8Array, crypto: CryptoEffects): Journal {
  let next = journal;
  for (const record of facts) {
    const context = authorityAdmission(next, groupKey, crypto);
    if (record.fact.typeId === TREE_OP.typeId) next = next.facts.has(record.key) ? next : admitTreeOp(next, record, context);
    else if (record.fact.typeId !== AUTHORITY_CREATED.typeId || findCreated(next) === undefined) next = admit(next, [record], context);
  }
  return next;
}

function findCreated(journal: Journal): AuthorityCreatedPayload | undefined {
  for (const record of journal.facts.values()) if (record.fact.typeId === AUTHORITY_CREATED.typeId) return record.fact.payload as AuthorityCreatedPayload;
  return undefined;
}

/**
 * Creates an authority with the other members: runs the DKG (excluding cheaters), then signs the
 * genesis facts with the new group key among the members that remain, admits them into a new
 * journal, and puts this device's share in its key store. Every honest member ends with the same
 * authority, group key and facts. Errors: those of `runDkgDevice` (`protocols.dkg.*`) and of the
 * signing (`protocols.sign.*`), and of the key store.
 */
export async function establishAuthority(setup: AuthoritySetup, device: AuthorityDevice, transport: Transport, options: RunOptions = {}): Promise<EstablishedAuthority> {
  const dkg = await runDkgDevice(setup, device, transport, options);
  const { publicKeyPackage, keyShare } = dkg.result;
  const members = setup.members.filter((m) => publicKeyPackage.verifyingShares[deviceParticipantId(m.device)] !== undefined);
  const authority = authorityIdOf(publicKeyPackage.groupPublicKey);
  const session = deriveIdentifier('session', { base: setup.session, genesis: authority });
  const drafts = genesisDrafts(authority, publicKeyPackage.groupPublicKey, members, setup.threshold, session);
  const group: SigningGroup = { authority, publicKeyPackage, signers: members.map((m) => m.device), session, epoch: GENESIS_EPOCH };
  const attested = await attestFacts(group, { device: device.device, keyShare, random: device.random }, drafts, transport, options);
  const facts = attested.map((a) => a.record);
  const journal = admitAuthorityFacts(emptyJournal(authority), facts, publicKeyPackage.groupPublicKey, device.crypto);
  if (device.keyStore !== undefined) await storeKeyShare(device.keyStore, authority, keyShare);
  return { authority, keyShare, publicKeyPackage, journal, facts, excluded: [...dkg.excluded, ...attested.flatMap((a) => a.excluded)] };
}

/**
 * The authority's state from its journal: group key (from `authority.created`), members, root
 * policy, epoch and root commitment (from the `tree.op` facts). Error:
 * `protocols.authority.no-genesis` when the journal holds no `authority.created` fact.
 */
export function authorityView(journal: Journal): AuthorityView {
  const created = findCreated(journal);
  if (created === undefined) throw permanentError('protocols.authority.no-genesis', `the journal of ${journal.namespace} holds no authority.created fact`, { context: { namespace: journal.namespace } });
  const tree = reduceTree(journal.facts.values());
  // The root branch exists in every tree (GENESIS_TREE has it and no operation removes it).
  const policy = treePolicy(tree)!;
  return { authority: journal.namespace as AuthorityId, groupKey: created.groupKey, members: treeMembers(tree), policy, epoch: tree.tree.epoch, commitment: tree.commitment, tree };
}
