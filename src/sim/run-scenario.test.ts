import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pinScenario, runScenario } from './run-scenario.ts';
import { parseScenario, type Scenario } from './scenario.ts';

function example(name: string): Scenario {
  return parseScenario(readFileSync(resolve(import.meta.dirname, '..', '..', 'scenarios', `${name}.toml`), 'utf8'), name);
}

test('each example scenario ends the way its comment says', async () => {
  const gossip = await runScenario(example('gossip-partition'));
  assert.deepEqual(gossip.failures, []);
  assert.ok(gossip.result.drops > 0, 'the partition and loss dropped messages');

  const noDedup = await runScenario(example('no-dedup-duplicates'));
  assert.equal(noDedup.result.stop, 'stopped');
  const [violation] = noDedup.failures;
  assert.ok(violation);
  assert.equal(violation.property, 'at-most-once');
  assert.match(violation.detail, /was executed 2 times/);

  const stall = await runScenario(example('patient-client-stall'));
  assert.equal(stall.result.stall?.faultInduced, true);
  assert.deepEqual(stall.failures.map((failure) => failure.property), ['all-answered']);

  const equivocation = await runScenario(example('equivocating-peer'));
  assert.equal(equivocation.failures[0]?.property, 'no-invented-values');
});

test('the same scenario without the adversary or with a deduplicating server passes', async () => {
  const honest = example('equivocating-peer');
  assert.deepEqual((await runScenario({ ...honest, adversaries: [] })).failures, []);
  const fixed = example('no-dedup-duplicates');
  const participants = fixed.participants.map((participant) => (participant.role === 'server' ? { ...participant, impl: 'default' } : participant));
  assert.deepEqual((await runScenario({ ...fixed, participants })).failures, []);
});

test('corruption that makes gossip spread new versions forever is caught as non-termination', async () => {
  const scenario = example('gossip-partition');
  const run = await runScenario({ ...scenario, max_events: 20_000, network: { ...scenario.network, corrupt: 0.3 }, faults: [], properties: { invariants: [], outcomes: [] } }, { seed: 1 });
  assert.equal(run.result.stop, 'event-limit');
  assert.deepEqual(run.failures.map((failure) => failure.property), ['terminates']);
  const guarded = await runScenario({ ...scenario, max_events: 20_000, network: { ...scenario.network, corrupt: 0.3 }, faults: [] }, { seed: 1 });
  assert.equal(guarded.failures[0]?.property, 'no-invented-values', 'with the invariant on, the first invented version stops the run');
});

test('a run that reaches max_events counts as not terminating', async () => {
  const scenario = example('gossip-partition');
  const run = await runScenario({ ...scenario, max_events: 500 });
  assert.deepEqual(run.failures.map((failure) => failure.property), ['terminates', 'converged']);
});

test('pinning draws the random faults from the seed and writes them out', () => {
  const flaky = example('request-response-flaky');
  const a = pinScenario(flaky, 5);
  assert.equal(a.random_faults, undefined);
  assert.equal(a.faults.length, 3);
  assert.deepEqual(pinScenario(flaky, 5), a);
  assert.notDeepEqual(pinScenario(flaky, 6).faults, a.faults);
});
