/**
 * Counter facts and their view: `counter.add` facts each add a non-negative amount to a named
 * counter, and the view is the total per counter. The simplest grow-only view, used for usage
 * tallies, as the reference reducer in tests, and by the reduction benchmark.
 *
 * @module
 */
import type { FactRecord } from './fact.ts';
import type { FactType } from './fact-registry.ts';
import { permanentError } from '../core/errors.ts';
import { list, record, text, uint, type Infer } from './schema.ts';
import type { SnapshotReducer } from './snapshot.ts';

const counterAddPayload = record({ counter: text(128), amount: uint(2 ** 32) });

/** Payload of a `counter.add` fact. */
export type CounterAdd = Infer<typeof counterAddPayload>;

/** `counter.add@1`: adds `amount` to `counter`; device-signed or local. */
export const COUNTER_ADD: FactType<CounterAdd> = {
  typeId: 'counter.add',
  schemaVersion: 1,
  description: 'adds a non-negative amount to a named counter',
  payload: counterAddPayload,
  attestations: ['device', 'threshold', 'none'],
  namespaces: ['authority', 'context'],
};

/** Totals by counter name. */
export type CounterTotals = ReadonlyMap<string, number>;

const counterState = list(record({ counter: text(128), total: uint() }), 1_000_000);

/** Sums `counter.add` facts per counter; other facts leave it unchanged. Snapshots as `[{ counter, total }]`. */
export const counterReducer: SnapshotReducer<Map<string, number>, CounterTotals> = {
  name: 'counter.totals',
  init: () => new Map(),
  step(totals, { fact }: FactRecord) {
    if (fact.typeId !== COUNTER_ADD.typeId) return totals;
    const { counter, amount } = fact.payload as CounterAdd;
    totals.set(counter, (totals.get(counter) ?? 0) + amount);
    return totals;
  },
  view: (totals) => new Map(totals),
  encodeState: (totals) => [...totals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([counter, total]) => ({ counter, total })),
  decodeState(value) {
    const reason = counterState(value, 'state');
    if (reason !== undefined) throw permanentError('snapshot.bad-state', `not a counter snapshot: ${reason}`);
    return new Map((value as Infer<typeof counterState>).map(({ counter, total }) => [counter, total]));
  },
  equals(a, b) {
    if (a.size !== b.size) return false;
    for (const [name, total] of a) if (b.get(name) !== total) return false;
    return true;
  },
};
