/**
 * Layer 2, specification: the choreography language (see `../shared/LANGUAGE.md` in the design
 * repository and `docs/choreography-language.md`). Depends on `src/core/` only.
 *
 * @module
 */
export * from './local-type.ts';
