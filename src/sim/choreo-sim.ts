/**
 * Real choreographies under the simulator: every role of a projected protocol runs with `runRole`
 * on its own simulated node over {@link SimTransport}, with the node's seeded randomness, skewed
 * virtual clock, faults and adversaries. The run ends `ended` (every role reached `end`),
 * `bounded` (the roles together sent the message bound), `aborted` (a role stopped the session
 * with a typed error and the others were told), `stalled` (nothing can fire and some role still
 * waits: the waits-for report says which role waits for which message from whom, at which step of
 * which protocol, and whether faults or the protocol are to blame), or `hung` (the event or time
 * limit was reached: the run would not stop by itself). A role whose implementation throws is
 * recorded as a crash of that role, and the run carries on.
 *
 * @module
 */
import type { ProjectedProtocol, RoleName } from '../choreo/local-type.ts';
import { permanentError, toAuraError } from '../core/errors.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import { SeededRandom } from '../handlers/random.ts';
import { DefaultRunSetting } from '../runtime/default-setting.ts';
import type { TypeRegistry } from '../runtime/payload-codec.ts';
import { randomImpl } from '../runtime/random-impl.ts';
import { runRole, type RoleImpl } from '../runtime/run-role.ts';
import type { RoleObserver } from '../runtime/role-event.ts';
import { RoleSession } from '../runtime/session.ts';
import type { Receiver, Transport } from '../runtime/transport.ts';
import type { Adversary } from './adversary.ts';
import type { StallReport } from './diagnosis.ts';
import { scheduleFaults, type FaultPhase } from './faults.ts';
import type { NetworkConfig } from './network.ts';
import { definedFields, type SimNode, type WaitInfo } from './node.ts';
import type { RoleAdversary } from './role-adversary.ts';
import { SimTransport } from './sim-transport.ts';
import { Simulation, type RunResult } from './simulation.ts';
import { TRACE_VERSION, traceText } from './trace.ts';

/**
 * Makes a role's implementation on its node (called again after each restart). `types` is the
 * registry the role runs with, for implementations that draw random payloads (`randomImpl`).
 */
export type RoleImplFactory = (node: SimNode, protocol: ProjectedProtocol, role: RoleName, types: TypeRegistry) => RoleImpl;

/** How a choreography is simulated. */
export interface ChoreoSimOptions {
  /** The seed of everything random: network, faults, adversaries, default implementations. */
  readonly seed: number;
  /** Implementations by role; a role not named gets {@link defaultImpl} (seeded random). */
  readonly impls?: Readonly<Record<RoleName, RoleImplFactory>>;
  /** Link conditions (default: every link perfect). */
  readonly network?: NetworkConfig;
  /** Fault phases over the role nodes. */
  readonly faults?: readonly FaultPhase[];
  /** Message-level adversaries (node names are role names). */
  readonly adversaries?: readonly Adversary[];
  /** Roles replaced by adversarial implementations (`role-adversary.ts`). */
  readonly roleAdversaries?: readonly RoleAdversary[];
  /** Stop every role cleanly once the roles together sent this many messages. */
  readonly maxMessages?: number;
  /** Timeout of every receive without a `timeout_ms` annotation, in ms. */
  readonly receiveTimeoutMs?: number;
  /** Virtual time limit in ms (default one day). */
  readonly until?: number;
  /** Event limit (default 1,000,000). */
  readonly maxEvents?: number;
  /** Record the JSON-lines trace. */
  readonly trace?: boolean;
}

/** How one role's run finished. */
export interface RoleOutcome {
  /** The role. */
  readonly role: RoleName;
  /** `running`: it had not finished when the run stopped; `crashed`: its node crashed (fault or exception). */
  readonly status: 'ended' | 'bounded' | 'failed' | 'crashed' | 'running';
  /** The error that stopped it (`code: message`), for `failed` and exception crashes. */
  readonly error?: string;
}

/** How the whole simulated session went. */
export type ChoreoSimStatus = 'ended' | 'bounded' | 'aborted' | 'stalled' | 'hung';

/** What {@link simulateChoreo} reports. */
export interface ChoreoSimResult {
  /** The seed. */
  readonly seed: number;
  /** The session's outcome. */
  readonly status: ChoreoSimStatus;
  /** Each role's outcome, in the protocol's role order. */
  readonly roles: readonly RoleOutcome[];
  /** The simulation's figures. */
  readonly run: RunResult;
  /** The waits-for report of a stalled run, in role terms. */
  readonly stall?: StallReport;
  /** The JSON-lines trace, when asked for. */
  readonly trace?: string;
}

/**
 * The default implementation of a role: seeded random payloads and choices (`randomImpl`), run in
 * a {@link DefaultRunSetting} (named types as opaque bytes, annotations recorded) unless the
 * options give implementations of their own.
 */
