/**
 * Shrinking a failing fault schedule, in the spirit of delta debugging (Zeller & Hildebrandt,
 * "Simplifying and isolating failure-inducing input", TSE 2002): with the seed fixed, remove
 * fault phases one at a time while the run still fails the same property, then shorten the
 * phases that remain (halving their durations) while it still fails. The result is a smaller
 * schedule that reproduces the failure, usually one or two phases.
 *
 * @module
 */
import type { FaultPhase } from './faults.ts';
import { runPinned } from './run-scenario.ts';
import type { Scenario } from './scenario.ts';

/** A shrunk failing run. */
export interface ShrinkResult {
  /** The pinned scenario with the smaller schedule. */
  readonly scenario: Scenario;
  /** The property that still fails. */
  readonly property: string;
  /** How many runs shrinking took. */
  readonly runs: number;
}

/** Default limit on runs spent shrinking. */
export const DEFAULT_SHRINK_RUNS = 200;

/**
 * Shrinks the fault schedule of `pinned` (a scenario pinned to a failing seed). Returns
 * `undefined` if the run does not fail in the first place.
 */
export async function shrinkFaults(pinned: Scenario, maxRuns = DEFAULT_SHRINK_RUNS): Promise<ShrinkResult | undefined> {
  let runs = 0;
  const failingProperty = async (faults: readonly FaultPhase[]): Promise<string | undefined> => {
    runs++;
    const run = await runPinned({ ...pinned, faults }, false);
    return run.failures[0]?.property;
  };
  const property = await failingProperty(pinned.faults);
  if (property === undefined) return undefined;
  const stillFails = async (faults: readonly FaultPhase[]): Promise<boolean> => runs < maxRuns && (await failingProperty(faults)) === property;
  let faults = [...pinned.faults];
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 0; i < faults.length; i++) {
      const without = faults.filter((_, index) => index !== i);
      if (await stillFails(without)) {
        faults = without;
        changed = true;
        i--;
      }
    }
  }
  for (let i = 0; i < faults.length; i++) {
    for (let shorter = shortened(faults[i]!); shorter !== undefined; shorter = shortened(shorter)) { // i < length
      const candidate = faults.map((fault, index) => (index === i ? shorter : fault));
      if (!(await stillFails(candidate))) break;
      faults = candidate;
    }
  }
  return { scenario: { ...pinned, faults }, property, runs };
}

/** The phase with its duration halved, or `undefined` when it cannot get shorter. */
function shortened(fault: FaultPhase): FaultPhase | undefined {
  const half = (end: number | undefined): number | undefined => {
    if (end === undefined) return undefined;
    const duration = Math.floor((end - fault.at) / 2);
    return duration < 1 ? undefined : fault.at + duration;
  };
  switch (fault.kind) {
    case 'crash': {
      const restart = half(fault.restart);
      return restart === undefined ? undefined : { ...fault, restart };
    }
    case 'partition':
    case 'degrade': {
      const until = half(fault.until);
      return until === undefined ? undefined : { ...fault, until };
    }
    case 'skew':
      return undefined;
  }
}
