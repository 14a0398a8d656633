/**
 * Payload corruption: the default hook that turns a message into a damaged copy, the way a bad
 * link or a buggy middlebox would. The original payload is never modified (other recipients and
 * the sender may still hold it). Deterministic given the draws.
 *
 * @module
 */
import type { RandomDraws } from './draws.ts';

/** Returns a corrupted copy of a payload. */
export type CorruptHook = (payload: unknown, draws: RandomDraws) => unknown;

/**
 * The default corruption: bytes get one bit flipped; text gets one character replaced; numbers
 * change by one; booleans flip; in an array or object one element or field (chosen at random, in
 * sorted key order) is corrupted recursively. Anything else is delivered unchanged.
 */
export const corruptPayload: CorruptHook = (payload, draws) => {
  if (payload instanceof Uint8Array) {
    if (payload.length === 0) return Uint8Array.of(draws.int(256));
    const copy = payload.slice();
    const bit = draws.int(copy.length * 8);
    copy[bit >> 3]! ^= 1 << (bit & 7); // bit >> 3 < length
    return copy;
  }
  if (typeof payload === 'string') {
    if (payload.length === 0) return '\u0000';
    const index = draws.int(payload.length);
    const replaced = payload.charCodeAt(index) ^ 1;
    return payload.slice(0, index) + String.fromCharCode(replaced) + payload.slice(index + 1);
  }
  if (typeof payload === 'number') return payload + 1;
  if (typeof payload === 'bigint') return payload + 1n;
  if (typeof payload === 'boolean') return !payload;
  if (Array.isArray(payload)) {
    const items = payload as unknown[];
    if (items.length === 0) return items;
    const copy = items.slice();
    const index = draws.int(copy.length);
    copy[index] = corruptPayload(copy[index], draws);
    return copy;
  }
  if (typeof payload === 'object' && payload !== null) {
    const keys = Object.keys(payload).sort();
    if (keys.length === 0) return payload;
    const key = draws.pick(keys);
    return { ...payload, [key]: corruptPayload((payload as Record<string, unknown>)[key], draws) };
  }
  return payload;
};
