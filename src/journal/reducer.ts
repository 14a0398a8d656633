/**
 * Reducers: views are pure functions of the fact set. A {@link Reducer} folds facts into a state
 * and reads a view out of it. Its `step` must commute (any order of the same facts gives the same
 * state), and each fact is applied once (the CID decides what "once" means), so a view depends on
 * the set of facts and not on the order they arrived in.
 *
 * Two paths give the same view, which property tests check for every reducer: {@link reduce}
 * folds a whole fact set; an {@link IncrementalView} keeps the state and folds in only new facts,
 * publishing the view through a batched {@link Signal} that subscribers watch.
 *
 * @module
 */
import type { FactRecord } from './fact.ts';
import { KeySet } from './key-set.ts';
import { Signal } from './signal.ts';

/** How a view is computed from facts. */
export interface Reducer<S, V> {
  /** Name, for diagnostics and snapshots. */
  readonly name: string;
  /** The state of no facts. */
  init(): S;
  /**
   * The state with one more fact. May update `state` in place and return it. Must commute:
   * `step(step(s, a), b)` and `step(step(s, b), a)` give the same view.
   */
  step(state: S, record: FactRecord): S;
  /** The view of a state: a fresh value that does not share anything `step` will change. */
  view(state: S): V;
  /** Equality of views, for change detection (default `Object.is`). */
  equals?(a: V, b: V): boolean;
}

/** The state of a set of facts (duplicates by CID count once). */
export function fold<S, V>(reducer: Reducer<S, V>, records: Iterable<FactRecord>): S {
  const seen = new KeySet();
  let state = reducer.init();
  for (const record of records) if (seen.add(record.key)) state = reducer.step(state, record);
  return state;
}

/** The view of a set of facts (duplicates by CID count once). */
export function reduce<S, V>(reducer: Reducer<S, V>, records: Iterable<FactRecord>): V {
  return reducer.view(fold(reducer, records));
}

/** A cached view kept up to date by folding in new facts, observable through {@link signal}. */
export class IncrementalView<S, V> {
  private state: S;
  private readonly seen = new KeySet();
  /** The current view; subscribers hear of changes, batched. */
  readonly signal: Signal<V>;

  constructor(private readonly reducer: Reducer<S, V>) {
    this.state = reducer.init();
    this.signal = new Signal(reducer.view(this.state), reducer.equals?.bind(reducer));
  }

  /** The current view. */
  get view(): V {
    return this.signal.value;
  }

  /** How many distinct facts have been folded in. */
  get size(): number {
    return this.seen.size;
  }

  /** Folds in the facts not seen before; returns how many were new. */
  add(records: Iterable<FactRecord>): number {
    let added = 0;
    for (const record of records) {
      if (!this.seen.add(record.key)) continue;
      this.state = this.reducer.step(this.state, record);
      added++;
    }
    if (added > 0) this.signal.set(this.reducer.view(this.state));
    return added;
  }
}
