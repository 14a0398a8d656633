/**
 * Hybrid public-key encryption, RFC 9180 base mode with DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256 and ChaCha20-Poly1305 (suite ids 0x0020, 0x0001, 0x0003), through `@hpke/core`
 * and its ChaCha20-Poly1305 module: how shares and sub-shares are sealed to one recipient. The
 * KEM is `@hpke/core`'s, whose X25519 runs in the platform's WebCrypto (OpenSSL in Node), not
 * `@hpke/dhkem-x25519`'s JavaScript one: the same bytes (the A.2.1 figures), several X25519
 * operations per sealed sub-share at well under their pure-JavaScript cost.
 *
 * The ephemeral key comes from `DeriveKeyPair(random.randomBytes(32))` (RFC 9180 section 7.1.3),
 * so a seeded {@link RandomEffects} reproduces the same `enc` and ciphertext, and the RFC's
 * Appendix A.2.1 figures can be checked byte for byte.
 *
 * Aura's `info` strings ({@link HPKE_INFO}) name what is sealed, so a ciphertext made for one
 * purpose cannot be opened as another.
 *
 * @module
 */
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { utf8 } from '../core/bytes.ts';
import { decodeCanonical, encodeCanonical } from '../core/canonical.ts';
import type { RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { decodeKeyShare, withEncodedKeyShare, type KeyShare } from './key-share.ts';

/** `info` strings of the things Aura seals, one per use. */
export const HPKE_INFO = {
  keyShare: 'aura.hpke.v1.key-share',
  dkgShare: 'aura.hpke.v1.dkg-share',
  reshareSubShare: 'aura.hpke.v1.reshare-sub-share',
  repair: 'aura.hpke.v1.repair',
} as const;

/** Length of an X25519 key and of `enc`. */
export const HPKE_KEY_LENGTH = 32;

/** An X25519 key pair for HPKE (raw 32-byte keys). */
export interface HpkeKeyPair {
  /** 32-byte secret key. */
  readonly secretKey: Uint8Array;
  /** 32-byte public key. */
  readonly publicKey: Uint8Array;
}

/** A sealed message: the encapsulated key and the AEAD ciphertext (plaintext + 16-byte tag). */
export interface SealedBox {
  /** `enc`: the sender's ephemeral public key, 32 bytes. */
  readonly enc: Uint8Array;
  /** The ciphertext. */
  readonly ciphertext: Uint8Array;
}

/** Options of one seal or open: both sides must pass the same. */
export interface HpkeOptions {
  /** Application info bound into the key schedule. */
  readonly info: Uint8Array;
  /** Associated data authenticated with the ciphertext. */
  readonly aad?: Uint8Array;
}

const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });

function checkKey(key: Uint8Array, what: string): void {
  if (key.length !== HPKE_KEY_LENGTH) throw permanentError('crypto.hpke.bad-key', `${what} must be ${HPKE_KEY_LENGTH} bytes, got ${key.length}`);
}

/** `DeriveKeyPair(ikm)` of RFC 9180 section 7.1.3. */
export async function hpkeKeyPairFromSeed(ikm: Uint8Array): Promise<HpkeKeyPair> {
  const pair = await suite.kem.deriveKeyPair(ikm);
  return {
    secretKey: new Uint8Array(await suite.kem.serializePrivateKey(pair.privateKey)),
    publicKey: new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey)),
  };
}

/** A fresh key pair from `random`. */
export async function generateHpkeKeyPair(random: RandomEffects): Promise<HpkeKeyPair> {
  return hpkeKeyPairFromSeed(random.randomBytes(32));
}

