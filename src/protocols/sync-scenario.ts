/**
 * The convergence scenario of anti-entropy in the simulator (issue 10 item 6): 3 to 6 replicas of
 * one journal, each running the real {@link SyncService} on its simulated node, start diverged and
 * keep appending facts while the network partitions at random, loses and duplicates messages; an
 * optional byzantine replica offers forged and invalid facts all along. After the network heals
 * and a settling time passes, every honest replica must hold exactly the valid facts appended
 * anywhere, compute the same view, and have refused every invalid fact, naming the byzantine
 * replica as the sender. Replicas may also crash and restart: the node's program runs again with
 * a fresh service over the same store, as a device restarts over its disk.
 *
 * The run is a pure function of the seed (virtual time, seeded draws), so a failing seed replays.
 *
 * @module
 */
import type { DeviceId } from '../core/identifiers.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import { counterReducer } from '../journal/counter.ts';
import type { FactRecord } from '../journal/fact.ts';
import { reduce } from '../journal/reducer.ts';
import { RandomDraws } from '../sim/draws.ts';
import { scheduleFaults, type FaultPhase } from '../sim/faults.ts';
import { SimTransport } from '../sim/sim-transport.ts';
import { Simulation } from '../sim/simulation.ts';
import { SyncService, type SyncEvent } from './sync-service.ts';
import { ChannelBroadcast, SimDeviceChannel } from './sync-sim.ts';
import type { StoreReplica, SyncReplica } from './sync-replica.ts';
import { ByzantineReplica, SyncFixture } from './sync-testing.ts';

/** What to simulate. */
export interface ConvergenceSpec {
  /** The seed of everything. */
  readonly seed: number;
  /** Honest replicas (3 to 6 in the tests). */
  readonly replicas: number;
  /** Whether a byzantine replica takes part. */
  readonly byzantine: boolean;
  /** Facts each replica starts with (drawn from a shared pool, so they overlap). */
  readonly initialFacts: number;
  /** Facts each replica appends while the network misbehaves. */
  readonly appendedFacts: number;
  /** Random partitions before the heal. */
  readonly partitions: number;
  /** Loss and duplication probability of every link until the heal. */
  readonly loss: number;
  /** Duplication probability until the heal. */
  readonly duplicate: number;
  /** Virtual time at which every fault has ended, in ms. */
  readonly healAtMs: number;
  /** Virtual time after the heal before the replicas are compared, in ms. */
  readonly settleMs: number;
  /** Mean time between periodic sync rounds, in ms. */
  readonly intervalMs: number;
  /** Honest replicas that crash and restart (their store survives, like a disk) before the heal. */
  readonly crashes?: number;
  /** Replicas cut off from the others for the whole run (a control: they must not converge). */
  readonly isolated?: readonly string[];
}

/** A reasonable small scenario; override what a test varies. */
export const DEFAULT_CONVERGENCE: Omit<ConvergenceSpec, 'seed'> = {
  replicas: 4,
  byzantine: true,
  initialFacts: 12,
  appendedFacts: 4,
  partitions: 3,
  loss: 0.15,
  duplicate: 0.15,
  healAtMs: 3_000,
  settleMs: 3_000,
  intervalMs: 400,
};

/** What the run found. */
export interface ConvergenceResult {
  /** Every way the honest replicas disagree with each other or with the expected facts (empty: converged). */
  readonly problems: readonly string[];
  /** Valid facts every honest replica should hold. */
  readonly expected: number;
  /** Facts refused by honest replicas, all senders. */
  readonly rejected: number;
  /** Facts refused that named the byzantine replica. */
  readonly rejectedFromByzantine: number;
  /** Sessions that completed at their opener, and those that failed (timeouts, cut links). */
  readonly sessions: { readonly done: number; readonly failed: number };
  /** The fault phases applied. */
  readonly faults: readonly FaultPhase[];
}

