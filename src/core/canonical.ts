/**
 * Canonical encoding: every value Aura hashes, signs or sends is encoded as DAG-CBOR
 * (https://ipld.io/specs/codecs/dag-cbor/spec/) through `@ipld/dag-cbor`, whose encoder is
 * deterministic: map keys sorted by length then bytes, shortest integer forms, no indefinite
 * lengths, no `undefined`, no NaN or infinities.
 *
 * The decoder alone accepts some non-canonical input (unsorted map keys, floats in fewer than 64
 * bits, a text string starting with a byte order mark, which it drops), so {@link decodeCanonical}
 * demands that the bytes be the one encoding of what they decode to. Two encodings of one value can
 * therefore never both be accepted, which is what makes content identifiers and signatures over
 * encodings sound.
 *
 * That check is made in one pass over the bytes ({@link provedCanonical}) for what nearly every
 * message is made of: integers below 2^32, byte and text strings, lists, maps with text keys,
 * booleans and null. The pass demands each of their canonical rules (shortest argument for every
 * integer and length, definite lengths, keys strictly increasing by length then bytes, text that
 * is valid UTF-8 and does not start with a byte order mark, nothing after the item). Anything else
 * (floats, tags such as CIDs, integers of 8 bytes, very deep nesting, or bytes that break a rule)
 * is left to the exact check: re-encode the decoded value and compare bytes. The pass never
 * accepts what that check would refuse, so both give the same answers and the same errors.
 *
 * @module
 */
import * as dagCbor from '@ipld/dag-cbor';
import { bytesEqual } from './bytes.ts';
import { permanentError } from './errors.ts';

/** The multicodec code of DAG-CBOR, used in CIDs. */
export const DAG_CBOR_CODE = 0x71;

/** A value of the IPLD data model: what canonical encoding accepts. */
export type CanonicalValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly CanonicalValue[]
  | { readonly [key: string]: CanonicalValue };

