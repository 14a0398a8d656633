/**
 * Registering the sessions of a protocol run as they appear. The runtime's `ChannelTransport`
 * accepts frames only for sessions registered with their role map, but a protocol run uses
 * sessions nobody named in advance: the signing and DKG attempts derive theirs from the agreed
 * session, the epoch and the attempt, and the genesis facts are signed one derived session each.
 *
 * A *group* is the role map of one run that this device agreed to (after the handshake of
 * `agent-request.ts`, or among the local devices of `aura init`). A session is registered with the
 * group's role map when a role of the group opens it here, or when a frame for it arrives from a
 * device of the group; a frame for an unknown session from any other device is dropped as before.
 * Ending the group ends its sessions.
 *
 * The role map is the group's, except for the sessions the group was given a map of: a signing or
 * DKG attempt that excluded a member renumbers the members left (`S[k]`, `P[k]` is the k-th one
 * left: {@link exclusionAttempts}), and a resharing attempt that excluded a dealer renumbers the
 * dealers (`D[k]` is the k-th dealer of the attempt: {@link reshareSessions}, used by membership
 * changes, guardian setup and recovery), so the initiator and every participant give their group
 * the maps of every attempt session an exclusion could lead to. Both enumerate what exclusions can
 * leave one way ({@link exclusionRemainders}). Limit: beyond {@link MAX_EXCLUSION_MEMBERS} members
 * (signers, DKG members, old members of a resharing) only the first attempt is mapped. The DKD
 * needs no map: it is never retried.
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import { isAuraError, type AuraError } from '../core/errors.ts';
import type { DeviceId, SessionId } from '../core/identifiers.ts';
import { ChannelTransport, SESSION_CHANNEL_PREFIX, type DeviceChannel } from '../runtime/channel-transport.ts';
import type { Receiver, Transport } from '../runtime/transport.ts';
import { attemptSession } from '../protocols/attempts.ts';
import { familyRole } from '../protocols/protocol-source.ts';
import { reshareSession, type ReshareSessionInputs, type ReshareSetup } from '../protocols/reshare.ts';

/** The sessions of one run. */
export interface SessionGroup {
  /** A transport whose `open` registers the session with the group's role map first. */
  readonly transport: Transport;
  /**
   * Calls the run off: every role opened through the group stops with `error` (telling its peers,
   * as any failed role does), and so does every role opened later. Idempotent (the first error stays).
   */
  abort(error: AuraError): void;
  /** The error the run was called off with, if it was. */
  readonly aborted: AuraError | undefined;
  /** Ends every session registered through the group. */
  end(): void;
}

interface Group {
  readonly roles: ReadonlyMap<RoleName, DeviceId>;
  readonly known: ReadonlyMap<SessionId, ReadonlyMap<RoleName, DeviceId>>;
  readonly sessions: Set<SessionId>;
  /** The roles opened through the group, to stop when it is called off. */
  readonly receivers: Receiver[];
  aborted?: AuraError;
}

/** Most signers whose exclusion attempts are mapped ({@link exclusionSessions} enumerates their subsets). */
export const MAX_EXCLUSION_MEMBERS = 12;

/** The sessions of a device, registered by group as they appear. */
export class SessionGroups {
  private readonly transport: ChannelTransport;
  private readonly known = new Set<string>();
  private readonly groups = new Set<Group>();

  constructor(channel: DeviceChannel) {
    const registering: DeviceChannel = {
      device: channel.device,
      send: (to, name, payload) => channel.send(to, name, payload),
      onMessage: (listener) =>
        channel.onMessage((message) => {
          if (message.channel.startsWith(SESSION_CHANNEL_PREFIX) && !this.known.has(message.channel)) {
            const session = message.channel as SessionId;
            const group = [...this.groups].findLast((g) => g.known.has(session)) ?? [...this.groups].findLast((g) => [...g.roles.values()].includes(message.from));
            if (group !== undefined) this.claim(group, session);
          }
          listener(message);
        }),
      onPeerGone: (listener) => channel.onPeerGone(listener),
    };
    this.transport = new ChannelTransport(registering);
  }

  /**
   * Starts a group with `roles` (this device must play one); the sessions of `known` are
   * registered with their own role maps.
   */
  group(roles: ReadonlyMap<RoleName, DeviceId>, known: ReadonlyMap<SessionId, ReadonlyMap<RoleName, DeviceId>> = new Map()): SessionGroup {
    const group: Group = { roles, known, sessions: new Set(), receivers: [] };
    this.groups.add(group);
    return {
      transport: {
        open: (session, role, receiver) => {
          if (!this.known.has(session)) this.register(group, session);
          const port = this.transport.open(session, role, receiver);
          group.receivers.push(receiver);
          if (group.aborted !== undefined) receiver.fail(group.aborted);
          return port;
        },
      },
      abort: (error) => {
        if (group.aborted !== undefined) return;
        group.aborted = error;
        for (const receiver of group.receivers) receiver.fail(error);
      },
      get aborted() {
        return group.aborted;
      },
      end: () => {
        this.groups.delete(group);
        for (const session of group.sessions) this.transport.endSession(session);
      },
    };
  }

  /** Whether `device` plays a role in a group still running (a device joining by a change, say). */
  takesPart(device: DeviceId): boolean {
    return [...this.groups].some((group) => [...group.roles.values()].includes(device));
  }

