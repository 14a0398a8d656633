import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCanonical } from '../core/canonical.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import type { SimNode } from '../sim/node.ts';
import { SimTransport } from '../sim/sim-transport.ts';
import { Simulation } from '../sim/simulation.ts';
import type { SyncReport } from './anti-entropy.ts';
import type { StoreReplica } from './sync-replica.ts';
import { DEFAULT_CONVERGENCE, runConvergence } from './sync-scenario.ts';
import { SYNC_CONTROL_CHANNEL, SyncService, syncTopic, type SyncEvent } from './sync-service.ts';
import { ChannelBroadcast, SimDeviceChannel } from './sync-sim.ts';
import { SyncFixture } from './sync-testing.ts';

describe('sync service in the simulator: convergence after partitions, loss and duplication', () => {
  for (const [seed, replicas] of [[1, 3], [2, 4], [3, 6]] as const) {
    it(`${replicas} honest replicas and a byzantine one (seed ${seed}) hold the same valid facts and views`, async () => {
      const result = await runConvergence({ ...DEFAULT_CONVERGENCE, seed, replicas });
      assert.deepEqual(result.problems, []);
      assert.ok(result.rejectedFromByzantine > 0, 'the byzantine replica was caught and named');
      assert.equal(result.rejected, result.rejectedFromByzantine, 'only the byzantine replica sent invalid facts');
      assert.ok(result.sessions.failed > 0, 'the faults did cut sessions (the scenario tests something)');
    });
  }

  it('replicas that crash and restart over their stores converge with the rest (seed 6)', async () => {
    const result = await runConvergence({ ...DEFAULT_CONVERGENCE, seed: 6, replicas: 4, crashes: 3 });
    assert.ok(result.faults.some((f) => f.kind === 'crash'));
    assert.deepEqual(result.problems, []);
    assert.equal(result.rejected, result.rejectedFromByzantine);
  });

  it('a replica cut off for the whole run is reported apart (the check can fail)', async () => {
    const result = await runConvergence({ ...DEFAULT_CONVERGENCE, seed: 4, replicas: 3, byzantine: false, isolated: ['r2'] });
    assert.ok(result.problems.some((p) => p.startsWith('r2 lacks')), result.problems.join('; '));
    assert.ok(result.problems.some((p) => p.startsWith('r0 lacks')), result.problems.join('; '));
  });
});

describe('sync service', () => {
  it('with no periodic rounds, announcements of appended facts alone bring every replica together', async () => {
    const result = await runConvergence({ ...DEFAULT_CONVERGENCE, seed: 5, replicas: 4, byzantine: false, intervalMs: 0, loss: 0, duplicate: 0, partitions: 0 });
    assert.deepEqual(result.problems, []);
    assert.equal(result.sessions.failed, 0);
  });

  it('syncs on demand, and reports a malformed open notice or announcement without stopping', async () => {
    const random = new SeededRandom('sync-service-unit');
    const fixture = new SyncFixture(new Ed25519CryptoEffects(random.fork('crypto')), random.fork('fixture'));
    const facts = fixture.facts(6);
    const here = await fixture.replica(facts.slice(0, 4));
    const there = await fixture.replica(facts.slice(2));
    const sim = new Simulation({ seed: 9 });
    const transport = new SimTransport(sim);
    const events: SyncEvent[] = [];
    let report: SyncReport | undefined;
    const service = (node: SimNode, replica: StoreReplica, channel = new SimDeviceChannel(sim, node)) =>
      new SyncService({ channel, replica, time: transport.clock(node), random: node.effects.random, intervalMs: 0, receiveTimeoutMs: 100, broadcast: new ChannelBroadcast(channel, () => [sim.node('x').device, sim.node('y').device]), events: (e) => events.push(e) });
    sim.addNode('y', (node) => {
      service(node, there).start();
    });
    sim.addNode('x', (node) => {
      const channel = new SimDeviceChannel(sim, node);
      const x = service(node, here, channel);
      x.start();
      const y = sim.node('y').device;
      // Role code must not block the node's thread on anything but simulator waits: run it as callbacks.
      void channel.send(y, SYNC_CONTROL_CHANNEL, encodeCanonical({ t: 'open', session: 'not-a-session' }));
      void channel.send(y, SYNC_CONTROL_CHANNEL, new Uint8Array([0xff]));
      void channel.send(y, `broadcast/${syncTopic(there.namespace)}`, encodeCanonical({ namespace: there.namespace }));
      void x.syncWith(y).then((r) => {
        report = r;
      });
    });
    await sim.run({ until: 10_000 });
    assert.equal(report?.outcome, 'converged');
    assert.deepEqual(await here.store.keys(here.namespace), await there.store.keys(there.namespace));
    const problems = events.flatMap((e) => (e.event === 'sync-done' ? [] : [e.code]));
    assert.deepEqual(problems.sort(), ['cbor.malformed', 'id.malformed', 'protocols.sync.bad-announcement']);
  });

  it('refuses a device that is not a member, before any fact moves, and drops a member that is removed', async () => {
    const random = new SeededRandom('sync-service-members');
    const fixture = new SyncFixture(new Ed25519CryptoEffects(random.fork('crypto')), random.fork('fixture'));
    const facts = fixture.facts(6);
    const replicas = { x: await fixture.replica(facts.slice(0, 2)), y: await fixture.replica(facts.slice(2, 4)), z: await fixture.replica(facts.slice(4)) };
    const sim = new Simulation({ seed: 11 });
    const transport = new SimTransport(sim);
    const members = new Set<string>();
    const events: SyncEvent[] = [];
    const services = new Map<string, SyncService>();
    for (const name of ['x', 'y', 'z'] as const) {
      sim.addNode(name, (node) => {
        const channel = new SimDeviceChannel(sim, node);
        const isMember = name === 'y' ? (device: string) => members.has(device) : () => true;
        const service = new SyncService({ channel, replica: replicas[name], time: transport.clock(node), random: node.effects.random, intervalMs: 0, receiveTimeoutMs: 100, isMember, events: (e) => events.push(e) });
        service.start();
        services.set(name, service);
      });
    }
    const device = (name: string) => sim.node(name).device;
    const outcomes: Record<string, string> = {};
    const attempt = (label: string, from: string, to: string) => {
      void services.get(from)!.syncWith(device(to)).then( // every service was started by addNode
        (report) => (outcomes[label] = report.outcome),
        (error: unknown) => (outcomes[label] = (error as { code: string }).code),
      );
    };
    members.add(device('x'));
    sim.at(10, () => { attempt('z opens', 'z', 'y'); });
    sim.at(20, () => { attempt('x opens', 'x', 'y'); });
    sim.at(500, () => {
      members.delete(device('x'));
      attempt('x removed', 'x', 'y');
      attempt('y asks z', 'y', 'z');
    });
    await sim.run({ until: 5_000 });
    assert.deepEqual(outcomes, { 'z opens': 'protocols.sync.refused', 'x opens': 'converged', 'x removed': 'protocols.sync.refused', 'y asks z': 'protocols.sync.not-member' });
    const held = async (name: keyof typeof replicas) => (await replicas[name].store.keys(replicas[name].namespace)).length;
    assert.deepEqual([await held('x'), await held('y'), await held('z')], [4, 4, 2], 'z neither gave nor got a fact');
    assert.deepEqual(services.get('y')!.peers, [], 'the removed member left the rounds');
    const refusedAtY = events.filter((e) => e.event === 'sync-failed' && e.code === 'protocols.sync.not-member');
    assert.equal(refusedAtY.length, 3, 'two sessions answered with a refusal, one not opened');
  });
});
