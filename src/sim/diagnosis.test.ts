import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatStall } from './diagnosis.ts';
import { PERFECT_LINK } from './latency.ts';
import { Simulation } from './simulation.ts';
import { requestResponseWorkload } from './workloads/request-response.ts';

test('two nodes waiting for each other are a deadlock, a protocol bug', async () => {
  const simulation = new Simulation({ seed: 1 });
  simulation.addNode('A', async (node) => {
    await node.receive({ from: 'B', label: 'Ping', description: 'step 1 of ping-pong' });
  });
  simulation.addNode('B', async (node) => {
    await node.receive({ from: 'A', label: 'Pong' });
  });
  const result = await simulation.run();
  assert.equal(result.stop, 'idle');
  const stall = result.stall;
  assert.ok(stall);
  assert.deepEqual(stall.cycles, [['A', 'B']]);
  assert.equal(stall.faultInduced, false);
  assert.deepEqual(stall.nodes.map((node) => node.cause), ['deadlock', 'deadlock']);
  const text = formatStall(stall).join('\n');
  assert.match(text, /protocol bug: deadlock A -> B -> A/);
  assert.match(text, /A waits for "Ping" from B \(step 1 of ping-pong\)/);
});

test('waiting for a node that has finished is an orphaned wait', async () => {
  const simulation = new Simulation({ seed: 1 });
  simulation.addNode('A', async (node) => {
    await node.receive({ from: 'B' });
  });
  simulation.addNode('B', () => undefined);
  const { stall } = await simulation.run();
  assert.ok(stall);
  assert.equal(stall.nodes[0]?.cause, 'orphaned-wait');
  assert.match(stall.summary, /protocol bug: A waits for messages nobody is going to send/);
});

test('a patient client whose request is lost stalls, and the diagnosis blames the fault', async () => {
  const simulation = new Simulation({ seed: 3, network: { defaults: PERFECT_LINK, links: [{ from: 'C', to: 'S', conditions: { loss: 1 } }] } });
  requestResponseWorkload.setup(simulation, {
    participants: [
      { name: 'S', role: 'server', impl: 'default' },
      { name: 'C', role: 'client', impl: 'patient' },
    ],
    params: requestResponseWorkload.params,
  });
  const { stall } = await simulation.run();
  assert.ok(stall);
  assert.equal(stall.faultInduced, true);
  assert.deepEqual(stall.nodes.map((node) => [node.node, node.from, node.cause]), [['C', 'S', 'fault-induced']]);
  assert.match(stall.nodes[0]?.explanation ?? '', /lost, cut or withheld/);
});

test('a wait on a crashed node is fault-induced', async () => {
  const simulation = new Simulation({ seed: 1 });
  simulation.addNode('A', async (node) => {
    await node.receive({ from: 'B' });
  });
  simulation.addNode('B', (node) => {
    node.after(10, () => {
      node.send('A', 'late');
    });
  });
  simulation.at(5, () => {
    simulation.crash('B');
  });
  const { stall } = await simulation.run();
  assert.equal(stall?.nodes[0]?.explanation, 'B crashed');
});
