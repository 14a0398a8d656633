/**
 * Latency distributions of simulated links, and the conditions of one link (loss, duplication,
 * corruption, bandwidth, ordering). Sampling draws from the simulator's seeded stream.
 *
 * @module
 */
import type { RandomDraws } from './draws.ts';

/** How long a message spends on the wire, in virtual milliseconds. */
export type LatencyDistribution =
  | {
      readonly kind: 'constant';
      /** The latency. */
      readonly ms: number;
    }
  | {
      readonly kind: 'uniform';
      /** Smallest latency. */
      readonly min: number;
      /** Largest latency (exclusive). */
      readonly max: number;
    }
  | {
      readonly kind: 'normal';
      /** Mean latency. */
      readonly mean: number;
      /** Standard deviation; samples below 0 are clamped to 0. */
      readonly stddev: number;
    }
  | {
      readonly kind: 'exponential';
      /** Mean latency (a long tail: rare, very late messages). */
      readonly mean: number;
    };

/** The names of the latency distributions, for diagnostics. */
export const LATENCY_KINDS: readonly LatencyDistribution['kind'][] = ['constant', 'uniform', 'normal', 'exponential'];

/** What happens to messages on one directed link. */
export interface LinkConditions {
  /** Latency of each message. */
  readonly latency: LatencyDistribution;
  /** Probability that a message is lost. */
  readonly loss: number;
  /** Probability that a message is delivered twice (the copy has its own latency). */
  readonly duplicate: number;
  /** Probability that a message's payload is corrupted (a mutated copy is delivered). */
  readonly corrupt: number;
  /** Bytes per second the link carries; `0` means unlimited. */
  readonly bandwidth: number;
  /** When false (the default) the link is FIFO; when true, later messages may overtake earlier ones. */
  readonly reorder: boolean;
}

/** A reliable, FIFO, 1 ms link: the default when a scenario says nothing. */
export const PERFECT_LINK: LinkConditions = { latency: { kind: 'constant', ms: 1 }, loss: 0, duplicate: 0, corrupt: 0, bandwidth: 0, reorder: false };

/** One latency sample (never negative). */
export function sampleLatency(distribution: LatencyDistribution, draws: RandomDraws): number {
  switch (distribution.kind) {
    case 'constant':
      return distribution.ms;
    case 'uniform':
      return distribution.min + (distribution.max - distribution.min) * draws.float();
    case 'normal':
      return Math.max(0, distribution.mean + distribution.stddev * draws.normal());
    case 'exponential':
      return -distribution.mean * Math.log(1 - draws.float());
  }
}