export const defaultImpl: RoleImplFactory = (node, protocol, role, types) => randomImpl(protocol, role, node.effects.random, types);

const DEFAULT_UNTIL = 86_400_000;
const DEFAULT_MAX_EVENTS = 1_000_000;

/** A role's live state in the run. */
interface RoleState {
  status: RoleOutcome['status'];
  error?: string;
  /** The role's session monitor, found as the receiver it opened its port with. */
  monitor: RoleSession | undefined;
  /** Virtual time of its last send or receive: when its current wait began at the latest. */
  lastActive: number;
  /** What the implementation threw, if it did (a crash of the role, not a protocol stop). */
  threw: unknown;
}

/** What {@link installChoreo} sets up beside the simulation's own options. */
export type ChoreoInstallOptions = Pick<ChoreoSimOptions, 'seed' | 'impls' | 'adversaries' | 'roleAdversaries' | 'faults' | 'maxMessages' | 'receiveTimeoutMs'>;

/** The roles of a choreography installed on a simulation: how they went, once the run is over. */
export interface InstalledChoreo {
  /** Each role's outcome now, in the protocol's role order. */
  roles(): RoleOutcome[];
  /** The session's status after `run`. */
  status(run: RunResult): ChoreoSimStatus;
  /** The waits-for report when some role has not finished (in role terms), else `undefined`. */
  stall(): StallReport | undefined;
}

/**
 * Adds one node per role of `protocol` to `sim`, each running the role with `runRole` over the
 * simulated transport, with the options' implementations, adversaries and faults. Scenarios use
 * it through the `choreo` workload; {@link simulateChoreo} builds a simulation around it.
 */
export function installChoreo(sim: Simulation, protocol: ProjectedProtocol, options: ChoreoInstallOptions): InstalledChoreo {
  const roleAdversaries = options.roleAdversaries ?? [];
  const unknown = roleAdversaries.filter((adversary) => !protocol.roles.includes(adversary.role));
  if (unknown.length > 0) throw permanentError('sim.unknown-role', `${protocol.name} has no role ${unknown.map((adversary) => adversary.role).join(', ')}; its roles are ${protocol.roles.join(', ')}`);
  const session = randomIdentifier('session', new SeededRandom(options.seed).fork('session'));
  const transport = new SimTransport(sim);
  const setting = new DefaultRunSetting(protocol);
  const states = new Map<RoleName, RoleState>(protocol.roles.map((role) => [role, { status: 'running', monitor: undefined, lastActive: 0, threw: undefined }]));
  const bound = new AbortController();
  let sent = 0;
  const observer: RoleObserver = {
    onEvent: (event) => {
      const state = states.get(event.role);
      if (state !== undefined) state.lastActive = sim.scheduler.now;
      if (event.type === 'send' && ++sent >= (options.maxMessages ?? Infinity)) bound.abort();
    },
  };
  for (const role of protocol.roles) {
    // Every role has a state: made above from the same list.
    const state = states.get(role)!;
    const makeImpl = roleAdversaries.reduce((honest, adversary) => (adversary.role === role && adversary.impl !== undefined ? adversary.impl(honest) : honest), options.impls?.[role] ?? defaultImpl);
    sim.addNode(role, (node) => {
      transport.listen(node);
      // The role's first steps run as promise callbacks: let them run before the next event.
      sim.scheduler.requestDrain();
      const incarnation = node.incarnation;
      state.status = 'running';
      state.threw = undefined;
      const spy: Transport = {
        open: (id, name, receiver: Receiver) => {
          if (receiver instanceof RoleSession) state.monitor = receiver;
          return transport.open(id, name, receiver);
        },
      };
      const timeouts = options.receiveTimeoutMs === undefined ? {} : { receiveTimeoutMs: options.receiveTimeoutMs };
      const impl = guardImpl(makeImpl(node, protocol, role, setting.types), (error) => {
        state.threw ??= error;
      });
      runRole(protocol, role, impl, spy, { session, time: transport.clock(node), observer, signal: bound.signal, types: setting.types, extensions: setting.extensions, ...timeouts }).then(
        (result) => {
          if (node.incarnation === incarnation) state.status = result.status;
        },
        (error: unknown) => {
          if (node.incarnation !== incarnation) return;
          const failure = toAuraError(error);
          state.error = `${failure.code}: ${failure.message}`;
          // The monitor's stops (violations, aborts, timeouts, garbage on the link) end the session
          // cleanly; the implementation throwing is a crash of that role.
          if (state.threw === undefined) state.status = 'failed';
          else sim.nodeFailed(node, state.threw);
        },
      );
    });
  }
  for (const adversary of [...(options.adversaries ?? []), ...roleAdversaries.flatMap((role) => role.adversaries ?? [])]) sim.addAdversary(adversary);
  scheduleFaults(sim, [...(options.faults ?? []), ...roleAdversaries.flatMap((role) => role.faults ?? [])]);
  const roles = (): RoleOutcome[] =>
    protocol.roles.map((role): RoleOutcome => {
      const state = states.get(role)!; // every role has a state
      const crashed = sim.node(role).state === 'crashed';
      return { role, status: crashed ? 'crashed' : state.status, ...definedFields({ error: state.error }) };
    });
  sim.addWaitSource(() => roleWaits(protocol, states, roles()));
  return {
    roles,
    status: (run) => sessionStatus(run, roles()),
    stall: () => (roles().some((role) => role.status === 'running') ? sim.diagnose(roleWaits(protocol, states, roles())) : undefined),
  };
}

