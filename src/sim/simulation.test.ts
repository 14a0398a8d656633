import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utf8 } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { PERFECT_LINK, type LinkConditions } from './latency.ts';
import type { NetworkConfig } from './network.ts';
import type { SimNode } from './node.ts';
import { Simulation, type SimulationOptions } from './simulation.ts';
import { traceText, type TraceEvent } from './trace.ts';
import { requestResponseWorkload } from './workloads/request-response.ts';

function network(conditions: Partial<LinkConditions>): NetworkConfig {
  return { defaults: { ...PERFECT_LINK, ...conditions }, links: [] };
}

function sim(options: Partial<SimulationOptions> = {}): Simulation {
  return new Simulation({ seed: 1, trace: true, ...options });
}

function events(simulation: Simulation, type: TraceEvent['type']): TraceEvent[] {
  return (simulation.trace?.events ?? []).filter((event) => event.type === type);
}

/** A client/server run with loss, duplication and jitter: enough randomness to tell seeds apart. */
async function requestResponseTrace(seed: number): Promise<string> {
  const simulation = new Simulation({ seed, trace: true, network: network({ latency: { kind: 'exponential', mean: 20 }, loss: 0.2, duplicate: 0.1 }) });
  const participants = [{ name: 'S', role: 'server', impl: 'default' }, ...['A', 'B', 'C'].map((name) => ({ name, role: 'client', impl: 'default' }))];
  requestResponseWorkload.setup(simulation, { participants, params: requestResponseWorkload.params });
  simulation.at(150, () => {
    simulation.crash('S');
  });
  simulation.at(400, () => {
    simulation.restart('S');
  });
  await simulation.run();
  return traceText({ type: 'header', version: 1, seed, config: null }, simulation.trace?.events ?? []);
}

test('the same seed gives a byte-identical trace; another seed a different one', async () => {
  const first = await requestResponseTrace(7);
  assert.equal(await requestResponseTrace(7), first);
  assert.notEqual(await requestResponseTrace(8), first);
  assert.match(first, /"type":"drop"/);
  assert.match(first, /"type":"crash"/);
});

test('sleeping advances virtual time exactly, and each node reads it through its skew', async () => {
  const simulation = sim({ epochMs: 1000 });
  const readings: number[] = [];
  simulation.addNode('A', async (node) => {
    await node.effects.time.sleep(250);
    readings.push(node.now, node.effects.time.now().ms);
  }, { skew: { offsetMs: 40 } });
  simulation.addNode('B', async (node) => {
    await node.sleep(100);
    readings.push(node.now, node.effects.time.now().ms);
  }, { skew: { drift: 1 } });
  const result = await simulation.run();
  // B's clock runs twice as fast: 100 ms of its clock is 50 ms of virtual time.
  assert.deepEqual(readings, [50, 1100, 250, 1290]);
  assert.equal(result.time, 250);
});

test('a wait ends on the first of message, predicate and timeout', async () => {
  const simulation = sim();
  const outcomes: string[] = [];
  let flag = false;
  simulation.addNode('W', async (node) => {
    outcomes.push((await node.wait({ message: { from: 'P' }, timeoutMs: 50 })).kind);
    outcomes.push((await node.wait({ message: { from: 'P' }, timeoutMs: 50 })).kind);
    outcomes.push(String(await node.waitUntil(() => flag, { timeoutMs: 1000 })));
    outcomes.push(String(await node.waitUntil(() => false, { timeoutMs: 10 })));
  });
  simulation.addNode('P', (node) => {
    node.after(20, () => {
      node.send('W', 'hello');
    });
  });
  simulation.at(300, () => {
    flag = true;
  });
  await simulation.run();
  assert.deepEqual(outcomes, ['message', 'timeout', 'true', 'false']);
});

test('a crash loses memory, inbox and timers; storage survives the restart', async () => {
  const simulation = sim();
  const starts: { memory: number; stored: string }[] = [];
  simulation.addNode('N', async (node) => {
    const stored = await node.effects.storage.get('mark');
    starts.push({ memory: node.inboxSize, stored: stored === undefined ? 'none' : new TextDecoder().decode(stored) });
    await node.effects.storage.put('mark', utf8(`incarnation ${node.incarnation}`));
    node.after(1000, () => {
      node.local('timer of an earlier life');
    });
  });
  simulation.addNode('S', (node) => {
    node.after(5, () => {
      node.send('N', 'lost');
    });
  });
  simulation.at(1, () => {
    simulation.crash('N');
  });
  simulation.at(10, () => {
    simulation.restart('N');
  });
  const result = await simulation.run();
  assert.deepEqual(starts, [
    { memory: 0, stored: 'none' },
    { memory: 0, stored: 'incarnation 0' },
  ]);
  assert.equal(events(simulation, 'drop')[0]?.reason, 'crashed');
  // Only the restarted incarnation's timer fires.
  assert.equal(events(simulation, 'local').length, 1);
  assert.equal(result.deliveries, 0);
});

test('a node that throws is recorded as crashed and the others carry on', async () => {
  const simulation = sim();
  let peerDone = false;
  simulation.addNode('Bad', (node) => {
    node.after(5, () => {
      throw new Error('boom');
    });
  });
  simulation.addNode('Good', async (node) => {
    await node.sleep(10);
    peerDone = true;
  });
  const result = await simulation.run();
  assert.equal(peerDone, true);
  assert.equal(result.roleCrashes.length, 1);
  assert.match(result.roleCrashes[0]?.error ?? '', /boom/);
  assert.equal(simulation.node('Bad').state, 'crashed');
});

