/**
 * The key-store file format: named secrets (encoded key shares, device keys) encrypted at rest
 * with XChaCha20-Poly1305 (`@noble/ciphers`) under a key derived from a passphrase with scrypt
 * (`@noble/hashes`, RFC 7914). Pure functions from entries to bytes and back; writing the bytes
 * atomically is the job of the file handler (`src/handlers/file-key-store.ts`).
 *
 * File (canonical DAG-CBOR map):
 * ```
 * { format: "aura.keystore", version: 1,
 *   kdf: { name: "scrypt", logN, r, p, salt: 16 bytes },
 *   check: 32 bytes,        taggedDigest("aura.keystore.v1.check", key), tells a wrong passphrase from corruption
 *   nonce: 24 bytes,
 *   ciphertext: bytes }     XChaCha20-Poly1305(key, nonce, plaintext, aad)
 * ```
 * - `key = scrypt(utf8(passphrase), salt, N = 2^logN, r, p, dkLen = 32)`
 * - `aad` = canonical encoding of the same map without `ciphertext` (the header is authenticated)
 * - `plaintext` = canonical encoding of `{ entries: { name: bytes, … } }`
 *
 * @module
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { bytesEqual, utf8 } from '../core/bytes.ts';
import { decodeCanonical, encodeCanonical } from '../core/canonical.ts';
import type { RandomEffects } from '../core/effects.ts';
import { isAuraError, permanentError, type AuraError } from '../core/errors.ts';
import { taggedDigest } from '../core/hash.ts';

/** The format name written in every file. */
export const KEY_STORE_FORMAT = 'aura.keystore';
/** The version this code writes and reads. */
export const KEY_STORE_VERSION = 1;
/** Domain tag of the passphrase check value. */
export const KEY_STORE_CHECK_TAG = 'aura.keystore.v1.check';

/** scrypt cost parameters. */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N (10..22). */
  readonly logN: number;
  /** Block size (1..32). */
  readonly r: number;
  /** Parallelism (1..16). */
  readonly p: number;
}

/** The default: N = 2^17, r = 8, p = 1 (128 MiB, about a second in pure JS). */
export const DEFAULT_SCRYPT: ScryptParams = { logN: 17, r: 8, p: 1 };

/** The secrets a key store holds, by name. */
export type KeyStoreEntries = Readonly<Record<string, Uint8Array>>;

/**
 * A change of a key store's entries: given the entries as they are (`undefined` when the store
 * does not exist yet), the entries to write, or `undefined` to leave the store as it is. It may
 * throw to abandon the change (nothing is written).
 */
export type KeyStoreChange = (entries: KeyStoreEntries | undefined) => KeyStoreEntries | undefined;

interface Header {
  readonly format: string;
  readonly version: number;
  readonly kdf: ScryptParams & { readonly name: string; readonly salt: Uint8Array };
  readonly check: Uint8Array;
  readonly nonce: Uint8Array;
}

function checkParams(params: ScryptParams): ScryptParams {
  const ok = (value: number, low: number, high: number) => Number.isInteger(value) && value >= low && value <= high;
  if (!ok(params.logN, 10, 22) || !ok(params.r, 1, 32) || !ok(params.p, 1, 16)) {
    throw permanentError('keystore.bad-kdf-params', `scrypt parameters out of range: logN ${params.logN} (10..22), r ${params.r} (1..32), p ${params.p} (1..16)`);
  }
  return params;
}

async function deriveKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  return scryptAsync(utf8(passphrase), salt, { N: 2 ** params.logN, r: params.r, p: params.p, dkLen: 32 });
}

function corrupt(detail: string, cause?: unknown): AuraError {
  return permanentError('keystore.corrupt', `key-store file is corrupt: ${detail}`, cause === undefined ? {} : { cause });
}

