/**
 * Layer 2, specification: the choreography language (see `../shared/LANGUAGE.md` in the design
 * repository and `docs/choreography-language.md`). Depends on `src/core/` only.
 *
 * Entry points: {@link loadProtocol} (one protocol, checked, instantiated and projected: what the
 * runtime calls), {@link checkChoreography} (every protocol of a file, with diagnostics),
 * {@link parseChoreography} (the syntax tree), and the tagged template {@link choreography}.
 *
 * @module
 */
export * from './ast.ts';
export * from './check.ts';
export * from './diagnostic.ts';
export * from './duality.ts';
export * from './joint-execution.ts';
export * from './local-type.ts';
export * from './mermaid.ts';
export * from './print-ast.ts';
export * from './print-local.ts';