function collector(simulation: Simulation, name: string): unknown[] {
  const received: unknown[] = [];
  simulation.addNode(name, (node) => {
    node.onMessage((envelope) => received.push(envelope.payload));
  });
  return received;
}

function sender(simulation: Simulation, name: string, to: string, payloads: readonly unknown[], size?: number): void {
  simulation.addNode(name, (node: SimNode) => {
    for (const payload of payloads) node.send(to, payload, size === undefined ? {} : { size });
  });
}

test('loss drops, duplication repeats, and a FIFO link keeps order despite jitter', async () => {
  const lossy = sim({ network: network({ loss: 1 }) });
  const nothing = collector(lossy, 'R');
  sender(lossy, 'S', 'R', [1, 2, 3]);
  assert.equal((await lossy.run()).drops, 3);
  assert.deepEqual(nothing, []);

  const doubled = sim({ network: network({ duplicate: 1 }) });
  const twice = collector(doubled, 'R');
  sender(doubled, 'S', 'R', ['x']);
  await doubled.run();
  assert.deepEqual(twice, ['x', 'x']);

  const payloads = Array.from({ length: 50 }, (_, i) => i);
  const fifo = sim({ network: network({ latency: { kind: 'uniform', min: 1, max: 100 } }) });
  const inOrder = collector(fifo, 'R');
  sender(fifo, 'S', 'R', payloads);
  await fifo.run();
  assert.deepEqual(inOrder, payloads);

  const reordering = sim({ network: network({ latency: { kind: 'uniform', min: 1, max: 100 }, reorder: true }) });
  const shuffledOrder = collector(reordering, 'R');
  sender(reordering, 'S', 'R', payloads);
  await reordering.run();
  assert.notDeepEqual(shuffledOrder, payloads);
  assert.deepEqual([...shuffledOrder].sort((a, b) => Number(a) - Number(b)), payloads);
});

test('bandwidth serializes messages on a link', async () => {
  const simulation = sim({ network: network({ bandwidth: 1000, latency: { kind: 'constant', ms: 0 } }) });
  collector(simulation, 'R');
  sender(simulation, 'S', 'R', [1, 2, 3], 500);
  await simulation.run();
  assert.deepEqual(events(simulation, 'deliver').map((event) => event.t), [500, 1000, 1500]);
});

test('corruption delivers a mutated copy and leaves the original alone', async () => {
  const simulation = sim({ network: network({ corrupt: 1 }) });
  const received = collector(simulation, 'R');
  const original = { value: 41, bytes: new Uint8Array([1, 2, 3]) };
  sender(simulation, 'S', 'R', [original]);
  await simulation.run();
  assert.notDeepEqual(received[0], original);
  assert.deepEqual(original, { value: 41, bytes: new Uint8Array([1, 2, 3]) });
  assert.equal(events(simulation, 'corrupt').length, 1);
});

test('a partition cuts messages while open, including those in flight, and heals', async () => {
  const simulation = sim({ network: network({ latency: { kind: 'constant', ms: 10 } }) });
  const received = collector(simulation, 'R');
  simulation.addNode('S', (node) => {
    node.send('R', 'in flight when it opens');
    node.after(20, () => {
      node.send('R', 'during');
    });
    node.after(60, () => {
      node.send('R', 'after healing');
    });
  });
  simulation.at(5, () => {
    simulation.network.openPartition(1, [['S'], ['R']]);
  });
  simulation.at(50, () => {
    simulation.network.healPartition(1);
  });
  await simulation.run();
  assert.deepEqual(received, ['after healing']);
  assert.deepEqual(events(simulation, 'drop').map((event) => event.reason), ['partition', 'partition']);
});

test('a second concurrent wait on one node is refused', async () => {
  const simulation = sim();
  let error: unknown;
  simulation.addNode('N', async (node) => {
    const first = node.sleep(10);
    await node.sleep(5).catch((caught: unknown) => {
      error = caught;
    });
    await first;
  });
  await simulation.run();
  assert.ok(isAuraError(error, 'sim.concurrent-wait'));
});

test('the NetworkEffects adapter carries bytes between devices', async () => {
  const simulation = sim();
  const got: string[] = [];
  const receiver = simulation.addNode('R', async (node) => {
    const message = await node.network.receive();
    got.push(`${message.from === simulation.node('S').device ? 'S' : '?'}:${new TextDecoder().decode(message.bytes)}`);
  });
  simulation.addNode('S', async (node) => {
    await node.network.send(receiver.device, utf8('hi'));
  });
  await simulation.run();
  assert.deepEqual(got, ['S:hi']);
});

test('an invariant stops the run at its first violation', async () => {
  const simulation = sim();
  let count = 0;
  simulation.addNode('N', (node) => {
    node.every(10, () => {
      count++;
    });
  });
  simulation.invariant('below three', () => count < 3 || `count is ${count}`);
  const result = await simulation.run({ until: 1000 });
  assert.equal(result.stop, 'stopped');
  assert.deepEqual(result.violations, [{ property: 'below three', time: 30, detail: 'count is 3' }]);
});

test('a Lamport-only trace leaves out vector clocks but keeps causal order', async () => {
  const simulation = sim({ stamping: 'lamport' });
  simulation.addNode('A', (node) => {
    node.send('B', 'ping');
  });
  simulation.addNode('B', (node) => {
    node.onMessage(() => {
      node.local('got it');
    });
  });
  await simulation.run();
  assert.deepEqual(simulation.trace?.events.map((event) => [event.type, event.stamp]), [
    ['send', { lamport: 1 }],
    ['deliver', { lamport: 2 }],
    ['local', { lamport: 3 }],
    ['end', undefined],
  ]);
});
