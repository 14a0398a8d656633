// The simulator's central law, as properties: a run is a function of its seed and configuration,
// whatever the network conditions and faults, and its trace replays identically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { replayTrace } from './replay.ts';
import { runScenario } from './run-scenario.ts';
import { parseScenario } from './scenario.ts';
import { Simulation } from './simulation.ts';

const conditions = fc.record({
  loss: fc.double({ min: 0, max: 0.5, noNaN: true }),
  duplicate: fc.double({ min: 0, max: 0.5, noNaN: true }),
  corrupt: fc.double({ min: 0, max: 0.2, noNaN: true }),
  mean: fc.integer({ min: 1, max: 50 }),
  reorder: fc.boolean(),
  faults: fc.integer({ min: 0, max: 4 }),
  workload: fc.constantFrom('gossip', 'request-response'),
});

type Conditions = typeof conditions extends fc.Arbitrary<infer T> ? T : never;

function scenarioText(c: Conditions): string {
  const participants =
    c.workload === 'gossip'
      ? '[[participants]]\nprefix = "p"\ncount = 5\nrole = "peer"\n[params]\nupdates = 5\nhorizon = 600\n'
      : '[[participants]]\nname = "S"\nrole = "server"\n[[participants]]\nprefix = "C"\ncount = 3\nrole = "client"\n';
  return `workload = "${c.workload}"
until = 5000
${participants}
[network]
latency = { kind = "exponential", mean = ${c.mean} }
loss = ${c.loss}
duplicate = ${c.duplicate}
corrupt = ${c.corrupt}
reorder = ${c.reorder}
[random_faults]
count = ${c.faults}
horizon = 800
max_duration = 400
`;
}

test('any scenario and seed give byte-identical traces, and every trace replays', async () => {
  await fc.assert(
    fc.asyncProperty(conditions, fc.nat(1000), async (c, seed) => {
      const scenario = parseScenario(scenarioText(c));
      const first = await runScenario(scenario, { seed, trace: true });
      const second = await runScenario(scenario, { seed, trace: true });
      assert.equal(second.trace, first.trace);
      assert.deepEqual(second.failures, first.failures);
      const replay = await replayTrace(first.trace ?? '');
      assert.equal(replay.difference, undefined);
    }),
    { numRuns: 20 },
  );
});

test('a FIFO link delivers in send order under any latency distribution and loss', async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat(), fc.double({ min: 0, max: 0.9, noNaN: true }), fc.constantFrom('uniform', 'normal', 'exponential'), async (seed, loss, kind) => {
      const latency = kind === 'uniform' ? { kind, min: 0, max: 100 } : kind === 'normal' ? { kind, mean: 50, stddev: 40 } : { kind, mean: 30 };
      const sim = new Simulation({ seed, network: { defaults: { latency, loss, duplicate: 0, corrupt: 0, bandwidth: 0, reorder: false }, links: [] } });
      const received: number[] = [];
      sim.addNode('R', (node) => {
        node.onMessage((envelope) => received.push(envelope.payload as number));
      });
      sim.addNode('S', (node) => {
        for (let i = 0; i < 40; i++) {
          node.after(i, () => {
            node.send('R', i);
          });
        }
      });
      await sim.run();
      assert.deepEqual(received, [...received].sort((a, b) => a - b));
    }),
    { numRuns: 30 },
  );
});
