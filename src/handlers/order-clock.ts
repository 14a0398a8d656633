/**
 * The {@link OrderClockEffects} handler: order tokens are 32 random bytes, so they order events
 * (ties are negligible) without revealing when, or how many, events happened. Seeded randomness
 * makes them reproducible in simulation.
 *
 * @module
 */
import type { OrderClockEffects, RandomEffects } from '../core/effects.ts';
import { ORDER_TOKEN_LENGTH, orderTime, type OrderTime } from '../core/time.ts';

/** Order tokens drawn from a {@link RandomEffects} source. */
export class RandomOrderClock implements OrderClockEffects {
  constructor(private readonly random: RandomEffects) {}

  orderTime(): OrderTime {
    return orderTime(this.random.randomBytes(ORDER_TOKEN_LENGTH));
  }
}
