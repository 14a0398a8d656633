/**
 * {@link RandomEffects} handlers: the operating system's generator for production, and a seeded
 * ChaCha20 stream for tests and simulation (same seed => same bytes, on every machine).
 *
 * Seeded stream: `key = taggedDigest("aura.rng.v1", encodeCanonical(seed))` (BLAKE3-256); the
 * bytes are the ChaCha20 (RFC 8439) keystream under `key` with nonce `u32le(0) ‖ u64le(epoch)`,
 * block counter from 0; after 2^32 blocks the epoch advances and the counter restarts.
 * `fork(label)` keys a child stream with `taggedDigest("aura.rng.v1.fork", key ‖ utf8(label))`.
 *
 * @module
 */
import { randomFillSync } from 'node:crypto';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { concat, utf8 } from '../core/bytes.ts';
import { encodeCanonical } from '../core/canonical.ts';
import type { RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { taggedDigest } from '../core/hash.ts';

/** Randomness from the operating system (`crypto.randomFillSync`). */
export class NodeRandom implements RandomEffects {
  randomBytes(length: number): Uint8Array {
    return randomFillSync(new Uint8Array(length));
  }
}

/** What a seeded generator can be seeded with. Numbers must be safe integers. */
export type Seed = number | bigint | string | Uint8Array;

const BLOCK_BYTES = 64;
const CHUNK_BLOCKS = 64;
const CHUNK_BYTES = BLOCK_BYTES * CHUNK_BLOCKS;
const MAX_COUNTER = 2 ** 32;

/** A deterministic generator: the ChaCha20 keystream of a key derived from a seed. */
export class SeededRandom implements RandomEffects {
  private readonly key: Uint8Array;
  private readonly nonce = new Uint8Array(12);
  private readonly zeros = new Uint8Array(CHUNK_BYTES);
  private readonly buffer = new Uint8Array(CHUNK_BYTES);
  private position = CHUNK_BYTES;
  private counter = 0;
  private epoch = 0n;

  /** A generator for `seed`, or one keyed directly by an already derived 32-byte `key`. */
  constructor(seed: Seed | { readonly key: Uint8Array }) {
    if (typeof seed === 'number' && !Number.isSafeInteger(seed)) throw permanentError('random.bad-seed', `a numeric seed must be a safe integer, got ${seed}`);
    this.key = typeof seed === 'object' && 'key' in seed ? seed.key : taggedDigest('aura.rng.v1', encodeCanonical(seed));
  }

  /** An independent generator for a named sub-stream (one per simulated node, say). */
  fork(label: string): SeededRandom {
    return new SeededRandom({ key: taggedDigest('aura.rng.v1.fork', concat(this.key, utf8(label))) });
  }

  randomBytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    let written = 0;
    while (written < length) {
      if (this.position === CHUNK_BYTES) this.refill();
      const take = Math.min(length - written, CHUNK_BYTES - this.position);
      out.set(this.buffer.subarray(this.position, this.position + take), written);
      this.position += take;
      written += take;
    }
    return out;
  }

  private refill(): void {
    if (this.counter + CHUNK_BLOCKS > MAX_COUNTER) {
      this.epoch += 1n;
      this.counter = 0;
    }
    new DataView(this.nonce.buffer).setBigUint64(4, this.epoch, true);
    chacha20(this.key, this.nonce, this.zeros, this.buffer, this.counter);
    this.counter += CHUNK_BLOCKS;
    this.position = 0;
  }
}
