/**
 * Strict RFC 8032 Ed25519 verification through `node:crypto` (OpenSSL): `S < L` required,
 * non-canonical `R` rejected, cofactorless equation. Used for single-key signatures and for FROST
 * group signatures alike, since a FROST(Ed25519, SHA-512) signature is a plain RFC 8032 one.
 *
 * Raw keys are wrapped for OpenSSL in their fixed DER envelopes: PKCS#8 for a 32-byte secret seed
 * (`302e020100300506032b657004220420 ‖ seed`) and SPKI for a public key
 * (`302a300506032b6570032100 ‖ key`). The public key of a seed is computed by `@noble/curves`.
 *
 * @module
 */
import { createHash, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { concat, fromHex, toHex } from '../core/bytes.ts';
import { permanentError } from '../core/errors.ts';
import { BoundedMap } from '../core/bounded-memo.ts';

const PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');
const SPKI_PREFIX = fromHex('302a300506032b6570032100');

/** Length of an Ed25519 public key or secret seed. */
export const ED25519_KEY_LENGTH = 32;
/** Length of an Ed25519 signature: `R (32) ‖ S (32)`. */
export const SIGNATURE_LENGTH = 64;

/** Decoded public keys kept for reuse; verification of the same few keys dominates. */
const PUBLIC_KEY_CACHE_LIMIT = 4096;
const publicKeys = new BoundedMap<string, KeyObject>(PUBLIC_KEY_CACHE_LIMIT);

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const cacheKey = toHex(publicKey);
  let key = publicKeys.get(cacheKey);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.from(concat(SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' });
    publicKeys.set(cacheKey, key);
  }
  return key;
}

/**
 * Private keys kept for reuse: building a `KeyObject` costs more than the signature itself, and a
 * device signs with the same few keys. The map is keyed by a domain-tagged SHA-256 of the seed,
 * never by the seed's bytes, and holds at most {@link PRIVATE_KEY_CACHE_LIMIT} keys, dropping the
 * least recently used, so a long-lived process does not collect every secret it ever saw.
 */
export const PRIVATE_KEY_CACHE_LIMIT = 64;
const PRIVATE_KEY_CACHE_TAG = Buffer.from('aura/ed25519/private-key-cache/v1');
const privateKeys = new Map<string, KeyObject>();

function privateKeyObject(secretKey: Uint8Array): KeyObject {
  if (secretKey.length !== ED25519_KEY_LENGTH) throw badKeyLength(secretKey.length);
  const cacheKey = createHash('sha256').update(PRIVATE_KEY_CACHE_TAG).update(secretKey).digest('base64');
  let key = privateKeys.get(cacheKey);
  if (key === undefined) {
    key = createPrivateKey({ key: Buffer.from(concat(PKCS8_PREFIX, secretKey)), format: 'der', type: 'pkcs8' });
    if (privateKeys.size >= PRIVATE_KEY_CACHE_LIMIT) privateKeys.delete(privateKeys.keys().next().value as string); // non-empty: size >= limit > 0
  } else {
    privateKeys.delete(cacheKey); // re-inserted below as the most recently used
  }
  privateKeys.set(cacheKey, key);
  return key;
}

/** How many private keys are cached (for tests of the bound). */
export function cachedPrivateKeyCount(): number {
  return privateKeys.size;
}

/**
 * The public key of a 32-byte Ed25519 secret seed. Error: `crypto.bad-key`.
 *
 * Computed with `@noble/curves` (RFC 8032 section 5.1.5, a fixed-base multiplication over its
 * precomputed table) rather than through an OpenSSL `KeyObject`: building and exporting a key
 * object for a fresh seed costs several times the multiplication, and a seed whose public key is
 * all that is wanted (a derived context key) would otherwise also take a place in the private-key
 * cache.
 */
export function ed25519PublicKey(secretKey: Uint8Array): Uint8Array {
  if (secretKey.length !== ED25519_KEY_LENGTH) throw badKeyLength(secretKey.length);
  return ed25519.getPublicKey(secretKey);
}

function badKeyLength(length: number) {
  return permanentError('crypto.bad-key', `an Ed25519 secret key has ${ED25519_KEY_LENGTH} bytes, got ${length}`);
}

/** The RFC 8032 signature of `message` under a 32-byte secret seed. Error: `crypto.bad-key`. */
export function ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(nodeSign(null, message, privateKeyObject(secretKey)));
}

/**
 * Strict RFC 8032 verification. Wrong lengths are typed errors (`crypto.public-key.bad-length`,
 * `crypto.signature.bad-length`); a key that is not a curve point, or a signature that does not
 * verify, gives `false`.
 */
export function verifyStrict(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_KEY_LENGTH) throw permanentError('crypto.public-key.bad-length', `an Ed25519 public key has ${ED25519_KEY_LENGTH} bytes, got ${publicKey.length}`);
  if (signature.length !== SIGNATURE_LENGTH) throw permanentError('crypto.signature.bad-length', `an Ed25519 signature has ${SIGNATURE_LENGTH} bytes, got ${signature.length}`);
  try {
    return nodeVerify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    // OpenSSL rejects keys that are not valid points by throwing; that is a failed verification.
    return false;
  }
}
