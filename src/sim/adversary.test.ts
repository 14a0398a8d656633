import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corrupt, delay, equivocate, omit, replay, type Adversary } from './adversary.ts';
import { PERFECT_LINK } from './latency.ts';
import { Simulation } from './simulation.ts';

/** Runs S sending 0..4 to R and T one ms apart under `adversary`; returns what each received, with arrival times. */
async function underAdversary(adversary: Adversary): Promise<Record<string, string[]>> {
  const simulation = new Simulation({ seed: 5, network: { defaults: { ...PERFECT_LINK, latency: { kind: 'constant', ms: 10 } }, links: [] } });
  simulation.addAdversary(adversary);
  const received: Record<string, string[]> = { R: [], T: [] };
  for (const name of ['R', 'T']) {
    simulation.addNode(name, (node) => {
      node.onMessage((envelope) => received[name]?.push(`${String(envelope.payload)}@${node.now}`));
    });
  }
  simulation.addNode('S', (node) => {
    for (let i = 0; i < 5; i++) {
      node.after(i, () => {
        node.send('R', i, { label: i % 2 === 0 ? 'even' : 'odd' });
        node.send('T', i, { label: i % 2 === 0 ? 'even' : 'odd' });
      });
    }
  });
  await simulation.run();
  return received;
}

test('omit withholds exactly the selected messages', async () => {
  const received = await underAdversary(omit({ from: 'S', to: ['R'], labels: ['odd'] }));
  assert.deepEqual(received.R, ['0@10', '2@12', '4@14']);
  assert.equal(received.T?.length, 5);
});

test('delay holds back the selected messages, and on a FIFO link those behind them', async () => {
  const received = await underAdversary(delay({ to: ['T'], labels: ['even'] }, 100));
  assert.deepEqual(received.R, ['0@10', '1@11', '2@12', '3@13', '4@14']);
  assert.deepEqual(received.T, ['0@110', '1@110', '2@112', '3@112', '4@114']);
});

test('equivocate tells different peers different things', async () => {
  const received = await underAdversary(equivocate('S', (payload, to) => (to === 'T' ? -Number(payload) : payload)));
  assert.deepEqual(received.R, ['0@10', '1@11', '2@12', '3@13', '4@14']);
  assert.deepEqual(received.T, ['0@10', '-1@11', '-2@12', '-3@13', '-4@14']);
});

test('replay re-sends old messages alongside new ones', async () => {
  const received = await underAdversary(replay({ to: ['R'] }));
  assert.equal(received.T?.length, 5);
  const toR = received.R ?? [];
  assert.equal(toR.length, 9);
  const values = toR.map((entry) => Number(entry.split('@')[0]));
  assert.deepEqual([...new Set(values)].sort(), [0, 1, 2, 3, 4]);
});

test('corrupt damages the selected messages only', async () => {
  const received = await underAdversary(corrupt({ to: ['T'] }));
  assert.deepEqual(received.R, ['0@10', '1@11', '2@12', '3@13', '4@14']);
  assert.deepEqual(received.T, ['1@10', '2@11', '3@12', '4@13', '5@14']);
});
