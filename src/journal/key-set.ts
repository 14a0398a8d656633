/**
 * A set of fact keys (CID text) tuned for reducers, which test every fact they fold against it:
 * keys are bucketed by 30 bits taken from the end of the text (the CID's digest, uniformly
 * distributed), so the common case is one small-integer map lookup instead of hashing a
 * 59-character string; keys whose bits collide go to an ordinary string set.
 *
 * @module
 */

/** Characters at the end of a key that make up its bucket (5 bits each, base32). */
const BUCKET_CHARS = 6;

/** Distinct fact keys. */
export class KeySet {
  private readonly buckets = new Map<number, string>();
  private readonly overflow = new Set<string>();

  /** How many keys are held. */
  get size(): number {
    return this.buckets.size + this.overflow.size;
  }

  /** Adds `key`; returns true when it was not there yet. */
  add(key: string): boolean {
    const bucket = bucketOf(key);
    const first = this.buckets.get(bucket);
    if (first === undefined) {
      this.buckets.set(bucket, key);
      return true;
    }
    if (first === key || this.overflow.has(key)) return false;
    this.overflow.add(key);
    return true;
  }

  /** True when `key` is held. */
  has(key: string): boolean {
    const first = this.buckets.get(bucketOf(key));
    return first === key || (first !== undefined && this.overflow.has(key));
  }
}

function bucketOf(key: string): number {
  let bucket = 0;
  for (let i = Math.max(0, key.length - BUCKET_CHARS); i < key.length; i++) bucket = (bucket << 5) | (key.charCodeAt(i) & 31);
  return bucket;
}
