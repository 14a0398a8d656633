/**
 * The prime-order group of FROST(Ed25519, SHA-512) (RFC 9591 section 6.1): scalars mod
 * L = 2^252 + 27742317777372353535851937790883648493 and points of the Ed25519 prime-order
 * subgroup, with the ciphersuite's byte formats and its hash functions H1, H3, H4, H5 and HDKG.
 *
 * Arithmetic is `@noble/curves`' (`ed25519.Point`, `Point.Fn`); this file only adds checked
 * decoding at the boundary and a cache of decoded, validated points, because decoding a point and
 * checking its subgroup costs about 0.7 ms and the same few commitments and keys are read many
 * times in one signing session.
 *
 * Byte formats (RFC 9591 section 6.1):
 * - `SerializeScalar(s)`: 32 bytes, little-endian; decoding rejects any value >= L.
 * - `SerializeElement(P)`: the 32-byte RFC 8032 compressed encoding; decoding rejects a
 *   non-canonical or off-curve encoding, the identity, and any point outside the prime-order
 *   subgroup.
 *
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { mulAddUnsafe } from '@noble/curves/abstract/curve.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { bytesEqual, concat, toHex, utf8 } from '../core/bytes.ts';
import { permanentError } from '../core/errors.ts';
import { BoundedMap } from '../core/bounded-memo.ts';

/** A point of the Ed25519 group, as `@noble/curves` represents it. */
export type Point = InstanceType<typeof ed25519.Point>;

/** The Ed25519 point constructor. */
export const Point = ed25519.Point;

/** The scalar field: integers mod L. */
export const Fn = ed25519.Point.Fn;

/** Length of an encoded scalar or point. */
export const ELEMENT_LENGTH = 32;

/** The RFC 9591 context string of FROST(Ed25519, SHA-512). */
export const CONTEXT_STRING = 'FROST-ED25519-SHA512-v1';

const H1_PREFIX = utf8(CONTEXT_STRING + 'rho');
const H3_PREFIX = utf8(CONTEXT_STRING + 'nonce');
const H4_PREFIX = utf8(CONTEXT_STRING + 'msg');
const H5_PREFIX = utf8(CONTEXT_STRING + 'com');
const HDKG_PREFIX = utf8(CONTEXT_STRING + 'dkg');

/** Decoded points kept for reuse, keyed by their encoding; bounded so memory cannot grow forever. */
const POINT_CACHE_LIMIT = 8192;
const pointCache = new BoundedMap<string, Point>(POINT_CACHE_LIMIT);

/** SHA-512 of `parts` joined, read little-endian and reduced mod L. */
function hashToScalar(...parts: Uint8Array[]): bigint {
  return Fn.create(bytesToNumberLE(sha512(concat(...parts))));
}

/** H1 (binding factors): `SHA-512(ctx ‖ "rho" ‖ m) mod L`. */
export function h1(message: Uint8Array): bigint {
  return hashToScalar(H1_PREFIX, message);
}

/** H2 (challenge): `SHA-512(m) mod L`, undecorated so that signatures are plain RFC 8032. */
export function h2(message: Uint8Array): bigint {
  return hashToScalar(message);
}

/** H3 (nonces): `SHA-512(ctx ‖ "nonce" ‖ m) mod L`. */
export function h3(message: Uint8Array): bigint {
  return hashToScalar(H3_PREFIX, message);
}

/** H4 (message digest): `SHA-512(ctx ‖ "msg" ‖ m)`, 64 bytes. */
export function h4(message: Uint8Array): Uint8Array {
  return sha512(concat(H4_PREFIX, message));
}

/** H5 (commitment-list digest): `SHA-512(ctx ‖ "com" ‖ m)`, 64 bytes. */
export function h5(message: Uint8Array): Uint8Array {
  return sha512(concat(H5_PREFIX, message));
}

/** HDKG (DKG proof-of-knowledge challenge): `SHA-512(ctx ‖ "dkg" ‖ m) mod L`. */
export function hdkg(message: Uint8Array): bigint {
  return hashToScalar(HDKG_PREFIX, message);
}

/** `SerializeScalar`: 32 bytes little-endian. */
export function encodeScalar(scalar: bigint): Uint8Array {
  return Fn.toBytes(scalar);
}

/**
 * `DeserializeScalar`: exactly 32 bytes encoding a value below L.
 * Errors: `crypto.scalar.bad-length`, `crypto.scalar.out-of-range`.
 */
export function decodeScalar(bytes: Uint8Array, what = 'scalar'): bigint {
  if (bytes.length !== ELEMENT_LENGTH) throw permanentError('crypto.scalar.bad-length', `${what} must be ${ELEMENT_LENGTH} bytes, got ${bytes.length}`);
  const value = bytesToNumberLE(bytes);
  if (value >= Fn.ORDER) throw permanentError('crypto.scalar.out-of-range', `${what} is not below the group order L (non-canonical scalar)`);
  return value;
}

/** `SerializeElement`: the 32-byte compressed encoding. */
export function encodePoint(point: Point): Uint8Array {
  return point.toBytes();
}

/**
 * `DeserializeElement`: a point of the prime-order subgroup, not the identity.
 * Errors: `crypto.point.bad-length`, `crypto.point.malformed` (not a canonical encoding of a
 * curve point), `crypto.point.identity`, `crypto.point.not-in-subgroup`.
 */
export function decodePoint(bytes: Uint8Array, what = 'point'): Point {
  if (bytes.length !== ELEMENT_LENGTH) throw permanentError('crypto.point.bad-length', `${what} must be ${ELEMENT_LENGTH} bytes, got ${bytes.length}`);
  // The same array is decoded again and again (a group key, once per session): compare it with a
  // copy of the bytes last decoded before paying for the hex key.
  if (bytesEqual(bytes, lastDecoded.bytes)) return lastDecoded.point;
  const point = decodeNewPoint(bytes, what);
  lastDecoded = { bytes: bytes.slice(), point };
  return point;
}

/** The bytes {@link decodePoint} decoded last (a copy) and their point. */
let lastDecoded: { readonly bytes: Uint8Array; readonly point: Point } = { bytes: new Uint8Array(0), point: Point.ZERO };

function decodeNewPoint(bytes: Uint8Array, what: string): Point {
  const key = toHex(bytes);
  const cached = pointCache.get(key);
  if (cached !== undefined) return cached;
  let point: Point;
  try {
    point = Point.fromBytes(bytes, false);
  } catch (error) {
    throw permanentError('crypto.point.malformed', `${what} is not a canonical encoding of an Ed25519 point`, { cause: error });
  }
  if (point.is0()) throw permanentError('crypto.point.identity', `${what} is the identity element`);
  if (!point.isTorsionFree()) throw permanentError('crypto.point.not-in-subgroup', `${what} is outside the prime-order subgroup (it has a small-order component)`);
  pointCache.set(key, point);
  return point;
}

/** `scalars[0]·points[0] + …`, for public values only (not constant-time). */
export function multiScalarMul(points: Point[], scalars: bigint[]): Point {
  return mulAddUnsafe(Point, points, scalars);
}

/** `scalar·B` for a secret scalar (constant-time base multiplication). */
export function baseMul(scalar: bigint): Point {
  return Point.BASE.multiply(scalar);
}
