/**
 * Ready-made sets of {@link Effects}: the production set (operating-system randomness, wall clock)
 * and the deterministic set (seeded randomness, manual clock, memory storage) for tests.
 *
 * @module
 */
import type { Effects } from '../core/effects.ts';
import { Ed25519CryptoEffects } from './ed25519-crypto.ts';
import { ReplicaLogicalClock } from './logical-clock.ts';
import { MemoryStorage } from './memory-storage.ts';
import { RandomOrderClock } from './order-clock.ts';
import { ManualClock, WallClock } from './physical-time.ts';
import { NodeRandom, SeededRandom, type Seed } from './random.ts';

/** Effects for a real device named `replica`, with the given storage. */
export function productionEffects(replica: string, storage: Effects['storage']): Effects {
  const random = new NodeRandom();
  return {
    random,
    time: new WallClock(),
    logicalClock: new ReplicaLogicalClock(replica),
    orderClock: new RandomOrderClock(random),
    crypto: new Ed25519CryptoEffects(random),
    storage,
  };
}

/** Deterministic effects and the manual clock behind them: the same seed gives the same run. */
export function deterministicEffects(seed: Seed, replica = 'replica'): Effects & { readonly time: ManualClock } {
  const random = new SeededRandom(seed);
  return {
    random,
    time: new ManualClock(),
    logicalClock: new ReplicaLogicalClock(replica),
    orderClock: new RandomOrderClock(random.fork('order-clock')),
    crypto: new Ed25519CryptoEffects(random.fork('crypto')),
    storage: new MemoryStorage(),
  };
}
