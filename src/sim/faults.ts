/**
 * Fault schedules: phases of trouble applied to a simulation at given virtual times. A phase
 * opens and (optionally) heals: a partition between groups of nodes, a crash with an optional
 * restart, a degradation of some links (more loss, latency, duplication, corruption), or a jump
 * in a node's clock. Random schedules for sweeps are drawn from a seed; shrinking removes and
 * shortens phases (`shrink.ts`).
 *
 * @module
 */
import { SeededRandom } from '../handlers/random.ts';
import { RandomDraws } from './draws.ts';
import type { LatencyDistribution, LinkConditions } from './latency.ts';
import type { LinkRule } from './network.ts';
import type { Simulation } from './simulation.ts';

/** Link settings a degradation or a link rule may change (all optional). */
export interface LinkSettings {
  /** Latency distribution. */
  readonly latency?: LatencyDistribution;
  /** Loss probability. */
  readonly loss?: number;
  /** Duplication probability. */
  readonly duplicate?: number;
  /** Corruption probability. */
  readonly corrupt?: number;
  /** Bytes per second (0: unlimited). */
  readonly bandwidth?: number;
  /** Whether messages may overtake each other. */
  readonly reorder?: boolean;
}

/** One fault phase. Times are virtual ms. */
export type FaultPhase =
  | {
      readonly kind: 'partition';
      /** When it opens. */
      readonly at: number;
      /** When it heals (never, if absent). */
      readonly until?: number;
      /** Groups that cannot reach each other; unlisted nodes form one more group. */
      readonly groups: readonly (readonly string[])[];
    }
  | {
      readonly kind: 'crash';
      /** The node. */
      readonly node: string;
      /** When it crashes. */
      readonly at: number;
      /** When it restarts (crash-stop, if absent). */
      readonly restart?: number;
    }
  | (LinkSettings & {
      readonly kind: 'degrade';
      /** When it starts. */
      readonly at: number;
      /** When it ends (never, if absent). */
      readonly until?: number;
      /** Only links from this node. */
      readonly from?: string;
      /** Only links to this node. */
      readonly to?: string;
    })
  | {
      readonly kind: 'skew';
      /** The node. */
      readonly node: string;
      /** When its clock jumps. */
      readonly at: number;
      /** New clock offset in ms. */
      readonly offset: number;
      /** New rate error (0: exact). */
      readonly drift?: number;
    };

/** The kinds of fault phases. */
export type FaultKind = FaultPhase['kind'];

/** Every fault kind, for diagnostics. */
export const FAULT_KINDS: readonly FaultKind[] = ['partition', 'crash', 'degrade', 'skew'];

/** How a sweep draws random fault schedules. */
export interface RandomFaultSpec {
  /** Phases per run. */
  readonly count: number;
  /** Phases start in `[0, horizon)` ms. */
  readonly horizon: number;
  /** Longest phase in ms. */
  readonly max_duration: number;
  /** Kinds to draw from. */
  readonly kinds: readonly FaultKind[];
}

/** The link conditions a {@link LinkSettings} sets. */
export function linkConditions(settings: LinkSettings): Partial<LinkConditions> {
  const conditions: { -readonly [K in keyof LinkConditions]?: LinkConditions[K] } = {};
  if (settings.latency !== undefined) conditions.latency = settings.latency;
  if (settings.loss !== undefined) conditions.loss = settings.loss;
  if (settings.duplicate !== undefined) conditions.duplicate = settings.duplicate;
  if (settings.corrupt !== undefined) conditions.corrupt = settings.corrupt;
  if (settings.bandwidth !== undefined) conditions.bandwidth = settings.bandwidth;
  if (settings.reorder !== undefined) conditions.reorder = settings.reorder;
  return conditions;
}

/** The {@link LinkRule} of a link's settings. */
export function linkRule(settings: LinkSettings & { readonly from?: string; readonly to?: string }): LinkRule {
  return { ...(settings.from === undefined ? {} : { from: settings.from }), ...(settings.to === undefined ? {} : { to: settings.to }), conditions: linkConditions(settings) };
}

/** Schedules every phase of `faults` on `sim`. */
export function scheduleFaults(sim: Simulation, faults: readonly FaultPhase[]): void {
  for (const fault of faults) scheduleFault(sim, fault);
}

