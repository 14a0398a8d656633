/**
 * A set of fact keys (CID text) tuned for reducers, which test every fact they fold against it.
 * An open-addressing hash table: the hash is 30 bits read from the last characters of the key
 * (base32 of the CID's digest, so uniformly distributed, and no string hashing needed); hashes sit
 * in an `Int32Array` outside the garbage-collected heap, and a key is compared in full only when
 * its hash matches.
 *
 * @module
 */

/** Characters at the end of a key that make up its hash (5 bits each, base32). */
const HASH_CHARS = 6;
const INITIAL_CAPACITY = 1024;

/** Distinct fact keys. */
export class KeySet {
  /** Hash + 1 per slot; 0 marks an empty slot. */
  private hashes = new Int32Array(INITIAL_CAPACITY);
  private keys = emptySlots(INITIAL_CAPACITY);
  private count = 0;

  /** How many keys are held. */
  get size(): number {
    return this.count;
  }

  /** Adds `key`; returns true when it was not there yet. */
  add(key: string): boolean {
    const marker = hashOf(key) + 1;
    const mask = this.hashes.length - 1;
    for (let slot = marker & mask; ; slot = (slot + 1) & mask) {
      const found = this.hashes[slot];
      if (found === 0) {
        this.hashes[slot] = marker;
        this.keys[slot] = key;
        if (++this.count * 2 > this.hashes.length) this.grow();
        return true;
      }
      if (found === marker && this.keys[slot] === key) return false;
    }
  }

  /** True when `key` is held. */
  has(key: string): boolean {
    const marker = hashOf(key) + 1;
    const mask = this.hashes.length - 1;
    for (let slot = marker & mask; ; slot = (slot + 1) & mask) {
      const found = this.hashes[slot];
      if (found === 0) return false;
      if (found === marker && this.keys[slot] === key) return true;
    }
  }

  /** Doubles the table (it is kept at most half full, so probes stay short). */
  private grow(): void {
    const oldHashes = this.hashes;
    const oldKeys = this.keys;
    this.hashes = new Int32Array(oldHashes.length * 2);
    this.keys = emptySlots(oldHashes.length * 2);
    const mask = this.hashes.length - 1;
    for (let i = 0; i < oldHashes.length; i++) {
      const marker = oldHashes[i]!; // i < length
      if (marker === 0) continue;
      let slot = marker & mask;
      while (this.hashes[slot] !== 0) slot = (slot + 1) & mask;
      this.hashes[slot] = marker;
      this.keys[slot] = oldKeys[i];
    }
  }
}

/**
 * `length` empty slots in a packed array. `new Array(length)` would leave holes, and V8 keeps a
 * large array with holes as a dictionary: at a million keys every probe became a hash lookup.
 */
function emptySlots(length: number): (string | undefined)[] {
  return new Array<string | undefined>(length).fill(undefined);
}

/**
 * 30 bits of hash from the key's last characters. Base32 letters and digits fill only 26 of the
 * 32 values a character's low 5 bits can take, so the bits are mixed (MurmurHash3's finalizer)
 * before the table masks them: unmixed, linear probing ran into long clusters at a million keys.
 */
function hashOf(key: string): number {
  let hash = 0;
  for (let i = Math.max(0, key.length - HASH_CHARS); i < key.length; i++) hash = (hash << 5) | (key.charCodeAt(i) & 31);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 2;
}
