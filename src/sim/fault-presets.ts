/**
 * Named fault presets for `aura choreo sim --faults PRESET`: link conditions for every link, plus
 * a recipe for random fault phases drawn per seed over the role nodes. They are sized for
 * choreographies of tens of messages on links of a few milliseconds, so that faults land while the
 * session runs.
 *
 * @module
 */
import { permanentError } from '../core/errors.ts';
import { drawRandomFaults, linkConditions, type FaultPhase, type LinkSettings, type RandomFaultSpec } from './faults.ts';
import { PERFECT_LINK } from './latency.ts';
import type { NetworkConfig } from './network.ts';

/** A fault preset: link conditions and random fault phases. */
export interface FaultPreset {
  /** One line for `--help`. */
  readonly description: string;
  /** Conditions of every link. */
  readonly links: LinkSettings;
  /** Random fault phases per seed, if any. */
  readonly random?: RandomFaultSpec;
}

const JITTER: LinkSettings = { latency: { kind: 'uniform', min: 1, max: 20 } };

/** The presets by name. `none` is a perfect network with jitter: every run must end. */
export const FAULT_PRESETS: Readonly<Record<string, FaultPreset>> = {
  none: { description: 'no faults; links of 1-20 ms', links: JITTER },
  lossy: { description: 'links lose 5% and duplicate 2% of messages', links: { ...JITTER, loss: 0.05, duplicate: 0.02 } },
  corrupt: { description: 'links corrupt 5% of messages', links: { ...JITTER, corrupt: 0.05 } },
  reorder: { description: 'messages may overtake each other on a link', links: { ...JITTER, reorder: true } },
  crash: { description: 'one role crashes, and may restart', links: JITTER, random: { count: 1, horizon: 60, max_duration: 60, kinds: ['crash'] } },
  partition: { description: 'two partitions that heal', links: JITTER, random: { count: 2, horizon: 60, max_duration: 60, kinds: ['partition'] } },
  chaos: {
    description: 'loss, duplication, corruption, crashes, partitions and degraded links together',
    links: { ...JITTER, loss: 0.02, duplicate: 0.02, corrupt: 0.01 },
    random: { count: 3, horizon: 60, max_duration: 60, kinds: ['crash', 'partition', 'degrade'] },
  },
};

/** The preset called `name`; an unknown name is `sim.unknown-preset`, listing the known ones. */
export function faultPreset(name: string): FaultPreset {
  const preset = FAULT_PRESETS[name];
  if (preset === undefined) throw permanentError('sim.unknown-preset', `unknown fault preset "${name}"; known: ${Object.keys(FAULT_PRESETS).join(', ')}`);
  return preset;
}

/** The network configuration of a preset. */
export function presetNetwork(preset: FaultPreset): NetworkConfig {
  return { defaults: { ...PERFECT_LINK, ...linkConditions(preset.links) }, links: [] };
}

/** The fault phases a preset draws for `seed` over `nodes` (the same draws as a scenario's `random_faults`). */
export function presetFaults(preset: FaultPreset, seed: number, nodes: readonly string[]): FaultPhase[] {
  return preset.random === undefined ? [] : drawRandomFaults(preset.random, seed, nodes);
}
