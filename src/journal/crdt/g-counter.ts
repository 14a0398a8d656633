/**
 * G-Counter: a grow-only counter. Each replica counts its own increments; the value is the sum;
 * join takes the maximum per replica (Shapiro et al. 2011, specification 6).
 *
 * @module
 */
import { permanentError } from '../../core/errors.ts';
import { sameEntries, type JoinSemilattice } from './lattice.ts';

/** Increments seen per replica. */
export type GCounter = ReadonlyMap<string, number>;

/** The G-Counter lattice. */
export const gCounter: JoinSemilattice<GCounter> = {
  bottom: () => new Map(),
  join(a, b) {
    const joined = new Map(a);
    for (const [replica, count] of b) joined.set(replica, Math.max(joined.get(replica) ?? 0, count));
    return joined;
  },
  equals: sameEntries,
};

/** `counter` with `amount` (a non-negative integer) more at `replica`. */
export function gCounterIncrement(counter: GCounter, replica: string, amount = 1): GCounter {
  if (!Number.isSafeInteger(amount) || amount < 0) throw permanentError('crdt.bad-amount', `a G-Counter grows by a non-negative integer, got ${amount}`);
  return new Map(counter).set(replica, (counter.get(replica) ?? 0) + amount);
}

/** The counter's value: the sum over replicas. */
export function gCounterValue(counter: GCounter): number {
  let total = 0;
  for (const count of counter.values()) total += count;
  return total;
}
