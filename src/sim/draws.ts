/**
 * Fast random draws for the simulator's own decisions (latency, loss, duplication, fault
 * generation). It reads 4 KiB at a time from a seeded {@link RandomEffects} stream and takes
 * 32-bit words from that buffer, so a draw costs a few nanoseconds instead of an allocation.
 * The values are a pure function of the underlying stream, hence of the seed.
 *
 * A float is `(u32a >>> 5) * 2^26 + (u32b >>> 6)) / 2^53`, the same construction as
 * `core/random.ts`'s `randomFloat`, over little-endian words of the stream.
 *
 * @module
 */
import type { RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';

const BUFFER_BYTES = 4096;

/** Buffered draws of uniform numbers from a random stream. */
export class RandomDraws {
  private words = new Uint32Array(0);
  private position = 0;

  constructor(private readonly source: RandomEffects) {}

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    if (this.position === this.words.length) {
      const bytes = this.source.randomBytes(BUFFER_BYTES);
      // Read as little-endian words whatever the host order, so every machine draws the same.
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.words = new Uint32Array(BUFFER_BYTES / 4);
      for (let i = 0; i < this.words.length; i++) this.words[i] = view.getUint32(i * 4, true);
      this.position = 0;
    }
    return this.words[this.position++]!; // position < length after the refill
  }

  /** A uniform float in `[0, 1)` with 53 random bits. */
  float(): number {
    const high = this.u32() >>> 5;
    const low = this.u32() >>> 6;
    return (high * 2 ** 26 + low) / 2 ** 53;
  }

  /** True with probability `p` (no draw at all when `p` is 0 or 1, so those settings cost nothing). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.float() < p;
  }

  /** A uniform integer in `[0, bound)`, without modulo bias. */
  int(bound: number): number {
    if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32) throw permanentError('random.bad-bound', `random bound must be an integer in [1, 2^32], got ${bound}`);
    const limit = 2 ** 32 - (2 ** 32 % bound);
    for (;;) {
      const candidate = this.u32();
      if (candidate < limit) return candidate % bound;
    }
  }

  /** A uniform element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw permanentError('random.empty-choice', 'cannot pick from an empty list');
    return items[this.int(items.length)]!; // index < length
  }

  /** A standard normal value (Box-Muller). */
  normal(): number {
    const u = 1 - this.float(); // in (0, 1], so the logarithm is finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }
}
