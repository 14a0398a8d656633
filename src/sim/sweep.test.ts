import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runScenario } from './run-scenario.ts';
import { parseScenario } from './scenario.ts';
import { sweep } from './sweep.ts';

const flaky = parseScenario(readFileSync(resolve(import.meta.dirname, '..', '..', 'scenarios', 'request-response-flaky.toml'), 'utf8'));

test('a sweep over worker threads reports the same as one in this thread, and each verdict matches a single run', async () => {
  const workersOnly = await sweep(flaky, { seeds: 50, workers: 2, useThisThread: false });
  const mixed = await sweep(flaky, { seeds: 50, workers: 2 });
  const serial = await sweep(flaky, { seeds: 50, workers: 1 });
  assert.deepEqual(workersOnly, serial);
  assert.deepEqual(mixed, serial);
  assert.equal(serial.total, 50);
  assert.equal(serial.passed + serial.failing.length, 50);
  assert.ok(serial.failing.length > 0 && serial.passed > 0, 'the flaky scenario should have both outcomes among 50 seeds');
  const parallel = workersOnly;
  for (const { seed, failures } of parallel.failing) {
    const run = await runScenario(flaky, { seed });
    assert.deepEqual(run.failures.map((failure) => `${failure.property}: ${failure.detail}`), failures);
  }
});
