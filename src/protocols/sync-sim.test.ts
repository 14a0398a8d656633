import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scheduleFaults } from '../sim/faults.ts';
import { Simulation } from '../sim/simulation.ts';
import type { Announcement } from '../handlers/network/broadcast.ts';
import type { ChannelMessage } from '../runtime/channel-transport.ts';
import { ChannelBroadcast, SimDeviceChannel } from './sync-sim.ts';

describe('the sync service network in the simulator', () => {
  it('a device channel delivers each message once, in order, although the network duplicates every one', async () => {
    const sim = new Simulation({ seed: 3 });
    const received: ChannelMessage[] = [];
    const heard: Announcement[] = [];
    sim.addNode('y', (node) => {
      const channel = new SimDeviceChannel(sim, node);
      channel.onMessage((message) => received.push(message));
      new ChannelBroadcast(channel, () => []).subscribe('news', (announcement) => heard.push(announcement));
    });
    sim.addNode('x', (node) => {
      const channel = new SimDeviceChannel(sim, node);
      node.after(1, () => { // once the degradation is in force
        for (let i = 0; i < 5; i++) void channel.send(sim.node('y').device, 'c', new Uint8Array([i]));
        void new ChannelBroadcast(channel, () => [node.device, sim.node('y').device]).publish('news', new Uint8Array([9]));
      });
    });
    scheduleFaults(sim, [{ kind: 'degrade', at: 0, duplicate: 1 }]);
    const result = await sim.run({ until: 1_000 });
    assert.ok(result.deliveries >= 12, `the network delivered copies (${result.deliveries} deliveries)`);
    const onC = received.filter((m) => m.channel === 'c');
    assert.deepEqual(onC.map((m) => m.payload[0]), [0, 1, 2, 3, 4]);
    assert.ok(onC.every((m) => m.from === sim.node('x').device));
    assert.deepEqual(heard.map((a) => [a.topic, a.from, a.data[0]]), [['news', sim.node('x').device, 9]]);
  });

  it('sending to a device no node has is a transient error', async () => {
    const sim = new Simulation({ seed: 4 });
    let failure: unknown;
    sim.addNode('x', (node) => {
      new SimDeviceChannel(sim, node).send('device-unknown' as never, 'c', new Uint8Array()).catch((error: unknown) => {
        failure = error;
      });
    });
    await sim.run({ until: 10 });
    assert.equal((failure as { code?: string } | undefined)?.code, 'network.unknown-peer');
  });
});
