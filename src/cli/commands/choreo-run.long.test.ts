// Long sweep (AURA_LONG=1): the default run of every example ends for many seeds and family sizes,
// over objects and over canonical bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { CHOREO_EXAMPLES, loadExample } from '../../../examples/run/session.ts';
import { BytesMemoryTransport } from '../../runtime/index.ts';
import { runDefault } from './choreo-run.ts';

const SEEDS = 200;

test('every example ends under the default implementation for 200 seeds at N = 2, 3, 5, on both in-memory transports', async () => {
  for (const name of readdirSync(CHOREO_EXAMPLES).filter((file) => file.endsWith('.choreo')).map((file) => file.slice(0, -'.choreo'.length))) {
    for (const n of [2, 3, 5]) {
      const protocol = loadExample(name, { N: n });
      for (let seed = 0; seed < SEEDS; seed++) {
        const transport = seed % 2 === 0 ? undefined : new BytesMemoryTransport();
        const run = await runDefault(protocol, seed, 10_000, transport);
        assert.equal(run.outcome.status, 'ended', `${name} N=${n} seed ${seed}:\n${run.trace.lines().join('\n')}`);
      }
    }
  }
});
