/**
 * What every threshold protocol of this folder shares around its choreography: members named with
 * a reason ({@link Accusation}), the outcome of one attempt (one session), and the loop that runs
 * attempts among fewer and fewer members until one is clean or fewer than the threshold remain
 * ({@link runWithExclusion}). A session that stops (a crashed or silent member, a protocol
 * violation) becomes `protocols.<name>.aborted` naming the device that stopped it.
 *
 * @module
 */
import { permanentError, toAuraError, type AuraError } from '../core/errors.ts';
import { deriveIdentifier, type DeviceId, type SessionId } from '../core/identifiers.ts';
import type { ProjectedProtocol } from '../choreo/local-type.ts';
import { runRole, type RoleImpl } from '../runtime/run-role.ts';
import type { Transport } from '../runtime/transport.ts';
import { bindEpoch } from './epoch.ts';
import type { AccusationPayload } from './payload-types.ts';
import { familyRole, runOptions, type RunOptions } from './protocol-source.ts';

/** A member named by a protocol, and why. */
export interface Accusation {
  /** The accused device. */
  readonly device: DeviceId;
  /** Why (see `ACCUSATION_REASONS`). */
  readonly reason: AccusationPayload['reason'];
  /** Who raised it (the judging device, for faults it saw itself). */
  readonly by: DeviceId;
}

/** How one attempt ended at one member: a value, or the members to exclude. */
export type AttemptOutcome<T> = { readonly kind: 'ok'; readonly value: T } | { readonly kind: 'exclude'; readonly accused: readonly Accusation[] };

/** The index of a family member's role name (`P[3]` is 3). */
export function memberIndex(role: string): number {
  return Number(role.slice(role.indexOf('[') + 1, -1));
}

/** The session of attempt `attempt` among `devices`, derived from the first attempt's session. */
export function attemptSession(base: SessionId, attempt: number, devices: readonly DeviceId[]): SessionId {
  return attempt === 0 ? base : deriveIdentifier('session', { base, attempt, members: devices });
}

/**
 * The error of a session that stopped at `self`: `protocols.<protocol>.aborted`, with the device
 * that stopped it in `context.by` (a peer's abort notice names its role; otherwise it is `self`).
 */
export function abortedError(protocol: string, attempt: number, deviceOfRole: (role: string) => DeviceId | undefined, self: DeviceId, error: unknown): AuraError {
  const cause = toAuraError(error);
  const by = cause.context['by'];
  const stopper = typeof by === 'string' && by.includes('[') ? deviceOfRole(by) : self;
  return permanentError(`protocols.${protocol}.aborted`, `${protocol} attempt ${attempt} aborted at ${self}: ${cause.message}`, { cause, context: { attempt, code: cause.code, by: stopper ?? self } });
}

/**
 * Runs attempts until one is clean: each attempt that names members excludes them and the next
 * runs among the rest. Errors: `protocols.<protocol>.excluded` when `self` is named,
 * `protocols.<protocol>.failed` when an attempt fails naming no one (retrying could not help),
 * `protocols.<protocol>.too-few` (a clean abort) when fewer than `threshold` members remain.
 */
export async function runWithExclusion<M extends { readonly device: DeviceId }, T>(
  protocol: string,
  members: readonly M[],
  threshold: number,
  self: DeviceId,
  attempt: (members: readonly M[], attempt: number) => Promise<AttemptOutcome<T>>,
): Promise<{ readonly value: T; readonly excluded: readonly Accusation[] }> {
  let remaining = members;
  const excluded: Accusation[] = [];
  for (let n = 0; ; n++) {
    if (remaining.length < threshold) {
      throw permanentError(`protocols.${protocol}.too-few`, `${protocol} aborted: ${remaining.length} members remain, ${threshold} needed (excluded: ${excluded.map((a) => `${a.device} (${a.reason})`).join(', ')})`, { context: { excluded: excluded.map((a) => a.device).join(',') } });
    }
    const outcome = await attempt(remaining, n);
    if (outcome.kind === 'ok') return { value: outcome.value, excluded };
    if (outcome.accused.length === 0) {
      throw permanentError(`protocols.${protocol}.failed`, `${protocol} attempt ${n} failed at ${self} with no one to blame`, { context: { attempt: n } });
    }
    excluded.push(...outcome.accused);
    const named = new Set(outcome.accused.map((a) => a.device));
    if (named.has(self)) {
      throw permanentError(`protocols.${protocol}.excluded`, `device ${self} was excluded from ${protocol}`, { context: { accused: outcome.accused.map((a) => `${a.device}:${a.reason}`).join(',') } });
    }
    remaining = remaining.filter((m) => !named.has(m.device));
  }
}

/** Where one member runs one attempt: the projection, its family, the members, the session. */
export interface AttemptPlace {
  /** The protocol's name in error codes (`dkg`, `sign`). */
  readonly protocol: string;
  /** The projection for this attempt's member count. */
  readonly projected: ProjectedProtocol;
  /** The role family (`P`, `S`). */
  readonly family: string;
  /** The members' devices, in role order. */
  readonly members: readonly DeviceId[];
  /** The member running. */
  readonly self: DeviceId;
  /** The attempt's session. */
  readonly session: SessionId;
  /** Which attempt (0 first). */
  readonly attempt: number;
  /** The authority epoch the session is bound to (every message carries it, see `epoch.ts`). */
  readonly epoch: number;
  /**
   * The device playing a role of the session, for naming who stopped it; by default member k of
   * `members` plays `<family>[k]` (a protocol with several families says otherwise).
   */
  readonly roleDevice?: (role: string) => DeviceId | undefined;
  /** The role played when it is not `self`'s family member (a requester outside the family). */
  readonly role?: string;
}

/**
 * Runs member `place.self`'s role in one attempt, with the role logic `build` makes (it calls
 * `decide` at the choreography's `Decide` step), bound to `place.epoch`, and returns the decision. Errors:
 * `protocols.<protocol>.not-a-member`, `protocols.<protocol>.aborted`.
 */
export async function runAttemptRole<T>(place: AttemptPlace, build: (decide: (outcome: AttemptOutcome<T>) => void) => RoleImpl, transport: Transport, options: RunOptions): Promise<AttemptOutcome<T>> {
  const { protocol, members, self, attempt } = place;
  const index = members.indexOf(self);
  if (place.role === undefined && index < 0) throw permanentError(`protocols.${protocol}.not-a-member`, `device ${self} is not a member of this ${protocol} session`);
  let decided: AttemptOutcome<T> | undefined;
  const honest = build((outcome) => {
    decided = outcome;
  });
  const impl = bindEpoch(options.roleImpl === undefined ? honest : options.roleImpl(honest, attempt), place.epoch);
  try {
    await runRole(place.projected, place.role ?? familyRole(place.family, index), impl, transport, runOptions(options, place.session));
  } catch (error) {
    throw abortedError(protocol, attempt, place.roleDevice ?? ((role) => members[memberIndex(role)]), self, error);
  }
  if (decided === undefined) throw permanentError(`protocols.${protocol}.aborted`, `${protocol} attempt ${attempt} ended at ${self} without a decision`);
  return decided;
}
