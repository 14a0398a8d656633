/**
 * Layer 3, implementation: the choreography runtime. Runs projected protocols role by role with
 * the session type enforced at every step, over any {@link Transport}. May use layers 1-2
 * (`src/core/`, `src/crypto/`, `src/choreo/`, `src/journal/`, `src/authz/`). See `docs/runtime.md`.
 *
 * @module
 */
export * from './builder.ts';
export * from './default-setting.ts';
export * from './bytes-transport.ts';
export * from './channel-transport.ts';
export * from './envelope-codec.ts';
export * from './errors.ts';
export * from './extensions.ts';
export * from './faults.ts';
export * from './frame.ts';
export * from './generate.ts';
export * from './memory-transport.ts';
export * from './metrics.ts';
export * from './payload-codec.ts';
export * from './retry.ts';
export * from './role-event.ts';
export * from './random-impl.ts';
export * from './run-role.ts';
export * from './run-session.ts';
export * from './session.ts';
export * from './session-host.ts';
export * from './trace.ts';
export * from './transport.ts';
export * from './typed-session.ts';
