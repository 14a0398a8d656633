/**
 * Layer 2, specification: journals. Facts (content-addressed, attested), the fact-type registry,
 * journals per namespace with join, the capability meet, reducers and views, the commitment
 * tree, the CRDT library, snapshots, reconciliation, and the fact-store interface with its
 * in-memory implementation. Depends on `src/core/` only: a threshold attestation verifies as an
 * Ed25519 signature, so checking one needs no FROST code (`src/crypto/` produces them).
 * See `docs/journal.md`. `testing.ts` (signing without FROST) is for tests and is not exported.
 *
 * @module
 */
export * from './attestation.ts';
export * from './capability.ts';
export * from './commitment-tree.ts';
export * from './counter.ts';
export * from './crdt/coordinator.ts';
export * from './crdt/g-counter.ts';
export * from './crdt/lattice.ts';
export * from './crdt/lww-register.ts';
export * from './crdt/mv-register.ts';
export * from './crdt/or-set.ts';
export * from './crdt/pn-counter.ts';
export * from './fact.ts';
export * from './fact-registry.ts';
export * from './fact-store.ts';
export * from './journal.ts';
export * from './key-set.ts';
export * from './memory-fact-store.ts';
export * from './namespace.ts';
export * from './reconcile.ts';
export * from './reducer.ts';
export * from './signal.ts';
export * from './snapshot.ts';
export * from './tree-op.ts';
export * from './tree-reduce.ts';