/** Runs every role of `protocol` under the simulator, from `options.seed`. */
export async function simulateChoreo(protocol: ProjectedProtocol, options: ChoreoSimOptions): Promise<ChoreoSimResult> {
  const sim = new Simulation({ seed: options.seed, trace: options.trace === true, ...(options.network === undefined ? {} : { network: options.network }) });
  const installed = installChoreo(sim, protocol, options);
  const run = await sim.run({ until: options.until ?? DEFAULT_UNTIL, maxEvents: options.maxEvents ?? DEFAULT_MAX_EVENTS });
  const status = installed.status(run);
  const stall = status === 'stalled' ? run.stall : undefined;
  const trace = sim.trace === undefined ? undefined : traceText({ type: 'header', version: TRACE_VERSION, seed: options.seed, config: { protocol: protocol.name, contentId: protocol.contentId } }, sim.trace.events);
  return { seed: options.seed, status, roles: installed.roles(), run, ...definedFields({ stall, trace }) };
}

/**
 * `impl` with every handler watched: what a handler throws (or rejects with) is reported to
 * `threw` before the runtime sees it, so a throwing implementation is told apart from the
 * monitor stopping the session.
 */
export function guardImpl(impl: RoleImpl, threw: (error: unknown) => void): RoleImpl {
  const guard = <A extends unknown[], R>(handler: (...args: A) => R) => (...args: A): R => {
    try {
      const result = handler(...args);
      if (result instanceof Promise) result.catch(threw);
      return result;
    } catch (error) {
      threw(error);
      throw error;
    }
  };
  const guardAll = <H extends (...args: never[]) => unknown>(handlers: Readonly<Record<string, H | undefined>> | undefined): Record<string, H> | undefined =>
    handlers === undefined ? undefined : Object.fromEntries(Object.entries(handlers).flatMap(([label, handler]) => (handler === undefined ? [] : [[label, guard(handler)]]))) as Record<string, H>;
  const select = impl.select?.bind(impl);
  return {
    ...definedFields({ send: guardAll(impl.send), recv: guardAll(impl.recv), local: guardAll(impl.local) }),
    ...(select === undefined ? {} : { select: guard(select) }),
  };
}

function sessionStatus(run: RunResult, roles: readonly RoleOutcome[]): ChoreoSimStatus {
  const running = roles.some((role) => role.status === 'running');
  if (running) return run.stop === 'idle' ? 'stalled' : 'hung';
  if (roles.some((role) => role.status === 'failed' || role.status === 'crashed')) return 'aborted';
  return roles.some((role) => role.status === 'bounded') ? 'bounded' : 'ended';
}

/** What each unfinished role waits for, in protocol terms, for the waits-for report. */
function roleWaits(protocol: ProjectedProtocol, states: ReadonlyMap<RoleName, RoleState>, roles: readonly RoleOutcome[]): WaitInfo[] {
  return roles
    .filter((outcome) => outcome.status === 'running')
    .flatMap((outcome) => {
      const state = states.get(outcome.role)!; // every role has a state
      const waits = state.monitor?.pendingWaits() ?? [];
      return waits.map((wait): WaitInfo => ({
        node: outcome.role,
        ...definedFields({ from: wait.from.length === 1 ? wait.from[0] : undefined, label: wait.label }),
        description: `role ${outcome.role} at step "${wait.step}" of protocol ${protocol.name}`,
        since: state.lastActive,
      }));
    });
}

/** True when a run counts as a pass: without faults it must end (or reach the bound); with faults it may also abort or stall, as long as the stall is explained by the faults. */
export function choreoRunPasses(result: ChoreoSimResult, faulty: boolean): boolean {
  if (result.run.roleCrashes.length > 0) return false;
  if (result.status === 'ended' || result.status === 'bounded') return true;
  if (!faulty || result.status === 'hung') return false;
  return result.status === 'aborted' || result.stall?.faultInduced === true;
}
