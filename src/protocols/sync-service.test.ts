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
});
