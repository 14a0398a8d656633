import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../handlers/random.ts';
import { RandomDraws } from './draws.ts';
import { FAULT_KINDS, describeFault, randomFaults, scheduleFaults } from './faults.ts';
import { PERFECT_LINK } from './latency.ts';
import { Simulation } from './simulation.ts';

test('a scheduled degradation, partition, crash and skew apply and lift at their times', async () => {
  const simulation = new Simulation({ seed: 2, trace: true, network: { defaults: { ...PERFECT_LINK, latency: { kind: 'constant', ms: 1 } }, links: [] } });
  const received: number[] = [];
  const clock: number[] = [];
  simulation.addNode('R', (node) => {
    node.onMessage((envelope) => received.push(envelope.payload as number));
    node.every(100, () => clock.push(node.effects.time.now().ms - simulation.epochMs - node.now));
  });
  simulation.addNode('S', (node) => {
    node.every(10, () => {
      if (node.now <= 400) node.send('R', node.now);
    });
  });
  scheduleFaults(simulation, [
    { kind: 'degrade', at: 25, until: 55, to: 'R', loss: 1 },
    { kind: 'partition', at: 105, until: 135, groups: [['S']] },
    { kind: 'crash', node: 'S', at: 205, restart: 235 },
    { kind: 'skew', node: 'R', at: 250, offset: 70 },
  ]);
  await simulation.run({ until: 450 });
  const expected = Array.from({ length: 40 }, (_, i) => (i + 1) * 10).filter((t) => !(t > 25 && t < 55) && !(t > 105 && t < 135) && !(t > 205 && t < 235));
  // After the restart the sender's timers start afresh at 235 + 10k.
  assert.deepEqual(received.filter((t) => t < 205), expected.filter((t) => t < 205));
  assert.deepEqual(received.filter((t) => t > 205), [245, 255, 265, 275, 285, 295, 305, 315, 325, 335, 345, 355, 365, 375, 385, 395]);
  assert.deepEqual(clock, [0, 0, 70, 70]);
});

test('random schedules are reproducible, use only the allowed kinds, and describe themselves', () => {
  const spec = { count: 6, horizon: 1000, max_duration: 200, kinds: FAULT_KINDS };
  const draw = (): ReturnType<typeof randomFaults> => randomFaults(new RandomDraws(new SeededRandom(4)), spec, ['A', 'B', 'C']);
  const faults = draw();
  assert.deepEqual(draw(), faults);
  assert.equal(faults.length, 6);
  for (const fault of faults) {
    assert.ok(FAULT_KINDS.includes(fault.kind));
    assert.ok(fault.at >= 0 && fault.at < 1000);
    assert.match(describeFault(fault), new RegExp(`^${fault.kind}`));
  }
  const crashesOnly = randomFaults(new RandomDraws(new SeededRandom(4)), { ...spec, kinds: ['crash'] }, ['A']);
  assert.deepEqual(new Set(crashesOnly.map((fault) => fault.kind)), new Set(['crash']));
});
