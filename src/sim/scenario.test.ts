import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isAuraError } from '../core/errors.ts';
import { parseScenario, scenarioFromValue } from './scenario.ts';

const SCENARIOS = resolve(import.meta.dirname, '..', '..', 'scenarios');

function problems(source: string): string {
  try {
    parseScenario(source, 'test.toml');
  } catch (error) {
    assert.ok(isAuraError(error), String(error));
    return `${error.code}\n${error.message}`;
  }
  return assert.fail('the scenario was accepted');
}

const MINIMAL = `workload = "request-response"
[[participants]]
name = "S"
role = "server"
[[participants]]
name = "C"
role = "client"
`;

test('every example scenario parses', () => {
  const files = readdirSync(SCENARIOS).filter((file) => file.endsWith('.toml'));
  assert.ok(files.length >= 4);
  for (const file of files) parseScenario(readFileSync(join(SCENARIOS, file), 'utf8'), join(SCENARIOS, file));
});

test('defaults are filled in and prefix/count expands to named participants', () => {
  const scenario = parseScenario(`workload = "gossip"\n[[participants]]\nprefix = "p"\ncount = 3\nrole = "peer"\n`);
  assert.deepEqual(scenario.participants.map((p) => `${p.name}:${p.impl}`), ['p0:default', 'p1:default', 'p2:default']);
  assert.deepEqual(scenario.properties, { invariants: ['no-invented-values'], outcomes: ['converged'] });
  assert.equal(scenario.network.loss, 0);
  assert.deepEqual(scenarioFromValue(JSON.parse(JSON.stringify(scenario))), scenario);
});

test('malformed TOML is a syntax error with its line and column', () => {
  const message = problems('workload = "gossip"\nseed = [1,\n');
  assert.match(message, /^scenario\.syntax\ntest\.toml:3:1: /);
});

test('every problem is reported at once, each with its line, naming the unknown thing', () => {
  const message = problems(`${MINIMAL}impl = "lazy"
[network]
latency = { kind = "gaussian", mean = 3 }
loss = 1.5
[[faults]]
kind = "meteor"
at = 10
[[faults]]
kind = "crash"
node = "Z"
at = 5
[[adversaries]]
kind = "bribe"
[properties]
outcomes = ["happy"]
`);
  assert.match(message, /^scenario\.invalid\n7 problem\(s\) in test\.toml:/);
  assert.match(message, /test\.toml:8: participants\[1\]\.impl: unknown implementation "lazy" of role client; known: default, patient, silent/);
  assert.match(message, /test\.toml:10: network\.latency\.kind: unknown latency distribution "gaussian"; known: constant, uniform, normal, exponential/);
  assert.match(message, /test\.toml:11: network\.loss: must be at most 1, got 1\.5/);
  assert.match(message, /test\.toml:13: faults\[0\]\.kind: unknown fault "meteor"; known: partition, crash, degrade, skew/);
  assert.match(message, /test\.toml:17: faults\[1\]\.node: unknown node "Z"; participants: S, C/);
  assert.match(message, /test\.toml:20: adversaries\[0\]\.kind: unknown adversary "bribe"/);
  assert.match(message, /test\.toml:22: properties\.outcomes: unknown outcome "happy" of workload request-response; known: all-answered, replies-correct/);
});

test('unknown workloads, roles, keys and role counts are named', () => {
  assert.match(problems('workload = "chess"\n[[participants]]\nname = "A"\nrole = "x"\n'), /test\.toml:1: workload: unknown workload "chess"; known: gossip, request-response/);
  assert.match(problems(MINIMAL.replace('role = "client"', 'role = "customer"')), /test\.toml:7: participants\[1\]\.role: unknown role "customer" in workload request-response; roles: server, client/);
  assert.match(problems(`${MINIMAL}colour = "blue"\n`), /test\.toml:8: participants\[1\]\.colour: unknown key "colour"/);
  assert.match(problems(MINIMAL.replace('role = "client"', 'role = "server"')), /needs 1 participant\(s\) with role "server", got 2/);
  assert.match(problems('seed = -1\nworkload = "gossip"\n'), /test\.toml:1: seed: must be at least 0[\s\S]*a scenario needs \[\[participants\]\]/);
});

test('a scenario value that is not a table is refused without a crash', () => {
  assert.throws(() => scenarioFromValue(42), (error: unknown) => isAuraError(error, 'scenario.invalid') && /expected a table, got 42/.test(error.message));
});
