/**
 * One device on the network, assembled: its libp2p node (keyed by the device key), the peer
 * directory, the choreography transport and gossipsub broadcast. The `aura node` command, the
 * network tests and the benchmarks all start devices through here.
 *
 * @module
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { PhysicalTimeEffects, RandomEffects } from '../../core/effects.ts';
import { permanentError } from '../../core/errors.ts';
import type { DeviceId } from '../../core/identifiers.ts';
import { GossipBroadcast } from './broadcast.ts';
import { ChoreoTransport, type NetworkLogEntry, type TransportLimits } from './choreo-transport.ts';
import { createAuraLibp2p, type AuraLibp2p } from './libp2p-node.ts';
import { PeerDirectory, type PeerEntry } from './peer-directory.ts';
import { deviceIdOfPeer, parsePeerId } from './peer-identity.ts';

/** How to start a device on the network. */
export interface NetworkDeviceOptions {
  /** The device's 32-byte Ed25519 secret seed. */
  readonly deviceKey: Uint8Array;
  /** Listen multiaddrs; default loopback on a free port. */
  readonly listen?: readonly string[];
  /** Clock for liveness and backoff. */
  readonly time: PhysicalTimeEffects;
  /** Randomness for link ids. */
  readonly random: RandomEffects;
  /** Transport limits overriding the defaults. */
  readonly limits?: Partial<TransportLimits>;
  /** Where the transport logs. */
  readonly log?: (entry: NetworkLogEntry) => void;
}

/** A running device: its node and the Aura services on it. */
export interface NetworkDevice {
  /** The device id, derived from its key. */
  readonly device: DeviceId;
  /** The libp2p node. */
  readonly node: AuraLibp2p;
  /** Devices to peers. */
  readonly directory: PeerDirectory;
  /** Choreography frames. */
  readonly transport: ChoreoTransport;
  /** Gossipsub topics. */
  readonly broadcast: GossipBroadcast;
  /** Its listen addresses, each ending in `/p2p/<peer id>`. */
  addresses(): Multiaddr[];
  /** Stops the transport, then the node. */
  stop(): Promise<void>;
}

/** Starts a device: node, directory, transport, broadcast. */
export async function startNetworkDevice(options: NetworkDeviceOptions): Promise<NetworkDevice> {
  const node = await createAuraLibp2p({ deviceKey: options.deviceKey, ...(options.listen === undefined ? {} : { listen: options.listen }) });
  const device = deviceIdOfPeer(node.peerId);
  if (device === undefined) throw permanentError('network.bad-device-key', 'the node key is not Ed25519');
  const directory = new PeerDirectory();
  const transport = new ChoreoTransport({
    node,
    device,
    directory,
    time: options.time,
    random: options.random,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  await transport.start();
  // A peer that connects is known by its key-derived device id, so it can be sent to at once.
  node.addEventListener('peer:connect', (event) => {
    const peerDevice = deviceIdOfPeer(event.detail);
    if (peerDevice !== undefined && directory.device(peerDevice) === undefined && directory.peer(event.detail) === undefined) {
      directory.register({ device: peerDevice, peer: event.detail, addresses: [] });
    }
  });
  return {
    device,
    node,
    directory,
    transport,
    broadcast: new GossipBroadcast(node.services.pubsub, directory),
    addresses: () => node.getMultiaddrs(),
    stop: async () => {
      await transport.stop();
      await node.stop();
    },
  };
}

/**
 * The directory entry of a peer given as a multiaddr ending in `/p2p/<peer id>`; its device id is
 * the one derived from its key. A multiaddr without a peer id is `network.bad-peer-address`.
 */
export function peerEntryOfAddress(text: string): PeerEntry {
  let address: Multiaddr;
  try {
    address = multiaddr(text);
  } catch (error) {
    throw permanentError('network.bad-peer-address', `"${text}" is not a multiaddr`, { cause: error });
  }
  const peerText = address.getComponents().findLast((component) => component.name === 'p2p')?.value;
  if (peerText === undefined) throw permanentError('network.bad-peer-address', `"${text}" names no peer: add /p2p/<peer id> at the end`);
  const peer = parsePeerId(peerText);
  const device = deviceIdOfPeer(peer);
  if (device === undefined) throw permanentError('network.bad-peer-address', `peer ${peerText} does not have an Ed25519 key, so it is no Aura device`);
  return { device, peer, addresses: [address] };
}

/** Registers each of `others` in `device`'s directory under its own listen addresses. */
export function introduce(device: NetworkDevice, ...others: readonly NetworkDevice[]): void {
  for (const other of others) device.directory.register({ device: other.device, peer: other.node.peerId, addresses: other.addresses() });
}
