/**
 * The libp2p node under an Aura device: TCP, Noise (XX handshake, authenticated with the device's
 * Ed25519 key), Yamux multiplexing, identify, and gossipsub for broadcast, as DESIGN.md chooses.
 * The node's key is the device key, so its peer id is the device's (see `peer-identity.ts`).
 *
 * Requires `Promise.withResolvers`: on Node 20 the entry point imports
 * `promise-with-resolvers.ts` first; without it creation fails with
 * `network.polyfill-missing` instead of a TypeError deep inside a muxer.
 *
 * @module
 */
import { gossipsub, type GossipSub } from '@libp2p/gossipsub';
import { identify, type Identify } from '@libp2p/identify';
import { noise } from '@libp2p/noise';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { createLibp2p, type Libp2p } from 'libp2p';
import { systemError } from '../../core/errors.ts';
import { libp2pKeyOfDevice } from './peer-identity.ts';
import { hasPromiseWithResolvers } from './promise-with-resolvers.ts';

/** The services every Aura node runs. */
export interface AuraServices {
  /** The identify protocol: peers learn each other's addresses and protocols. */
  readonly identify: Identify;
  /** Gossipsub, behind `broadcast.ts`. */
  readonly pubsub: GossipSub;
  [name: string]: unknown;
}

/** A libp2p node with Aura's services. */
export type AuraLibp2p = Libp2p<AuraServices>;

/** How to start a node. */
export interface AuraLibp2pOptions {
  /** The device's 32-byte Ed25519 secret seed. */
  readonly deviceKey: Uint8Array;
  /** Multiaddrs to listen on; default `/ip4/127.0.0.1/tcp/0` (loopback, any free port). */
  readonly listen?: readonly string[];
}

/** The default listen address: loopback, a port chosen by the system. */
export const DEFAULT_LISTEN = '/ip4/127.0.0.1/tcp/0';

/** Creates and starts a libp2p node for a device. */
export async function createAuraLibp2p(options: AuraLibp2pOptions): Promise<AuraLibp2p> {
  if (!hasPromiseWithResolvers()) {
    throw systemError('network.polyfill-missing', 'Promise.withResolvers is missing: import src/handlers/network/promise-with-resolvers.ts at the entry point before creating a libp2p node');
  }
  return createLibp2p({
    privateKey: await libp2pKeyOfDevice(options.deviceKey),
    addresses: { listen: [...(options.listen ?? [DEFAULT_LISTEN])] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      // Aura nodes form small meshes: publishing with no mesh peer yet is not an error.
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }),
    },
  });
}
