/**
 * Layer 3, implementation: effect handlers for production and for deterministic tests.
 * May use layers 1-2. The libp2p network handlers live in `network/` (see its index). Later: SQLite storage.
 *
 * @module
 */
export * from './ed25519-crypto.ts';
export * from './file-key-store.ts';
export * from './logical-clock.ts';
export * from './memory-storage.ts';
export * from './order-clock.ts';
export * from './physical-time.ts';
export * from './random.ts';
export * from './threshold-crypto.ts';
export * from './effects.ts';
