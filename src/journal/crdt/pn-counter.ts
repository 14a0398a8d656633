/**
 * PN-Counter: a counter that goes up and down, as two G-Counters (increments and decrements);
 * the value is their difference (Shapiro et al. 2011, specification 7).
 *
 * @module
 */
import { gCounter, gCounterIncrement, gCounterValue, type GCounter } from './g-counter.ts';
import type { JoinSemilattice } from './lattice.ts';

/** Increments and decrements, each per replica. */
export interface PnCounter {
  /** Increments. */
  readonly up: GCounter;
  /** Decrements. */
  readonly down: GCounter;
}

/** The PN-Counter lattice: the product of two G-Counters. */
export const pnCounter: JoinSemilattice<PnCounter> = {
  bottom: () => ({ up: gCounter.bottom(), down: gCounter.bottom() }),
  join: (a, b) => ({ up: gCounter.join(a.up, b.up), down: gCounter.join(a.down, b.down) }),
  equals: (a, b) => gCounter.equals(a.up, b.up) && gCounter.equals(a.down, b.down),
};

/** `counter` changed by `amount` (an integer, negative to decrement) at `replica`. */
export function pnCounterAdd(counter: PnCounter, replica: string, amount: number): PnCounter {
  return amount >= 0 ? { ...counter, up: gCounterIncrement(counter.up, replica, amount) } : { ...counter, down: gCounterIncrement(counter.down, replica, -amount) };
}

/** The counter's value. */
export function pnCounterValue(counter: PnCounter): number {
  return gCounterValue(counter.up) - gCounterValue(counter.down);
}
