/**
 * The {@link LogicalClockEffects} handler of one replica: a Lamport counter and a vector clock
 * advanced by the pure functions of `core/logical-clock.ts`. Deterministic, so production and
 * simulation use the same one.
 *
 * @module
 */
import type { LogicalClockEffects } from '../core/effects.ts';
import { lamportObserve, lamportTick, mergeVectors, vectorIncrement, type VectorClock } from '../core/logical-clock.ts';
import type { LogicalTime } from '../core/time.ts';

/** The logical clock of the replica named `replica`. */
export class ReplicaLogicalClock implements LogicalClockEffects {
  private lamport = 0;
  private vector: VectorClock = {};

  constructor(private readonly replica: string) {}

  current(): LogicalTime {
    return { kind: 'logical', lamport: this.lamport, vector: this.vector };
  }

  tick(): LogicalTime {
    this.lamport = lamportTick(this.lamport);
    this.vector = vectorIncrement(this.vector, this.replica);
    return this.current();
  }

  observe(received: LogicalTime): LogicalTime {
    this.lamport = lamportObserve(this.lamport, received.lamport);
    this.vector = vectorIncrement(mergeVectors(this.vector, received.vector), this.replica);
    return this.current();
  }
}
