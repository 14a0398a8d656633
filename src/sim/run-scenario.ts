/**
 * Runs a checked scenario for one seed: builds the simulation (network, workload, adversaries,
 * faults), runs it, checks the properties, and optionally renders the trace. The trace header
 * carries the scenario *pinned* to the run: its seed, and its random fault phases drawn and
 * written out, so the trace alone replays the run.
 *
 * A run fails when an invariant breaks, an outcome does not hold at the end, a node's code
 * throws (a crash of that role), or the run hits `max_events` (it would not stop by itself).
 *
 * @module
 */
import { corrupt, delay, equivocate, omit, replay, type Adversary } from './adversary.ts';
import { corruptPayload } from './corrupt.ts';
import { drawRandomFaults, linkRule, scheduleFaults } from './faults.ts';
import type { NetworkConfig } from './network.ts';
import { definedFields } from './node.ts';
import { workloadOf, type AdversarySpec, type NetworkSpec, type Scenario } from './scenario.ts';
import { Simulation, type RunResult, type Violation } from './simulation.ts';
import { TRACE_VERSION, traceText } from './trace.ts';

/** What one scenario run did. */
export interface ScenarioRun {
  /** The scenario pinned to this run (seed set, random faults drawn). */
  readonly scenario: Scenario;
  /** The simulation's figures and diagnosis. */
  readonly result: RunResult;
  /** Every failed property, role crash or non-termination; empty when the run passed. */
  readonly failures: readonly Violation[];
  /** The JSON-lines trace, when asked for. */
  readonly trace?: string;
}

/** Options of {@link runScenario}. */
export interface ScenarioRunOptions {
  /** The seed (default: the scenario's). */
  readonly seed?: number;
  /** Render the trace. */
  readonly trace?: boolean;
}

/** The scenario with `seed` and its random faults written out as explicit phases. */
export function pinScenario(scenario: Scenario, seed: number): Scenario {
  const { random_faults: spec, ...rest } = scenario;
  const drawn = spec === undefined ? [] : drawRandomFaults(spec, seed, scenario.participants.map((participant) => participant.name));
  return { ...rest, seed, faults: [...scenario.faults, ...drawn] };
}

/** Runs `scenario` once. */
export async function runScenario(scenario: Scenario, options: ScenarioRunOptions = {}): Promise<ScenarioRun> {
  return runPinned(pinScenario(scenario, options.seed ?? scenario.seed), options.trace === true);
}

/** Runs a scenario whose faults are already explicit (as shrinking and replay do). */
export async function runPinned(scenario: Scenario, trace: boolean): Promise<ScenarioRun> {
  const sim = new Simulation({ seed: scenario.seed, trace, stamping: scenario.stamping, network: networkConfig(scenario.network) });
  const workload = workloadOf(scenario);
  const checks = workload?.setup(sim, { participants: scenario.participants, params: scenario.params });
  for (const name of scenario.properties.invariants) {
    const check = checks?.invariants[name];
    if (check !== undefined) sim.invariant(name, check);
  }
  for (const spec of scenario.adversaries) sim.addAdversary(adversaryOf(spec));
  scheduleFaults(sim, scenario.faults);
  const result = await sim.run({ until: scenario.until, maxEvents: scenario.max_events });
  const failures: Violation[] = [...result.violations];
  for (const crash of result.roleCrashes) failures.push({ property: 'no-role-crash', time: crash.time, detail: `${crash.node} threw ${crash.error}` });
  if (result.stop === 'event-limit') failures.push({ property: 'terminates', time: result.time, detail: `still running after max_events = ${scenario.max_events} events` });
  if (result.stop !== 'stopped') {
    for (const name of scenario.properties.outcomes) {
      const check = checks?.outcomes[name];
      const violation = check === undefined ? undefined : sim.checkProperty(name, check);
      if (violation !== undefined) failures.push(violation);
    }
  }
  const text = sim.trace === undefined ? undefined : traceText({ type: 'header', version: TRACE_VERSION, seed: scenario.seed, config: scenario }, sim.trace.events);
  return { scenario, result, failures, ...definedFields({ trace: text }) };
}

/** The simulator's network configuration for a scenario's network section. */
export function networkConfig(spec: NetworkSpec): NetworkConfig {
  const { links, ...defaults } = spec;
  return { defaults, links: links.map(linkRule) };
}

/** The adversary a scenario's `[[adversaries]]` entry names. */
export function adversaryOf(spec: AdversarySpec): Adversary {
  const selector = definedFields({ from: spec.from, to: spec.to, labels: spec.labels, probability: spec.probability });
  switch (spec.kind) {
    case 'omit':
      return omit(selector);
    case 'delay':
      return delay(selector, spec.ms ?? 0);
    case 'replay':
      return replay(selector);
    case 'corrupt':
      return corrupt(selector);
    case 'equivocate': {
      const misled = new Set(spec.to ?? []);
      return equivocate(spec.from ?? '', (payload, to, draws) => (misled.has(to) ? corruptPayload(payload, draws) : payload));
    }
  }
}
