// Real choreographies under the simulator: the runtime's roles over the simulated transport, with
// virtual time, faults, throwing implementations and stalls diagnosed in protocol terms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pingPong, purchase } from '../../test/support/protocols.ts';
import { jump, protocol, rec, recv, send, seq } from '../runtime/builder.ts';
import { omit } from './adversary.ts';
import { choreoRunPasses, defaultImpl, simulateChoreo } from './choreo-sim.ts';
import { faultPreset, presetFaults, presetNetwork } from './fault-presets.ts';

const jittery = { defaults: { latency: { kind: 'uniform', min: 1, max: 20 }, loss: 0, duplicate: 0, corrupt: 0, bandwidth: 0, reorder: false }, links: [] } as const;

test('every role of a real protocol reaches end under virtual time; the same seed gives a byte-identical trace', async () => {
  const first = await simulateChoreo(purchase, { seed: 7, network: jittery, trace: true });
  assert.equal(first.status, 'ended');
  assert.deepEqual(first.roles.map((role) => role.status), purchase.roles.map(() => 'ended'));
  assert.ok(first.run.deliveries > 0 && first.run.time > 0);
  const again = await simulateChoreo(purchase, { seed: 7, network: jittery, trace: true });
  assert.equal(again.trace, first.trace);
  const other = await simulateChoreo(purchase, { seed: 8, network: jittery, trace: true });
  assert.notEqual(other.trace, first.trace);
  assert.match(first.trace ?? '', /"type":"send","node":"Buyer","to":"Seller"/);
});

test('a protocol that never ends stops at the message bound', async () => {
  // rec L { A -> B: Tick(n: u64); B -> A: Tock; continue L; }
  const endless = protocol('Endless', {
    A: seq(rec('L', send('B', 'Tick', { n: 'u64' }), recv('B', 'Tock'), jump('L'))),
    B: seq(rec('L', recv('A', 'Tick', { n: 'u64' }), send('A', 'Tock'), jump('L'))),
  });
  const result = await simulateChoreo(endless, { seed: 1, maxMessages: 30 });
  assert.equal(result.status, 'bounded');
  assert.ok(choreoRunPasses(result, false));
});

/** `Client -> Server: Question(q: string); Server -> Client: Answer(a: u64);` */
const ask = protocol('Ask', {
  Client: seq(send('Server', 'Question', { q: 'string' }), recv('Server', 'Answer', { a: 'u64' })),
  Server: seq(recv('Client', 'Question', { q: 'string' }), send('Client', 'Answer', { a: 'u64' })),
});

test('a receive timeout fires in virtual time and aborts the session cleanly', async () => {
  const result = await simulateChoreo(ask, { seed: 2, receiveTimeoutMs: 500, faults: [{ kind: 'crash', node: 'Server', at: 0 }] });
  assert.equal(result.status, 'aborted');
  assert.match(result.roles[0]?.error ?? '', /runtime\.receive-timeout/);
  assert.ok(result.run.time >= 500 && result.run.time < 600, `t=${result.run.time}`);
});

test('a role whose implementation throws is recorded as a crash of that role, and the run goes on', async () => {
  const result = await simulateChoreo(pingPong, {
    seed: 3,
    impls: {
      Alice: (node, target, role, types) => ({
        ...defaultImpl(node, target, role, types),
        select: () => {
          throw new Error('boom');
        },
      }),
    },
  });
  assert.deepEqual(result.run.roleCrashes.map((crash) => crash.node), ['Alice']);
  assert.match(result.run.roleCrashes[0]?.error ?? '', /boom/);
  assert.equal(result.roles[0]?.status, 'crashed');
  assert.equal(result.status, 'aborted', 'Bob was told that Alice stopped');
  assert.match(result.roles[1]?.error ?? '', /runtime\.session-aborted/);
  assert.equal(choreoRunPasses(result, true), false, 'a role crash never passes');
});

test('a stall says which role waits for which message from whom, at which step; a protocol bug is told from a fault', async () => {
  // Not a projection of anything: each role first waits for the other.
  const stuck = protocol('Stuck', { A: seq(recv('B', 'Hello'), send('B', 'Bye')), B: seq(recv('A', 'Bye'), send('A', 'Hello')) });
  const bug = await simulateChoreo(stuck, { seed: 1 });
  assert.equal(bug.status, 'stalled');
  assert.equal(bug.stall?.faultInduced, false);
  assert.deepEqual(bug.stall.cycles, [['A', 'B']]);
  const a = bug.stall.nodes.find((node) => node.node === 'A');
  assert.equal(a?.description, 'role A at step "recv Hello from B" of protocol Stuck');
  assert.equal(a.cause, 'deadlock');
  assert.equal(choreoRunPasses(bug, true), false, 'a deadlock is a failure even under faults');

  const withheld = await simulateChoreo(ask, { seed: 1, adversaries: [omit({ from: 'Server' })] });
  assert.equal(withheld.status, 'stalled');
  assert.equal(withheld.stall?.faultInduced, true);
  assert.match(withheld.stall.nodes[0]?.description ?? '', /role Client at step "recv Answer from Server" of protocol Ask/);
  assert.ok(choreoRunPasses(withheld, true));
  assert.equal(choreoRunPasses(withheld, false), false);
});

test('corrupted bytes on a link abort the session cleanly, never crash a role', async () => {
  const network = { ...jittery, defaults: { ...jittery.defaults, corrupt: 0.3 } };
  const statuses = new Set<string>();
  for (let seed = 0; seed < 30; seed++) {
    const result = await simulateChoreo(purchase, { seed, network });
    statuses.add(result.status);
    assert.deepEqual(result.run.roleCrashes, [], `seed ${seed}`);
    assert.ok(choreoRunPasses(result, true), `seed ${seed}: ${result.status}`);
  }
  assert.ok(statuses.has('aborted'), [...statuses].join());
});

test('under random faults the same seed still gives a byte-identical trace', async () => {
  const chaos = faultPreset('chaos');
  for (const seed of [11, 12, 13]) {
    const run = () => simulateChoreo(purchase, { seed, network: presetNetwork(chaos), faults: presetFaults(chaos, seed, purchase.roles), trace: true });
    const [first, second] = [await run(), await run()];
    assert.equal(second.trace, first.trace, `seed ${seed}`);
    assert.equal(second.status, first.status);
  }
});
