/**
 * `examples/choreo/map-reduce.choreo`, driven, with a family of `n` workers: the master deals the
 * words of a text out to the workers, each worker counts its words (the `Map` action), the reducer
 * merges the partial counts (`Reduce`) and returns them. The `flow_cost` annotation on each
 * partial result is charged to the sending worker's budget by an extension hook, which refuses
 * the send when the budget is spent.
 *
 * @module
 */
import { utf8 } from '../../src/core/bytes.ts';
import { ExtensionRegistry, type RoleImpl } from '../../src/runtime/index.ts';
import { loadExample, runToEnd, type ExampleRunOptions } from './session.ts';

/** Word counts. */
export type Counts = Record<string, number>;

/** Counts the words of `text` with `n` workers, each allowed to spend `budget` flow units. */
export async function mapReduce(text: string, n: number, budget = Infinity, options: ExampleRunOptions = {}): Promise<{ counts: Counts; spent: Counts }> {
  const protocol = loadExample('map-reduce', { N: n });
  const words = text.split(/\s+/).filter((word) => word !== '');
  const decoder = new TextDecoder();
  const spent: Counts = {};
  const extensions = new ExtensionRegistry().register('flow_cost', ({ role, value }) => {
    const total = (spent[role] ?? 0) + Number(value);
    if (total > budget) throw new Error(`${role} would spend ${total} flow units of ${budget}`);
    spent[role] = total;
  });
  let result: Counts | undefined;
  const master: RoleImpl = {
    send: { Task: (to) => ({ part: words.filter((_, i) => `Worker[${i % n}]` === to).map((word) => utf8(word)) }) },
    recv: { Result: (payload) => (result = (payload as { counts: Counts }).counts) },
  };
  const partials: Counts[] = [];
  let merged: Counts = {};
  const reducer: RoleImpl = {
    recv: { Partial: (payload) => void partials.push((payload as { counts: Counts }).counts) },
    local: { Reduce: () => void (merged = merge(partials)) },
    send: { Result: () => ({ counts: merged }) },
  };
  const impls: Record<string, RoleImpl> = { Master: master, Reducer: reducer };
  for (const role of protocol.roles.filter((name) => name.startsWith('Worker['))) {
    let part: Uint8Array[] = [];
    let counts: Counts = {};
    impls[role] = {
      recv: { Task: (payload) => void (part = (payload as { part: Uint8Array[] }).part) },
      local: { Map: () => void (counts = merge(part.map((word) => ({ [decoder.decode(word)]: 1 })))) },
      send: { Partial: () => ({ counts }) },
    };
  }
  await runToEnd(protocol, impls, { ...options, extensions });
  if (result === undefined) throw new Error('the master got no result');
  return { counts: result, spent };
}

/** The sum of several word counts. */
export function merge(all: readonly Counts[]): Counts {
  const total: Counts = {};
  for (const counts of all) for (const [word, count] of Object.entries(counts)) total[word] = (total[word] ?? 0) + count;
  return total;
}
