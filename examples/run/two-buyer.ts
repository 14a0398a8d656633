/**
 * `examples/choreo/two-buyer.choreo`, driven: the seller quotes from its catalogue, Buyer1 offers
 * to pay half, and Buyer2 accepts when the rest fits its budget (`share_is_fair`).
 *
 * @module
 */
import type { RoleImpl } from '../../src/runtime/index.ts';
import { loadExample, runToEnd, type ExampleRunOptions } from './session.ts';

/** What the buyers learnt. */
export interface Purchase {
  /** Buyer1's view: whether the book was bought. */
  readonly bought: boolean;
  /** The delivery date Buyer2 got from the seller, when bought. */
  readonly date?: string;
  /** The price the seller quoted. */
  readonly price: number;
}

/** The seller's prices. */
export const CATALOGUE: Readonly<Record<string, number>> = { 'Types and Programming Languages': 80, 'Session Types': 40 };

/** Buyer1 asks for `title`; Buyer2 pays at most `budget`. */
export async function twoBuyer(title: string, budget: number, options: ExampleRunOptions = {}): Promise<Purchase> {
  let asked = '';
  let price = 0;
  let share = 0;
  let bought: boolean | undefined;
  let date: string | undefined;
  const quote = (payload: unknown): void => void (price = (payload as { price: number }).price);
  const buyer1: RoleImpl = {
    send: { Title: () => ({ title }), Share: () => ({ amount: Math.floor(price / 2) }) },
    recv: { Quote: quote, Bought: () => (bought = true), NotBought: () => (bought = false) },
  };
  const buyer2: RoleImpl = {
    recv: { Quote: quote, Share: (payload) => (share = (payload as { amount: number }).amount), Date: (payload) => (date = (payload as { date: string }).date) },
    select: () => (price - share <= budget ? 'accept' : 'reject'),
    send: { Accept: () => ({ address: '1 Protocol Lane' }) },
  };
  const seller: RoleImpl = {
    recv: { Title: (payload) => (asked = (payload as { title: string }).title) },
    send: { Quote: () => ({ price: CATALOGUE[asked] ?? 1000 }), Date: () => ({ date: '2026-12-24' }) },
  };
  await runToEnd(loadExample('two-buyer'), { Buyer1: buyer1, Buyer2: buyer2, Seller: seller }, options);
  if (bought === undefined) throw new Error('Buyer1 never learnt the decision');
  return date === undefined ? { bought, price } : { bought, date, price };
}
