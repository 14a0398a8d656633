/**
 * Signing with the group key of a one-holder authority (threshold 1): the device alone runs both
 * FROST rounds (RFC 9591: commit, sign, aggregate) with its own share, so the result is an
 * ordinary Ed25519 signature under the authority's group key. A guardian is such an authority:
 * it accepts an invitation and approves a recovery with its authority's key.
 *
 * Source: RFC 9591 sections 5.1-5.3 (one signer); `docs/protocols.md` (guardian setup and recovery).
 *
 * @module
 */
import type { RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { aggregate, commit, signShare } from '../crypto/frost.ts';
import type { KeyShare } from '../crypto/key-share.ts';

/**
 * The Ed25519 signature of `message` under the group key of `share`'s package, which must have
 * threshold 1. Error: `agent.not-sole-signer`. The share stays alive; the nonces are used once.
 */
export function signAlone(share: KeyShare, message: Uint8Array, random: RandomEffects): Uint8Array {
  if (share.publicKeyPackage.threshold !== 1) {
    throw permanentError('agent.not-sole-signer', `a guardian signs alone with its authority's key, so its authority must have threshold 1, not ${share.publicKeyPackage.threshold}`);
  }
  const { nonces, commitment } = commit(share, random);
  const signing = { message, commitments: [commitment] };
  return aggregate(share.publicKeyPackage, signing, [signShare(share, nonces, signing)]);
}
