/**
 * One deterministic simulation: a scheduler, a network and named nodes, all driven from one seed.
 * `run()` fires events until nothing is left or a limit is reached, checks invariants between
 * events, and, when nodes still wait with nothing left to fire, explains the stall.
 *
 * Randomness: the seed keys a {@link SeededRandom}; the network draws from its fork `network`,
 * adversaries from `adversaries`, and node `N` from `node:N` (then `incarnation:K`). Adding a node
 * or an adversary therefore never shifts the draws of the others.
 *
 * @module
 */
import { permanentError, toAuraError } from '../core/errors.ts';
import { deriveIdentifier, type DeviceId } from '../core/identifiers.ts';
import { MemoryStorage } from '../handlers/memory-storage.ts';
import { SeededRandom } from '../handlers/random.ts';
import type { Adversary } from './adversary.ts';
import type { CorruptHook } from './corrupt.ts';
import { diagnoseStall, type StallReport } from './diagnosis.ts';
import { RandomDraws } from './draws.ts';
import { payloadSize, type Envelope, type SendOptions } from './envelope.ts';
import { PERFECT_NETWORK, SimNetwork, type DropReason, type NetworkConfig } from './network.ts';
import { SimNode, type ClockSkew, type NodeHost, type NodeProgram, type WaitInfo } from './node.ts';
import { Scheduler, type StopReason } from './scheduler.ts';
import { TraceRecorder, type CausalStamping } from './trace.ts';

/** Physical time at virtual time 0 unless configured: 2026-01-01T00:00:00Z. */
export const DEFAULT_EPOCH_MS = 1_767_225_600_000;

/** How a simulation is set up. */
export interface SimulationOptions {
  /** The seed every random decision derives from. */
  readonly seed: number;
  /** Link conditions (default: every link perfect). */
  readonly network?: NetworkConfig;
  /** Record a trace (default false: faster). */
  readonly trace?: boolean;
  /** Causal stamps in the trace: vector clocks and Lamport time (default), or Lamport time only. */
  readonly stamping?: CausalStamping;
  /** Physical time at virtual time 0. */
  readonly epochMs?: number;
  /** How corrupted payloads are made (default {@link corruptPayload}). */
  readonly corrupt?: CorruptHook;
}

/** A property checked during or after a run: true when it holds, or a string saying what is wrong. */
export type PropertyCheck = () => boolean | string;

/** A property that failed. */
export interface Violation {
  /** The property's name. */
  readonly property: string;
  /** Virtual time of the check. */
  readonly time: number;
  /** What is wrong. */
  readonly detail: string;
}

/** A node whose code threw: recorded as a crash of that node. */
export interface RoleCrash {
  /** The node. */
  readonly node: string;
  /** Virtual time of the crash. */
  readonly time: number;
  /** The error's code and message. */
  readonly error: string;
}

/** Limits of a run. */
export interface RunOptions {
  /** Virtual time limit in ms (default: unlimited). */
  readonly until?: number;
  /** Event limit (default 10 million). */
  readonly maxEvents?: number;
}

/** What a run did. */
export interface RunResult {
  /** Why it stopped (`stopped`: an invariant failed). */
  readonly stop: StopReason;
  /** Virtual time at the end. */
  readonly time: number;
  /** Events fired. */
  readonly events: number;
  /** Messages sent. */
  readonly sends: number;
  /** Messages delivered. */
  readonly deliveries: number;
  /** Messages lost, cut or withheld. */
  readonly drops: number;
  /** Invariants that failed. */
  readonly violations: readonly Violation[];
  /** Nodes whose code threw. */
  readonly roleCrashes: readonly RoleCrash[];
  /** The waits-for report, when the run ended with nodes still waiting. */
  readonly stall?: StallReport;
}

const DEFAULT_MAX_EVENTS = 10_000_000;

/** A deterministic simulation. */
export class Simulation implements NodeHost {
  /** Owns virtual time. */
  readonly scheduler = new Scheduler();
  /** The trace, when recording. */
  readonly trace: TraceRecorder | undefined;
  /** The simulated network. */
  readonly network: SimNetwork;
  /** Physical time at virtual time 0. */
  readonly epochMs: number;
  /** The seed. */
  readonly seed: number;
  private readonly random: SeededRandom;
  private readonly nodes = new Map<string, SimNode>();
  private readonly devices = new Map<string, string>();
  private readonly invariants: [string, PropertyCheck][] = [];
  private readonly predicateWaiters = new Set<SimNode>();
  private readonly violations: Violation[] = [];
  private readonly roleCrashes: RoleCrash[] = [];
  private readonly restarted = new Set<string>();
  private readonly waitSources: (() => readonly WaitInfo[])[] = [];
  private nextFaultId = 0;

