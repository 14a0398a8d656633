/**
 * LWW-Register: the last write wins, where "last" is the order-clock token of the write
 * (`OrderClockEffects`: 32 opaque bytes that order writes without saying when they happened).
 * Ties (equal tokens) are broken by replica id, then by the canonical encoding of the value, so
 * join is a total, deterministic choice and therefore a semilattice.
 *
 * @module
 */
import { compareBytes } from '../../core/bytes.ts';
import { encodeCanonical } from '../../core/canonical.ts';
import type { OrderClockEffects } from '../../core/effects.ts';
import type { JoinSemilattice } from './lattice.ts';

/** The register: empty, or a value with the write that set it. */
export type LwwRegister<V> =
  | { readonly kind: 'empty' }
  | {
      readonly kind: 'set';
      /** The value written. */
      readonly value: V;
      /** The writer's order token. */
      readonly token: Uint8Array;
      /** The writing replica, for ties. */
      readonly replica: string;
    };

/** Orders two writes: negative when `a` lost to `b`. */
function compareWrites<V>(a: Extract<LwwRegister<V>, { kind: 'set' }>, b: Extract<LwwRegister<V>, { kind: 'set' }>): number {
  const byToken = compareBytes(a.token, b.token);
  if (byToken !== 0) return byToken;
  if (a.replica !== b.replica) return a.replica < b.replica ? -1 : 1;
  return compareBytes(encodeCanonical(a.value), encodeCanonical(b.value));
}

/** The LWW-Register lattice for values of type `V` (values must be canonically encodable). */
export function lwwRegister<V>(): JoinSemilattice<LwwRegister<V>> {
  return {
    bottom: () => ({ kind: 'empty' }),
    join(a, b) {
      if (a.kind === 'empty') return b;
      if (b.kind === 'empty') return a;
      return compareWrites(a, b) >= 0 ? a : b;
    },
    equals(a, b) {
      if (a.kind === 'empty' || b.kind === 'empty') return a.kind === b.kind;
      return compareWrites(a, b) === 0;
    },
  };
}

/** `register` after `replica` writes `value`, stamped by `clock`. */
export function lwwWrite<V>(register: LwwRegister<V>, replica: string, value: V, clock: OrderClockEffects): LwwRegister<V> {
  return lwwRegister<V>().join(register, { kind: 'set', value, token: clock.orderTime().token, replica });
}

/** The current value, or `undefined` when never written. */
export function lwwValue<V>(register: LwwRegister<V>): V | undefined {
  return register.kind === 'set' ? register.value : undefined;
}
