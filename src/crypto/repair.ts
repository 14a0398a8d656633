/**
 * Share repair: t helpers rebuild a lost participant's share without any of them revealing its
 * own. The repairable threshold scheme of Laing and Stinson ("A survey and refinement of
 * repairable threshold schemes", 2017, section 4), as in frost-rs `keys::repairable`, whose
 * Ed25519 vector (fixtures/repair-share.json) the tests run.
 *
 * With helper set H (at least t participants, not including the lost one, r):
 * 1. {@link repairDeltas}: helper i computes `λ_i(r)·s_i` (Lagrange coefficient of i over H,
 *    evaluated at r), splits it into |H| random summands `δ_ij` and sends `δ_ij` to helper j.
 * 2. {@link repairSigma}: helper j sends r the sum `σ_j = Σ_i δ_ij` of what it received.
 * 3. {@link repairFinish}: r sets `s_r = Σ_j σ_j = Σ_i λ_i(r)·s_i = f(r)` and checks it against
 *    its verifying share in the public key package.
 *
 * Every value a helper or r sees is uniformly random on its own, so no share leaks. The scheme
 * has no commitments, so a wrong result cannot be attributed to one helper: it is reported as
 * `crypto.repair.mismatch`, and the repair is retried with another helper set.
 *
 * @module
 */
import type { RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { blame, collectBySender, outcome, type StepOutcome } from './complaint.ts';
import { decodeScalar, encodeScalar, Fn } from './group.ts';
import { KeyShare, verifyingShareOf, type PublicKeyPackage } from './key-share.ts';
import { participantScalar, participantSet, type ParticipantId } from './participant.ts';
import { lagrangeCoefficient, randomScalar } from './polynomial.ts';

/** Who repairs whose share. */
export interface RepairConfig {
  /** The group. */
  readonly pkg: PublicKeyPackage;
  /** The helpers: at least `pkg.threshold` participants, not including `lost`. */
  readonly helpers: readonly ParticipantId[];
  /** The participant whose share is rebuilt. */
  readonly lost: ParticipantId;
}

/** Step-one message between helpers: one random summand of the sender's weighted share. */
export interface RepairDelta {
  /** The helper that computed it. */
  readonly from: ParticipantId;
  /** The helper it is for. */
  readonly to: ParticipantId;
  /** `δ_from,to`, a 32-byte scalar. Send it encrypted. */
  readonly delta: Uint8Array;
}

/** Step-two message from a helper to the lost participant. */
export interface RepairSigma {
  /** The helper. */
  readonly from: ParticipantId;
  /** `σ_from`, a 32-byte scalar. Send it encrypted. */
  readonly sigma: Uint8Array;
}

function checkConfig(config: RepairConfig): ParticipantId[] {
  const helpers = participantSet(config.helpers);
  if (helpers.length < config.pkg.threshold) throw permanentError('crypto.repair.too-few-helpers', `repair needs at least ${config.pkg.threshold} helpers, got ${helpers.length}`);
  if (helpers.includes(config.lost)) throw permanentError('crypto.repair.lost-is-helper', `${config.lost} cannot help repair its own share`);
  for (const id of helpers) verifyingShareOf(config.pkg, id);
  verifyingShareOf(config.pkg, config.lost);
  return helpers;
}

/** Step one, at a helper: the summands of `λ_i(r)·s_i`, one for each helper (itself included). */
export function repairDeltas(config: RepairConfig, share: KeyShare, random: RandomEffects): readonly RepairDelta[] {
  const helpers = checkConfig(config);
  if (!helpers.includes(share.participant)) throw permanentError('crypto.repair.not-a-helper', `${share.participant} is not one of the helpers`);
  const weighted = Fn.mul(lagrangeCoefficient(helpers.map(participantScalar), participantScalar(share.participant), participantScalar(config.lost)), share.secretScalar());
  const summands = helpers.slice(1).map(() => randomScalar(random));
  const last = Fn.sub(weighted, summands.reduce((a, b) => Fn.add(a, b), 0n));
  return helpers.map((to, j) => ({ from: share.participant, to, delta: encodeScalar(j === 0 ? last : summands[j - 1]!) })); // j - 1 < summands.length
}

/** Step two, at helper `self`: the sum of the deltas addressed to it, for the lost participant. */
export function repairSigma(config: RepairConfig, self: ParticipantId, deltas: readonly RepairDelta[]): StepOutcome<RepairSigma> {
  const helpers = checkConfig(config);
  const { bySender, complaints } = collectBySender(
    helpers,
    deltas.filter((d) => d.to === self),
    (d) => d.from,
    'repair deltas',
  );
  let sigma = 0n;
  for (const [sender, message] of bySender) {
    const value = blame(complaints, sender, 'bad-share', () => decodeScalar(message.delta, `repair delta from ${sender}`));
    if (value !== undefined) sigma = Fn.add(sigma, value);
  }
  return outcome(complaints, () => ({ from: self, sigma: encodeScalar(sigma) }));
}

/**
 * Step three, at the lost participant: its rebuilt share, checked against its verifying share.
 * Errors: `crypto.repair.mismatch` (some helper lied or used a stale share).
 */
export function repairFinish(config: RepairConfig, sigmas: readonly RepairSigma[]): StepOutcome<KeyShare> {
  const helpers = checkConfig(config);
  const { bySender, complaints } = collectBySender(helpers, sigmas, (s) => s.from, 'repair sigmas');
  let share = 0n;
  for (const [sender, message] of bySender) {
    const value = blame(complaints, sender, 'bad-share', () => decodeScalar(message.sigma, `repair sigma from ${sender}`));
    if (value !== undefined) share = Fn.add(share, value);
  }
  return outcome(complaints, () => {
    try {
      return KeyShare.fromSecret(config.lost, encodeScalar(share), config.pkg);
    } catch (error) {
      throw permanentError('crypto.repair.mismatch', `the repaired share of ${config.lost} does not match its verifying share: a helper sent a wrong value`, { cause: error });
    }
  });
}
