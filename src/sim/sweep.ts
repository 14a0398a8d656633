/**
 * Sweeps: run a scenario for many seeds on every core (this thread plus worker threads), and
 * report how many passed and which seeds failed, with why. Threads take chunks of seeds as they
 * go; each seed's verdict depends on the seed alone and the report lists seeds in ascending
 * order, so a sweep's report is as reproducible as its runs whatever the thread timing.
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
  /** Threads, this one included (default: one per core; 1 runs every seed in this thread). */
  readonly workers?: number;
  /** Whether this thread runs seeds too (default true); when false, every thread is a worker. */
  readonly useThisThread?: boolean;
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

/** Seeds handed out at a time: small enough to balance threads, large enough to keep messages rare. */
const CHUNK = 20;

/**
 * Runs a sweep and reports. This thread runs seeds too, so work starts at once while the worker
 * threads load; every thread takes the next chunk of seeds when it finishes one, so a slow or
 * late thread does less.
 */
export async function sweep(scenario: Scenario, options: SweepOptions): Promise<SweepReport> {
  const start = options.start ?? 0;
  const seeds = Array.from({ length: options.seeds }, (_, i) => start + i);
  const chunks = Array.from({ length: Math.ceil(seeds.length / CHUNK) }, (_, i) => seeds.slice(i * CHUNK, (i + 1) * CHUNK));
  const threads = Math.max(1, Math.min(options.workers ?? availableParallelism(), chunks.length));
  const take = (): number[] | undefined => chunks.shift();
  const here = options.useThisThread ?? true;
  const workers = Array.from({ length: here ? threads - 1 : threads }, () => new SweepWorker(scenario, take));
  const results: SeedResult[] = [];
  for (let chunk = here ? take() : undefined; chunk !== undefined; chunk = take()) {
    results.push(...(await runSeeds({ scenario, seeds: chunk })));
    // Let the workers' requests for more seeds in between chunks.
    await new Promise((resolve) => setImmediate(resolve));
  }
  // A worker still loading when this thread ran out of seeds has nothing left to do.
  if (here) for (const worker of workers) worker.stopIfIdle();
  for (const share of await Promise.all(workers.map((worker) => worker.results))) results.push(...share);
  results.sort((a, b) => a.seed - b.seed);
  const failing = results.filter((result) => result.failures.length > 0);
  return { total: results.length, passed: results.length - failing.length, failing };
}

/** A worker thread that runs chunks from `take` until none is left. */
class SweepWorker {
  /** Everything the worker ran, once it has stopped. */
  readonly results: Promise<SeedResult[]>;
  private readonly worker: Worker;
  private busy = false;
  private stop: () => void = () => undefined;

  constructor(scenario: Scenario, take: () => number[] | undefined) {
    const api = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./sweep-worker.ts', import.meta.url).href;
    // An eval'd bootstrap registers tsx in the worker before importing the TypeScript entry.
    const bootstrap = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
    this.worker = new Worker(bootstrap, { eval: true });
    const worker = this.worker;
    this.results = new Promise((resolve, reject) => {
      const collected: SeedResult[] = [];
      let finished = false;
      this.stop = () => {
        finished = true;
        void worker.terminate();
        resolve(collected);
      };
      worker.on('message', (done: SeedResult[]) => {
        this.busy = false;
        collected.push(...done);
        const seeds = take();
        if (seeds === undefined) {
          this.stop();
          return;
        }
        this.busy = true;
        worker.postMessage({ scenario, seeds } satisfies SweepTask);
      });
      worker.once('error', (error) => {
        finished = true;
        reject(systemError('sim.worker-failed', `a sweep worker failed: ${error.message}`, { cause: error }));
      });
      worker.once('exit', (code) => {
        if (!finished) reject(systemError('sim.worker-failed', `a sweep worker exited with code ${code} before finishing`));
      });
    });
  }

  /** Stops the worker unless it is running a chunk (it stops by itself after that one). */
  stopIfIdle(): void {
    if (!this.busy) this.stop();
  }
}
