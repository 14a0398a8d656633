/**
 * The hash functions Aura names inside its content identifiers, with their multihash codes.
 *
 * BLAKE3-256 is the default (fast, and the Rust original's choice); SHA-256 is supported so that
 * identifiers can migrate and interoperate. Both return 32-byte digests.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { blake3 } from '@noble/hashes/blake3.js';
import { permanentError } from './errors.ts';

/** A hash function Aura can name in a CID. */
export type HashAlgorithm = 'blake3-256' | 'sha2-256';

/** Multihash codes from the multicodec table. */
export const MULTIHASH_CODE: Readonly<Record<HashAlgorithm, number>> = { 'blake3-256': 0x1e, 'sha2-256': 0x12 };

/** Digest length in bytes, the same for every supported algorithm. */
export const DIGEST_LENGTH = 32;

/** The default algorithm for new content identifiers. */
export const DEFAULT_HASH: HashAlgorithm = 'blake3-256';

/** The 32-byte digest of `data`. */
export function digest(data: Uint8Array, algorithm: HashAlgorithm = DEFAULT_HASH): Uint8Array {
  if (algorithm === 'blake3-256') return blake3(data);
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** The algorithm with the given multihash code; an unknown code is `cid.unknown-hash`. */
export function hashAlgorithmOf(code: number): HashAlgorithm {
  for (const [name, known] of Object.entries(MULTIHASH_CODE)) if (known === code) return name as HashAlgorithm;
  throw permanentError('cid.unknown-hash', `unknown multihash code 0x${code.toString(16)}: Aura supports blake3-256 (0x1e) and sha2-256 (0x12)`, {
    context: { code },
  });
}

/**
 * The bytes `u16be(len(tag)) ‖ tag ‖ data`, tag in UTF-8: the framing of every domain-separated
 * input Aura defines, whether it is hashed ({@link taggedDigest}) or signed (attestation
 * transcripts), so that no two uses can collide.
 */
export function taggedBytes(tag: string, data: Uint8Array): Uint8Array {
  const tagBytes = new TextEncoder().encode(tag);
  const framed = new Uint8Array(2 + tagBytes.length + data.length);
  new DataView(framed.buffer).setUint16(0, tagBytes.length);
  framed.set(tagBytes, 2);
  framed.set(data, 2 + tagBytes.length);
  return framed;
}

/**
 * A domain-separated digest: `H(u16be(len(tag)) ‖ tag ‖ data)`. Every hash Aura defines over its
 * own inputs goes through here with a tag constant, so that no two uses can collide.
 */
export function taggedDigest(tag: string, data: Uint8Array, algorithm: HashAlgorithm = DEFAULT_HASH): Uint8Array {
  return digest(taggedBytes(tag, data), algorithm);
}
