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
 * Limit: the role map is the group's, so an attempt that excluded a member (and renumbered the
 * roles) is not registered correctly; honest runs use the first attempt.
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import { isAuraError } from '../core/errors.ts';
import type { DeviceId, SessionId } from '../core/identifiers.ts';
import { ChannelTransport, SESSION_CHANNEL_PREFIX, type DeviceChannel } from '../runtime/channel-transport.ts';
import type { Transport } from '../runtime/transport.ts';
import { familyRole } from '../protocols/protocol-source.ts';

/** The sessions of one run. */
export interface SessionGroup {
  /** A transport whose `open` registers the session with the group's role map first. */
  readonly transport: Transport;
  /** Ends every session registered through the group. */
  end(): void;
}

interface Group {
  readonly roles: ReadonlyMap<RoleName, DeviceId>;
  readonly sessions: Set<SessionId>;
}

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
            const group = [...this.groups].findLast((g) => [...g.roles.values()].includes(message.from));
            if (group !== undefined) this.claim(group, message.channel as SessionId);
          }
          listener(message);
        }),
      onPeerGone: (listener) => channel.onPeerGone(listener),
    };
    this.transport = new ChannelTransport(registering);
  }

  /** Starts a group with `roles` (this device must play one). */
  group(roles: ReadonlyMap<RoleName, DeviceId>): SessionGroup {
    const group: Group = { roles, sessions: new Set() };
    this.groups.add(group);
    return {
      transport: {
        open: (session, role, receiver) => {
          if (!this.known.has(session)) this.register(group, session);
          return this.transport.open(session, role, receiver);
        },
      },
      end: () => {
        this.groups.delete(group);
        for (const session of group.sessions) this.transport.endSession(session);
      },
    };
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
    this.transport.addSession(session, group.roles);
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

/** The role map of a family run: role `FAMILY[k]` of every family is played by `devices[k]`. */
export function familyRoles(families: readonly string[], devices: readonly DeviceId[]): Map<RoleName, DeviceId> {
  return new Map(families.flatMap((family) => devices.map((device, k): [RoleName, DeviceId] => [familyRole(family, k), device])));
}
