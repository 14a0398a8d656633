/**
 * Sweeps: run a scenario for many seeds, spread over worker threads (one per core by default),
 * and report how many passed and which seeds failed, with why. Each worker runs its share of the
 * seeds in order; the report lists seeds in ascending order whatever the worker timing, so a
 * sweep's report is as reproducible as its runs.
 *
 * Workers load TypeScript through tsx's registration API, so sweeps work both under `tsx`/
 * `node --import tsx` and from the `aura` binary.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { systemError } from '../core/errors.ts';
import { runScenario } from './run-scenario.ts';
import type { Scenario } from './scenario.ts';

/** What a sweep worker is given. */
export interface SweepTask {
  /** The scenario (plain data). */
  readonly scenario: Scenario;
  /** The seeds to run, in order. */
  readonly seeds: readonly number[];
}

/** The verdict on one seed. */
export interface SeedResult {
  /** The seed. */
  readonly seed: number;
  /** `property: detail` for each failure; empty when the seed passed. */
  readonly failures: readonly string[];
}

/** Options of a sweep. */
export interface SweepOptions {
  /** How many seeds. */
  readonly seeds: number;
  /** The first seed (default 0); seeds are `start … start + seeds - 1`. */
  readonly start?: number;
  /** Worker threads (default: one per core, at most one per seed; 1 runs in this thread). */
  readonly workers?: number;
}

/** The outcome of a sweep. */
export interface SweepReport {
  /** Seeds run. */
  readonly total: number;
  /** Seeds that passed. */
  readonly passed: number;
  /** The seeds that failed, ascending, with their failures. */
  readonly failing: readonly SeedResult[];
}

/** Runs `seeds` in this thread. */
export async function runSeeds(task: SweepTask): Promise<SeedResult[]> {
  const results: SeedResult[] = [];
  for (const seed of task.seeds) {
    const run = await runScenario(task.scenario, { seed });
    results.push({ seed, failures: run.failures.map((failure) => `${failure.property}: ${failure.detail}`) });
  }
  return results;
}

/** Runs a sweep and reports. */
export async function sweep(scenario: Scenario, options: SweepOptions): Promise<SweepReport> {
  const start = options.start ?? 0;
  const seeds = Array.from({ length: options.seeds }, (_, i) => start + i);
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), seeds.length));
  const shares = Array.from({ length: workers }, (_, w) => seeds.filter((_, i) => i % workers === w));
  const results = workers === 1 ? await runSeeds({ scenario, seeds }) : (await Promise.all(shares.map((share) => inWorker({ scenario, seeds: share })))).flat();
  results.sort((a, b) => a.seed - b.seed);
  const failing = results.filter((result) => result.failures.length > 0);
  return { total: results.length, passed: results.length - failing.length, failing };
}

function inWorker(task: SweepTask): Promise<SeedResult[]> {
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./sweep-worker.ts', import.meta.url).href;
  // An eval'd bootstrap registers tsx in the worker before importing the TypeScript entry.
  const bootstrap = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(bootstrap, { eval: true, workerData: task });
    let settled = false;
    worker.once('message', (results: SeedResult[]) => {
      settled = true;
      resolve(results);
      void worker.terminate();
    });
    worker.once('error', (error) => {
      settled = true;
      reject(systemError('sim.worker-failed', `a sweep worker failed: ${error.message}`, { cause: error }));
    });
    worker.once('exit', (code) => {
      if (!settled) reject(systemError('sim.worker-failed', `a sweep worker exited with code ${code} before reporting`));
    });
  });
}