  constructor(options: SimulationOptions) {
    if (!Number.isSafeInteger(options.seed)) throw permanentError('sim.bad-seed', `a simulation seed must be a safe integer, got ${options.seed}`);
    this.seed = options.seed;
    this.random = new SeededRandom(options.seed);
    this.trace = options.trace === true ? new TraceRecorder(options.stamping) : undefined;
    this.epochMs = options.epochMs ?? DEFAULT_EPOCH_MS;
    this.network = new SimNetwork(this, new RandomDraws(this.random.fork('network')), new RandomDraws(this.random.fork('adversaries')), options.network ?? PERFECT_NETWORK, options.corrupt);
  }

  /** Adds a node that runs `program` when the run starts. Names are unique. */
  addNode(name: string, program: NodeProgram, options: { readonly skew?: Partial<ClockSkew> } = {}): SimNode {
    if (this.nodes.has(name)) throw permanentError('sim.duplicate-node', `node ${name} already exists`);
    const device = deriveIdentifier('device', { sim: name });
    const skew = { offsetMs: options.skew?.offsetMs ?? 0, drift: options.skew?.drift ?? 0 };
    const node = new SimNode(this, name, device, program, this.random.fork(`node:${name}`), new MemoryStorage(), skew);
    this.nodes.set(name, node);
    this.devices.set(device, name);
    this.scheduler.at(0, () => {
      node.start();
    });
    return node;
  }

  /** The node called `name`; an unknown name is `sim.unknown-node`. */
  node(name: string): SimNode {
    const node = this.nodes.get(name);
    if (node === undefined) throw permanentError('sim.unknown-node', `no node named ${name}`);
    return node;
  }

  /** Every node, in the order added. */
  allNodes(): SimNode[] {
    return [...this.nodes.values()];
  }

  /** Adds a message-level adversary to the network. */
  addAdversary(adversary: Adversary): void {
    this.network.addAdversary(adversary);
  }

  /**
   * Adds what code waiting outside node threads waits for (choreography roles over the simulated
   * transport): asked when a run goes idle, for the waits-for report, beside the nodes' own waits.
   */
  addWaitSource(source: () => readonly WaitInfo[]): void {
    this.waitSources.push(source);
  }

  /** Checks `check` between every two events; the run stops at the first violation. */
  invariant(name: string, check: PropertyCheck): void {
    this.invariants.push([name, check]);
  }

  /** Runs `action` at virtual time `time` (for fault schedules and test drivers). */
  at(time: number, action: () => void): void {
    this.scheduler.at(time, action);
  }

  /** A fresh id for a fault phase (partitions and link rules are removed by id). */
  faultId(): number {
    return this.nextFaultId++;
  }

  /** Records a fault being applied or lifted. */
  recordFault(reason: string, detail: string): void {
    this.trace?.record(this.scheduler.now, { type: 'fault', reason, detail });
  }

  /** Crashes a node now (memory lost, storage kept). */
  crash(name: string, reason = 'fault'): void {
    const node = this.node(name);
    if (node.state === 'crashed') return;
    node.crash();
    this.trace?.record(this.scheduler.now, { type: 'crash', node: name, reason });
    this.trace?.resetClock(name);
  }

  /** Restarts a crashed node: it runs its program again with the same storage. */
  restart(name: string): void {
    const node = this.node(name);
    if (node.state !== 'crashed') return;
    this.trace?.record(this.scheduler.now, { type: 'restart', node: name });
    this.restarted.add(name);
    node.restart();
  }

  /** Sets a node's clock skew from now on. */
  setSkew(name: string, skew: ClockSkew): void {
    this.node(name).skew = skew;
  }

  /** Checks a property now (an outcome at the end of a run) and records the result. */
  checkProperty(name: string, check: PropertyCheck): Violation | undefined {
    const result = evaluate(check);
    this.trace?.record(this.scheduler.now, { type: 'property', reason: name, ok: result === true, ...(result === true ? {} : { detail: result }) });
    return result === true ? undefined : { property: name, time: this.scheduler.now, detail: result };
  }

