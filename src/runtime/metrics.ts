/**
 * Metrics middleware: an observer that counts events per type and label, and keeps a latency
 * histogram per message label, where a message's latency is the time from its send event to its
 * recv event (both roles watched by the same `Metrics`). Time comes from the physical time effect,
 * so a simulated run has reproducible figures.
 *
 * @module
 */
import type { PhysicalTimeEffects } from '../core/effects.ts';
import type { RoleEvent, RoleObserver } from './role-event.ts';

/** Upper bounds (ms, inclusive) of the latency buckets; one more bucket holds everything above. */
export const LATENCY_BUCKETS_MS: readonly number[] = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** A latency histogram. */
export interface Histogram {
  /** Counts per bucket of {@link LATENCY_BUCKETS_MS}, plus the overflow bucket last. */
  readonly buckets: number[];
  /** Number of samples. */
  count: number;
  /** Sum of the samples, ms. */
  sum: number;
  /** Largest sample, ms. */
  max: number;
}

/** What {@link Metrics.snapshot} returns. */
export interface MetricsSnapshot {
  /** Events per `type label` (`send Ping`, `recv Pong`, `choose more`, `error`). */
  readonly counts: Readonly<Record<string, number>>;
  /** Send-to-receive latency per message label. */
  readonly latency: Readonly<Record<string, Histogram>>;
}

/** Counts and latency histograms over the roles it observes. */
export class Metrics implements RoleObserver {
  private readonly counts = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly sentAt = new Map<string, number>();

  constructor(private readonly time: PhysicalTimeEffects) {}

  onEvent(event: RoleEvent): void {
    const key = event.label === undefined ? event.type : `${event.type} ${event.label}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (event.seq === undefined || event.peer === undefined || event.label === undefined) return;
    if (event.type === 'send') this.sentAt.set(messageKey(event.session, event.role, event.peer, event.seq), this.time.now().ms);
    if (event.type !== 'recv') return;
    const id = messageKey(event.session, event.peer, event.role, event.seq);
    const sent = this.sentAt.get(id);
    if (sent === undefined) return;
    this.sentAt.delete(id);
    record(this.histogram(event.label), this.time.now().ms - sent);
  }

  /** Counts and histograms so far (copies). */
  snapshot(): MetricsSnapshot {
    return {
      counts: Object.fromEntries(this.counts),
      latency: Object.fromEntries([...this.latency].map(([label, histogram]) => [label, { ...histogram, buckets: histogram.buckets.slice() }])),
    };
  }

  private histogram(label: string): Histogram {
    let histogram = this.latency.get(label);
    if (histogram === undefined) {
      histogram = { buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), count: 0, sum: 0, max: 0 };
      this.latency.set(label, histogram);
    }
    return histogram;
  }
}

function record(histogram: Histogram, ms: number): void {
  const bucket = LATENCY_BUCKETS_MS.findIndex((bound) => ms <= bound);
  const index = bucket < 0 ? LATENCY_BUCKETS_MS.length : bucket;
  histogram.buckets[index] = (histogram.buckets[index] ?? 0) + 1;
  histogram.count++;
  histogram.sum += ms;
  histogram.max = Math.max(histogram.max, ms);
}

function messageKey(session: string, from: string, to: string, seq: number): string {
  return `${session}|${from}|${to}|${seq}`;
}
