/**
 * Byte-array helpers used across layers: hex and UTF-8 conversion, concatenation, comparison.
 * Built on `@noble/hashes/utils` (hex output on Node's `Buffer`); hex parsing reports malformed input
 * as an {@link AuraError}.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { permanentError } from './errors.ts';

/**
 * Lowercase hex of `bytes`. Node's `Buffer` makes it natively as one flat string: a string joined
 * two digits at a time is a chain of pieces that every later read (a map key, a hash input) must
 * first copy into one.
 */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Parses lowercase or uppercase hex; odd length or a non-hex digit is `bytes.malformed-hex`. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw permanentError('bytes.malformed-hex', `not a hex string: "${hex.length > 40 ? hex.slice(0, 40) + '…' : hex}"`);
  }
  return hexToBytes(hex);
}

/**
 * Texts up to this length that are ASCII are encoded by a loop here: `TextEncoder` costs about
 * half a microsecond per call to enter native code, several times the loop for the identifiers,
 * labels and context strings that protocols hash in every session.
 */
const SHORT_TEXT = 256;

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  if (text.length > SHORT_TEXT) return utf8ToBytes(text);
  const out = new Uint8Array(text.length);
  return writeAscii(text, out, 0) ? out : utf8ToBytes(text);
}

/** `lengthPrefixed(utf8(text))`, written into one array when `text` is short ASCII. */
export function lengthPrefixedUtf8(text: string): Uint8Array {
  if (text.length > SHORT_TEXT) return lengthPrefixed(utf8ToBytes(text));
  const out = new Uint8Array(4 + text.length);
  if (!writeAscii(text, out, 4)) return lengthPrefixed(utf8ToBytes(text));
  writeU32be(out, text.length);
  return out;
}

/** Writes `text` at `offset` of `out` when it is ASCII (one byte per character); false, and `out` partly written, otherwise. */
function writeAscii(text: string, out: Uint8Array, offset: number): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return false;
    out[offset + i] = code;
  }
  return true;
}

function writeU32be(out: Uint8Array, value: number): void {
  out[0] = value >>> 24;
  out[1] = value >>> 16;
  out[2] = value >>> 8;
  out[3] = value;
}

/** All arguments joined into one new array. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(...parts);
}

/** `u32be(len(bytes)) ‖ bytes`: the length prefix that keeps joined fields unambiguous. */
export function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.length);
  writeU32be(out, bytes.length);
  out.set(bytes, 4);
  return out;
}

/** The 8-byte big-endian form of a non-negative safe integer; anything else is `bytes.bad-integer`. */
export function u64be(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw permanentError('bytes.bad-integer', `expected a non-negative safe integer, got ${value}`);
  const out = new Uint8Array(8);
  const high = Math.floor(value / 2 ** 32);
  const low = value >>> 0;
  for (let i = 0; i < 4; i++) {
    out[3 - i] = high >>> (8 * i);
    out[7 - i] = low >>> (8 * i);
  }
  return out;
}

/** True when both arrays hold the same bytes. Not constant-time: never use it on secrets. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic order of two byte arrays: negative, zero or positive, like a sort comparator. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const difference = a[i]! - b[i]!; // i < both lengths
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}
