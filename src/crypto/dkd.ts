/**
 * Deterministic key derivation (DKD): context-scoped keys for an authority. The devices of an
 * authority first agree on a secret root by commit-reveal, so that no participant (not even the
 * last to reveal) can bias it; then any device derives the key of any context locally with a
 * BLAKE3 KDF. Same root, authority and context give the same key on every device; different
 * contexts give keys that cannot be linked without the root (BLAKE3 as a PRF).
 *
 * Byte formats (BLAKE3 in its keyed and derive-key modes, `core/hash.ts`; `lp(x) = u32be(len(x)) ‖ x`):
 * - session:      `S = groupPublicKey (32) ‖ label` (the label's bytes, UTF-8 when it is text; the
 *   group key's fixed length keeps the split unambiguous)
 * - session keys: `K_commit (32) ‖ B_root (32) = BLAKE3-derive-key("aura.dkd.v3.session", S)`, 64 bytes
 * - commitment:   `BLAKE3-keyed(K_commit, SerializeScalar(id) ‖ contribution (32))`: one 64-byte block
 * - root:         `BLAKE3-derive-key("aura.dkd.v3.root", B_root ‖ ‖_{i sorted by id} contribution_i)`,
 *   output `length` bytes (default 32; a longer root extends a shorter one)
 * - context key:  `BLAKE3-derive-key("aura.dkd.v1.context-key", root (32) ‖ groupPublicKey (32) ‖
 *   lp(context))`, output `length` bytes (default 32; a longer key extends a shorter one).
 *
 * The session's two values are derived once per run, so that a commitment is exactly one BLAKE3
 * compression, and they tie commitments and the root to the run; a label of at most 32 bytes (a
 * digest) keeps that derivation to one compression too. The root takes the contributions alone,
 * in identifier order: each is tied to its sender by the commitment it was checked against
 * (three participants: two compressions). A run whose label already names one context (the DKD
 * protocol's label is its request's digest) can use the root as that context's key.
 *
 * @module
 */
import { bytesEqual, lengthPrefixed, utf8 } from '../core/bytes.ts';
import type { RandomEffects, SigningKeyPair } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { KeyDeriver, KeyedHasher } from '../core/hash.ts';
import { collectBySender, outcome, type Complaint, type StepOutcome } from './complaint.ts';
import { decodePoint } from './group.ts';
import { participantIdBytes, participantSet, parseParticipantId, type ParticipantId } from './participant.ts';
import { SecretCell } from './secret-cell.ts';
import { ed25519PublicKey } from './signature.ts';

/** BLAKE3 derive-key context strings of DKD, one per use. */
export const DKD_TAGS = { session: 'aura.dkd.v3.session', root: 'aura.dkd.v3.root', contextKey: 'aura.dkd.v1.context-key' } as const;

const SESSION_KEYS = KeyDeriver.of(DKD_TAGS.session);
const ROOTS = KeyDeriver.of(DKD_TAGS.root);
const CONTEXT_KEYS = KeyDeriver.of(DKD_TAGS.contextKey);
const CONTRIBUTION_LENGTH = 32;

/** One commit-reveal run; every participant uses the same session. */
export interface DkdSession {
  /** The authority's group public key (32 bytes). */
  readonly groupPublicKey: Uint8Array;
  /** What this root is for: text (e.g. `"root"`) or bytes (e.g. the digest of a request). */
  readonly label: string | Uint8Array;
  /** Everyone contributing, including `self`. */
  readonly participants: readonly ParticipantId[];
  /** This participant. */
  readonly self: ParticipantId;
}

/** Round-one broadcast: a binding commitment to a secret contribution. */
export interface DkdCommitment {
  /** The sender. */
  readonly from: ParticipantId;
  /** 32-byte commitment. */
  readonly commitment: Uint8Array;
}

/** Round-two message: the contribution, sent only once all commitments are in. */
export interface DkdReveal {
  /** The sender. */
  readonly from: ParticipantId;
  /** 32 random bytes. */
  readonly contribution: Uint8Array;
}

/** A run's commitment digest, the value its root starts from, and its participants' identifiers as bytes. */
export interface DkdHashers {
  /** `BLAKE3-keyed(K_commit, …)`. */
  readonly commit: KeyedHasher;
  /** `B_root`, the first 32 bytes of the root's input. */
  readonly rootBinding: Uint8Array;
  /** `SerializeScalar(id)` of each participant, decoded once per run. */
  readonly ids: ReadonlyMap<ParticipantId, Uint8Array>;
}

/** State between commit and reveal. */
export interface DkdCommitState {
  /** The run this state belongs to. */
  readonly session: DkdSession;
  /** The run's digests. */
  readonly hashers: DkdHashers;
  /** This participant's contribution, kept until revealed. */
  readonly contribution: SecretCell;
}

/** State between reveal and combine: everyone's commitments. */
export interface DkdRevealState {
  /** The run this state belongs to. */
  readonly session: DkdSession;
  /** The run's digests. */
  readonly hashers: DkdHashers;
  /** Each participant's commitment. */
  readonly commitments: ReadonlyMap<ParticipantId, Uint8Array>;
  /**
   * This participant's own contribution, revealed (no longer secret): its reveal is checked by
   * comparing bytes, since this participant made the commitment from it.
   */
  readonly own: Uint8Array;
}

function sessionHashers(session: DkdSession): DkdHashers {
  const label = typeof session.label === 'string' ? utf8(session.label) : session.label;
  const keys = SESSION_KEYS.derive(64, session.groupPublicKey, label);
  const ids = new Map(session.participants.map((id) => [id, participantIdBytes(id)]));
  return { commit: KeyedHasher.of(keys.subarray(0, 32)), rootBinding: keys.subarray(32), ids };
}

