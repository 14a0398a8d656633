/**
 * Shamir secret sharing over the Ed25519 scalar field with Feldman commitments (RFC 9591
 * Appendix C; Feldman, "A practical scheme for non-interactive verifiable secret sharing", 1987):
 * polynomial evaluation, Lagrange coefficients, coefficient commitments `C_k = a_k·B`, and the
 * check that a share `f(x)` matches them: `f(x)·B == Σ_k x^k·C_k`.
 *
 * @module
 */
import { bytesToNumberLE } from '@noble/curves/utils.js';
import type { RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { baseMul, Fn, multiScalarMul, type Point } from './group.ts';

/** A uniformly random nonzero scalar: 64 random bytes reduced mod L (bias below 2^-250). */
export function randomScalar(random: RandomEffects): bigint {
  for (;;) {
    const scalar = Fn.create(bytesToNumberLE(random.randomBytes(64)));
    if (scalar !== 0n) return scalar;
  }
}

/** A polynomial of degree `threshold - 1` with constant term `secret` and random other coefficients. */
export function randomPolynomial(secret: bigint, threshold: number, random: RandomEffects): bigint[] {
  const coefficients = [secret];
  for (let k = 1; k < threshold; k++) coefficients.push(randomScalar(random));
  return coefficients;
}

/** `f(x) = Σ_k a_k·x^k` by Horner's rule. */
export function evaluatePolynomial(coefficients: readonly bigint[], x: bigint): bigint {
  let result = 0n;
  for (let k = coefficients.length - 1; k >= 0; k--) result = Fn.add(Fn.mul(result, x), coefficients[k]!); // k < length
  return result;
}

/** The Feldman commitments `a_k·B` to every coefficient. */
export function commitPolynomial(coefficients: readonly bigint[]): Point[] {
  return coefficients.map(baseMul);
}

/** `Σ_k x^k·C_k`: the public image `f(x)·B` of the committed polynomial at `x`. */
export function evaluateCommitment(commitments: readonly Point[], x: bigint): Point {
  const powers: bigint[] = [];
  let power = 1n;
  for (let k = 0; k < commitments.length; k++) {
    powers.push(power);
    power = Fn.mul(power, x);
  }
  return multiScalarMul([...commitments], powers);
}

/** True when `share·B` equals the committed polynomial's value at `x`. */
export function shareMatchesCommitment(share: bigint, commitments: readonly Point[], x: bigint): boolean {
  return baseMul(share).equals(evaluateCommitment(commitments, x));
}

/**
 * The Lagrange coefficient of `xi` over the set `xs`, evaluated at `at` (0 for the secret):
 * `Π_{j≠i} (at - x_j) / (x_i - x_j)`. `xi` must be in `xs`; values must be distinct.
 * Error: `crypto.lagrange.bad-set`.
 */
export function lagrangeCoefficient(xs: readonly bigint[], xi: bigint, at = 0n): bigint {
  if (!xs.includes(xi) || new Set(xs).size !== xs.length) throw permanentError('crypto.lagrange.bad-set', 'Lagrange coefficient needs distinct points that include the one asked for');
  let numerator = 1n;
  let denominator = 1n;
  for (const xj of xs) {
    if (xj === xi) continue;
    numerator = Fn.mul(numerator, Fn.sub(at, xj));
    denominator = Fn.mul(denominator, Fn.sub(xi, xj));
  }
  return Fn.div(numerator, denominator);
}
