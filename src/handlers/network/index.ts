/**
 * Layer 3, implementation: the libp2p network handlers (may use layers 1-2). Device identity on
 * the network, the peer directory, `/aura/choreo/1` frames with exactly-once ordered delivery,
 * gossipsub broadcast, and the assembled network device. Imported on its own (not through
 * `src/handlers/index.ts`) so that code without a network never loads libp2p.
 * Entry points import `promise-with-resolvers.ts` first (Node 20).
 *
 * @module
 */
export * from './broadcast.ts';
export * from './choreo-transport.ts';
export * from './device-key-file.ts';
export * from './frame.ts';
export * from './frame-reader.ts';
export * from './libp2p-node.ts';
export * from './link.ts';
export * from './network-device.ts';
export * from './peer-directory.ts';
export * from './peer-identity.ts';
export * from './promise-with-resolvers.ts';
