/**
 * Resharing and proactive refresh of a FROST group key: verifiable secret redistribution
 * (Desmedt and Jajodia, 1997; Wong, Wang and Wing, "Verifiable secret redistribution", 2002),
 * with Feldman commitments so that every sub-share is checked and a bad one attributed.
 *
 * From (t, n) over one set to (t', n') over another, the same or overlapping:
 * 1. {@link reshareDeal}: each of exactly t old participants `i` (the dealers, set D) shares
 *    `λ_i·s_i` (its Lagrange-weighted share, λ over D at 0) with a fresh polynomial `g_i` of
 *    degree `t' - 1`. It broadcasts Feldman commitments `G_i = [g_i0·B … ]` and sends each new
 *    participant `j` the sub-share `g_i(j)` privately.
 * 2. {@link reshareReceive}: each new participant checks `G_i0 == λ_i·Y_i` (the dealer really
 *    shares its old share: `Y_i` is its verifying share in the old package) and
 *    `g_i(j)·B == Σ_k j^k·G_ik`; a failure is a complaint naming the dealer. Then
 *    `s'_j = Σ_i g_i(j)`, and the new package comes from `Σ_i G_i`, whose constant term is
 *    `Σ_i λ_i·Y_i`: the old group key, unchanged.
 *
 * Proactive refresh is the same step onto the same set and threshold ({@link refreshConfig}):
 * the key stays, every share changes, and old shares no longer combine with new ones (they lie on
 * different polynomials).
 *
 * @module
 */
import { bytesEqual } from '../core/bytes.ts';
import type { RandomEffects } from '../core/effects.ts';
import { permanentError, systemError } from '../core/errors.ts';
import { blame, collectBySender, outcome, type StepOutcome } from './complaint.ts';
import { checkThreshold } from './dealer.ts';
import { decodeCommitments, sumCommitments, type DkgResult } from './dkg.ts';
import { decodePoint, decodeScalar, encodePoint, encodeScalar, Fn } from './group.ts';
import { KeyShare, packageFromCommitments, packageParticipants, verifyingShareOf, type PublicKeyPackage } from './key-share.ts';
import { participantScalar, participantSet, type ParticipantId } from './participant.ts';
import { commitPolynomial, evaluatePolynomial, lagrangeCoefficient, randomPolynomial, shareMatchesCommitment } from './polynomial.ts';

/** What a resharing does; every party runs with the same config. */
export interface ReshareConfig {
  /** The current group. */
  readonly old: PublicKeyPackage;
  /** The old participants who deal: exactly `old.threshold` of them. */
  readonly dealers: readonly ParticipantId[];
  /** The new participants. */
  readonly recipients: readonly ParticipantId[];
  /** The new threshold t' (1 <= t' <= n'). */
  readonly threshold: number;
}

/** A dealer's broadcast: Feldman commitments to its resharing polynomial (t' points). */
export interface ReshareDealing {
  /** The dealer. */
  readonly from: ParticipantId;
  /** `g_k·B` for each coefficient (32-byte points). */
  readonly commitments: readonly Uint8Array[];
}

/** A dealer's private message to one new participant. */
export interface ReshareSubShare {
  /** The dealer. */
  readonly from: ParticipantId;
  /** The new participant. */
  readonly to: ParticipantId;
  /** `g_from(to)`, a 32-byte scalar. Send it encrypted (see `hpke.ts`). */
  readonly share: Uint8Array;
}

/** The config of a proactive refresh of `pkg` by `dealers` (any t of its participants). */
export function refreshConfig(pkg: PublicKeyPackage, dealers: readonly ParticipantId[]): ReshareConfig {
  return { old: pkg, dealers, recipients: packageParticipants(pkg), threshold: pkg.threshold };
}

function checkConfig(config: ReshareConfig): { dealers: ParticipantId[]; recipients: ParticipantId[] } {
  const dealers = participantSet(config.dealers);
  const recipients = participantSet(config.recipients);
  if (dealers.length !== config.old.threshold) {
    throw permanentError('crypto.reshare.bad-dealers', `resharing needs exactly ${config.old.threshold} dealers (the old threshold), got ${dealers.length}`);
  }
  for (const id of dealers) verifyingShareOf(config.old, id);
  checkThreshold(config.threshold, recipients.length);
  return { dealers, recipients };
}