/** Encrypts `entries` under `passphrase`. */
export async function sealKeyStore(entries: KeyStoreEntries, passphrase: string, random: RandomEffects, params: ScryptParams = DEFAULT_SCRYPT): Promise<Uint8Array> {
  const { logN, r, p } = checkParams(params);
  const salt = random.randomBytes(16);
  const key = await deriveKey(passphrase, salt, params);
  const header: Header = { format: KEY_STORE_FORMAT, version: KEY_STORE_VERSION, kdf: { name: 'scrypt', logN, r, p, salt }, check: taggedDigest(KEY_STORE_CHECK_TAG, key), nonce: random.randomBytes(24) };
  const plaintext = encodeCanonical({ entries });
  try {
    const ciphertext = xchacha20poly1305(key, header.nonce, encodeCanonical(header)).encrypt(plaintext);
    return encodeCanonical({ ...header, ciphertext });
  } finally {
    plaintext.fill(0);
    key.fill(0);
  }
}

function parseHeader(bytes: Uint8Array): Header & { readonly ciphertext: Uint8Array } {
  let value: unknown;
  try {
    value = decodeCanonical(bytes);
  } catch (error) {
    throw corrupt('not canonical DAG-CBOR', error);
  }
  const file = value as Partial<Header & { ciphertext: Uint8Array }> | null;
  if (typeof file !== 'object' || file === null || file.format !== KEY_STORE_FORMAT) throw corrupt('not an Aura key store');
  if (file.version !== KEY_STORE_VERSION) throw permanentError('keystore.unsupported-version', `key-store version ${String(file.version)} is not supported (this build reads version ${KEY_STORE_VERSION})`);
  const kdf = file.kdf;
  if (typeof kdf !== 'object' || kdf.name !== 'scrypt' || !(kdf.salt instanceof Uint8Array) || !(file.check instanceof Uint8Array) || !(file.nonce instanceof Uint8Array) || file.nonce.length !== 24 || !(file.ciphertext instanceof Uint8Array)) {
    throw corrupt('missing or malformed header fields');
  }
  checkParams(kdf);
  return file as Header & { ciphertext: Uint8Array };
}

/**
 * The scrypt parameters a key store was sealed with (read from its header, no passphrase needed),
 * so that rewriting it keeps its cost. Errors: `keystore.corrupt`, `keystore.unsupported-version`,
 * `keystore.bad-kdf-params`.
 */
export function keyStoreParams(bytes: Uint8Array): ScryptParams {
  const { kdf } = parseHeader(bytes);
  return { logN: kdf.logN, r: kdf.r, p: kdf.p };
}

/**
 * Decrypts a key store. Errors: `keystore.wrong-passphrase`, `keystore.corrupt`,
 * `keystore.unsupported-version`, `keystore.bad-kdf-params`.
 */
export async function openKeyStore(bytes: Uint8Array, passphrase: string): Promise<KeyStoreEntries> {
  const { ciphertext, ...header } = parseHeader(bytes);
  const key = await deriveKey(passphrase, header.kdf.salt, header.kdf);
  try {
    if (!bytesEqual(taggedDigest(KEY_STORE_CHECK_TAG, key), header.check)) throw permanentError('keystore.wrong-passphrase', 'wrong passphrase for this key store');
    let plaintext: Uint8Array;
    try {
      plaintext = xchacha20poly1305(key, header.nonce, encodeCanonical(header)).decrypt(ciphertext);
    } catch (error) {
      throw corrupt('the ciphertext or header was altered (authentication failed)', error);
    }
    const content = decodeCanonical(plaintext) as { entries?: unknown } | null;
    plaintext.fill(0);
    const entries = content?.entries;
    if (typeof entries !== 'object' || entries === null || !Object.values(entries).every((v) => v instanceof Uint8Array)) throw corrupt('entries are malformed');
    return entries as KeyStoreEntries;
  } catch (error) {
    if (isAuraError(error)) throw error;
    throw corrupt('undecodable content', error);
  } finally {
    key.fill(0);
  }
}