function scheduleFault(sim: Simulation, fault: FaultPhase): void {
  const text = describeFault(fault);
  switch (fault.kind) {
    case 'partition': {
      const id = sim.faultId();
      schedulePhase(sim, fault.at, fault.until, () => {
        sim.recordFault('partition', text);
        sim.network.openPartition(id, fault.groups);
      }, () => {
        sim.recordFault('heal', text);
        sim.network.healPartition(id);
      });
      return;
    }
    case 'crash':
      schedulePhase(sim, fault.at, fault.restart, () => {
        sim.crash(fault.node);
      }, () => {
        sim.restart(fault.node);
      });
      return;
    case 'degrade': {
      const id = sim.faultId();
      schedulePhase(sim, fault.at, fault.until, () => {
        sim.recordFault('degrade', text);
        sim.network.addRule(id, linkRule(fault));
      }, () => {
        sim.recordFault('restore', text);
        sim.network.removeRule(id);
      });
      return;
    }
    case 'skew':
      sim.at(fault.at, () => {
        sim.recordFault('skew', text);
        sim.setSkew(fault.node, { offsetMs: fault.offset, drift: fault.drift ?? 0 });
      });
      return;
  }
}

/** Schedules `begin` at `at` and, if the phase ends, `end` at `until`. */
function schedulePhase(sim: Simulation, at: number, until: number | undefined, begin: () => void, end: () => void): void {
  sim.at(at, begin);
  if (until !== undefined) sim.at(until, end);
}

/** One line describing a phase, e.g. `crash S at 500, restart at 900`. */
export function describeFault(fault: FaultPhase): string {
  const until = (end: number | undefined, verb: string): string => (end === undefined ? '' : `, ${verb} at ${round(end)}`);
  switch (fault.kind) {
    case 'partition':
      return `partition ${fault.groups.map((group) => `{${group.join(',')}}`).join(' | ')} at ${round(fault.at)}${until(fault.until, 'heal')}`;
    case 'crash':
      return `crash ${fault.node} at ${round(fault.at)}${until(fault.restart, 'restart')}`;
    case 'degrade': {
      const links = `${fault.from ?? '*'}->${fault.to ?? '*'}`;
      return `degrade ${links} ${JSON.stringify(linkConditions(fault))} at ${round(fault.at)}${until(fault.until, 'restore')}`;
    }
    case 'skew':
      return `skew ${fault.node} offset ${fault.offset} ms drift ${fault.drift ?? 0} at ${round(fault.at)}`;
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** A random schedule of `spec.count` phases over `nodes`, drawn from `draws`. Times are whole ms. */
export function randomFaults(draws: RandomDraws, spec: RandomFaultSpec, nodes: readonly string[]): FaultPhase[] {
  if (nodes.length === 0 || spec.kinds.length === 0) return [];
  return Array.from({ length: spec.count }, () => randomFault(draws, spec, nodes));
}

function randomFault(draws: RandomDraws, spec: RandomFaultSpec, nodes: readonly string[]): FaultPhase {
  const at = draws.int(Math.max(1, spec.horizon));
  const end = at + 1 + draws.int(Math.max(1, spec.max_duration));
  const kind = draws.pick(spec.kinds);
  switch (kind) {
    case 'partition': {
      const cut = nodes.filter(() => draws.chance(0.5));
      const group = cut.length === 0 || cut.length === nodes.length ? [draws.pick(nodes)] : cut;
      return { kind, at, until: end, groups: [group] };
    }
    case 'crash':
      return { kind, node: draws.pick(nodes), at, restart: end };
    case 'degrade':
      return { kind, at, until: end, to: draws.pick(nodes), loss: Math.round(draws.float() * 100) / 100 };
    case 'skew':
      return { kind, node: draws.pick(nodes), at, offset: draws.int(2001) - 1000 };
  }
}

/** The random fault phases of `spec` for `seed` (drawn from the seed's fork `random-faults`). */
export function drawRandomFaults(spec: RandomFaultSpec, seed: number, nodes: readonly string[]): FaultPhase[] {
  return randomFaults(new RandomDraws(new SeededRandom(seed).fork('random-faults')), spec, nodes);
}
