/**
 * `examples/choreo/travel-agency.choreo`, driven: the client asks for quotes on its destinations
 * in order (the `rec` loop) and books the first within budget, or gives up when none is; the
 * agency checks every query with the service, which books and confirms.
 *
 * @module
 */
import type { RoleImpl } from '../../src/runtime/index.ts';
import { loadExample, runToEnd, type ExampleRunOptions } from './session.ts';

/** The service's prices. */
export const PRICES: Readonly<Record<string, number>> = { Lisbon: 420, Kyoto: 1350, Oslo: 610, Lima: 980 };

/** How the search ended. */
export interface Trip {
  /** The destinations quoted, in order. */
  readonly quotes: readonly (readonly [string, number])[];
  /** The booked destination and its date; absent when the client rejected them all. */
  readonly booked?: { readonly destination: string; readonly date: string };
  /** What the service saw: each check, then `book …` or `cancel`. */
  readonly serviceLog: readonly string[];
}

/** Searches `wishes` in order for a trip of at most `budget`. */
export async function travelAgency(wishes: readonly string[], budget: number, options: ExampleRunOptions = {}): Promise<Trip> {
  const quotes: [string, number][] = [];
  const serviceLog: string[] = [];
  let next = 0;
  let date: string | undefined;
  let agencyDestination = '';
  let serviceDestination = '';
  let lastPrice = 0;
  const affordable = (): boolean => (quotes.at(-1)?.[1] ?? Infinity) <= budget;
  const client: RoleImpl = {
    select: () => (affordable() ? 'accept' : next < wishes.length ? 'query' : 'reject'),
    send: { Query: () => ({ destination: wishes[next++] }), Address: () => ({ address: '3 Loop Street' }) },
    recv: {
      Quote: (payload) => void quotes.push([wishes[next - 1] ?? '', (payload as { price: number }).price]),
      Confirmation: (payload) => (date = (payload as { date: string }).date),
    },
  };
  const agency: RoleImpl = {
    recv: { Query: (payload) => (agencyDestination = (payload as { destination: string }).destination) },
    send: { Check: () => ({ destination: agencyDestination }), Quote: () => ({ price: lastPrice }), Book: () => ({ destination: agencyDestination }) },
  };
  const service: RoleImpl = {
    recv: {
      Check: (payload) => void serviceLog.push(`check ${(serviceDestination = (payload as { destination: string }).destination)}`),
      Book: (payload) => void serviceLog.push(`book ${(payload as { destination: string }).destination}`),
      Cancel: () => void serviceLog.push('cancel'),
    },
    send: { Price: () => ({ price: (lastPrice = PRICES[serviceDestination] ?? 99_999) }), Confirmation: () => ({ date: '2027-03-14' }) },
  };
  await runToEnd(loadExample('travel-agency'), { Client: client, Agency: agency, Service: service }, options);
  const last = quotes.at(-1);
  return date === undefined || last === undefined ? { quotes, serviceLog } : { quotes, booked: { destination: last[0], date }, serviceLog };
}
