// Scenarios that name a protocol from a .choreo file: real roles, adversarial implementations,
// faults, replayable traces, and bad input named with its line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isAuraError } from '../../core/errors.ts';
import { replayTrace } from '../replay.ts';
import { runScenario } from '../run-scenario.ts';
import { parseScenario } from '../scenario.ts';

const SCENARIOS = resolve(import.meta.dirname, '..', '..', '..', 'scenarios');
const load = (name: string) => parseScenario(readFileSync(resolve(SCENARIOS, `${name}.toml`), 'utf8'), resolve(SCENARIOS, `${name}.toml`));

test('an adversarial role in a choreography scenario: the replay is caught, the session stops cleanly, the trace replays', async () => {
  const scenario = load('procurement-adversaries');
  assert.equal(scenario.workload, 'choreo');
  const run = await runScenario(scenario, { trace: true });
  assert.deepEqual(run.failures, []);
  const strict = await runScenario({ ...scenario, properties: { invariants: [], outcomes: ['completes'] } });
  assert.equal(strict.failures.length, 1);
  assert.match(strict.failures[0]?.detail ?? '', /runtime\.violation\.duplicate/);
  const replay = await replayTrace(run.trace ?? '');
  assert.equal(replay.difference, undefined);
});

test('a choreography under random faults stops cleanly for every seed, and the faults do stop some sessions', async () => {
  const scenario = load('procurement-chaos');
  let incomplete = 0;
  for (let seed = 0; seed < 20; seed++) {
    const run = await runScenario({ ...scenario, properties: { invariants: [], outcomes: ['completes', 'stops-cleanly'] } }, { seed });
    assert.deepEqual(run.failures.filter((failure) => failure.property !== 'completes'), [], `seed ${seed}`);
    if (run.failures.length > 0) incomplete++;
  }
  assert.ok(incomplete > 0 && incomplete < 20, `${incomplete} of 20 incomplete`);
});

test('bad choreography scenarios name the unknown role, implementation, file or protocol, with lines', () => {
  const base = (body: string) => `workload = "choreo"\n[choreography]\nfile = "protocols/procurement.choreo"\n${body}`;
  const problems = (source: string): string => {
    try {
      parseScenario(source, resolve(SCENARIOS, 'bad.toml'));
    } catch (error) {
      assert.ok(isAuraError(error, 'scenario.invalid'), String(error));
      return error.message;
    }
    return assert.fail('the scenario was accepted');
  };
  const roles = problems(base('[[participants]]\nname = "Mallory"\nrole = "Mallory"\n[[participants]]\nname = "Buyer"\nrole = "Buyer"\nimpl = "sneaky"\n'));
  assert.match(roles, /bad\.toml:6: participants\[0\]\.role: unknown role "Mallory" in workload choreo:Procurement; roles: Buyer, Broker, SupplierA, SupplierB, Shipper/);
  assert.match(roles, /bad\.toml:\d+: participants\[1\]\.impl: unknown implementation "sneaky" of role Buyer; known: default, silent, omitting/);
  assert.match(roles, /needs 1 participant\(s\) with role "Shipper", got 0/);
  assert.match(problems('[choreography]\nfile = "nowhere.choreo"\n[[participants]]\nname = "A"\nrole = "A"\n'), /choreography: cannot read .*nowhere\.choreo/);
  assert.match(problems(base('').replace('"protocols/procurement.choreo"', '"protocols/procurement.choreo"\nprotocol = "Auction"')), /There is no protocol `Auction`/);
});
