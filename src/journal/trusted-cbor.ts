/**
 * A fast decoder for DAG-CBOR that this device wrote itself: the facts in its own store, which
 * were checked (canonical bytes, matching CID, fact shape) when they were admitted. It is the
 * cold-start path of `FactStore.scan({ verify: false })`, where `@ipld/dag-cbor`'s general
 * tokenizer cost about 4 µs per fact, most of a 1,000,000-fact rebuild.
 *
 * It reads the canonical forms facts are made of (unsigned and negative integers up to 2^53,
 * byte strings, text, arrays, maps with text keys in canonical order, `false`, `true`, `null`) in
 * one pass over the bytes, with per-decoder caches of the short strings a store repeats on every
 * row (map keys, type ids, namespaces). Anything else (floats, tags such as CIDs, 64-bit
 * integers, non-minimal lengths, keys out of canonical order or repeated, trailing bytes) is
 * handed to `@ipld/dag-cbor` whole, so the result is always exactly what `dagCbor.decode` gives
 * (a property test checks it, and that both refuse the same inputs). Byte strings are views into
 * the input, not copies.
 *
 * Trust boundary: this decoder does not check that the bytes are canonical or that they match
 * their CID; only call it on bytes that were checked on the way in. Bytes from anywhere else take
 * `decodeCanonical` (`core/canonical.ts`) through `decodeFact`.
 *
 * @module
 */
import * as dagCbor from '@ipld/dag-cbor';

/** Thrown inside the fast path when the input needs the general decoder. */
class NeedsGeneralDecoder extends Error {}
const fallback = new NeedsGeneralDecoder();

/** Longest text (in bytes) whose decoded string is cached. */
const CACHED_TEXT_BYTES = 96;
/** Slots of the string cache (a power of two). */
const CACHE_SLOTS = 1024;
/** Nesting depth beyond which the general decoder takes over. */
const MAX_DEPTH = 64;

