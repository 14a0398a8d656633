/**
 * The `choreo` workload: a protocol from a `.choreo` file, checked and projected, each role run by
 * the real runtime over the simulated transport (`installChoreo`). A scenario names it with a
 * `[choreography]` table (file relative to the scenario, protocol, size parameters); each
 * participant is one role, named as the role, with an implementation: `default` (seeded random
 * payloads and choices), `silent` (crash-stop from the start), or one of the adversarial roles of
 * `role-adversary.ts`.
 *
 * Outcomes: `completes` (every role reached `end`, or the `max_messages` bound) and
 * `stops-cleanly` (the session ended, was bounded or aborted with the peers told, or stalled with
 * the faults to blame; never a protocol deadlock or an orphaned wait).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { checkChoreography, renderDiagnostics } from '../../choreo/check.ts';
import type { ProjectedProtocol, RoleName } from '../../choreo/local-type.ts';
import { permanentError } from '../../core/errors.ts';
import { installChoreo, type InstalledChoreo } from '../choreo-sim.ts';
import { formatStall } from '../diagnosis.ts';
import { crashStop, delaying, equivocating, forging, malformed, omitting, replaying, type RoleAdversary } from '../role-adversary.ts';
import type { Simulation } from '../simulation.ts';
import { SILENT_IMPL, type Workload, type WorkloadSetup } from '../workload.ts';

/** Where a scenario's choreography comes from. */
export interface ChoreographySpec {
  /** The `.choreo` file, absolute (resolved against the scenario's folder when checked). */
  readonly file: string;
  /** The protocol in it (needed when it has several). */
  readonly protocol?: string;
  /** Values of its symbolic sizes. */
  readonly params: Readonly<Record<string, number>>;
}

/** Implementations of every role, the first the default. */
export const CHOREO_IMPLS = ['default', SILENT_IMPL, 'omitting', 'equivocating', 'malformed', 'forging', 'replaying', 'delaying'] as const;

const PARAMS = {
  /** Bound on the messages of a run (for protocols that may never end). */
  max_messages: 1000,
  /** Receive timeout of every role in ms (0: none). */
  receive_timeout: 0,
  /** Extra delay of a `delaying` role's messages, ms. */
  delay: 50,
};

/** The role adversary an implementation name stands for (none for `default`). */
function adversaryOf(impl: string, role: RoleName, protocol: ProjectedProtocol, params: Readonly<Record<string, number>>): RoleAdversary | undefined {
  switch (impl) {
    case SILENT_IMPL:
      return crashStop(role);
    case 'omitting':
      return omitting(role);
    case 'equivocating':
      // Lie to every other peer of odd position: some peers hear the truth, some do not.
      return equivocating(role, protocol.roles.filter((peer, index) => peer !== role && index % 2 === 1));
    case 'malformed':
      return malformed(role);
    case 'forging':
      return forging(role);
    case 'replaying':
      return replaying(role);
    case 'delaying':
      return delaying(role, params.delay ?? PARAMS.delay);
    default:
      return undefined;
  }
}

/** The workload running `protocol` (loaded from `spec`). */
export function choreoWorkload(protocol: ProjectedProtocol): Workload {
  return {
    name: `choreo:${protocol.name}`,
    description: `protocol ${protocol.name} run by the choreography runtime`,
    roles: Object.fromEntries(protocol.roles.map((role) => [role, { impls: CHOREO_IMPLS, min: 1, max: 1 }])),
    params: PARAMS,
    properties: { invariants: [], outcomes: ['completes', 'stops-cleanly'] },
    setup: (sim: Simulation, setup: WorkloadSetup) => {
      const misnamed = setup.participants.filter((participant) => participant.name !== participant.role);
      if (misnamed.length > 0) throw permanentError('scenario.invalid', `a choreography's participants are named as their roles: ${misnamed.map((participant) => `${participant.name} plays ${participant.role}`).join(', ')}`);
      const roleAdversaries = setup.participants.flatMap((participant) => adversaryOf(participant.impl, participant.role, protocol, setup.params) ?? []);
      const timeout = setup.params.receive_timeout ?? 0;
      const installed = installChoreo(sim, protocol, { seed: sim.seed, roleAdversaries, maxMessages: setup.params.max_messages ?? PARAMS.max_messages, ...(timeout > 0 ? { receiveTimeoutMs: timeout } : {}) });
      return { invariants: {}, outcomes: { completes: () => completes(installed), 'stops-cleanly': () => stopsCleanly(installed) } };
    },
  };
}

function completes(installed: InstalledChoreo): true | string {
  const unfinished = installed.roles().filter((role) => role.status !== 'ended' && role.status !== 'bounded');
  return unfinished.length === 0 || unfinished.map((role) => `${role.role} ${role.status}${role.error === undefined ? '' : ` (${role.error})`}`).join('; ');
}

function stopsCleanly(installed: InstalledChoreo): true | string {
  const report = installed.stall();
  return report === undefined || report.faultInduced ? true : formatStall(report).join('\n');
}

const cache = new Map<string, ProjectedProtocol>();

/**
 * Loads, checks and projects the protocol a scenario names. Problems (unreadable file, diagnostics,
 * an unknown or ambiguous protocol, sizes left symbolic) are `scenario.choreography` errors.
 */
export function loadChoreography(spec: ChoreographySpec): ProjectedProtocol {
  const key = JSON.stringify(spec);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  let text: string;
  try {
    text = readFileSync(spec.file, 'utf8');
  } catch (error) {
    throw permanentError('scenario.choreography', `cannot read ${spec.file}: ${(error as Error).message}`, { cause: error });
  }
  const result = checkChoreography(text, spec.file, {
    params: spec.params,
    resolveImport: (path, fromFile) => {
      const file = resolve(dirname(fromFile), path);
      try {
        return { file, text: readFileSync(file, 'utf8') };
      } catch {
        return null;
      }
    },
    ...(spec.protocol === undefined ? {} : { protocol: spec.protocol }),
  });
  if (result.diagnostics.some((diagnostic) => diagnostic.severity === 'error')) throw permanentError('scenario.choreography', `${spec.file} does not check:\n${renderDiagnostics(result)}`);
  const names = result.protocols.map((report) => report.name);
  if (names.length !== 1) throw permanentError('scenario.choreography', names.length === 0 ? `${spec.file} has no protocol${spec.protocol === undefined ? '' : ` named ${spec.protocol}`}` : `${spec.file} has several protocols (${names.join(', ')}); name one with protocol = "…"`);
  const report = result.protocols[0]!; // exactly one
  const projected = report.instances[0];
  if (report.symbolic.length > 0 || projected === undefined) throw permanentError('scenario.choreography', `${report.name} has symbolic sizes; give them in params = { ${report.symbolic.map((name) => `${name} = …`).join(', ')} }`);
  cache.set(key, projected);
  return projected;
}
