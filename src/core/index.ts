/**
 * Layer 1, foundation: identifiers, content addressing, errors, time, and the effect interfaces.
 * Depends on npm packages only; every other layer builds on it.
 *
 * @module
 */
export * from './bytes.ts';
export * from './canonical.ts';
export * from './content-id.ts';
export * from './content-store.ts';
export * from './effects.ts';
export * from './errors.ts';
export * from './hash.ts';
export * from './identifiers.ts';
export * from './logical-clock.ts';
export * from './random.ts';
export * from './time.ts';
