/**
 * Time stamps. Aura never assumes one global clock, so a stamp says what kind of time it is:
 *
 * - `physical`: wall-clock milliseconds since the Unix epoch, with an optional uncertainty (ms);
 * - `logical`: a Lamport counter and a vector clock (causal order);
 * - `order`: an opaque 32-byte token that orders events without revealing when they happened;
 * - `range`: the event happened between two physical times (ms).
 *
 * Stamps of different kinds are not comparable; {@link compareTimeStamps} says so rather than guess.
 *
 * @module
 */
import { compareBytes } from './bytes.ts';
import { permanentError } from './errors.ts';
import { compareVectors, type CausalOrder, type Lamport, type VectorClock } from './logical-clock.ts';

/** Wall-clock time. */
export interface PhysicalTime {
  readonly kind: 'physical';
  /** Milliseconds since the Unix epoch. */
  readonly ms: number;
  /** How far off `ms` may be, in milliseconds. */
  readonly uncertainty?: number;
}

/** Causal time. */
export interface LogicalTime {
  readonly kind: 'logical';
  /** Lamport counter. */
  readonly lamport: Lamport;
  /** Vector clock. */
  readonly vector: VectorClock;
}

/** Privacy-preserving order: 32 opaque bytes compared lexicographically. */
export interface OrderTime {
  readonly kind: 'order';
  /** The token, exactly {@link ORDER_TOKEN_LENGTH} bytes. */
  readonly token: Uint8Array;
}

/** An interval of physical time. */
export interface TimeRange {
  readonly kind: 'range';
  /** Earliest possible time, ms since the Unix epoch. */
  readonly earliest: number;
  /** Latest possible time, ms since the Unix epoch. */
  readonly latest: number;
}

/** Any Aura time stamp. */
export type TimeStamp = PhysicalTime | LogicalTime | OrderTime | TimeRange;

/** The result of comparing two stamps; `incomparable` for different kinds or overlapping ranges. */
export type TimeOrder = CausalOrder | 'incomparable';

/** Length of an order token in bytes. */
export const ORDER_TOKEN_LENGTH = 32;

/** A physical stamp; negative or non-finite values are `time.invalid`. */
export function physicalTime(ms: number, uncertainty?: number): PhysicalTime {
  if (!Number.isFinite(ms) || ms < 0 || (uncertainty !== undefined && (!Number.isFinite(uncertainty) || uncertainty < 0))) {
    throw permanentError('time.invalid', `invalid physical time ${ms}±${uncertainty ?? 0}`);
  }
  return uncertainty === undefined ? { kind: 'physical', ms } : { kind: 'physical', ms, uncertainty };
}

/** An order stamp; a token of the wrong length is `time.invalid`. */
export function orderTime(token: Uint8Array): OrderTime {
  if (token.length !== ORDER_TOKEN_LENGTH) throw permanentError('time.invalid', `an order token has ${ORDER_TOKEN_LENGTH} bytes, got ${token.length}`);
  return { kind: 'order', token };
}

/** A range stamp; `earliest > latest` is `time.invalid`. */
export function timeRange(earliest: number, latest: number): TimeRange {
  if (!(earliest <= latest)) throw permanentError('time.invalid', `time range [${earliest}, ${latest}] is empty`);
  return { kind: 'range', earliest, latest };
}

/** Compares two stamps of the same kind; different kinds are `incomparable`. */
export function compareTimeStamps(a: TimeStamp, b: TimeStamp): TimeOrder {
  switch (a.kind) {
    case 'physical':
      return b.kind === 'physical' ? signToOrder(a.ms - b.ms) : 'incomparable';
    case 'logical':
      return b.kind === 'logical' ? compareVectors(a.vector, b.vector) : 'incomparable';
    case 'order':
      return b.kind === 'order' ? signToOrder(compareBytes(a.token, b.token)) : 'incomparable';
    case 'range':
      if (b.kind !== 'range') return 'incomparable';
      if (a.earliest === b.earliest && a.latest === b.latest) return 'equal';
      if (a.latest < b.earliest) return 'before';
      return b.latest < a.earliest ? 'after' : 'incomparable';
  }
}

function signToOrder(sign: number): CausalOrder {
  if (sign < 0) return 'before';
  return sign > 0 ? 'after' : 'equal';
}