/** The Lagrange weight of `dealer` among `dealers`. */
function weight(dealers: readonly ParticipantId[], dealer: ParticipantId): bigint {
  return lagrangeCoefficient(dealers.map(participantScalar), participantScalar(dealer));
}

/**
 * A dealer's step: commitments to broadcast and one sub-share per new participant. The old share
 * is only read; dispose of it once the resharing has completed.
 * Errors: `crypto.reshare.not-a-dealer`, `crypto.reshare.wrong-group`, config errors.
 */
export function reshareDeal(config: ReshareConfig, share: KeyShare, random: RandomEffects): { readonly broadcast: ReshareDealing; readonly send: readonly ReshareSubShare[] } {
  const { dealers, recipients } = checkConfig(config);
  if (!dealers.includes(share.participant)) throw permanentError('crypto.reshare.not-a-dealer', `${share.participant} is not one of the dealers`);
  if (!bytesEqual(share.groupPublicKey, config.old.groupPublicKey)) throw permanentError('crypto.reshare.wrong-group', `the share of ${share.participant} belongs to another group key`);
  const polynomial = randomPolynomial(Fn.mul(weight(dealers, share.participant), share.secretScalar()), config.threshold, random);
  const broadcast: ReshareDealing = { from: share.participant, commitments: commitPolynomial(polynomial).map(encodePoint) };
  const send = recipients.map((to) => ({ from: share.participant, to, share: encodeScalar(evaluatePolynomial(polynomial, participantScalar(to))) }));
  return { broadcast, send };
}

/**
 * A new participant's step: check every dealing and sub-share, then build the new key share and
 * package. A dealing that does not commit to the dealer's weighted old share, or a sub-share that
 * does not match its dealing, is a complaint naming the dealer.
 */
export function reshareReceive(config: ReshareConfig, self: ParticipantId, dealings: readonly ReshareDealing[], subShares: readonly ReshareSubShare[]): StepOutcome<DkgResult> {
  const { dealers, recipients } = checkConfig(config);
  if (!recipients.includes(self)) throw permanentError('crypto.reshare.not-a-recipient', `${self} is not one of the new participants`);
  const round1 = collectBySender(dealers, dealings, (d) => d.from, 'reshare dealings');
  const round2 = collectBySender(
    dealers,
    subShares.filter((s) => s.to === self),
    (s) => s.from,
    'reshare sub-shares',
  );
  const complaints = [...round1.complaints, ...round2.complaints];
  const commitments = new Map<ParticipantId, ReturnType<typeof decodeCommitments>>();
  for (const [dealer, dealing] of round1.bySender) {
    const points = blame(complaints, dealer, 'bad-commitment', () => decodeCommitments(dealing.commitments, config.threshold, dealer));
    if (points === undefined) continue;
    const expected = decodePoint(verifyingShareOf(config.old, dealer), `old verifying share of ${dealer}`).multiplyUnsafe(weight(dealers, dealer));
    if (!points[0]!.equals(expected)) { // t' >= 1 points
      complaints.push({ accused: dealer, reason: 'bad-commitment', detail: `${dealer}'s dealing does not commit to its weighted old share` });
      continue;
    }
    commitments.set(dealer, points);
  }
  let total = 0n;
  for (const [dealer, subShare] of round2.bySender) {
    const points = commitments.get(dealer);
    if (points === undefined) continue; // already accused over its dealing
    const value = blame(complaints, dealer, 'bad-share', () => decodeScalar(subShare.share, `sub-share from ${dealer}`));
    if (value === undefined) continue;
    if (!shareMatchesCommitment(value, points, participantScalar(self))) {
      complaints.push({ accused: dealer, reason: 'bad-share', detail: `the sub-share ${dealer} sent to ${self} does not match its dealing`, evidence: subShare.share });
      continue;
    }
    total = Fn.add(total, value);
  }
  return outcome(complaints, () => {
    const publicKeyPackage = packageFromCommitments(config.threshold, recipients, sumCommitments([...commitments.values()], config.threshold));
    if (!bytesEqual(publicKeyPackage.groupPublicKey, config.old.groupPublicKey)) {
      // Each dealing committed to λ_i·Y_i, and Σ λ_i·Y_i is the old key when the old package is
      // consistent; reaching here means the old package itself was not.
      throw systemError('crypto.reshare.key-changed', 'resharing produced a different group key: the old key package is inconsistent');
    }
    return { keyShare: KeyShare.fromSecret(self, encodeScalar(total), publicKeyPackage), publicKeyPackage };
  });
}
