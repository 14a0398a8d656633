import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runScenario } from './run-scenario.ts';
import { parseScenario } from './scenario.ts';
import { sweep } from './sweep.ts';

const flaky = parseScenario(readFileSync(resolve(import.meta.dirname, '..', '..', 'scenarios', 'request-response-flaky.toml'), 'utf8'));

test('a sweep over worker threads reports the same as one in this thread, and each verdict matches a single run', async () => {
  const parallel = await sweep(flaky, { seeds: 16, workers: 2 });
  const serial = await sweep(flaky, { seeds: 16, workers: 1 });
  assert.deepEqual(parallel, serial);
  assert.equal(parallel.total, 16);
  assert.equal(parallel.passed + parallel.failing.length, 16);
  assert.ok(parallel.failing.length > 0 && parallel.passed > 0, 'the flaky scenario should have both outcomes among 16 seeds');
  for (const { seed, failures } of parallel.failing) {
    const run = await runScenario(flaky, { seed });
    assert.deepEqual(run.failures.map((failure) => `${failure.property}: ${failure.detail}`), failures);
  }
});
