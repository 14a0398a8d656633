/**
 * Semilattices: the algebra behind every CRDT here. A state-based CRDT is a join-semilattice
 * (merge = join: associative, commutative, idempotent), so replicas that exchange states in any
 * order, any number of times, converge. Constraint-like state (capabilities, limits) is a
 * meet-semilattice: combining only ever narrows. Source: Shapiro, Preguiça, Baquero, Zawirski,
 * "Conflict-free Replicated Data Types" (SSS 2011).
 *
 * @module
 */

/** A join-semilattice over states `S`. */
export interface JoinSemilattice<S> {
  /** The least state: what a replica starts from. */
  bottom(): S;
  /** The least upper bound of two states. */
  join(a: S, b: S): S;
  /** True when both states are the same element of the lattice. */
  equals(a: S, b: S): boolean;
}

/** A meet-semilattice over states `S`. */
export interface MeetSemilattice<S> {
  /** The greatest state: no constraint at all. */
  top(): S;
  /** The greatest lower bound of two states. */
  meet(a: S, b: S): S;
  /** True when both states are the same element of the lattice. */
  equals(a: S, b: S): boolean;
}

/** `a ≤ b` in a join-semilattice: joining `a` into `b` changes nothing. */
export function joinLeq<S>(lattice: JoinSemilattice<S>, a: S, b: S): boolean {
  return lattice.equals(lattice.join(a, b), b);
}

/** Equality of two maps whose values compare with `Object.is`. */
export function sameEntries<K, V>(a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (!Object.is(b.get(key), value) || !b.has(key)) return false;
  return true;
}