/** A reusable decoder of trusted DAG-CBOR; keeps a small cache of recently decoded strings. */
export class TrustedCborDecoder {
  private bytes: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private readonly cachedStrings: (string | undefined)[] = new Array<string | undefined>(CACHE_SLOTS);
  private readonly cachedBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(CACHE_SLOTS);
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });

  /** The value encoded in `bytes`, as `dagCbor.decode(bytes)` would return it (and with its errors). */
  decode(bytes: Uint8Array): unknown {
    this.bytes = bytes;
    this.pos = 0;
    try {
      const value = this.item(0);
      if (this.pos === bytes.length) return value;
    } catch (error) {
      if (!(error instanceof NeedsGeneralDecoder)) throw error;
    }
    return dagCbor.decode(bytes);
  }

  private item(depth: number): unknown {
    const bytes = this.bytes;
    if (this.pos >= bytes.length) throw fallback;
    const initial = bytes[this.pos++]!; // pos < length
    const major = initial >> 5;
    if (major === 7) return this.simple(initial);
    const argument = this.argument(initial & 31);
    switch (major) {
      case 0:
        return argument;
      case 1:
        return -1 - argument;
      case 2:
        return this.byteString(argument);
      case 3:
        return this.text(argument);
      case 4:
        return this.array(argument, depth);
      case 5:
        return this.map(argument, depth);
      default:
        throw fallback; // tags (CIDs)
    }
  }

  /** The argument of a head, refusing non-minimal and 64-bit forms (left to the general decoder). */
  private argument(info: number): number {
    if (info < 24) return info;
    const bytes = this.bytes;
    const pos = this.pos;
    let value: number;
    if (info === 24 && pos + 1 <= bytes.length) {
      value = bytes[pos]!; // pos < length
      this.pos = pos + 1;
      if (value < 24) throw fallback;
    } else if (info === 25 && pos + 2 <= bytes.length) {
      value = (bytes[pos]! << 8) | bytes[pos + 1]!; // bounds checked
      this.pos = pos + 2;
      if (value < 256) throw fallback;
    } else if (info === 26 && pos + 4 <= bytes.length) {
      value = bytes[pos]! * 0x1000000 + ((bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!); // bounds checked
      this.pos = pos + 4;
      if (value < 65536) throw fallback;
    } else throw fallback;
    return value;
  }

  private simple(initial: number): unknown {
    if (initial === 0xf4) return false;
    if (initial === 0xf5) return true;
    if (initial === 0xf6) return null;
    throw fallback;
  }

  private byteString(length: number): Uint8Array {
    const start = this.pos;
    const end = start + length;
    if (end > this.bytes.length) throw fallback;
    this.pos = end;
    return new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + start, length);
  }

  private text(length: number): string {
    const bytes = this.bytes;
    const start = this.pos;
    const end = start + length;
    if (end > bytes.length) throw fallback;
    this.pos = end;
    if (length > CACHED_TEXT_BYTES) return this.utf8Text(start, end);
    // The slot comes from the length and up to 8 bytes at each end; the comparison checks all.
    let hash = length;
    const head = Math.min(end, start + 8);
    for (let i = start; i < head; i++) hash = (Math.imul(hash, 31) + bytes[i]!) | 0; // i < end <= length
    for (let i = Math.max(head, end - 8); i < end; i++) hash = (Math.imul(hash, 31) + bytes[i]!) | 0; // i < end <= length
    hash = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
    const slot = (hash ^ (hash >>> 12)) & (CACHE_SLOTS - 1);
    const cached = this.cachedBytes[slot];
    if (cached?.length === length) {
      let same = true;
      for (let i = 0; i < length; i++) {
        if (cached[i] !== bytes[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return this.cachedStrings[slot]!; // set together with cachedBytes[slot]
    }
    const value = this.utf8Text(start, end);
    this.cachedBytes[slot] = bytes.slice(start, end);
    this.cachedStrings[slot] = value;
    return value;
  }

  private utf8Text(start: number, end: number): string {
    const bytes = this.bytes;
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (bytes[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii && end - start <= CACHED_TEXT_BYTES) return String.fromCharCode(...bytes.subarray(start, end));
    try {
      return this.utf8.decode(bytes.subarray(start, end));
    } catch {
      throw fallback; // invalid UTF-8: the general decoder reports it
    }
  }

  private array(length: number, depth: number): unknown[] {
    if (depth >= MAX_DEPTH || length > this.bytes.length - this.pos) throw fallback;
    const values = new Array<unknown>(length);
    for (let i = 0; i < length; i++) values[i] = this.item(depth + 1);
    return values;
  }

  private map(length: number, depth: number): Record<string, unknown> {
    if (depth >= MAX_DEPTH || length > this.bytes.length - this.pos) throw fallback;
    const value: Record<string, unknown> = {};
    let previousStart = 0;
    let previousLength = -1;
    for (let i = 0; i < length; i++) {
      const head = this.bytes[this.pos];
      if (head === undefined || head >> 5 !== 3) throw fallback; // DAG-CBOR keys are text
      this.pos++;
      const keyLength = this.argument(head & 31);
      const keyStart = this.pos;
      if (!this.follows(previousStart, previousLength, keyStart, keyLength)) throw fallback;
      const key = this.text(keyLength);
      if (key === '__proto__') throw fallback;
      value[key] = this.item(depth + 1);
      previousStart = keyStart;
      previousLength = keyLength;
    }
    return value;
  }

  /** True when the key at `start` sorts strictly after the previous one (length first, then bytes). */
  private follows(previousStart: number, previousLength: number, start: number, length: number): boolean {
    if (length !== previousLength) return length > previousLength;
    const bytes = this.bytes;
    if (start + length > bytes.length) return false;
    for (let i = 0; i < length; i++) {
      const difference = bytes[start + i]! - bytes[previousStart + i]!; // both keys lie within bytes
      if (difference !== 0) return difference > 0;
    }
    return false;
  }
}
