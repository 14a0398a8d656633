/**
 * Pedersen distributed key generation with Feldman commitments and Schnorr proofs of knowledge:
 * the DKG of the FROST paper (Komlo and Goldberg, 2020, Figure 1), byte-compatible with frost-rs
 * (`frost_core::keys::dkg`) and its Ed25519 vectors. No party ever knows the group secret.
 *
 * Each participant `i` with secret polynomial `f_i` of degree `t - 1`:
 * 1. {@link dkgRound1}: broadcasts `C_i = [a_i0·B … a_i(t-1)·B]` and a proof of knowledge of
 *    `a_i0`: `R = k·B`, `c = HDKG(SerializeScalar(i) ‖ C_i0 ‖ R)`, `μ = k + a_i0·c`, proof `R ‖ μ`.
 * 2. {@link dkgRound2}: checks every other participant's commitments and proof (a failure is a
 *    complaint naming them) and sends each `j` the share `f_i(j)` privately.
 * 3. {@link dkgFinish}: checks each received share against its sender's commitments
 *    (`f_j(i)·B == Σ_k i^k·C_jk`; a failure is a complaint carrying the share as evidence, which
 *    anyone can re-check with {@link shareComplaintIsJustified}), then sets
 *    `s_i = Σ_j f_j(i)`, group key `Σ_j C_j0`, and every verifying share from `Σ_j C_j`.
 *
 * Each step is a function of (state, received messages) to (next state, messages to send); the
 * states own the secret polynomial and share as linear resources, so a state cannot be replayed.
 *
 * @module
 */
