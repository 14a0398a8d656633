// Long sweeps (AURA_LONG=1): every example choreography, 300 seeds under every fault preset. Without
// faults every run must end; with faults every run must end, abort cleanly or stall with the
// faults to blame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkChoreography } from '../choreo/check.ts';
import { choreoRunPasses, simulateChoreo } from './choreo-sim.ts';
import { FAULT_PRESETS, presetFaults, presetNetwork } from './fault-presets.ts';

const EXAMPLES = resolve(import.meta.dirname, '..', '..', 'examples', 'choreo');
const SEEDS = 300;

for (const file of readdirSync(EXAMPLES).filter((name) => name.endsWith('.choreo')).sort()) {
  test(`${file}: ${SEEDS} seeds under every fault preset`, async () => {
    const result = checkChoreography(readFileSync(join(EXAMPLES, file), 'utf8'), file, { params: { N: 3 } });
    for (const report of result.protocols) {
      const protocol = report.instances[0];
      if (protocol === undefined) continue;
      for (const [name, preset] of Object.entries(FAULT_PRESETS)) {
        for (let seed = 0; seed < SEEDS; seed++) {
          const run = await simulateChoreo(protocol, { seed, network: presetNetwork(preset), faults: presetFaults(preset, seed, protocol.roles), maxMessages: 1000 });
          assert.ok(choreoRunPasses(run, name !== 'none'), `${file} ${name} seed ${seed}: ${run.status} ${JSON.stringify(run.roles)}`);
        }
      }
    }
  });
}
