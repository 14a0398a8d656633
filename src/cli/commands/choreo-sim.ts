/**
 * `aura choreo sim FILE [--protocol P] [--param K=V] --seeds N [--start S] [--faults PRESET]
 * [--max-steps M] [--trace OUT]`: every role of a protocol with the default implementation
 * (seeded random payloads and choices, as `aura choreo run` uses) under the deterministic
 * simulator, once per seed. This is the end-to-end check that projection is sound (issue 5, item
 * 8): without faults every run must reach `end` for every role, or the `--max-steps` bound; with
 * faults every run must end, or abort cleanly, or stall with the stall explained by the faults;
 * never hang, never crash a role.
 *
 * Exit codes: 0 every seed passed, 1 some seed failed (they are printed with the waits-for report
 * and the command that replays one) or the protocol cannot run with the default implementation,
 * 2 usage errors.
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import type { ProjectedProtocol } from '../../choreo/local-type.ts';
import { checkChoreography } from '../../choreo/check.ts';
import { permanentError } from '../../core/errors.ts';
import { choreoRunPasses, simulateChoreo, type ChoreoSimResult } from '../../sim/choreo-sim.ts';
import { formatStall } from '../../sim/diagnosis.ts';
import { describeFault } from '../../sim/faults.ts';
import { FAULT_PRESETS, faultPreset, presetFaults, presetNetwork } from '../../sim/fault-presets.ts';
import { fileImportResolver, parseParams, readChoreoFile, reportDiagnostics, type ParamOptions } from './choreo.ts';

interface SimOptions extends ParamOptions {
  readonly protocol?: string;
  readonly seeds: string;
  readonly start: string;
  readonly faults: string;
  readonly maxSteps: string;
  readonly trace?: string;
}

/** Default bound on the messages of one run, for protocols that may never end. */
const DEFAULT_MAX_STEPS = 1000;

/** Adds `sim` to the `choreo` command group. */
export function registerChoreoSim(group: Command): void {
  group
    .command('sim')
    .description('run every role with the default implementation under the simulator, for many seeds')
    .argument('<file>', '.choreo file')
    .option('--protocol <name>', 'the protocol (needed when the file has several)')
    .option('--param <K=V>', 'value of a symbolic parameter (repeatable)', (value: string, previous: string[]) => [...previous, value], [])
    .option('--seeds <n>', 'how many seeds', '20')
    .option('--start <s>', 'first seed', '0')
    .option('--faults <preset>', `fault preset: ${Object.keys(FAULT_PRESETS).join(', ')}`, 'none')
    .option('--max-steps <m>', 'stop a run cleanly after this many messages', String(DEFAULT_MAX_STEPS))
    .option('--trace <out>', 'write the JSON-lines trace of the first failing seed (or of the last seed) to this file')
    .action(async function (this: Command, file: string, options: SimOptions) {
      const seeds = wholeNumber(this, options.seeds, 'seeds', 1);
      const start = wholeNumber(this, options.start, 'start', 0);
      const maxSteps = wholeNumber(this, options.maxSteps, 'max-steps', 1);
      const preset = faultPreset(options.faults);
      const protocol = chooseProtocol(this, file, options);
      const faulty = options.faults !== 'none';
      const failing: ChoreoSimResult[] = [];
      let last: ChoreoSimResult | undefined;
      const began = performance.now();
      for (let seed = start; seed < start + seeds; seed++) {
        const faults = presetFaults(preset, seed, protocol.roles);
        const result = await simulateChoreo(protocol, { seed, network: presetNetwork(preset), faults, maxMessages: maxSteps, trace: options.trace !== undefined });
        last = result;
        if (!choreoRunPasses(result, faulty)) {
          failing.push(result);
          for (const line of failureReport(result, faults.map(describeFault))) console.log(line);
        }
      }
      const seconds = (performance.now() - began) / 1000;
      console.log(`${protocol.name}, faults ${options.faults}: ${seeds} seed(s) in ${seconds.toFixed(2)} s: ${seeds - failing.length} passed, ${failing.length} failed`);
      const traced = failing[0] ?? last;
      if (options.trace !== undefined && traced?.trace !== undefined) writeFileSync(options.trace, traced.trace);
      if (failing.length === 0) return;
      const first = failing[0]!; // not empty
      console.log(`failing seeds: ${failing.map((result) => result.seed).join(' ')}`);
      console.log(`replay seed ${first.seed}: aura choreo sim ${file}${options.protocol === undefined ? '' : ` --protocol ${options.protocol}`}${options.param.map((param) => ` --param ${param}`).join('')} --faults ${options.faults} --max-steps ${maxSteps} --start ${first.seed} --seeds 1 --trace seed-${first.seed}.jsonl`);
      throw permanentError('choreo.sim-failed', `${failing.length} of ${seeds} seed(s) failed`);
    });
}

function wholeNumber(command: Command, text: string, name: string, min: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) command.error(`error: --${name} must be a whole number of at least ${min}, got "${text}"`, { exitCode: 2, code: 'aura.choreo.usage' });
  return value;
}

/** The one protocol to simulate, checked and instantiated. */
function chooseProtocol(command: Command, file: string, options: SimOptions): ProjectedProtocol {
  const params = parseParams(command, options.param);
  const result = checkChoreography(readChoreoFile(command, file), file, { params, resolveImport: fileImportResolver, ...(options.protocol === undefined ? {} : { protocol: options.protocol }) });
  reportDiagnostics(result, file);
  const reports = result.protocols;
  if (reports.length === 0) command.error(`error: ${file} has no protocol${options.protocol === undefined ? '' : ` named ${options.protocol}`}`, { exitCode: 2, code: 'aura.choreo.protocol' });
  if (reports.length > 1) command.error(`error: ${file} has several protocols (${reports.map((report) => report.name).join(', ')}); name one with --protocol`, { exitCode: 2, code: 'aura.choreo.protocol' });
  const report = reports[0]!; // exactly one
  if (report.symbolic.length > 0) throw permanentError('choreo.params', `${report.name} has symbolic sizes; give them values with ${report.symbolic.map((name) => `--param ${name}=…`).join(' ')}`);
  const projected = report.instances[0];
  if (projected === undefined) throw permanentError('choreo.invalid', `${report.name} could not be projected`);
  return projected;
}

/** The lines printed for a failing seed: figures, faults, each role's outcome, crashes, the waits-for report. */
export function failureReport(result: ChoreoSimResult, faults: readonly string[]): string[] {
  const { run } = result;
  return [
    `seed ${result.seed}: ${result.status} at t=${run.time.toFixed(1)} ms after ${run.events} events (${run.sends} sent, ${run.deliveries} delivered, ${run.drops} dropped)`,
    ...faults.map((fault) => `  fault: ${fault}`),
    ...result.roles.map((role) => `  ${role.role}: ${role.status}${role.error === undefined ? '' : ` (${role.error})`}`),
    ...run.roleCrashes.map((crash) => `  crash of ${crash.node} at t=${crash.time.toFixed(1)}: ${crash.error}`),
    ...(result.stall === undefined ? [] : formatStall(result.stall).map((line) => `  ${line}`)),
  ];
}
