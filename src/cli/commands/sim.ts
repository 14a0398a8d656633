/**
 * `aura sim run|sweep|replay`: the deterministic simulator on the command line, for the
 * workloads and the choreographies that scenarios name (`aura choreo sim` is in `choreo-sim.ts`).
 *
 * - `run SCENARIO [--seed N] [--trace OUT]`: one run; prints the figures, faults, failures and,
 *   for a stalled run, the waits-for report. Exit 1 when a property fails.
 * - `sweep SCENARIO --seeds N [--start S] [--workers K] [--out DIR]`: many seeds over worker
 *   threads; prints pass/fail counts and seeds/s, the failing seeds, and for the first failing
 *   seed a shrunk fault schedule written as a scenario to DIR, with the commands that replay it.
 * - `replay TRACE`: re-runs a trace and checks the new one is identical, or shows where it differs.
 *
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { stringify } from 'smol-toml';
import { permanentError } from '../../core/errors.ts';
import { formatStall } from '../../sim/diagnosis.ts';
import { describeFault } from '../../sim/faults.ts';
import { replayTrace } from '../../sim/replay.ts';
import { pinScenario, runScenario, type ScenarioRun } from '../../sim/run-scenario.ts';
import { parseScenario, type Scenario } from '../../sim/scenario.ts';
import { shrinkFaults } from '../../sim/shrink.ts';
import { sweep } from '../../sim/sweep.ts';

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw permanentError('cli.unreadable', `cannot read ${what} ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function loadScenario(path: string): Scenario {
  return parseScenario(readText(path, 'scenario'), path);
}

function integerOption(text: string | undefined, name: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw permanentError('cli.usage', `--${name} must be a whole number of at least ${min}, got "${text}"`);
  return value;
}

/** The report of one run, as printed by `aura sim run`. */
function runReport(run: ScenarioRun): string[] {
  const { result, scenario } = run;
  const lines = [
    `${scenario.name}: seed ${scenario.seed}, ${scenario.participants.length} nodes, workload ${scenario.workload}`,
    `stopped (${result.stop}) at t=${result.time.toFixed(1)} ms after ${result.events} events: ${result.sends} sent, ${result.deliveries} delivered, ${result.drops} dropped`,
    ...scenario.faults.map((fault) => `  fault: ${describeFault(fault)}`),
  ];
  if (result.stall !== undefined) lines.push(...formatStall(result.stall));
  lines.push(run.failures.length === 0 ? 'PASS: every property holds' : `FAIL: ${run.failures.length} problem(s)`);
  for (const failure of run.failures) lines.push(`  ${failure.property} at t=${failure.time.toFixed(1)}: ${failure.detail}`);
  return lines;
}

/** Adds the `sim` command group to `program`. */
export function registerSimCommands(program: Command): void {
  const sim = program.command('sim').description('deterministic simulation: run, sweep and replay scenarios (see docs/simulator.md)');
  sim
    .command('run')
    .description('run a scenario once; exit 1 when a property fails')
    .argument('<scenario>', 'scenario file (TOML)')
    .option('--seed <n>', 'seed (default: the scenario\'s)')
    .option('--trace <out>', 'write the JSON-lines trace to this file')
    .action(async (path: string, options: { seed?: string; trace?: string }) => {
      const scenario = loadScenario(path);
      const seed = integerOption(options.seed, 'seed', 0);
      const run = await runScenario(scenario, { ...(seed === undefined ? {} : { seed }), trace: options.trace !== undefined });
      if (options.trace !== undefined) writeFileSync(options.trace, run.trace ?? '');
      console.log(runReport(run).join('\n'));
      if (options.trace !== undefined) console.log(`trace: ${options.trace} (replay with: aura sim replay ${options.trace})`);
      if (run.failures.length > 0) throw permanentError('sim.run-failed', `seed ${run.scenario.seed} failed ${run.failures.map((failure) => failure.property).join(', ')}`);
    });
  sim
    .command('sweep')
    .description('run many seeds on every core; report failing seeds and shrink the first one')
    .argument('<scenario>', 'scenario file (TOML)')
    .requiredOption('--seeds <n>', 'how many seeds')
    .option('--start <s>', 'first seed', '0')
    .option('--workers <k>', 'worker threads (default: one per core)')
    .option('--out <dir>', 'where to write the shrunk failing scenario', 'sim-failures')
    .action(async (path: string, options: { seeds: string; start: string; workers?: string; out: string }) => {
      const scenario = loadScenario(path);
      const seeds = integerOption(options.seeds, 'seeds', 1) ?? 1;
      const start = integerOption(options.start, 'start', 0) ?? 0;
      const workers = integerOption(options.workers, 'workers', 1);
      const began = performance.now();
      const report = await sweep(scenario, { seeds, start, ...(workers === undefined ? {} : { workers }) });
      const seconds = (performance.now() - began) / 1000;
      console.log(`${report.total} seeds in ${seconds.toFixed(2)} s (${(report.total / seconds).toFixed(1)} seeds/s): ${report.passed} passed, ${report.failing.length} failed`);
      if (report.failing.length === 0) return;
      console.log(`failing seeds: ${report.failing.map((result) => result.seed).join(' ')}`);
      for (const result of report.failing.slice(0, 10)) console.log(`  seed ${result.seed}: ${result.failures.join('; ')}`);
      const first = report.failing[0]!; // failing is not empty here
      console.log(`replay seed ${first.seed}: aura sim run ${path} --seed ${first.seed}`);
      const shrunk = await shrinkFaults(pinScenario(scenario, first.seed));
      if (shrunk !== undefined) {
        mkdirSync(options.out, { recursive: true });
        const file = join(options.out, `${basename(path, '.toml')}-seed-${first.seed}.toml`);
        writeFileSync(file, `# ${scenario.name}: seed ${first.seed} shrunk to ${shrunk.scenario.faults.length} fault phase(s), failing ${shrunk.property}\n${stringify(shrunk.scenario)}\n`);
        console.log(`shrunk in ${shrunk.runs} runs to ${shrunk.scenario.faults.length} fault phase(s), still failing ${shrunk.property}:`);
        for (const fault of shrunk.scenario.faults) console.log(`  ${describeFault(fault)}`);
        console.log(`replay the shrunk schedule: aura sim run ${file} --trace ${file.replace(/\.toml$/, '.jsonl')}`);
      }
      throw permanentError('sim.sweep-failed', `${report.failing.length} of ${report.total} seeds failed`);
    });
  sim
    .command('replay')
    .description('re-run a trace from its seed and config; exit 1 if the new trace differs')
    .argument('<trace>', 'a trace written by aura sim run --trace')
    .action(async (path: string) => {
      const report = await replayTrace(readText(path, 'trace'), path);
      const difference = report.difference;
      if (difference === undefined) {
        console.log(`identical: ${path} replays event for event (seed ${report.run.scenario.seed}, ${report.run.result.events} events)`);
        console.log(runReport(report.run).join('\n'));
        return;
      }
      console.log(`first difference at ${path}:${difference.line}`);
      console.log(`  recorded: ${difference.expected ?? '(trace ended)'}`);
      console.log(`  replayed: ${difference.actual ?? '(replay ended)'}`);
      throw permanentError('sim.replay-mismatch', `the replay departs from ${path} at line ${difference.line}`);
    });
}
