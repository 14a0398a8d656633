/**
 * The hash functions Aura names inside its content identifiers, with their multihash codes.
 *
 * BLAKE3-256 is the default (fast, and the Rust original's choice); SHA-256 is supported so that
 * identifiers can migrate and interoperate. Both return 32-byte digests.
 *
 * Domain-separated BLAKE3 digests ({@link taggedDigest}, {@link TaggedHasher}) absorb their tag
 * (and any fixed prefix) once and copy that state into one reused scratch hasher per digest:
 * `@noble/hashes`' BLAKE3 spends about as long setting up a hasher as compressing a block, and
 * protocols such as DKD take dozens of short digests per session. BLAKE3's keyed mode
 * ({@link KeyedHasher}) and key-derivation mode ({@link KeyDeriver}) are prepared the same way:
 * their key or context string is absorbed once, not in every digest's message, so a 64-byte
 * input costs one compression.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { blake3 } from '@noble/hashes/blake3.js';
import { utf8 } from './bytes.ts';
import { permanentError } from './errors.ts';
import { BoundedMap } from './bounded-memo.ts';

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
  const tagBytes = utf8(tag);
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
  if (algorithm === 'blake3-256') return taggedHasher(tag).digest(data);
  return digest(taggedBytes(tag, data), algorithm);
}

/** A BLAKE3 hasher as `@noble/hashes` makes it. */
type Blake3 = ReturnType<typeof blake3.create>;

/**
 * Where every {@link TaggedHasher} digest is computed: a prefix state is copied into it
 * (`_cloneInto`, which reuses its buffers), the parts absorbed, the digest taken. Digests are
 * synchronous, so one scratch hasher serves them all.
 */
const scratch: Blake3 = blake3.create();

/**
 * BLAKE3-256 digests of `u16be(len(tag)) ‖ tag ‖ prefix ‖ parts`: {@link taggedDigest} with a
 * fixed beginning absorbed once. `digest(a, b)` equals `taggedDigest(tag, prefix ‖ a ‖ b)`
 * without joining the parts; {@link TaggedHasher.extend} fixes more of the input (a session's
 * prefix, say) for many digests. Immutable: each digest starts from the same state.
 */
export class TaggedHasher {
  private constructor(private readonly state: Blake3) {}

  /** The hasher of `tag` with nothing after it. */
  static of(tag: string): TaggedHasher {
    const tagBytes = utf8(tag);
    const length = new Uint8Array(2);
    new DataView(length.buffer).setUint16(0, tagBytes.length);
    return new TaggedHasher(blake3.create().update(length).update(tagBytes));
  }

  /** A hasher whose fixed input is this one's followed by `parts`. */
  extend(...parts: readonly Uint8Array[]): TaggedHasher {
    const state = this.state.clone();
    for (const part of parts) state.update(part);
    return new TaggedHasher(state);
  }

  /** The 32-byte digest of the fixed input followed by `parts`. */
  digest(...parts: readonly Uint8Array[]): Uint8Array {
    return digestFrom(this.state, parts);
  }
}

/**
 * Where the parts of one digest are joined before a single `update`: each `update` of
 * `@noble/hashes` costs a view and a copy, more than copying the part here. Cleared after use,
 * since parts may be secret.
 */
const STAGING = new Uint8Array(1024);
/** Views of the first n bytes of {@link STAGING}, by n (digests use a handful of lengths). */
const stagingViews = new Map<number, Uint8Array>();

/** The scratch hasher holding a copy of `state` with `parts` absorbed after it. */
function scratchFrom(state: Blake3, parts: readonly Uint8Array[]): Blake3 {
  state._cloneInto(scratch);
  let total = 0;
  for (const part of parts) total += part.length;
  if (parts.length === 1 || total > STAGING.length) {
    for (const part of parts) scratch.update(part);
    return scratch;
  }
  let offset = 0;
  for (const part of parts) {
    STAGING.set(part, offset);
    offset += part.length;
  }
  let view = stagingViews.get(total);
  if (view === undefined) stagingViews.set(total, (view = STAGING.subarray(0, total)));
  scratch.update(view);
  STAGING.fill(0, 0, total);
  return scratch;
}

/** The 32-byte digest of `state` followed by `parts`, computed in the scratch hasher. */
function digestFrom(state: Blake3, parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(DIGEST_LENGTH);
  scratchFrom(state, parts).digestInto(out); // digestInto wipes the scratch state
  return out;
}

/**
 * BLAKE3 in keyed mode under one 32-byte key: `BLAKE3-keyed(key, parts joined)`, a PRF and MAC
 * (and, under a public key, a domain-separated hash). The key is set up once; each digest copies
 * it into the scratch hasher, so a 64-byte input is one compression. Immutable.
 */
export class KeyedHasher {
  private constructor(private readonly state: Blake3) {}

  /** The hasher keyed with `key` (32 bytes; `@noble/hashes` refuses any other length). */
  static of(key: Uint8Array): KeyedHasher {
    return new KeyedHasher(blake3.create({ key }));
  }

  /** The 32-byte keyed digest of `parts`, as if joined. */
  digest(...parts: readonly Uint8Array[]): Uint8Array {
    return digestFrom(this.state, parts);
  }
}

/**
 * BLAKE3 in key-derivation mode with one context string: `BLAKE3-derive-key(context, parts
 * joined)`, output of any length from its XOF (a longer output extends a shorter one). The
 * context key is computed once, not per derivation. Immutable.
 */
export class KeyDeriver {
  private constructor(private readonly state: Blake3) {}

  /** The deriver of `context` (a hard-coded, globally unique string, in UTF-8). */
  static of(context: string): KeyDeriver {
    return new KeyDeriver(blake3.create({ context: utf8(context) }));
  }

  /** `length` bytes derived from `parts`, as if joined. */
  derive(length: number, ...parts: readonly Uint8Array[]): Uint8Array {
    const hasher = scratchFrom(this.state, parts);
    const out = hasher.xofInto(new Uint8Array(length));
    hasher.destroy(); // derived keys are secrets: no copy stays in the scratch hasher
    return out;
  }
}

/** Tagged hashers by tag; tags are constants in code, the bound only guards against misuse. */
const TAGGED_HASHER_LIMIT = 1024;
const taggedHashers = new BoundedMap<string, TaggedHasher>(TAGGED_HASHER_LIMIT);

/** The {@link TaggedHasher} of `tag` (made once per tag). */
export function taggedHasher(tag: string): TaggedHasher {
  let hasher = taggedHashers.get(tag);
  if (hasher === undefined) {
    hasher = TaggedHasher.of(tag);
    taggedHashers.set(tag, hasher);
  }
  return hasher;
}
