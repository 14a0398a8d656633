/**
 * Ready-made sets of {@link Effects}: the production set (operating-system randomness, wall clock)
 * and the deterministic set (seeded randomness, manual clock, memory storage) for tests. Their
 * crypto handler is the {@link FrostCryptoEffects} (Ed25519 plus threshold operations).
 *
 * @module
 */
import type { Effects } from '../core/effects.ts';
import { ReplicaLogicalClock } from './logical-clock.ts';
import { MemoryStorage } from './memory-storage.ts';
import { RandomOrderClock } from './order-clock.ts';
import { ManualClock, WallClock } from './physical-time.ts';
import { NodeRandom, SeededRandom, type Seed } from './random.ts';
import { FrostCryptoEffects } from './threshold-crypto.ts';

/** Effects for a real device named `replica`, with the given storage. */
export function productionEffects(replica: string, storage: Effects['storage']): Effects & { readonly crypto: FrostCryptoEffects } {
  const random = new NodeRandom();
  return {
    random,
    time: new WallClock(),
    logicalClock: new ReplicaLogicalClock(replica),
    orderClock: new RandomOrderClock(random),
    crypto: new FrostCryptoEffects(random),
    storage,
  };
}

/** Deterministic effects and the manual clock behind them: the same seed gives the same run. */
export function deterministicEffects(seed: Seed, replica = 'replica'): Effects & { readonly time: ManualClock; readonly crypto: FrostCryptoEffects } {
  const random = new SeededRandom(seed);
  return {
    random,
    time: new ManualClock(),
    logicalClock: new ReplicaLogicalClock(replica),
    orderClock: new RandomOrderClock(random.fork('order-clock')),
    crypto: new FrostCryptoEffects(random.fork('crypto')),
    storage: new MemoryStorage(),
  };
}
