/**
 * Layer 2, specification: threshold cryptography. FROST(Ed25519, SHA-512) signing (RFC 9591),
 * trusted-dealer and Pedersen DKG key generation, resharing and refresh, share repair,
 * deterministic key derivation, HPKE (RFC 9180), key shares as linear resources, and the
 * key-store format. Depends only on `src/core/` (and npm: `@noble/*`, `@hpke/*`). Every
 * multi-party step is a pure function of (state, received messages) to (next state, messages
 * to send); randomness comes in as a `RandomEffects`. See `docs/crypto.md`.
 *
 * @module
 */
export * from './complaint.ts';
export * from './dealer.ts';
export * from './dkd.ts';
export * from './dkg.ts';
export * from './frost.ts';
export * from './group.ts';
export * from './hpke.ts';
export * from './key-share.ts';
export * from './key-store-format.ts';
export * from './participant.ts';
export * from './polynomial.ts';
export * from './repair.ts';
export * from './reshare.ts';
export * from './secret-cell.ts';
export * from './signature.ts';
export * from './threshold-effects.ts';
