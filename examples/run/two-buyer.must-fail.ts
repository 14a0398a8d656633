/**
 * Calls the two-buyer protocol does not allow, each marked `@ts-expect-error`: the compiler must
 * reject every one of them, and `tsc` fails on a marker whose line compiles, so a clean type-check
 * of this file proves each mistake is caught (`npm run typecheck`, and `choreo-gen.test.ts` on a
 * freshly generated API). It is never run.
 *
 * @module
 */
/* eslint-disable @typescript-eslint/no-unsafe-call -- each marked call is a type error on purpose, so its type cannot resolve */
import type { Buyer1_0, Buyer2_0, Buyer2_2, Seller_3 } from './two-buyer.generated.ts';

/** Buyer1's mistakes: the wrong peer, label, payload, and a send in a receiving state. */
export async function buyer1Mistakes(start: Buyer1_0): Promise<void> {
  // @ts-expect-error: the title goes to the seller, not to Buyer2
  await start.send('Buyer2', 'Title', { title: 'x' });
  // @ts-expect-error: the first message is Title
  await start.send('Seller', 'Share', { amount: 1 });
  // @ts-expect-error: title is a string
  await start.send('Seller', 'Title', { title: 7 });
  // @ts-expect-error: the payload has exactly the field title
  await start.send('Seller', 'Title', { name: 'x' });
  const quoted = await start.send('Seller', 'Title', { title: 'x' });
  // @ts-expect-error: a receiving state has no send
  await quoted.send('Buyer2', 'Share', { amount: 1 });
  // @ts-expect-error: a receiving state cannot select
  quoted.select('accept');
}

/** Buyer2's mistakes: skipping a receive, choosing an unknown branch, sending after the end. */
export async function buyer2Mistakes(start: Buyer2_0, deciding: Buyer2_2): Promise<void> {
  // @ts-expect-error: Buyer2 must receive the quote before it can decide
  start.select('accept');
  // @ts-expect-error: there is no branch 'haggle'
  deciding.select('haggle');
  const accepting = deciding.select('accept');
  // @ts-expect-error: accepting sends Accept, not Reject
  await accepting.send('Seller', 'Reject', null);
  const waiting = await accepting.send('Seller', 'Accept', { address: 'here' });
  const dated = await waiting.recv();
  const end = await dated.next.send('Buyer1', 'Bought', null);
  // @ts-expect-error: after end there is nothing to send
  await end.send('Buyer1', 'Bought', null);
}

/** The seller's mistake: treating an offered branch as the other one. */
export async function sellerMistakes(deciding: Seller_3): Promise<void> {
  const offered = await deciding.offer();
  if (offered.label === 'reject') {
    const rejected = await offered.next.recv();
    // @ts-expect-error: after a rejection the seller sends no date
    await rejected.next.send('Buyer2', 'Date', { date: 'never' });
  }
}
