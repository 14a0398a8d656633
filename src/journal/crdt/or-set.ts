/**
 * OR-Set (observed-remove set, add wins): every add carries a unique tag; a remove tombstones the
 * tags it has observed, so an add concurrent with a remove survives it (Shapiro et al. 2011,
 * specification 15). Elements are canonical values, identified by their canonical encoding.
 *
 * @module
 */
import { toHex } from '../../core/bytes.ts';
import { encodeCanonical } from '../../core/canonical.ts';
import type { RandomEffects } from '../../core/effects.ts';
import type { JoinSemilattice } from './lattice.ts';

/** Tags per element, and the tombstoned tags. */
export interface OrSet<E> {
  /** Per element (keyed by the hex of its canonical encoding): the element and its add tags. */
  readonly adds: ReadonlyMap<string, { readonly element: E; readonly tags: ReadonlySet<string> }>;
  /** Tags removed. */
  readonly removed: ReadonlySet<string>;
}

function elementKey(element: unknown): string {
  return toHex(encodeCanonical(element));
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((tag) => b.has(tag));
}

/** The OR-Set lattice for elements of type `E`. */
export function orSet<E>(): JoinSemilattice<OrSet<E>> {
  return {
    bottom: () => ({ adds: new Map(), removed: new Set() }),
    join(a, b) {
      const adds = new Map(a.adds);
      for (const [key, entry] of b.adds) {
        const mine = adds.get(key);
        adds.set(key, mine === undefined ? entry : { element: mine.element, tags: new Set([...mine.tags, ...entry.tags]) });
      }
      return { adds, removed: new Set([...a.removed, ...b.removed]) };
    },
    equals(a, b) {
      if (a.adds.size !== b.adds.size || !sameSet(a.removed, b.removed)) return false;
      for (const [key, entry] of a.adds) {
        const other = b.adds.get(key);
        if (other === undefined || !sameSet(entry.tags, other.tags)) return false;
      }
      return true;
    },
  };
}

/** `set` with `element` added under a fresh random tag. */
export function orSetAdd<E>(set: OrSet<E>, element: E, random: RandomEffects): OrSet<E> {
  const key = elementKey(element);
  const tag = toHex(random.randomBytes(16));
  const entry = set.adds.get(key);
  return { adds: new Map(set.adds).set(key, { element, tags: new Set([...(entry?.tags ?? []), tag]) }), removed: set.removed };
}

/** `set` with the tags of `element` observed here tombstoned. */
export function orSetRemove<E>(set: OrSet<E>, element: E): OrSet<E> {
  const entry = set.adds.get(elementKey(element));
  return entry === undefined ? set : { adds: set.adds, removed: new Set([...set.removed, ...entry.tags]) };
}

/** The elements present: those with a tag not tombstoned. */
export function orSetValues<E>(set: OrSet<E>): E[] {
  const values: E[] = [];
  for (const { element, tags } of set.adds.values()) if ([...tags].some((tag) => !set.removed.has(tag))) values.push(element);
  return values;
}

/** True when `element` is present. */
export function orSetHas<E>(set: OrSet<E>, element: E): boolean {
  const entry = set.adds.get(elementKey(element));
  return entry !== undefined && [...entry.tags].some((tag) => !set.removed.has(tag));
}