  /** Runs until no event is left, a limit is reached, or an invariant fails. */
  async run(options: RunOptions = {}): Promise<RunResult> {
    const stop = await this.scheduler.run({ until: options.until ?? Infinity, maxEvents: options.maxEvents ?? DEFAULT_MAX_EVENTS, between: () => this.between() });
    const waits = stop === 'idle' ? [...this.allNodes().flatMap((node) => node.waitInfo() ?? []), ...this.waitSources.flatMap((source) => source())] : [];
    const stall = waits.length > 0 ? this.diagnose(waits) : undefined;
    if (stall !== undefined) this.trace?.record(this.scheduler.now, { type: 'stall', detail: stall.summary });
    this.trace?.record(this.scheduler.now, { type: 'end', reason: stop });
    return {
      stop,
      time: this.scheduler.now,
      events: this.scheduler.fired,
      sends: this.network.sends,
      deliveries: this.network.deliveries,
      drops: this.network.drops,
      violations: [...this.violations],
      roleCrashes: [...this.roleCrashes],
      ...(stall === undefined ? {} : { stall }),
    };
  }

  /**
   * The waits-for report of `waits`: by default the nodes waiting now; code that waits outside
   * node threads (choreography roles) describes its own waits.
   */
  diagnose(waits: readonly WaitInfo[] = this.allNodes().flatMap((node) => node.waitInfo() ?? [])): StallReport {
    const crashed = new Set(this.allNodes().filter((node) => node.state === 'crashed').map((node) => node.name));
    const names = [...this.nodes.keys()];
    return diagnoseStall({
      waits,
      crashed,
      restarted: this.restarted,
      dropsBetween: (from, to) => this.network.dropsBetween(from, to),
      dropsTo: (to) => names.reduce((total, from) => total + this.network.dropsBetween(from, to), 0),
      separated: (a, b) => this.network.separated(a, b),
    });
  }

  // NodeHost and NetworkHost: called by nodes and the network, not by simulation users.

  /** A node sends: the send is stamped and traced, then handed to the network. */
  send(from: SimNode, to: string, payload: unknown, options: SendOptions): void {
    const id = this.network.allocateId();
    const size = options.size ?? payloadSize(payload);
    const stamp = this.trace?.recordLocal(this.scheduler.now, from.name, { type: 'send', to, msg: id, size, label: options.label });
    this.network.send(id, from.name, to, payload, size, options.label, stamp);
  }

  /** The network delivers: the recipient takes the message unless it is unknown or crashed. */
  deliver(envelope: Envelope): DropReason | undefined {
    const node = this.nodes.get(envelope.to);
    if (node === undefined) return 'unknown-node';
    if (node.state === 'crashed') return 'crashed';
    this.trace?.recordReceive(this.scheduler.now, node.name, envelope.stamp, { type: 'deliver', from: envelope.from, msg: envelope.id, label: envelope.label });
    node.deliver(envelope);
    return undefined;
  }

  /** A node's code threw: recorded as a crash of that node, and the run goes on. */
  nodeFailed(node: SimNode, error: unknown): void {
    const failure = toAuraError(error, 'sim.role-threw');
    const text = `${failure.code}: ${failure.message}`;
    this.roleCrashes.push({ node: node.name, time: this.scheduler.now, error: text });
    node.crash();
    this.trace?.record(this.scheduler.now, { type: 'crash', node: node.name, reason: 'exception', detail: text });
    this.trace?.resetClock(node.name);
  }

  /** A node waits on a predicate: it is re-checked between events. */
  watchPredicate(node: SimNode): void {
    this.predicateWaiters.add(node);
  }

  /** The node with device id `device`. */
  nodeOfDevice(device: DeviceId): string | undefined {
    return this.devices.get(device);
  }

  /** The device id of node `name`. */
  deviceOfNode(name: string): DeviceId | undefined {
    return this.nodes.get(name)?.device;
  }

  private between(): boolean {
    for (const node of this.predicateWaiters) {
      if (!node.waitsOnPredicate || node.checkPredicate()) this.predicateWaiters.delete(node);
    }
    for (const [name, check] of this.invariants) {
      const result = evaluate(check);
      if (result === true) continue;
      this.violations.push({ property: name, time: this.scheduler.now, detail: result });
      this.trace?.record(this.scheduler.now, { type: 'property', reason: name, ok: false, detail: result });
      return true;
    }
    return false;
  }
}

function evaluate(check: PropertyCheck): true | string {
  try {
    const result = check();
    if (result === true) return true;
    return result === false ? 'does not hold' : result;
  } catch (error) {
    const failure = toAuraError(error);
    return `the check threw ${failure.code}: ${failure.message}`;
  }
}
