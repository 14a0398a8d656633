/**
 * The simulated network between named nodes: per-link latency, loss, duplication, reordering,
 * corruption and bandwidth; partitions that open and heal; temporary degradations of links;
 * message-level adversaries. Every decision draws from the simulation's seeded stream.
 *
 * A message's path: adversaries (in order) -> partition check -> loss -> corruption -> bandwidth
 * (the link sends one message at a time at `bandwidth` bytes/s) -> latency -> FIFO order on the
 * link unless it may reorder -> partition check again on arrival (a partition that opened while
 * the message was in flight cuts it too) -> the recipient. Duplicates take the path from loss on,
 * with their own latency. Messages on different links are never ordered with each other.
 *
 * @module
 */
import type { Adversary, AdversaryTools, Dispatch } from './adversary.ts';
import { corruptPayload, type CorruptHook } from './corrupt.ts';
import type { RandomDraws } from './draws.ts';
import type { Envelope } from './envelope.ts';
import { PERFECT_LINK, sampleLatency, type LinkConditions } from './latency.ts';
import type { Scheduler } from './scheduler.ts';
import type { TraceRecorder } from './trace.ts';

/** Conditions for the links matching `from`/`to` (either may be omitted to match any node). */
export interface LinkRule {
  /** Sender the rule applies to, or every sender. */
  readonly from?: string;
  /** Recipient the rule applies to, or every recipient. */
  readonly to?: string;
  /** The conditions it sets (the rest come from earlier rules and the defaults). */
  readonly conditions: Partial<LinkConditions>;
}

/** The network's static configuration. */
export interface NetworkConfig {
  /** Conditions of every link unless a rule says otherwise. */
  readonly defaults: LinkConditions;
  /** Per-link rules, applied in order over the defaults. */
  readonly links: readonly LinkRule[];
}

/** A network where every link is {@link PERFECT_LINK}. */
export const PERFECT_NETWORK: NetworkConfig = { defaults: PERFECT_LINK, links: [] };

/** Why a message did not arrive. */
export type DropReason = 'loss' | 'partition' | 'adversary' | 'crashed' | 'unknown-node';

/** What the network needs from the simulation. */
export interface NetworkHost {
  /** Virtual time. */
  readonly scheduler: Scheduler;
  /** The trace, when recording. */
  readonly trace: TraceRecorder | undefined;
  /** Hands an arrived message to its recipient; false when the recipient cannot take it. */
  deliver(envelope: Envelope): DropReason | undefined;
}

/** What the network remembers about one directed link. */
interface LinkState {
  /** Current conditions (rules and temporary rules applied). */
  conditions: LinkConditions;
  /** The rule version `conditions` was computed at. */
  version: number;
  /** When the link finishes sending what it has (bandwidth). */
  freeAt: number;
  /** Arrival time of the last message (FIFO order). */
  lastArrival: number;
}

/** The simulated network of one simulation. */
export class SimNetwork {
  /** Messages delivered so far. */
  deliveries = 0;
  /** Messages sent so far. */
  sends = 0;
  private readonly links = new Map<string, Map<string, LinkState>>();
  private readonly rules: LinkRule[];
  private readonly temporary = new Map<number, LinkRule>();
  private readonly partitions = new Map<number, ReadonlyMap<string, number>>();
  private readonly adversaries: Adversary[] = [];
  private readonly dropCounts = new Map<string, number>();
  private version = 0;
  private nextMessage = 0;

  constructor(
    private readonly host: NetworkHost,
    private readonly draws: RandomDraws,
    private readonly adversaryDraws: RandomDraws,
    private readonly config: NetworkConfig = PERFECT_NETWORK,
    private readonly corrupt: CorruptHook = corruptPayload,
  ) {
    this.rules = [...config.links];
  }

  /** Adds a message-level adversary (applied after those added before). */
  addAdversary(adversary: Adversary): void {
    this.adversaries.push(adversary);
  }

  /** Opens a partition: nodes in different groups cannot reach each other until it heals. Nodes in no group form one more group. */
  openPartition(id: number, groups: readonly (readonly string[])[]): void {
    const side = new Map<string, number>();
    groups.forEach((group, index) => {
      for (const node of group) side.set(node, index + 1);
    });
    this.partitions.set(id, side);
  }

  /** Heals the partition opened with `id`. */
  healPartition(id: number): void {
    this.partitions.delete(id);
  }

  /** Applies a temporary link rule (a degradation phase) until {@link removeRule}. */
  addRule(id: number, rule: LinkRule): void {
    this.temporary.set(id, rule);
    this.version++;
  }

  /** Removes a temporary link rule. */
  removeRule(id: number): void {
    this.temporary.delete(id);
    this.version++;
  }

  /** True when an open partition separates `a` and `b`. */
  separated(a: string, b: string): boolean {
    if (this.partitions.size === 0) return false;
    for (const side of this.partitions.values()) if ((side.get(a) ?? 0) !== (side.get(b) ?? 0)) return true;
    return false;
  }