import { concat } from '../core/bytes.ts';
import type { RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { blame, collectBySender, outcome, type Complaint, type StepOutcome } from './complaint.ts';
import { checkThreshold } from './dealer.ts';
import { baseMul, decodePoint, decodeScalar, encodePoint, encodeScalar, Fn, hdkg, Point } from './group.ts';
import { KeyShare, packageFromCommitments, type PublicKeyPackage } from './key-share.ts';
import { participantScalar, participantSet, parseParticipantId, type ParticipantId } from './participant.ts';
import { commitPolynomial, evaluatePolynomial, randomPolynomial, randomScalar, shareMatchesCommitment } from './polynomial.ts';
import { SecretCell } from './secret-cell.ts';

/** Who takes part and with what threshold. Every participant runs with the same set. */
export interface DkgConfig {
  /** This participant. */
  readonly self: ParticipantId;
  /** Everyone, including `self`. */
  readonly participants: readonly ParticipantId[];
  /** Signers needed afterwards (1 <= t <= n). */
  readonly threshold: number;
}

/** Round-one broadcast. */
export interface DkgRound1Message {
  /** The sender. */
  readonly from: ParticipantId;
  /** Feldman commitments to the sender's coefficients (t points of 32 bytes). */
  readonly commitments: readonly Uint8Array[];
  /** Proof of knowledge of the constant term: `R (32) ‖ μ (32)`. */
  readonly proof: Uint8Array;
}

/** Round-two private message: the sender's polynomial evaluated at the recipient. */
export interface DkgRound2Message {
  /** The sender. */
  readonly from: ParticipantId;
  /** The recipient. */
  readonly to: ParticipantId;
  /** `f_from(to)`, a 32-byte scalar. Send it encrypted (see `hpke.ts`). */
  readonly share: Uint8Array;
}

/** State after round one: the secret polynomial. */
export interface DkgRound1State {
  /** The checked configuration (participants sorted). */
  readonly config: DkgConfig;
  /** The coefficients `a_0..a_{t-1}`, 32 bytes each, concatenated. */
  readonly polynomial: SecretCell;
  /** This participant's own broadcast. */
  readonly broadcast: DkgRound1Message;
}

/** State after round two: everyone's checked commitments and this participant's own share. */
export interface DkgRound2State {
  /** The checked configuration (participants sorted). */
  readonly config: DkgConfig;
  /** `f_self(self)`. */
  readonly ownShare: SecretCell;
  /** Every participant's decoded commitments, including this one's. */
  readonly commitments: ReadonlyMap<ParticipantId, readonly Point[]>;
}

/** What the DKG gives each participant. */
export interface DkgResult {
  /** This participant's share of the group key. */
  readonly keyShare: KeyShare;
  /** The group key and every verifying share, the same for everyone. */
  readonly publicKeyPackage: PublicKeyPackage;
}

/** Options for {@link dkgRound1}. */
export interface DkgRound1Options {
  /** The secret polynomial's coefficients (t scalars of 32 bytes), for conformance vectors only. */
  readonly coefficients?: readonly Uint8Array[];
}

function checkConfig(config: DkgConfig): DkgConfig {
  const participants = participantSet(config.participants);
  parseParticipantId(config.self);
  if (!participants.includes(config.self)) throw permanentError('crypto.dkg.self-not-participant', `${config.self} is not among the DKG participants`);
  checkThreshold(config.threshold, participants.length);
  return { ...config, participants };
}

function proofChallenge(id: ParticipantId, constant: Uint8Array, R: Uint8Array): bigint {
  return hdkg(concat(encodeScalar(participantScalar(id)), constant, R));
}

/** The Schnorr proof that `id` knows the discrete log of `commitments[0]`. */
function proveKnowledge(id: ParticipantId, secret: bigint, constant: Uint8Array, random: RandomEffects): Uint8Array {
  const k = randomScalar(random);
  const R = encodePoint(baseMul(k));
  return concat(R, encodeScalar(Fn.add(k, Fn.mul(secret, proofChallenge(id, constant, R)))));
}

/** Checks a proof of knowledge: `true`, or a typed error when it is malformed or false. */
function verifyKnowledge(id: ParticipantId, constant: Point, proof: Uint8Array): true {
  if (proof.length !== 64) throw permanentError('crypto.dkg.bad-proof', `proof of knowledge of ${id} must be 64 bytes, got ${proof.length}`);
  const R = decodePoint(proof.subarray(0, 32), `proof commitment of ${id}`);
  const mu = decodeScalar(proof.subarray(32), `proof response of ${id}`);
  const c = proofChallenge(id, encodePoint(constant), proof.subarray(0, 32));
  if (!Point.BASE.multiplyUnsafe(mu).equals(R.add(constant.multiplyUnsafe(c)))) throw permanentError('crypto.dkg.bad-proof', `proof of knowledge of ${id} does not verify`);
  return true;
}

/** Decodes a commitment vector of exactly `threshold` prime-order points; typed errors otherwise. */
export function decodeCommitments(commitments: readonly Uint8Array[], threshold: number, owner: ParticipantId): Point[] {
  if (commitments.length !== threshold) throw permanentError('crypto.commitment.bad-count', `${owner} sent ${commitments.length} commitments, the threshold needs ${threshold}`);
  return commitments.map((c, k) => decodePoint(c, `commitment ${k} of ${owner}`));
}

/** Round one: pick the secret polynomial, commit to it, prove knowledge of its constant term. */
export function dkgRound1(config: DkgConfig, random: RandomEffects, options: DkgRound1Options = {}): { readonly state: DkgRound1State; readonly broadcast: DkgRound1Message } {
  const checked = checkConfig(config);
  const coefficients = options.coefficients === undefined ? randomPolynomial(randomScalar(random), checked.threshold, random) : options.coefficients.map((c) => decodeScalar(c, 'coefficient'));
  if (coefficients.length !== checked.threshold) throw permanentError('crypto.dkg.bad-coefficients', `a threshold of ${checked.threshold} needs ${checked.threshold} coefficients, got ${coefficients.length}`);
  const commitments = commitPolynomial(coefficients).map(encodePoint);
  const broadcast: DkgRound1Message = { from: checked.self, commitments, proof: proveKnowledge(checked.self, coefficients[0]!, commitments[0]!, random) }; // t >= 1
  const polynomial = new SecretCell(concat(...coefficients.map(encodeScalar)), `DKG polynomial of ${checked.self}`);
  return { state: { config: checked, polynomial, broadcast }, broadcast };
}

function coefficientsOf(cell: SecretCell): bigint[] {
  const bytes = cell.read();
  const coefficients: bigint[] = [];
  for (let offset = 0; offset < bytes.length; offset += 32) coefficients.push(decodeScalar(bytes.subarray(offset, offset + 32)));
  return coefficients;
}

/**
 * Round two: check the others' broadcasts (commitment count and points, proof of knowledge) and
 * compute the share for each. Uses up the round-one state. With any complaint, nothing is sent.
 */
export function dkgRound2(state: DkgRound1State, received: readonly DkgRound1Message[]): StepOutcome<{ readonly state: DkgRound2State; readonly send: readonly DkgRound2Message[] }> {
  const { config } = state;
  const others = config.participants.filter((id) => id !== config.self);
  const { bySender, complaints } = collectBySender(others, received.filter((m) => m.from !== config.self), (m) => m.from, 'DKG round 1');
  const commitments = new Map<ParticipantId, readonly Point[]>([[config.self, decodeCommitments(state.broadcast.commitments, config.threshold, config.self)]]);
  for (const [sender, message] of bySender) {
    const points = blame(complaints, sender, 'bad-commitment', () => decodeCommitments(message.commitments, config.threshold, sender));
    if (points === undefined) continue;
    if (blame(complaints, sender, 'bad-proof', () => verifyKnowledge(sender, points[0]!, message.proof)) === undefined) continue; // t >= 1 points
    commitments.set(sender, points);
  }
  const coefficients = coefficientsOf(state.polynomial);
  state.polynomial.dispose();
  return outcome(complaints, () => ({
    state: { config, commitments, ownShare: new SecretCell(encodeScalar(evaluatePolynomial(coefficients, participantScalar(config.self))), `DKG share of ${config.self}`) },
    send: others.map((to) => ({ from: config.self, to, share: encodeScalar(evaluatePolynomial(coefficients, participantScalar(to))) })),
  }));
}

/**
 * Round three (local): check every received share against its sender's commitments and build
 * the key share and public key package. Uses up the round-two state.
 */
export function dkgFinish(state: DkgRound2State, received: readonly DkgRound2Message[]): StepOutcome<DkgResult> {
  const { config } = state;
  const others = config.participants.filter((id) => id !== config.self);
  const addressed = received.filter((m) => m.to === config.self);
  const { bySender, complaints } = collectBySender(others, addressed, (m) => m.from, 'DKG round 2');
  const self = participantScalar(config.self);
  let total = decodeScalar(state.ownShare.read());
  state.ownShare.dispose();
  for (const [sender, message] of bySender) {
    const value = blame(complaints, sender, 'bad-share', () => decodeScalar(message.share, `share from ${sender}`));
    if (value === undefined) continue;
    if (!shareMatchesCommitment(value, state.commitments.get(sender)!, self)) { // every sender's commitments were checked in round two
      complaints.push({ accused: sender, reason: 'bad-share', detail: `the share ${sender} sent to ${config.self} does not match ${sender}'s commitments`, evidence: message.share });
      continue;
    }
    total = Fn.add(total, value);
  }
  return outcome(complaints, () => {
    const summed = sumCommitments([...state.commitments.values()], config.threshold);
    const publicKeyPackage = packageFromCommitments(config.threshold, config.participants, summed);
    return { keyShare: KeyShare.fromSecret(config.self, encodeScalar(total), publicKeyPackage), publicKeyPackage };
  });
}

/** `Σ_j C_j`, coefficient by coefficient. */
export function sumCommitments(vectors: readonly (readonly Point[])[], length: number): Point[] {
  return Array.from({ length }, (_, k) => vectors.reduce((sum, vector) => sum.add(vector[k]!), Point.ZERO)); // every vector has `length` points
}

/**
 * Whether a `bad-share` complaint by `complainer` against the sender of `round1` holds: the
 * revealed share does not match the sender's broadcast commitments at the complainer's identifier.
 * Anyone holding the broadcasts can run it, so a false accusation is itself exposed. Works for
 * DKG broadcasts and resharing dealings alike.
 */
export function shareComplaintIsJustified(round1: Pick<DkgRound1Message, 'from' | 'commitments'>, complainer: ParticipantId, complaint: Complaint, threshold: number): boolean {
  if (complaint.reason !== 'bad-share' || complaint.evidence === undefined || complaint.accused !== round1.from) return false;
  try {
    const commitments = decodeCommitments(round1.commitments, threshold, round1.from);
    return !shareMatchesCommitment(decodeScalar(complaint.evidence), commitments, participantScalar(complainer));
  } catch {
    return true; // a malformed share is the sender's fault
  }
}
