/**
 * Layer 3, implementation: the deterministic simulator. May use layers 1-3 (it builds on the
 * effect interfaces of `core/` and the handlers of `handlers/`). See `docs/simulator.md`.
 *
 * A {@link Simulation} owns virtual time (`scheduler.ts`), a simulated network (`network.ts`) and
 * named nodes (`node.ts`) whose effects come from one seed; adversaries, fault schedules, traces,
 * replay, scenarios, sweeps and shrinking build on it.
 *
 * @module
 */
export * from './adversary.ts';
export * from './choreo-sim.ts';
export * from './corrupt.ts';
export * from './diagnosis.ts';
export * from './draws.ts';
export * from './envelope.ts';
export * from './event-queue.ts';
export * from './fault-presets.ts';
export * from './faults.ts';
export * from './latency.ts';
export * from './network.ts';
export * from './node.ts';
export * from './replay.ts';
export * from './role-adversary.ts';
export * from './run-scenario.ts';
export * from './scenario.ts';
export * from './scheduler.ts';
export * from './shrink.ts';
export * from './sim-transport.ts';
export * from './simulation.ts';
export * from './sweep.ts';
export * from './trace.ts';
export * from './workload.ts';
export * from './workloads/choreo.ts';
export * from './workloads/index.ts';
