/**
 * Benchmarks of the simulator (issue 5): delivery throughput of a 100-node gossip workload, and
 * a sweep of 1,000 seeds of a 5-role request-response workload (~30 messages per run) with
 * random faults, over worker threads. Baselines, measured in the same run: the same gossip while
 * recording a trace (the cost of tracing), and the same sweep in one thread (the gain of workers).
 * A sweep of 1,000 seeds of a real 5-role choreography under chaos faults, against the same
 * sessions run without the simulator.
 * The gossip figure is also given per second of this process's CPU time, which a machine shared
 * with other jobs does not distort as much as wall-clock time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkChoreography } from '../src/choreo/check.ts';
import { randomIdentifier } from '../src/core/identifiers.ts';
import { SeededRandom } from '../src/handlers/random.ts';
import { MemoryTransport } from '../src/runtime/memory-transport.ts';
import { randomImpl } from '../src/runtime/random-impl.ts';
import { runSession } from '../src/runtime/run-session.ts';
import { choreoRunPasses, simulateChoreo } from '../src/sim/choreo-sim.ts';
import { faultPreset, presetFaults, presetNetwork } from '../src/sim/fault-presets.ts';
import { parseScenario } from '../src/sim/scenario.ts';
import { Simulation } from '../src/sim/simulation.ts';
import { sweep } from '../src/sim/sweep.ts';
import { gossipWorkload } from '../src/sim/workloads/gossip.ts';
import type { Benchmark } from './harness.ts';

const PEERS = Array.from({ length: 100 }, (_, i) => ({ name: `peer${i}`, role: 'peer', impl: 'default' }));
const GOSSIP_PARAMS = { ...gossipWorkload.params, updates: 400, fanout: 4, interval: 500, spread: 1000, horizon: 1500 };
let gossipSeed = 0;

/** Seconds of wall-clock time, or of this process's CPU time (robust when the machine is shared). */
type Clock = 'wall' | 'cpu';

function seconds(clock: Clock): number {
  if (clock === 'wall') return performance.now() / 1000;
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

async function gossipDeliveriesPerSecond(trace: boolean, clock: Clock = 'wall'): Promise<number> {
  const sim = new Simulation({ seed: gossipSeed++, trace, stamping: 'lamport', network: { defaults: { latency: { kind: 'uniform', min: 1, max: 20 }, loss: 0.01, duplicate: 0, corrupt: 0, bandwidth: 0, reorder: false }, links: [] } });
  gossipWorkload.setup(sim, { participants: PEERS, params: GOSSIP_PARAMS });
  const start = seconds(clock);
  const result = await sim.run();
  return result.deliveries / (seconds(clock) - start);
}

const flaky = parseScenario(readFileSync(join(import.meta.dirname, '..', 'scenarios', 'request-response-flaky.toml'), 'utf8'));
const SWEEP_SEEDS = 1000;
let sweepStart = 0;

async function seedsPerSecond(workers: number | undefined): Promise<number> {
  const start = performance.now();
  await sweep(flaky, { seeds: SWEEP_SEEDS, start: sweepStart, ...(workers === undefined ? {} : { workers }) });
  sweepStart += SWEEP_SEEDS;
  return SWEEP_SEEDS / ((performance.now() - start) / 1000);
}

export const benchmarks: Benchmark[] = [
  {
    name: 'sim/gossip 100 nodes',
    unit: 'deliveries/s',
    target: '>= 500,000 deliveries/s',
    samples: 9,
    warmup: 2,
    measure: () => gossipDeliveriesPerSecond(false),
    baseline: { name: 'the same run recording a Lamport-stamped trace', measure: () => gossipDeliveriesPerSecond(true) },
  },
  {
    name: 'sim/gossip 100 nodes, per CPU second',
    unit: 'deliveries/cpu-s',
    target: '>= 500,000 deliveries/s on an unshared core',
    samples: 9,
    warmup: 2,
    measure: () => gossipDeliveriesPerSecond(false, 'cpu'),
  },
  {
    name: 'sim/sweep 1000 seeds of 5 roles',
    unit: 'seeds/s',
    target: '1,000 seeds < 20 s, i.e. >= 50 seeds/s',
    samples: 3,
    warmup: 0,
    measure: () => seedsPerSecond(undefined),
    baseline: { name: 'the same sweep in one thread', measure: () => seedsPerSecond(1) },
  },
];

// A real choreography: 5 roles, about thirty messages on the accepting path, under the chaos preset.
const procurement = (() => {
  const file = join(import.meta.dirname, '..', 'scenarios', 'protocols', 'procurement.choreo');
  const projected = checkChoreography(readFileSync(file, 'utf8'), file).protocols[0]?.instances[0];
  if (projected === undefined) throw new Error(`${file} does not project`);
  return projected;
})();
const CHOREO_SEEDS = 1000;
let choreoStart = 0;

async function choreoSeedsPerSecond(): Promise<number> {
  const chaos = faultPreset('chaos');
  const network = presetNetwork(chaos);
  const start = performance.now();
  for (let seed = choreoStart; seed < choreoStart + CHOREO_SEEDS; seed++) {
    const result = await simulateChoreo(procurement, { seed, network, faults: presetFaults(chaos, seed, procurement.roles), maxMessages: 1000 });
    if (!choreoRunPasses(result, true)) throw new Error(`seed ${seed} failed: ${result.status}`);
  }
  choreoStart += CHOREO_SEEDS;
  return CHOREO_SEEDS / ((performance.now() - start) / 1000);
}

/** The same sessions without the simulator: every role in one process over the in-memory transport. */
async function inMemorySessionsPerSecond(): Promise<number> {
  const start = performance.now();
  for (let seed = 0; seed < CHOREO_SEEDS; seed++) {
    const random = new SeededRandom(seed);
    const impls = Object.fromEntries(procurement.roles.map((role) => [role, randomImpl(procurement, role, random.fork(role))]));
    await runSession(procurement, impls, new MemoryTransport(), { session: randomIdentifier('session', random.fork('session')) });
  }
  return CHOREO_SEEDS / ((performance.now() - start) / 1000);
}

benchmarks.push({
  name: 'sim/choreo sweep 1000 seeds of Procurement (5 roles, ~30 messages, chaos)',
  unit: 'seeds/s',
  target: '1,000 seeds < 20 s, i.e. >= 50 seeds/s',
  samples: 3,
  warmup: 0,
  measure: choreoSeedsPerSecond,
  baseline: { name: 'the same sessions without the simulator (in-memory transport, no faults)', measure: inMemorySessionsPerSecond },
});
