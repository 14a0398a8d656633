/**
 * Layer 3, implementation: effect handlers for production and for deterministic tests.
 * May use layers 1-2: crypto, randomness, clocks, SQLite storage (facts and key-value), the key
 * store. The libp2p network handlers live in `network/` and are imported from its own index, so
 * code without a network never loads libp2p.
 *
 * @module
 */
export * from './durable-file.ts';
export * from './ed25519-crypto.ts';
export * from './file-key-store.ts';
export * from './logical-clock.ts';
export * from './memory-storage.ts';
export * from './order-clock.ts';
export * from './physical-time.ts';
export * from './random.ts';
export * from './sqlite-database.ts';
export * from './sqlite-fact-store.ts';
export * from './sqlite-storage.ts';
export * from './threshold-crypto.ts';
export * from './effects.ts';
