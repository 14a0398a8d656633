/**
 * `examples/choreo/three-buyer.choreo`, driven: as two-buyer, but Bob may hand his part over to
 * Carol, who then decides; Alice always learns whether the book was bought.
 *
 * @module
 */
import type { RoleImpl } from '../../src/runtime/index.ts';
import { loadExample, runToEnd, type ExampleRunOptions } from './session.ts';

/** Who decides what: Bob's own budget, whether he delegates, and Carol's budget. */
export interface ThreeBuyerPlan {
  readonly price: number;
  readonly bobBudget: number;
  readonly carolBudget: number;
}

/** What the run decided, as each buyer saw it. */
export interface ThreeBuyerOutcome {
  /** Alice's view. */
  readonly bought: boolean;
  /** Who took the decision. */
  readonly decidedBy: 'Bob' | 'Carol';
  /** The amount Carol was asked to pay, when Bob delegated. */
  readonly delegated?: number;
}

/** Bob pays his part when it fits his budget; otherwise he delegates it to Carol. */
export async function threeBuyer(plan: ThreeBuyerPlan, options: ExampleRunOptions = {}): Promise<ThreeBuyerOutcome> {
  let share = 0;
  let bought: boolean | undefined;
  let decidedBy: 'Bob' | 'Carol' = 'Bob';
  let delegated: number | undefined;
  const rest = (): number => plan.price - share;
  const alice: RoleImpl = {
    send: { Title: () => ({ title: 'Multiparty Session Types' }), Share: () => ({ amount: Math.floor(plan.price / 2) }) },
    recv: { Bought: () => (bought = true), NotBought: () => (bought = false) },
  };
  const bob: RoleImpl = {
    recv: { Share: (payload) => (share = (payload as { amount: number }).amount) },
    select: (labels) => (labels.includes('delegate') ? (rest() <= plan.bobBudget ? 'accept' : 'delegate') : 'accept'),
    send: { Accept: () => ({ address: '2 Choreography Road' }), Delegate: () => ({ amount: rest() }) },
  };
  const carol: RoleImpl = {
    recv: { Delegate: (payload) => ((delegated = (payload as { amount: number }).amount), (decidedBy = 'Carol')) },
    select: () => ((delegated ?? Infinity) <= plan.carolBudget ? 'accept' : 'reject'),
  };
  const seller: RoleImpl = {
    send: { Quote: () => ({ price: plan.price }), Date: () => ({ date: '2027-01-06' }) },
  };
  await runToEnd(loadExample('three-buyer'), { Alice: alice, Bob: bob, Carol: carol, Seller: seller }, options);
  if (bought === undefined) throw new Error('Alice never learnt the decision');
  return delegated === undefined ? { bought, decidedBy } : { bought, decidedBy, delegated };
}
