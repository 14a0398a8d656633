/**
 * Benchmarks of the simulator (issue 5): delivery throughput of a 100-node gossip workload, and
 * a sweep of 1,000 seeds of a 5-role request-response workload (~30 messages per run) with
 * random faults, over worker threads. Baselines, measured in the same run: the same gossip while
 * recording a trace (the cost of tracing), and the same sweep in one thread (the gain of workers).
 * The gossip figure is also given per second of this process's CPU time, which a machine shared
 * with other jobs does not distort as much as wall-clock time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
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
