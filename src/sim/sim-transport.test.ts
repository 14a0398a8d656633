// The runtime's Transport over the simulated network: frames in virtual time, held until the role
// opens, dropped after it closes, garbage turned into a failure of the open port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomIdentifier } from '../core/identifiers.ts';
import { SeededRandom } from '../handlers/random.ts';
import type { AuraError } from '../core/errors.ts';
import type { Frame } from '../runtime/frame.ts';
import { Simulation } from './simulation.ts';
import { SimTransport } from './sim-transport.ts';

const session = randomIdentifier('session', new SeededRandom('sim-transport'));
const frame = (seq: number): Frame => ({ kind: 'message', session, protocol: 'bafy', from: 'A', to: 'B', seq, label: 'Hello', choice: null, payload: { n: seq } });

test('frames cross the simulated network in virtual time; early frames are held, late ones dropped', async () => {
  const sim = new Simulation({ seed: 1, trace: true });
  const transport = new SimTransport(sim);
  const got: [number, number][] = [];
  sim.addNode('A', (node) => {
    transport.listen(node);
    const port = transport.open(session, 'A', { deliver: () => undefined, fail: () => undefined });
    for (const seq of [0, 1, 2]) node.after(seq * 10, () => port.send(frame(seq)));
  });
  sim.addNode('B', (node) => {
    transport.listen(node);
    // B opens late: the first frame waits for it; B closes before the last one arrives.
    node.after(5, () => {
      const port = transport.open(session, 'B', { deliver: (arrived) => void got.push([sim.scheduler.now, arrived.kind === 'message' ? arrived.seq : -1]), fail: () => undefined });
      node.after(15, () => { port.close(); });
    });
  });
  await sim.run();
  assert.deepEqual(got, [[5, 0], [11, 1]]);
  assert.match(sim.trace?.events.map((event) => JSON.stringify(event)).join('\n') ?? '', /"label":"Hello"/);
});

test('a frame of a session the node joins later waits for it, even while another session is open', async () => {
  const later = randomIdentifier('session', new SeededRandom('sim-transport-later'));
  const sim = new Simulation({ seed: 3 });
  const transport = new SimTransport(sim);
  const got: string[] = [];
  const receiver = (name: string) => ({ deliver: (arrived: Frame) => void got.push(`${name}:${arrived.session === later ? 'later' : 'first'}`), fail: () => undefined });
  sim.addNode('A', (node) => {
    transport.listen(node);
    transport.open(session, 'A', receiver('A-first'));
    transport.open(later, 'A', receiver('A-later')).send({ ...frame(0), session: later });
  });
  sim.addNode('B', (node) => {
    transport.listen(node);
    transport.open(session, 'B', receiver('B-first'));
    // B joins the later session only after A's frame of it arrived.
    node.after(50, () => transport.open(later, 'B', receiver('B-later')));
  });
  await sim.run();
  assert.deepEqual(got, ['B-later:later']);
});

test('bytes that are no frame fail the port open on that node', async () => {
  const sim = new Simulation({ seed: 2 });
  const transport = new SimTransport(sim);
  const failures: AuraError[] = [];
  sim.addNode('B', (node) => {
    transport.listen(node);
    transport.open(session, 'B', { deliver: () => undefined, fail: (error) => void failures.push(error) });
  });
  sim.addNode('A', (node) => {
    node.send('B', Uint8Array.of(0xff, 0x00), { label: 'garbage' });
  });
  await sim.run();
  assert.equal(failures.length, 1);
  assert.match(failures[0]?.code ?? '', /^cbor\./);
});

test('a role opening twice in one session is refused', () => {
  const sim = new Simulation({ seed: 3 });
  const transport = new SimTransport(sim);
  sim.addNode('A', () => undefined);
  const receiver = { deliver: () => undefined, fail: () => undefined };
  transport.open(session, 'A', receiver);
  assert.throws(() => transport.open(session, 'A', receiver), /transport\.already-open|already has a port/);
});

test('with a placement, one node plays different roles in different sessions', async () => {
  const other = randomIdentifier('session', new SeededRandom('sim-transport-2'));
  // In `session` node alice plays A and bob plays B; in `other` it is the other way round.
  const placement = (s: string, role: string) => ((s === session) === (role === 'A') ? 'alice' : 'bob');
  const sim = new Simulation({ seed: 4 });
  const transport = new SimTransport(sim, undefined, placement);
  const got: string[] = [];
  const receiver = (where: string) => ({ deliver: (arrived: Frame) => void got.push(`${where} got ${arrived.kind === 'message' ? arrived.label : 'abort'} in ${arrived.session === session ? 'session' : 'other'}`), fail: () => undefined });
  sim.addNode('alice', (node) => {
    transport.listen(node);
    const port = transport.open(session, 'A', receiver('alice'));
    transport.open(other, 'B', receiver('alice'));
    port.send(frame(0));
  });
  sim.addNode('bob', (node) => {
    transport.listen(node);
    transport.open(session, 'B', receiver('bob'));
    const port = transport.open(other, 'A', receiver('bob'));
    port.send({ ...frame(0), session: other });
  });
  await sim.run();
  assert.deepEqual(got.sort(), ['alice got Hello in other', 'bob got Hello in session']);
});
