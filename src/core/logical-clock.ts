/**
 * Logical time: Lamport clocks (a total order consistent with causality, once ties are broken by
 * replica) and vector clocks (the exact causal partial order). Pure functions over plain values.
 *
 * Laws (property-tested): `mergeVectors` is associative, commutative and idempotent; `tick`
 * strictly increases; a received stamp is always before the receiver's next stamp.
 *
 * @module
 */

/** A Lamport counter. */
export type Lamport = number;

/** A vector clock: events seen per replica (absent entries are 0). Keys are replica ids. */
export type VectorClock = Readonly<Record<string, number>>;

/** How two vector clocks relate. */
export type CausalOrder = 'before' | 'after' | 'equal' | 'concurrent';

/** The Lamport time of a local event after `current`. */
export function lamportTick(current: Lamport): Lamport {
  return current + 1;
}

/** The Lamport time of receiving a message stamped `received` when the clock reads `current`. */
export function lamportObserve(current: Lamport, received: Lamport): Lamport {
  return Math.max(current, received) + 1;
}

/** `clock` with one more event at `replica`. */
export function vectorIncrement(clock: VectorClock, replica: string): VectorClock {
  return { ...clock, [replica]: (clock[replica] ?? 0) + 1 };
}

/** The least upper bound of two clocks: the entry-wise maximum. */
export function mergeVectors(a: VectorClock, b: VectorClock): VectorClock {
  const merged: Record<string, number> = { ...a };
  for (const [replica, count] of Object.entries(b)) merged[replica] = Math.max(merged[replica] ?? 0, count);
  return merged;
}

/** Compares two clocks in the causal order. */
export function compareVectors(a: VectorClock, b: VectorClock): CausalOrder {
  let aAhead = false;
  let bAhead = false;
  for (const replica of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const left = a[replica] ?? 0;
    const right = b[replica] ?? 0;
    if (left > right) aAhead = true;
    if (right > left) bAhead = true;
  }
  if (aAhead && bAhead) return 'concurrent';
  if (aAhead) return 'after';
  return bAhead ? 'before' : 'equal';
}

/** True when every event `b` has seen, `a` has seen too. */
export function vectorDominates(a: VectorClock, b: VectorClock): boolean {
  const order = compareVectors(a, b);
  return order === 'after' || order === 'equal';
}
