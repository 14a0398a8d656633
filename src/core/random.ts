/**
 * Values derived from a {@link RandomEffects} source: unbiased integers, floats, shuffles.
 * Pure functions of the bytes drawn, so a seeded source gives the same values everywhere.
 *
 * @module
 */
import type { RandomEffects } from './effects.ts';
import { permanentError } from './errors.ts';

/** A uniform 32-bit unsigned integer. */
export function randomU32(random: RandomEffects): number {
  const bytes = random.randomBytes(4);
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
}

/** A uniform integer in `[0, bound)`, without modulo bias. `bound` must be in `[1, 2^32]`. */
export function randomInt(random: RandomEffects, bound: number): number {
  if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32) throw permanentError('random.bad-bound', `random bound must be an integer in [1, 2^32], got ${bound}`);
  // Reject the top sliver of the 32-bit range that does not divide evenly into `bound`.
  const limit = 2 ** 32 - (2 ** 32 % bound);
  for (;;) {
    const candidate = randomU32(random);
    if (candidate < limit) return candidate % bound;
  }
}

/** A uniform float in `[0, 1)` with 53 random bits. */
export function randomFloat(random: RandomEffects): number {
  const bytes = random.randomBytes(8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const high = view.getUint32(0, true) >>> 5; // 27 bits
  const low = view.getUint32(4, true) >>> 6; // 26 bits
  return (high * 2 ** 26 + low) / 2 ** 53;
}

/** A new array with the items of `items` in uniformly random order (Fisher-Yates). */
export function shuffled<T>(random: RandomEffects, items: readonly T[]): T[] {
  const result = items.slice();
  for (let i = result.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    [result[i], result[j]] = [result[j]!, result[i]!]; // i, j < length
  }
  return result;
}
