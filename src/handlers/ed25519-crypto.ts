/**
 * The {@link CryptoEffects} handler: hashes from `core/hash.ts` and Ed25519 through `node:crypto`
 * (OpenSSL, via `crypto/signature.ts`), which verifies strictly per RFC 8032 and is about ten
 * times faster than pure JS. Key generation draws from the given {@link RandomEffects}, so with a
 * seeded source the simulator gets the same keys on every run; signing is deterministic by
 * RFC 8032 anyway.
 *
 * @module
 */
import type { CryptoEffects, RandomEffects, SigningKeyPair } from '../core/effects.ts';
import { digest, type HashAlgorithm } from '../core/hash.ts';
import { ED25519_KEY_LENGTH, ed25519PublicKey, ed25519Sign, SIGNATURE_LENGTH, verifyStrict } from '../crypto/signature.ts';

/** Ed25519 and hashing on `node:crypto`, with keys from `random`. */
export class Ed25519CryptoEffects implements CryptoEffects {
  constructor(protected readonly random: RandomEffects) {}

  hash(data: Uint8Array, algorithm?: HashAlgorithm): Uint8Array {
    return digest(data, algorithm);
  }

  generateSigningKey(): SigningKeyPair {
    const secretKey = this.random.randomBytes(ED25519_KEY_LENGTH);
    return { secretKey, publicKey: this.publicKeyOf(secretKey) };
  }

  publicKeyOf(secretKey: Uint8Array): Uint8Array {
    return ed25519PublicKey(secretKey);
  }

  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
    return ed25519Sign(secretKey, message);
  }

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (publicKey.length !== ED25519_KEY_LENGTH || signature.length !== SIGNATURE_LENGTH) return false;
    return verifyStrict(publicKey, message, signature);
  }
}
