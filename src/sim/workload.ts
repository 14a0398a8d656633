/**
 * Workloads: programs that run on simulated nodes, named so that scenarios can choose them: small
 * distributed programs written directly against the simulated network and effects (gossip,
 * request-response with retries), and `choreo`, a protocol from a `.choreo` file run by the
 * choreography runtime (`workloads/choreo.ts`).
 *
 * A workload declares its roles (each with implementation names, the first being the default),
 * numeric parameters with defaults, and the properties it can check: invariants (between every two
 * events) and outcomes (at the end of a run).
 *
 * @module
 */
import type { PropertyCheck, Simulation } from './simulation.ts';

/** One participant: a node name, the role it plays, and which implementation of that role. */
export interface Participant {
  /** Node name. */
  readonly name: string;
  /** Role, one of the workload's roles. */
  readonly role: string;
  /** Implementation, one of the role's implementations. */
  readonly impl: string;
}

/** What a workload is set up with. */
export interface WorkloadSetup {
  /** The nodes and their roles. */
  readonly participants: readonly Participant[];
  /** Parameter values (defaults filled in). */
  readonly params: Readonly<Record<string, number>>;
}

/** The properties a set-up workload checks. */
export interface WorkloadChecks {
  /** Checked between every two events. */
  readonly invariants: Readonly<Record<string, PropertyCheck>>;
  /** Checked at the end of the run. */
  readonly outcomes: Readonly<Record<string, PropertyCheck>>;
}

/** A role of a workload: its implementations and how many participants may play it. */
export interface RoleSpec {
  /** Implementation names; the first is the default. */
  readonly impls: readonly string[];
  /** Fewest participants in this role (default 0). */
  readonly min?: number;
  /** Most participants in this role (default unlimited). */
  readonly max?: number;
}

/** A named workload. */
export interface Workload {
  /** Name used in scenarios. */
  readonly name: string;
  /** One line for `--help` and errors. */
  readonly description: string;
  /** Its roles, by name. */
  readonly roles: Readonly<Record<string, RoleSpec>>;
  /** Parameter name -> default value. */
  readonly params: Readonly<Record<string, number>>;
  /** The names of the properties {@link Workload.setup} returns checks for. */
  readonly properties: { readonly invariants: readonly string[]; readonly outcomes: readonly string[] };
  /** Adds the participants' nodes to `sim` and returns the checks. */
  setup(sim: Simulation, setup: WorkloadSetup): WorkloadChecks;
}

/** The implementation every role has: a node that does nothing at all (crash-stop from the start). */
export const SILENT_IMPL = 'silent';