/** `SerializeScalar(id)` of a participant of the run. */
function idBytes(hashers: DkdHashers, id: ParticipantId): Uint8Array {
  return hashers.ids.get(id)!; // every caller passes a participant of the run (checkSession, collectBySender)
}

function commitmentOf(hashers: DkdHashers, id: ParticipantId, contribution: Uint8Array): Uint8Array {
  return hashers.commit.digest(idBytes(hashers, id), contribution);
}

function checkSession(session: DkdSession): DkdSession {
  decodePoint(session.groupPublicKey, 'group public key');
  const participants = participantSet(session.participants);
  parseParticipantId(session.self);
  if (!participants.includes(session.self)) throw permanentError('crypto.dkd.self-not-participant', `${session.self} is not among the DKD participants`);
  return { ...session, participants };
}

/** Round one: draw a contribution and broadcast only its commitment. */
export function dkdCommit(session: DkdSession, random: RandomEffects): { readonly state: DkdCommitState; readonly broadcast: DkdCommitment } {
  const checked = checkSession(session);
  const hashers = sessionHashers(checked);
  const contribution = random.randomBytes(CONTRIBUTION_LENGTH);
  const broadcast = { from: checked.self, commitment: commitmentOf(hashers, checked.self, contribution) };
  return { state: { session: checked, hashers, contribution: new SecretCell(contribution, `DKD contribution of ${checked.self}`) }, broadcast };
}

/**
 * Round two: once every participant's commitment is in (own included), reveal the contribution.
 * Uses up the commit state. A missing or repeated commitment is a complaint and nothing is revealed.
 */
export function dkdReveal(state: DkdCommitState, commitments: readonly DkdCommitment[]): StepOutcome<{ readonly state: DkdRevealState; readonly reveal: DkdReveal }> {
  const { session, hashers } = state;
  const { bySender, complaints } = collectBySender(session.participants, commitments, (c) => c.from, 'DKD commitments');
  const contribution = state.contribution.read().slice();
  state.contribution.dispose();
  return outcome(complaints, () => ({
    state: { session, hashers, commitments: new Map([...bySender].map(([id, c]) => [id, c.commitment])), own: contribution },
    reveal: { from: session.self, contribution },
  }));
}

/**
 * Round three (local): check every reveal against its commitment and combine them into the
 * secret root, `length` bytes (default 32; a longer root extends a shorter one). A reveal that
 * does not match is a `bad-reveal` complaint. Errors: `crypto.dkd.bad-length`.
 */
export function dkdCombine(state: DkdRevealState, reveals: readonly DkdReveal[], length = 32): StepOutcome<Uint8Array> {
  checkLength(length);
  const { session, hashers } = state;
  const { bySender, complaints } = collectBySender(session.participants, reveals, (r) => r.from, 'DKD reveals');
  const checked: Complaint[] = [...complaints];
  for (const [id, reveal] of bySender) {
    if (!matchesCommitment(state, id, reveal.contribution)) {
      checked.push({ accused: id, reason: 'bad-reveal', detail: `${id}'s revealed contribution does not match its commitment`, evidence: reveal.contribution });
    }
  }
  return outcome(checked, () => ROOTS.derive(length, rootInput(hashers.rootBinding, session.participants, bySender)));
}

/** `B_root ‖ ‖_{i sorted by id} contribution_i`, joined here: one input rather than n + 1 parts. */
function rootInput(binding: Uint8Array, participants: readonly ParticipantId[], reveals: ReadonlyMap<ParticipantId, DkdReveal>): Uint8Array {
  const input = new Uint8Array(binding.length + participants.length * CONTRIBUTION_LENGTH);
  input.set(binding);
  participants.forEach((id, k) => {
    input.set(reveals.get(id)!.contribution, binding.length + k * CONTRIBUTION_LENGTH); // called without complaints: every participant revealed 32 bytes
  });
  return input;
}

/** True when `contribution` is the one `id` committed to in `state`'s run. */
function matchesCommitment(state: DkdRevealState, id: ParticipantId, contribution: Uint8Array): boolean {
  if (contribution.length !== CONTRIBUTION_LENGTH) return false;
  if (id === state.session.self) return bytesEqual(contribution, state.own);
  return bytesEqual(commitmentOf(state.hashers, id, contribution), state.commitments.get(id)!); // every participant committed (round two)
}

/**
 * The key of `context` for the authority with `groupPublicKey`, from the secret DKD `root`.
 * Errors: `crypto.dkd.bad-root` (not 32 bytes), `crypto.dkd.bad-length`.
 */
export function deriveContextKey(root: Uint8Array, groupPublicKey: Uint8Array, context: Uint8Array | string, length = 32): Uint8Array {
  if (root.length !== 32) throw permanentError('crypto.dkd.bad-root', `a DKD root has 32 bytes, got ${root.length}`);
  checkLength(length);
  const contextBytes = typeof context === 'string' ? utf8(context) : context;
  return CONTEXT_KEYS.derive(length, root, groupPublicKey, lengthPrefixed(contextBytes));
}

/** A root or context key has 16 to 1024 bytes (`crypto.dkd.bad-length` otherwise). */
function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < 16 || length > 1024) throw permanentError('crypto.dkd.bad-length', `a DKD root or key has 16 to 1024 bytes, got ${length}`);
}

/** An Ed25519 key pair for `context`: the context key used as the RFC 8032 secret seed. */
export function deriveContextSigningKey(root: Uint8Array, groupPublicKey: Uint8Array, context: Uint8Array | string): SigningKeyPair {
  const secretKey = deriveContextKey(root, groupPublicKey, context);
  return { secretKey, publicKey: ed25519PublicKey(secretKey) };
}