/** Seals `plaintext` to `recipientPublicKey`. Error: `crypto.hpke.bad-key`. */
export async function hpkeSeal(recipientPublicKey: Uint8Array, plaintext: Uint8Array, options: HpkeOptions, random: RandomEffects): Promise<SealedBox> {
  checkKey(recipientPublicKey, 'HPKE recipient public key');
  let recipient: CryptoKey;
  try {
    recipient = await suite.kem.deserializePublicKey(recipientPublicKey);
  } catch (error) {
    throw permanentError('crypto.hpke.bad-key', 'HPKE recipient public key is not a valid X25519 key', { cause: error });
  }
  const ekm = await suite.kem.deriveKeyPair(random.randomBytes(32));
  const sealed = await suite.seal({ recipientPublicKey: recipient, info: options.info, ekm }, plaintext, options.aad);
  return { enc: new Uint8Array(sealed.enc), ciphertext: new Uint8Array(sealed.ct) };
}

/**
 * Opens a box sealed to the key pair whose secret is `recipientSecretKey`.
 * Errors: `crypto.hpke.bad-key`, `crypto.hpke.open-failed` (wrong key, info or aad, or tampering).
 */
export async function hpkeOpen(recipientSecretKey: Uint8Array, box: SealedBox, options: HpkeOptions): Promise<Uint8Array> {
  checkKey(recipientSecretKey, 'HPKE recipient secret key');
  checkKey(box.enc, 'HPKE enc');
  const recipientKey = await suite.kem.deserializePrivateKey(recipientSecretKey);
  try {
    return new Uint8Array(await suite.open({ recipientKey, enc: box.enc, info: options.info }, box.ciphertext, options.aad));
  } catch (error) {
    throw permanentError('crypto.hpke.open-failed', 'HPKE box does not open: wrong key, wrong info or aad, or the box was altered', { cause: error });
  }
}

/** Seals `plaintext` under `info` and zeroes it afterwards (it holds secrets). */
async function sealThenZero(recipientPublicKey: Uint8Array, plaintext: Uint8Array, info: string, random: RandomEffects): Promise<SealedBox> {
  try {
    return await hpkeSeal(recipientPublicKey, plaintext, { info: utf8(info) }, random);
  } finally {
    plaintext.fill(0);
  }
}

/** Opens a box under `info`, decodes the plaintext, and zeroes it afterwards. */
async function openThenZero<T>(recipientSecretKey: Uint8Array, box: SealedBox, info: string, decode: (plaintext: Uint8Array) => T): Promise<T> {
  const plaintext = await hpkeOpen(recipientSecretKey, box, { info: utf8(info) });
  try {
    return decode(plaintext);
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Seals a protocol message (any canonically encodable value, e.g. a `DkgRound2Message`) to its
 * recipient, under the `info` naming its kind (see {@link HPKE_INFO}).
 */
export function hpkeSealValue(recipientPublicKey: Uint8Array, value: unknown, info: string, random: RandomEffects): Promise<SealedBox> {
  return sealThenZero(recipientPublicKey, encodeCanonical(value), info, random);
}

/** Opens a message sealed by {@link hpkeSealValue}; the caller checks its shape. */
export function hpkeOpenValue(recipientSecretKey: Uint8Array, box: SealedBox, info: string): Promise<unknown> {
  return openThenZero(recipientSecretKey, box, info, decodeCanonical);
}

/** Seals a key share (its encoding, see `key-share.ts`) to a recipient, e.g. a new device. */
export function sealKeyShare(share: KeyShare, recipientPublicKey: Uint8Array, random: RandomEffects): Promise<SealedBox> {
  // Copy out of the zeroed-after-use encoding: sealing is asynchronous.
  return sealThenZero(recipientPublicKey, withEncodedKeyShare(share, (encoded) => encoded.slice()), HPKE_INFO.keyShare, random);
}

/** Opens a sealed key share and checks it. Errors: those of {@link hpkeOpen} and `decodeKeyShare`. */
export function openKeyShare(recipientSecretKey: Uint8Array, box: SealedBox): Promise<KeyShare> {
  return openThenZero(recipientSecretKey, box, HPKE_INFO.keyShare, decodeKeyShare);
}
