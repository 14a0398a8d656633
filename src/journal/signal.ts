/**
 * A small reactive signal: a current value and listeners told when it changes. Changes are
 * batched: any number of updates before the next microtask (or an explicit {@link Signal.flush})
 * reach listeners as one emission of the latest value, and none at all if that value equals the
 * one last emitted.
 *
 * @module
 */

/** Called with the new value. */
export type Listener<V> = (value: V) => void;

/** A value that can be watched. */
export class Signal<V> {
  private current: V;
  private emitted: V;
  private scheduled = false;
  private readonly listeners = new Set<Listener<V>>();

  /** A signal holding `initial`; `equals` decides what counts as a change (default `Object.is`). */
  constructor(
    initial: V,
    private readonly equals: (a: V, b: V) => boolean = Object.is,
  ) {
    this.current = initial;
    this.emitted = initial;
  }

  /** The latest value, emitted or not. */
  get value(): V {
    return this.current;
  }

  /** Sets the value; listeners hear of it once, at the next flush. */
  set(value: V): void {
    this.current = value;
    if (this.scheduled || this.listeners.size === 0) return;
    this.scheduled = true;
    queueMicrotask(() => { this.flush(); });
  }

  /** Calls `listener` on every change from now on; returns the function that stops it. */
  subscribe(listener: Listener<V>): () => void {
    this.listeners.add(listener);
    this.emitted = this.current;
    return () => this.listeners.delete(listener);
  }

  /** Delivers a pending change now, if the value differs from the last one emitted. */
  flush(): void {
    this.scheduled = false;
    if (this.equals(this.current, this.emitted)) return;
    this.emitted = this.current;
    for (const listener of this.listeners) listener(this.current);
  }
}
