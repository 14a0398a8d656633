/**
 * Runs every role of a protocol in one process, each with its own implementation, and reports
 * how the session went. An optional bound on the messages sent by all roles together stops every
 * role cleanly once reached (for protocols that may never end, such as a `rec` with no exit): the
 * run is then `bounded`, which is a success.
 *
 * @module
 */
import type { ProjectedProtocol, RoleName } from '../choreo/local-type.ts';
import { startError } from './errors.ts';
import { composeObservers, type RoleObserver } from './role-event.ts';
import { compileRole } from './program.ts';
import { BUILTIN_TYPES, checkStart, runRole, type RoleImpl, type RoleResult, type RunOptions } from './run-role.ts';
import type { Transport } from './transport.ts';

/** Options of {@link runSession}: those of each role, with the bound for all of them. */
export interface SessionRunOptions extends Omit<RunOptions, 'maxMessages' | 'signal'> {
  /** Stop every role once the roles together have sent this many messages. */
  readonly maxMessages?: number;
}

/** How a whole in-process session went. */
export interface SessionOutcome {
  /** `ended`: every role reached `end`; `bounded`: the bound stopped the run; `failed`: some role failed. */
  readonly status: 'ended' | 'bounded' | 'failed';
  /** Messages sent by all roles. */
  readonly messages: number;
  /** Each role's result or error, by role. */
  readonly roles: Readonly<Record<RoleName, PromiseSettledResult<RoleResult>>>;
}

/**
 * Runs every role of `protocol` over `transport`, with `impls[role]` each, until all stop. Every
 * role is checked before any starts, so that a role that cannot start (a missing handler, an
 * annotation with no hook) rejects the whole run instead of leaving its peers waiting for it.
 */
export async function runSession(protocol: ProjectedProtocol, impls: Readonly<Record<RoleName, RoleImpl>>, transport: Transport, options: SessionRunOptions): Promise<SessionOutcome> {
  const missing = protocol.roles.filter((role) => impls[role] === undefined);
  if (missing.length > 0) throw startError('missing-handler', `no implementation for ${missing.join(', ')}`);
  for (const role of protocol.roles) checkStart(compileRole(protocol, role, options.types ?? BUILTIN_TYPES), options, impls[role]);
  const bound = new AbortController();
  let sent = 0;
  const counter: RoleObserver = {
    onEvent: (event) => {
      if (event.type === 'send' && ++sent >= (options.maxMessages ?? Number.POSITIVE_INFINITY)) bound.abort();
    },
  };
  const observer = options.observer === undefined ? counter : composeObservers(options.observer, counter);
  const { maxMessages: _bound, ...roleOptions } = options;
  const settled = await Promise.allSettled(
    // Every role has an implementation: checked above.
    protocol.roles.map((role) => runRole(protocol, role, impls[role]!, transport, { ...roleOptions, observer, signal: bound.signal })),
  );
  const roles = Object.fromEntries(protocol.roles.map((role, index) => [role, settled[index]!])); // one result per role
  const status = settled.some((result) => result.status === 'rejected') ? 'failed' : bound.signal.aborted ? 'bounded' : 'ended';
  return { status, messages: sent, roles };
}
