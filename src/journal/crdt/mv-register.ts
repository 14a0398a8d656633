/**
 * MV-Register (multi-value register): a write replaces every value it has seen; concurrent writes
 * are all kept, so a reader sees the conflict instead of losing a write. Each value carries the
 * vector clock of its write; join keeps the values no other value's clock dominates (Shapiro et
 * al. 2011, specification 10).
 *
 * @module
 */
import { toHex } from '../../core/bytes.ts';
import { encodeCanonical } from '../../core/canonical.ts';
import { compareVectors, mergeVectors, vectorIncrement, type VectorClock } from '../../core/logical-clock.ts';
import type { JoinSemilattice } from './lattice.ts';

/** One surviving write. */
export interface MvEntry<V> {
  /** The value written. */
  readonly value: V;
  /** The clock of the write. */
  readonly clock: VectorClock;
}

/** The surviving concurrent writes. */
export type MvRegister<V> = readonly MvEntry<V>[];

function entryKey(entry: MvEntry<unknown>): string {
  return toHex(encodeCanonical({ value: entry.value, clock: entry.clock }));
}

/** The entries of `entries` that no other entry dominates, each once, in a canonical order. */
function maximal<V>(entries: readonly MvEntry<V>[]): MvRegister<V> {
  const unique = new Map(entries.map((entry) => [entryKey(entry), entry]));
  const survivors = [...unique].filter(([, entry]) => ![...unique.values()].some((other) => compareVectors(entry.clock, other.clock) === 'before'));
  return survivors.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry);
}

/** The MV-Register lattice for values of type `V` (canonically encodable). */
export function mvRegister<V>(): JoinSemilattice<MvRegister<V>> {
  return {
    bottom: () => [],
    join: (a, b) => maximal([...a, ...b]),
    equals: (a, b) => a.length === b.length && a.every((entry, i) => entryKey(entry) === entryKey(b[i]!)), // same length
  };
}

/** `register` after `replica` writes `value`, superseding everything it holds. */
export function mvWrite<V>(register: MvRegister<V>, replica: string, value: V): MvRegister<V> {
  const seen = register.reduce<VectorClock>((clock, entry) => mergeVectors(clock, entry.clock), {});
  return [{ value, clock: vectorIncrement(seen, replica) }];
}

/** The current values: one, or several after concurrent writes. */
export function mvValues<V>(register: MvRegister<V>): V[] {
  return register.map((entry) => entry.value);
}
