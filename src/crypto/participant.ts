/**
 * FROST participant identifiers (RFC 9591 section 3.1 and 4.2): nonzero scalars mod L.
 *
 * A {@link ParticipantId} is the lowercase hex of the identifier's 32-byte little-endian
 * `SerializeScalar` form, so it is a cheap map key, canonically encodable as a string, and the
 * same text as `@noble/curves`' FROST identifiers. Identifiers order by scalar value (RFC 9591
 * sorts commitment lists that way), not by their text.
 *
 * A device's identifier is derived from its {@link DeviceId}:
 * `H("FROST-ED25519-SHA512-v1" ‖ "id" ‖ utf8(deviceId)) mod L`, the derivation of
 * `ed25519_FROST.Identifier.derive` (frost-rs `Identifier::derive`).
 *
 * @module
 */
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concat, fromHex, toHex, utf8 } from '../core/bytes.ts';
import { permanentError } from '../core/errors.ts';
import type { DeviceId } from '../core/identifiers.ts';
import { CONTEXT_STRING, decodeScalar, encodeScalar, Fn } from './group.ts';
import { BoundedMap, BoundedSet } from '../core/bounded-memo.ts';

declare const brand: unique symbol;
/** A participant identifier: 64 lowercase hex digits of a nonzero scalar, little-endian. */
export type ParticipantId = string & { readonly [brand]: 'ParticipantId' };

const HID_PREFIX = utf8(CONTEXT_STRING + 'id');

/** The identifier with scalar value `value` (a positive integer below L). */
export function participantId(value: number | bigint): ParticipantId {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw permanentError('crypto.participant.malformed', `participant number must be a safe integer, got ${value}`);
  const scalar = BigInt(value);
  if (scalar === 0n) throw permanentError('crypto.participant.zero', 'participant identifier 0 is not allowed (it would reveal the secret)');
  if (scalar < 0n || scalar >= Fn.ORDER) throw permanentError('crypto.participant.out-of-range', 'participant identifier must be in [1, L)');
  return toHex(encodeScalar(scalar)) as ParticipantId;
}

/** Device identifiers already derived: every protocol session derives its members' again. */
const DEVICE_ID_CACHE_LIMIT = 4096;
const deviceIds = new BoundedMap<DeviceId, ParticipantId>(DEVICE_ID_CACHE_LIMIT);

/** The identifier of a device: the RFC 9591-style hash of its text form. */
export function deviceParticipantId(device: DeviceId): ParticipantId {
  let id = deviceIds.get(device);
  if (id === undefined) {
    id = participantId(Fn.create(bytesToNumberLE(sha512(concat(HID_PREFIX, utf8(device))))));
    deviceIds.set(device, id);
  }
  return id;
}

/**
 * Identifiers already checked by {@link parseParticipantId}: every session checks its members'
 * again, and a string that was canonical once stays so.
 */
const PARSED_LIMIT = 4096;
const parsed = new BoundedSet<string>(PARSED_LIMIT);

/**
 * Checks that `text` is a participant identifier in canonical form and returns it typed.
 * Errors: `crypto.participant.malformed`, `crypto.participant.zero`, and the scalar errors.
 */
export function parseParticipantId(text: string): ParticipantId {
  if (parsed.has(text)) return text as ParticipantId;
  if (!/^[0-9a-f]{64}$/.test(text)) throw permanentError('crypto.participant.malformed', `participant identifier must be 64 lowercase hex digits, got "${text.slice(0, 70)}"`);
  const id = participantId(decodeScalar(fromHex(text), 'participant identifier'));
  parsed.add(id);
  return id;
}

/** `SerializeScalar` bytes of identifiers already decoded, by identifier: every DKD run hashes its participants'. */
const ID_BYTES_LIMIT = 4096;
const idBytes = new BoundedMap<ParticipantId, Uint8Array>(ID_BYTES_LIMIT);

/** The 32 `SerializeScalar` bytes of an identifier (a fresh copy: decoded once, then copied). */
export function participantIdBytes(id: ParticipantId): Uint8Array {
  let bytes = idBytes.get(id);
  if (bytes === undefined) {
    bytes = fromHex(id);
    idBytes.set(id, bytes);
  }
  return bytes.slice();
}

/** The scalar value of an identifier. */
export function participantScalar(id: ParticipantId): bigint {
  return bytesToNumberLE(fromHex(id));
}

/**
 * Order of identifiers by scalar value, as a sort comparator. Both are 64 lowercase hex digits of
 * little-endian bytes, and lowercase hex digits sort as their values, so comparing the bytes
 * from the last (most significant), high digit first, orders them without making scalars.
 */
export function compareParticipants(a: ParticipantId, b: ParticipantId): number {
  for (let i = a.length - 2; i >= 0; i -= 2) {
    const difference = a.charCodeAt(i) - b.charCodeAt(i) || a.charCodeAt(i + 1) - b.charCodeAt(i + 1);
    if (difference !== 0) return difference < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * Validates a set of identifiers: each canonical, none repeated. Returns them sorted by value.
 * Errors: `crypto.participant.duplicate` and those of {@link parseParticipantId}.
 */
export function participantSet(ids: readonly string[]): ParticipantId[] {
  const seen = new Set<string>();
  for (const id of ids) {
    parseParticipantId(id);
    if (seen.has(id)) throw permanentError('crypto.participant.duplicate', `participant ${id} appears twice`, { context: { participant: id } });
    seen.add(id);
  }
  return [...(ids as readonly ParticipantId[])].sort(compareParticipants);
}
