/**
 * Replay: re-runs a simulation from a trace's header (seed and pinned scenario) and checks that
 * the new trace is the same, byte for byte. On a mismatch it points at the first differing line
 * (a change in the code, the dependencies or the platform made the run diverge there).
 *
 * @module
 */
import { runPinned, type ScenarioRun } from './run-scenario.ts';
import { scenarioFromValue } from './scenario.ts';
import { firstDifference, parseTrace, type TraceDifference } from './trace.ts';

/** The result of a replay. */
export interface ReplayReport {
  /** The re-run. */
  readonly run: ScenarioRun;
  /** Where the traces first differ, or `undefined` when they are identical. */
  readonly difference?: TraceDifference;
}

/**
 * Replays the trace in `text`. A malformed trace is `sim.trace-malformed` (with the line); a
 * header whose scenario does not check is `scenario.invalid`.
 */
export async function replayTrace(text: string, file = 'trace'): Promise<ReplayReport> {
  const recorded = parseTrace(text, file);
  const scenario = { ...scenarioFromValue(recorded.header.config, `${file}:1 (header config)`), seed: recorded.header.seed };
  const run = await runPinned(scenario, true);
  const difference = firstDifference(recorded.lines, parseTrace(run.trace ?? '', 'replay').lines);
  return difference === undefined ? { run } : { run, difference };
}
