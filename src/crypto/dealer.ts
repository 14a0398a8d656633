/**
 * Trusted-dealer key generation, RFC 9591 Appendix C: one party picks the group secret (or is
 * given it, to split an existing key), shares it with a random polynomial of degree `t - 1`, and
 * publishes the Feldman commitments. For tests and bootstrapping only: the dealer knows the key.
 *
 * @module
 */
import type { RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { decodeScalar, encodeScalar } from './group.ts';
import { KeyShare, packageFromCommitments, type PublicKeyPackage } from './key-share.ts';
import { participantScalar, participantSet, type ParticipantId } from './participant.ts';
import { commitPolynomial, evaluatePolynomial, randomPolynomial, randomScalar } from './polynomial.ts';

/** What the dealer is asked to do. */
export interface DealerOptions {
  /** Who receives a share (distinct, nonzero identifiers). */
  readonly participants: readonly ParticipantId[];
  /** How many must sign together (1 <= t <= n). */
  readonly threshold: number;
  /** The group secret to split (32-byte scalar); random when absent. */
  readonly secret?: Uint8Array;
  /** Coefficients `a_1..a_{t-1}` (32-byte scalars), for conformance vectors; random when absent. */
  readonly coefficients?: readonly Uint8Array[];
}

/** The dealer's output: the public package, each participant's share, the Feldman commitments. */
export interface DealerOutput {
  /** Group key and verifying shares. */
  readonly publicKeyPackage: PublicKeyPackage;
  /** One share per participant, in the order of `participants` sorted by value. */
  readonly shares: readonly KeyShare[];
  /** Feldman commitments `a_k·B` (32-byte points); `commitments[0]` is the group key. */
  readonly commitments: readonly Uint8Array[];
}

/** Checks `1 <= threshold <= participants`. Error: `crypto.bad-threshold`. */
export function checkThreshold(threshold: number, participants: number): void {
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > participants) {
    throw permanentError('crypto.bad-threshold', `threshold ${threshold} is not in [1, ${participants}]`, { context: { threshold, participants } });
  }
}

/** Splits a (given or random) secret among `participants`. Errors: identifier, threshold, scalar errors. */
export function trustedDealerKeygen(options: DealerOptions, random: RandomEffects): DealerOutput {
  const participants = participantSet(options.participants);
  checkThreshold(options.threshold, participants.length);
  const secret = options.secret === undefined ? randomScalar(random) : decodeScalar(options.secret, 'group secret');
  if (options.coefficients !== undefined && options.coefficients.length !== options.threshold - 1) {
    throw permanentError('crypto.dealer.bad-coefficients', `a threshold of ${options.threshold} needs ${options.threshold - 1} coefficients, got ${options.coefficients.length}`);
  }
  const coefficients = options.coefficients === undefined ? randomPolynomial(secret, options.threshold, random) : [secret, ...options.coefficients.map((c) => decodeScalar(c, 'coefficient'))];
  const commitments = commitPolynomial(coefficients);
  const publicKeyPackage = packageFromCommitments(options.threshold, participants, commitments);
  const shares = participants.map((id) => KeyShare.fromSecret(id, encodeScalar(evaluatePolynomial(coefficients, participantScalar(id))), publicKeyPackage));
  return { publicKeyPackage, shares, commitments: commitments.map((c) => c.toBytes()) };
}
