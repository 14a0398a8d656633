import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPinned } from './run-scenario.ts';
import { parseScenario } from './scenario.ts';
import { shrinkFaults } from './shrink.ts';

const SCENARIO = `workload = "request-response"
seed = 4
[params]
retries = 1
[[participants]]
name = "S"
role = "server"
[[participants]]
prefix = "C"
count = 2
role = "client"
[[faults]]
kind = "skew"
node = "C0"
at = 0
offset = 300
[[faults]]
kind = "degrade"
at = 10
until = 20
to = "C1"
latency = { kind = "constant", ms = 2 }
[[faults]]
kind = "crash"
node = "S"
at = 0
restart = 5000
[[faults]]
kind = "partition"
at = 4000
until = 4100
groups = [["C0"]]
`;

test('shrinking keeps only the fault that matters and shortens it, still failing the same way', async () => {
  const scenario = parseScenario(SCENARIO);
  const original = await runPinned(scenario, false);
  assert.equal(original.failures[0]?.property, 'all-answered');
  const shrunk = await shrinkFaults(scenario);
  assert.ok(shrunk !== undefined);
  assert.equal(shrunk.property, 'all-answered');
  assert.equal(shrunk.scenario.faults.length, 1);
  const [crash] = shrunk.scenario.faults;
  assert.ok(crash?.kind === 'crash' && crash.node === 'S' && crash.restart !== undefined && crash.restart < 5000, JSON.stringify(crash));
  const again = await runPinned(shrunk.scenario, false);
  assert.equal(again.failures[0]?.property, 'all-answered');
});

test('a passing run has nothing to shrink', async () => {
  const scenario = parseScenario(SCENARIO.split('[[faults]]')[0] ?? '');
  assert.equal(await shrinkFaults(scenario), undefined);
});