/** Runs the scenario. */
export async function runConvergence(spec: ConvergenceSpec): Promise<ConvergenceResult> {
  const random = new SeededRandom(`sync-convergence-${spec.seed}`);
  const draws = new RandomDraws(random.fork('draws'));
  const fixture = new SyncFixture(new Ed25519CryptoEffects(random.fork('crypto')), random.fork('fixture'));
  const names = Array.from({ length: spec.replicas }, (_, i) => `r${i}`);
  const pool = fixture.facts(spec.initialFacts * 2);
  const initial = names.map(() => pool.filter(() => draws.chance(0.5)).slice(0, spec.initialFacts));
  const appended = names.map((_, i) => Array.from({ length: spec.appendedFacts }, (_, k) => fixture.fact(`r${i}`, k + 1)));
  const replicas = await Promise.all(initial.map((facts) => fixture.replica(facts)));
  const byzantineName = 'byzantine';
  const invalid = fixture.invalidFacts();
  const byzantineReplica = spec.byzantine ? new ByzantineReplica(await fixture.replica(pool.slice(0, 3)), invalid.map((f) => f.bytes)) : undefined;

  const sim = new Simulation({ seed: spec.seed });
  const transport = new SimTransport(sim);
  const everyone = [...names, ...(spec.byzantine ? [byzantineName] : [])];
  const devices: DeviceId[] = [];
  const events: SyncEvent[] = [];
  // Only honest replicas report: the byzantine one's own view of things proves nothing.
  const serve = (name: string, replica: SyncReplica, appends: { readonly to?: StoreReplica; readonly facts: readonly FactRecord[] }, report: boolean) => {
    const node = sim.addNode(name, (n) => {
      const channel = new SimDeviceChannel(sim, n);
      const service = new SyncService({
        channel,
        replica,
        time: transport.clock(n),
        random: n.effects.random,
        peers: devices,
        intervalMs: spec.intervalMs,
        receiveTimeoutMs: 100,
        broadcast: new ChannelBroadcast(channel, () => devices),
        ...(report ? { events: (event: SyncEvent) => events.push(event) } : {}),
      });
      service.start();
      appends.facts.forEach((fact, k) => {
        // At a fixed virtual time; after a restart, those whose time has passed are appended again
        // at once (appending is idempotent), as a device redoes what it cannot tell it finished.
        const at = ((k + 1) * spec.healAtMs) / (appends.facts.length + 1);
        n.after(Math.max(1, at - n.now), async () => {
          await appends.to?.append([fact]);
          await service.announce();
        });
      });
    });
    devices.push(node.device);
  };
  names.forEach((name, i) => {
    const replica = replicas[i]!; // one replica per name
    serve(name, replica, { to: replica, facts: appended[i]! }, true);
  });
  if (byzantineReplica !== undefined) serve(byzantineName, byzantineReplica, { facts: [] }, false);

  const faults = convergenceFaults(spec, draws, everyone);
  scheduleFaults(sim, faults);
  await sim.run({ until: spec.healAtMs + spec.settleMs });

  const expectedFacts = [...pool.filter((f) => initial.some((facts) => facts.includes(f)) || (spec.byzantine && pool.slice(0, 3).includes(f))), ...appended.flat()];
  const expectedKeys = [...new Set(expectedFacts.map((f) => f.key))].sort();
  const expectedView = JSON.stringify([...reduce(counterReducer, expectedFacts)].sort());
  const problems: string[] = [];
  for (const [i, replica] of replicas.entries()) {
    const keys = await replica.store.keys(replica.namespace);
    const missing = expectedKeys.filter((key) => !keys.includes(key));
    const extra = keys.filter((key) => !expectedKeys.includes(key));
    if (missing.length > 0) problems.push(`r${i} lacks ${missing.length} of ${expectedKeys.length} facts`);
    if (extra.length > 0) problems.push(`r${i} holds ${extra.length} facts it should not (invalid facts admitted?)`);
    const view = JSON.stringify([...(await fixture.view(replica))].sort());
    if (view !== expectedView) problems.push(`r${i}'s counter view differs: ${view} instead of ${expectedView}`);
  }
  const byzantineDevice = spec.byzantine ? devices.at(-1) : undefined;
  const rejected = events.flatMap((e) => (e.event === 'sync-done' ? e.report.rejected : []));
  return {
    problems,
    expected: expectedKeys.length,
    rejected: rejected.length,
    rejectedFromByzantine: rejected.filter((r) => r.from === byzantineDevice).length,
    sessions: {
      done: events.filter((e) => e.event === 'sync-done' && e.report.role === 'A').length,
      failed: events.filter((e) => e.event === 'sync-failed' && e.role === 'A').length,
    },
    faults,
  };
}

/** Random partitions and a lossy, duplicating network, all over by `healAtMs`. */
function convergenceFaults(spec: ConvergenceSpec, draws: RandomDraws, nodes: readonly string[]): FaultPhase[] {
  const faults: FaultPhase[] = [{ kind: 'degrade', at: 0, until: spec.healAtMs, loss: spec.loss, duplicate: spec.duplicate, latency: { kind: 'uniform', min: 1, max: 10 } }];
  for (let p = 0; p < spec.partitions; p++) {
    const at = Math.floor(draws.float() * spec.healAtMs * 0.8);
    const until = Math.min(spec.healAtMs, at + 200 + Math.floor(draws.float() * spec.healAtMs * 0.4));
    const side = nodes.filter(() => draws.chance(0.5));
    if (side.length > 0 && side.length < nodes.length) faults.push({ kind: 'partition', at, until, groups: [side] });
  }
  for (let c = 0; c < (spec.crashes ?? 0); c++) {
    const at = Math.floor(draws.float() * spec.healAtMs * 0.7);
    faults.push({ kind: 'crash', node: `r${draws.int(spec.replicas)}`, at, restart: at + 100 + Math.floor(draws.float() * spec.healAtMs * 0.2) });
  }
  if (spec.isolated !== undefined) faults.push({ kind: 'partition', at: 0, groups: [spec.isolated] });
  return faults;
}