/** Canonical DAG-CBOR bytes of `value`; a value outside the data model is `cbor.unencodable`. */
export function encodeCanonical(value: unknown): Uint8Array {
  try {
    return dagCbor.encode(value);
  } catch (error) {
    throw permanentError('cbor.unencodable', `cannot encode value canonically: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * True when a decoded value is a DAG-CBOR map: a plain object, not a list, bytes or a CID. What
 * every reader of a decoded message checks before reading its fields.
 */
export function isCanonicalMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * Decodes canonical DAG-CBOR and checks that `bytes` is the one canonical encoding of the result.
 *
 * Errors: `cbor.truncated` (the input ends inside an item), `cbor.malformed` (not DAG-CBOR, or
 * trailing bytes), `cbor.non-canonical` (valid CBOR, but not the canonical form of its value).
 */
export function decodeCanonical(bytes: Uint8Array): unknown {
  let value: unknown;
  try {
    value = dagCbor.decode(bytes);
  } catch (error) {
    const message = (error as Error).message;
    const truncated = /not enough|did not find any content|unexpected end/i.test(message);
    throw permanentError(truncated ? 'cbor.truncated' : 'cbor.malformed', `${truncated ? 'truncated' : 'malformed'} DAG-CBOR (${bytes.length} bytes): ${message}`, {
      cause: error,
      context: { length: bytes.length },
    });
  }
  if (!provedCanonical(bytes) && !bytesEqual(dagCbor.encode(value), bytes)) {
    throw permanentError('cbor.non-canonical', `DAG-CBOR is not in canonical form (${bytes.length} bytes): map keys out of order or a non-shortest encoding`, {
      context: { length: bytes.length },
    });
  }
  return value;
}

/** Nesting deeper than this is left to the re-encoding check, so the pass's recursion stays shallow. */
const MAX_PROVED_DEPTH = 32;

/** A byte order mark at the start of a text string, which the decoder drops. */
const BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * True when one pass over `bytes` proves them the canonical DAG-CBOR encoding of a single value
 * made of integers below 2^32, byte and text strings, lists, maps with text keys, booleans and
 * null (see the module comment). False proves nothing: the bytes may still be canonical (a float,
 * a CID), non-canonical or malformed; {@link decodeCanonical} then decides by re-encoding.
 */
export function provedCanonical(bytes: Uint8Array): boolean {
  return canonicalItemEnd(bytes, 0, 0) === bytes.length;
}

/** The offset just after the canonical item at `offset`, or -1 when this pass cannot prove it canonical. */
function canonicalItemEnd(bytes: Uint8Array, offset: number, depth: number): number {
  if (offset >= bytes.length || depth > MAX_PROVED_DEPTH) return -1;
  const initial = bytes[offset]!; // offset < length
  const major = initial >> 5;
  // false, true and null; every other simple value and every float goes to the exact check.
  if (major === 7) return initial === 0xf4 || initial === 0xf5 || initial === 0xf6 ? offset + 1 : -1;
  if (major === 6) return -1;
  const start = argumentEnd(bytes, offset);
  if (start < 0) return -1;
  const argument = argumentOf(bytes, offset);
  switch (major) {
    case 0:
    case 1:
      return start;
    case 2:
      return start + argument <= bytes.length ? start + argument : -1;
    case 3:
      return start + argument <= bytes.length && isCanonicalText(bytes, start, start + argument) ? start + argument : -1;
    case 4: {
      let position = start;
      for (let i = 0; i < argument && position >= 0; i++) position = canonicalItemEnd(bytes, position, depth + 1);
      return position;
    }
    default:
      return canonicalMapEnd(bytes, start, argument, depth);
  }
}

/** The end of `entries` map entries starting at `offset`: text keys, strictly increasing by length then bytes. */
function canonicalMapEnd(bytes: Uint8Array, offset: number, entries: number, depth: number): number {
  let position = offset;
  let previousKey = -1;
  for (let i = 0; i < entries; i++) {
    if (position >= bytes.length || bytes[position]! >> 5 !== 3) return -1; // position < length
    const keyEnd = canonicalItemEnd(bytes, position, depth + 1);
    if (keyEnd < 0 || (previousKey >= 0 && compareKeys(bytes, previousKey, position) >= 0)) return -1;
    previousKey = position;
    position = canonicalItemEnd(bytes, keyEnd, depth + 1);
    if (position < 0) return -1;
  }
  return position;
}

/**
 * The order of two encoded text keys that this pass has already checked: by length, then by
 * bytes. Comparing the encodings byte by byte gives exactly that, because a shortest-form header
 * grows with the length it encodes.
 */
function compareKeys(bytes: Uint8Array, left: number, right: number): number {
  const leftEnd = argumentEnd(bytes, left) + argumentOf(bytes, left);
  const rightEnd = argumentEnd(bytes, right) + argumentOf(bytes, right);
  for (let i = 0; left + i < leftEnd && right + i < rightEnd; i++) {
    const difference = bytes[left + i]! - bytes[right + i]!; // both within their keys
    if (difference !== 0) return difference;
  }
  return leftEnd - left - (rightEnd - right);
}

/** Where the item at `offset` starts its content, or -1 when its argument is not in shortest form (or is 8 bytes, or indefinite). */
function argumentEnd(bytes: Uint8Array, offset: number): number {
  const info = bytes[offset]! & 31; // callers pass an offset within bytes
  if (info < 24) return offset + 1;
  const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : 0;
  if (size === 0 || offset + size >= bytes.length) return -1;
  const argument = argumentOf(bytes, offset);
  const smallest = info === 24 ? 24 : info === 25 ? 0x100 : 0x10000;
  return argument >= smallest ? offset + 1 + size : -1;
}

/** The argument of the item at `offset` (its value, or its length); only for items {@link argumentEnd} accepts. */
function argumentOf(bytes: Uint8Array, offset: number): number {
  const info = bytes[offset]! & 31; // as in argumentEnd
  if (info < 24) return info;
  let value = 0;
  const size = info === 24 ? 1 : info === 25 ? 2 : 4;
  for (let i = 1; i <= size; i++) value = value * 256 + bytes[offset + i]!; // argumentEnd checked the bytes are there
  return value;
}

/**
 * True when `bytes[start..end)` is valid UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF) not starting with a byte order mark: exactly the text that the decoder
 * turns into a string whose UTF-8 is the same bytes.
 */
function isCanonicalText(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start >= 3 && bytes[start] === BOM[0] && bytes[start + 1] === BOM[1] && bytes[start + 2] === BOM[2]) return false;
  let i = start;
  while (i < end) {
    const lead = bytes[i]!; // i < end <= length
    if (lead < 0x80) {
      i++;
      continue;
    }
    const [length, low, high] = lead >= 0xc2 && lead <= 0xdf ? [2, 0x80, 0xbf] : lead === 0xe0 ? [3, 0xa0, 0xbf] : lead === 0xed ? [3, 0x80, 0x9f] : lead >= 0xe1 && lead <= 0xef ? [3, 0x80, 0xbf] : lead === 0xf0 ? [4, 0x90, 0xbf] : lead >= 0xf1 && lead <= 0xf3 ? [4, 0x80, 0xbf] : lead === 0xf4 ? [4, 0x80, 0x8f] : [0, 0, 0];
    if (length === 0 || i + length > end) return false;
    const second = bytes[i + 1]!; // i + length <= end
    if (second < low || second > high) return false;
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k]!; // i + length <= end
      if (next < 0x80 || next > 0xbf) return false;
    }
    i += length;
  }
  return true;
}
