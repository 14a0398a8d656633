/**
 * What the sync service needs from the network, over the deterministic simulator (`src/sim/`):
 * a `DeviceChannel` per simulated node ({@link SimDeviceChannel}) and a `Broadcast` over any
 * device channel ({@link ChannelBroadcast}), so the real service runs under virtual time, seeded
 * randomness, partitions, loss and duplication.
 *
 * The channel plays the part of the libp2p link layer (`src/handlers/network/link.ts`): each
 * message carries a sequence number per sending incarnation, and a copy the network duplicated
 * is dropped, as the real link drops a frame it already acknowledged. A lost message is not
 * resent: the session it belonged to times out and a later round starts afresh. No device is
 * ever reported gone (a partitioned peer is indistinguishable from a slow one; the session's
 * receive timeout covers both).
 *
 * @module
 */
import { permanentError, transientError } from '../core/errors.ts';
import type { DeviceId } from '../core/identifiers.ts';
import type { Announcement, Broadcast } from '../handlers/network/broadcast.ts';
import type { ChannelMessage, DeviceChannel } from '../runtime/channel-transport.ts';
import type { SimNode } from '../sim/node.ts';
import type { Simulation } from '../sim/simulation.ts';

/** A message between simulated nodes as the channel sends it. */
interface Carried {
  readonly channel: string;
  readonly payload: Uint8Array;
  readonly incarnation: number;
  readonly seq: number;
}

function isCarried(value: unknown): value is Carried {
  const v = value as Partial<Carried> | null;
  return typeof v === 'object' && v !== null && typeof v.channel === 'string' && v.payload instanceof Uint8Array && typeof v.incarnation === 'number' && typeof v.seq === 'number';
}

/** A `DeviceChannel` for one simulated node; create it in the node's program (a restart makes a new one). */
export class SimDeviceChannel implements DeviceChannel {
  readonly device: DeviceId;
  private readonly listeners = new Set<(message: ChannelMessage) => void>();
  private readonly lastSeen = new Map<string, number>();
  private seq = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly node: SimNode,
  ) {
    this.device = node.device;
    node.onMessage((envelope) => {
      this.sim.scheduler.requestDrain();
      const from = this.sim.deviceOfNode(envelope.from);
      if (from === undefined || !isCarried(envelope.payload)) return;
      const { channel, payload, incarnation, seq } = envelope.payload;
      const sender = `${envelope.from}/${incarnation}`;
      if (seq <= (this.lastSeen.get(sender) ?? -1)) return;
      this.lastSeen.set(sender, seq);
      for (const listener of this.listeners) listener({ from, channel, payload });
    });
  }

  send(to: DeviceId, channel: string, payload: Uint8Array): Promise<void> {
    const name = this.sim.nodeOfDevice(to);
    if (name === undefined) return Promise.reject(transientError('network.unknown-peer', `no simulated node is device ${to}`));
    const carried: Carried = { channel, payload, incarnation: this.node.incarnation, seq: this.seq++ };
    this.node.send(name, carried, { label: channel, size: payload.length });
    return Promise.resolve();
  }

  onMessage(listener: (message: ChannelMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onPeerGone(): () => void {
    return () => undefined;
  }
}

/** The device channel a broadcast topic travels on. */
const TOPIC_CHANNEL_PREFIX = 'broadcast/';

/**
 * A `Broadcast` over a device channel: a message is sent to each of `peers()` directly (one hop),
 * the way gossipsub reaches a small full mesh. Enough for the simulator's handful of replicas;
 * the network uses gossipsub itself (`GossipBroadcast`).
 */
export class ChannelBroadcast implements Broadcast {
  constructor(
    private readonly channel: DeviceChannel,
    private readonly peers: () => readonly DeviceId[],
  ) {}

  async publish(topic: string, data: Uint8Array): Promise<number> {
    if (topic.length === 0) throw permanentError('network.bad-topic', 'a topic name is not empty');
    const peers = this.peers().filter((peer) => peer !== this.channel.device);
    await Promise.all(peers.map((peer) => this.channel.send(peer, TOPIC_CHANNEL_PREFIX + topic, data)));
    return peers.length;
  }

  subscribe(topic: string, handler: (announcement: Announcement) => void): () => void {
    return this.channel.onMessage((message) => {
      if (message.channel === TOPIC_CHANNEL_PREFIX + topic) handler({ topic, from: message.from, data: message.payload });
    });
  }
}