  /**
   * The session transport itself, for services that register their sessions before any frame
   * arrives (the sync service), so that no group claims them.
   */
  get channelTransport(): ChannelTransport {
    return this.transport;
  }

  /** Stops listening to the channel. */
  close(): void {
    this.transport.close();
  }

  private register(group: Group, session: SessionId): void {
    this.transport.addSession(session, group.known.get(session) ?? group.roles);
    this.known.add(session);
    group.sessions.add(session);
  }

  /**
   * Registers `session` with `group` on its first frame, unless a service registered it itself
   * (a sync session with a device of the group): then it is not the group's.
   */
  private claim(group: Group, session: SessionId): void {
    try {
      this.register(group, session);
    } catch (error) {
      if (!isAuraError(error, 'session.already-registered')) throw error;
      this.known.add(session);
    }
  }
}

/** One attempt of a run with exclusion: its session and the members left in it. */
export interface ExclusionAttempt {
  /** The attempt's session. */
  readonly session: SessionId;
  /** The members left, in role order. */
  readonly left: readonly DeviceId[];
}

/**
 * The member sets exclusions can leave of `members` with at least `threshold` left (each holding
 * `keep`, when given: a member whose exclusion ends the run): every proper subset, in a fixed
 * order. Beyond {@link MAX_EXCLUSION_MEMBERS} members, none.
 */
export function exclusionRemainders(members: readonly DeviceId[], threshold: number, keep?: DeviceId): DeviceId[][] {
  if (members.length > MAX_EXCLUSION_MEMBERS) return [];
  const remainders: DeviceId[][] = [];
  for (let mask = 1; mask < 2 ** members.length - 1; mask++) {
    const left = members.filter((_, k) => (mask & (1 << k)) !== 0);
    if (left.length >= threshold && (keep === undefined || left.includes(keep))) remainders.push(left);
  }
  return remainders;
}

/**
 * Every attempt a run with exclusion (`runWithExclusion` of `src/protocols/attempts.ts`) among
 * `members` can reach from `base` (the run's session bound to its epoch): attempt 0 among all,
 * and attempt n >= 1 among each set n exclusions can leave ({@link exclusionRemainders}). Beyond
 * {@link MAX_EXCLUSION_MEMBERS} members, only attempt 0.
 */
export function exclusionAttempts(base: SessionId, members: readonly DeviceId[], threshold: number, keep?: DeviceId): ExclusionAttempt[] {
  const attempts: ExclusionAttempt[] = [{ session: base, left: members }];
  for (const left of exclusionRemainders(members, threshold, keep)) {
    // Each attempt after the first excluded at least one member more.
    for (let attempt = 1; attempt <= members.length - left.length; attempt++) attempts.push({ session: attemptSession(base, attempt, left), left });
  }
  return attempts;
}

/**
 * The role maps of every attempt of a run with exclusion among `members`: by default a signing
 * (`S[k]` the k-th signer left), or the run of role `families` (a DKG's `P[k]`).
 */
export function exclusionSessions(base: SessionId, members: readonly DeviceId[], threshold: number, families: readonly string[] = ['S']): Map<SessionId, Map<RoleName, DeviceId>> {
  return new Map(exclusionAttempts(base, members, threshold).map(({ session, left }) => [session, familyRoles(families, left)]));
}

/**
 * Every attempt of the resharing `setup` (`runReshareDevice` of `src/protocols/reshare.ts`) that
 * exclusions can reach, with its role map: `roles` with the dealers `D[k]` of the attempt. Attempt
 * 0 is dealt by the first t old members (t the old group's threshold); an attempt that names
 * anyone but its dealers ends the run, so every later attempt excluded at least one dealer more,
 * and is dealt by the first t old members left: attempt n >= 1 among the old members an exclusion
 * of at least n of them leaves ({@link exclusionRemainders}). Beyond
 * {@link MAX_EXCLUSION_MEMBERS} old members, only attempt 0.
 */
export function reshareSessions(setup: ReshareSessionInputs & Pick<ReshareSetup, 'oldMembers'>, roles: ReadonlyMap<RoleName, DeviceId>): Map<SessionId, Map<RoleName, DeviceId>> {
  const { oldMembers } = setup;
  const t = setup.old.threshold;
  const first = oldMembers.slice(0, t);
  const sessions = new Map([[reshareSession(setup, first, 0), withDealers(roles, first)]]);
  for (const left of exclusionRemainders(oldMembers, t)) {
    const dealers = left.slice(0, t);
    const mapped = withDealers(roles, dealers);
    for (let attempt = 1; attempt <= oldMembers.length - left.length; attempt++) sessions.set(reshareSession(setup, dealers, attempt), mapped);
  }
  return sessions;
}

/** `roles` with the dealer family `D` played by `dealers` instead. */
function withDealers(roles: ReadonlyMap<RoleName, DeviceId>, dealers: readonly DeviceId[]): Map<RoleName, DeviceId> {
  return new Map([...[...roles].filter(([role]) => !role.startsWith('D[')), ...familyRoles(['D'], dealers)]);
}

/** The role map of a family run: role `FAMILY[k]` of every family is played by `devices[k]`. */
export function familyRoles(families: readonly string[], devices: readonly DeviceId[]): Map<RoleName, DeviceId> {
  return new Map(families.flatMap((family) => devices.map((device, k): [RoleName, DeviceId] => [familyRole(family, k), device])));
}
