/**
 * Layer 3, implementation: effect handlers for production and for deterministic tests.
 * May use layers 1-2: SQLite storage (facts and key-value); later the libp2p network transport.
 *
 * @module
 */
export * from './ed25519-crypto.ts';
export * from './logical-clock.ts';
export * from './memory-storage.ts';
export * from './order-clock.ts';
export * from './physical-time.ts';
export * from './random.ts';
export * from './sqlite-database.ts';
export * from './sqlite-fact-store.ts';
export * from './sqlite-storage.ts';
export * from './effects.ts';