  /** Messages from `from` to `to` that were lost, cut or withheld so far. */
  dropsBetween(from: string, to: string): number {
    return this.dropCounts.get(`${from}->${to}`) ?? 0;
  }

  /** Total messages lost, cut or withheld so far. */
  get drops(): number {
    let total = 0;
    for (const count of this.dropCounts.values()) total += count;
    return total;
  }

  /** A fresh message id. */
  allocateId(): number {
    return this.nextMessage++;
  }

  /** Sends a message with an id from {@link allocateId}. */
  send(id: number, from: string, to: string, payload: unknown, size: number, label: string | undefined, stamp: Envelope['stamp']): void {
    // One object shape for every envelope (absent fields are undefined) keeps the hot path monomorphic.
    const envelope: Envelope = { id, from, to, payload, size, label, sentAt: this.host.scheduler.now, stamp };
    this.sends++;
    if (this.adversaries.length === 0) {
      this.transmit(envelope, 0, true);
      return;
    }
    let dispatches: readonly Dispatch[] = [{ envelope, delay: 0 }];
    const tools: AdversaryTools = { draws: this.adversaryDraws, now: this.host.scheduler.now };
    for (const adversary of this.adversaries) dispatches = dispatches.flatMap((dispatch) => adversary.intercept(dispatch.envelope, tools).map((next) => ({ envelope: next.envelope, delay: dispatch.delay + next.delay })));
    if (dispatches.length === 0) this.drop(envelope, 'adversary');
    for (const dispatch of dispatches) this.transmit(dispatch.envelope, dispatch.delay, true);
  }

  private transmit(envelope: Envelope, extraDelay: number, mayDuplicate: boolean): void {
    if (this.separated(envelope.from, envelope.to)) {
      this.drop(envelope, 'partition');
      return;
    }
    const link = this.link(envelope.from, envelope.to);
    const conditions = link.conditions;
    if (this.draws.chance(conditions.loss)) {
      this.drop(envelope, 'loss');
      return;
    }
    let carried = envelope;
    if (this.draws.chance(conditions.corrupt)) {
      carried = { ...envelope, payload: this.corrupt(envelope.payload, this.draws) };
      this.host.trace?.record(this.host.scheduler.now, { type: 'corrupt', from: envelope.from, to: envelope.to, msg: envelope.id });
    }
    const now = this.host.scheduler.now;
    let departure = now;
    if (conditions.bandwidth > 0) {
      departure = Math.max(now, link.freeAt) + (envelope.size * 1000) / conditions.bandwidth;
      link.freeAt = departure;
    }
    let arrival = departure + sampleLatency(conditions.latency, this.draws) + extraDelay;
    if (!conditions.reorder) {
      arrival = Math.max(arrival, link.lastArrival);
      link.lastArrival = arrival;
    }
    this.host.scheduler.at(arrival, () => {
      this.arrive(carried);
    });
    if (mayDuplicate && this.draws.chance(conditions.duplicate)) {
      this.host.trace?.record(now, { type: 'duplicate', from: envelope.from, to: envelope.to, msg: envelope.id });
      this.transmit(envelope, extraDelay, false);
    }
  }

  private arrive(envelope: Envelope): void {
    if (this.separated(envelope.from, envelope.to)) {
      this.drop(envelope, 'partition');
      return;
    }
    const refused = this.host.deliver(envelope);
    if (refused === undefined) this.deliveries++;
    else this.drop(envelope, refused);
  }

  private drop(envelope: Envelope, reason: DropReason): void {
    const key = `${envelope.from}->${envelope.to}`;
    this.dropCounts.set(key, (this.dropCounts.get(key) ?? 0) + 1);
    this.host.trace?.record(this.host.scheduler.now, { type: 'drop', from: envelope.from, to: envelope.to, msg: envelope.id, label: envelope.label, reason });
  }

  private link(from: string, to: string): LinkState {
    let outgoing = this.links.get(from);
    if (outgoing === undefined) {
      outgoing = new Map();
      this.links.set(from, outgoing);
    }
    let link = outgoing.get(to);
    if (link === undefined) {
      link = { conditions: this.conditionsOf(from, to), version: this.version, freeAt: 0, lastArrival: 0 };
      outgoing.set(to, link);
    } else if (link.version !== this.version) {
      link.conditions = this.conditionsOf(from, to);
      link.version = this.version;
    }
    return link;
  }

  private conditionsOf(from: string, to: string): LinkConditions {
    let conditions = this.config.defaults;
    for (const rule of [...this.rules, ...this.temporary.values()]) {
      if ((rule.from === undefined || rule.from === from) && (rule.to === undefined || rule.to === to)) conditions = { ...conditions, ...rule.conditions };
    }
    return conditions;
  }
}
