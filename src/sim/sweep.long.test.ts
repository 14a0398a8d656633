// Long sweeps (AURA_LONG=1): thousands of seeds of the example scenarios under random faults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseScenario } from './scenario.ts';
import { sweep } from './sweep.ts';

function scenario(name: string): ReturnType<typeof parseScenario> {
  return parseScenario(readFileSync(resolve(import.meta.dirname, '..', '..', 'scenarios', `${name}.toml`), 'utf8'));
}

test('under random crashes, partitions and lossy phases the deduplicating server never executes twice and never answers wrong', async () => {
  const report = await sweep(scenario('request-response-flaky'), { seeds: 2000 });
  assert.equal(report.total, 2000);
  const unexpected = report.failing.flatMap((result) => result.failures.filter((failure) => !failure.startsWith('all-answered:')).map((failure) => `seed ${result.seed}: ${failure}`));
  assert.deepEqual(unexpected, []);
});

test('gossip converges through any partition and crash the random schedule draws', async () => {
  const base = scenario('gossip-partition');
  const report = await sweep({ ...base, faults: [], random_faults: { count: 3, horizon: 3000, max_duration: 1500, kinds: ['partition', 'crash', 'degrade'] } }, { seeds: 200 });
  assert.deepEqual(report.failing, []);
});
