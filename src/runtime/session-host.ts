/**
 * Starting and joining choreography sessions between devices: the session host of a device runs
 * its roles of sessions that it starts or is invited to, over a {@link ChannelTransport}.
 *
 * How a session starts, on the control channel {@link SESSION_CONTROL_CHANNEL} (each message the
 * canonical DAG-CBOR of one map, field `t` naming it):
 *
 * 1. the initiator loads the protocol, draws a fresh session id and sends every other device of
 *    the session an **invite**: `{ t: "invite", session, source, params, protocol, roles, paceMs }`
 *    naming the protocol's source (a file name the devices share), its parameters, its content id,
 *    and the device of each role;
 * 2. each invitee loads the same source with the same parameters, checks that it gets the same
 *    content id (`session.protocol-mismatch` otherwise) and that it plays a role, registers the
 *    session (so frames of it that arrive early are held) and answers **accept**
 *    `{ t: "accept", session }`, or **decline** `{ t: "decline", session, code, reason }`;
 * 3. once every invitee accepted (within `joinTimeoutMs`), the initiator sends **start**
 *    `{ t: "start", session }` and every device runs its roles.
 *
 * Roles are played by {@link randomImpl} (seeded random payloads and choices), each send waiting
 * `paceMs` first, so any example protocol runs with no code written for it and a test can make a
 * session last long enough to kill a device in the middle of it.
 *
 * Source: issue 8 ("Node process": serves choreography sessions).
 *
 * @module
 */
import type { ProjectedProtocol, RoleName } from '../choreo/local-type.ts';
import { decodeCanonical, encodeCanonical, isCanonicalMap } from '../core/canonical.ts';
import type { PhysicalTimeEffects, RandomEffects } from '../core/effects.ts';
import { permanentError, toAuraError, transientError, type AuraError } from '../core/errors.ts';
import { parseIdentifier, randomIdentifier, type DeviceId, type SessionId } from '../core/identifiers.ts';
import { ChannelTransport, type ChannelMessage, type ChannelRejection, type DeviceChannel } from './channel-transport.ts';
import { randomImpl } from './random-impl.ts';
import { runRole, type RoleImpl, type RoleResult } from './run-role.ts';

/** The channel that carries invitations, answers and start signals. */
export const SESSION_CONTROL_CHANNEL = 'aura.session-control/1';

/** Longest single sleep while waiting out the join timeout. */
const EXPIRY_STEP_MS = 100;

/** Loads a protocol by the source name and parameters of an invitation; throws an `AuraError`. */
export type ProtocolLoader = (source: string, params: Readonly<Record<string, number>>) => ProjectedProtocol;

/** What a session is to run. */
export interface SessionSpec {
  /** The protocol's source name, e.g. `ring.choreo`. */
  readonly source: string;
  /** Values of its symbolic parameters. */
  readonly params?: Readonly<Record<string, number>>;
  /** The device of every role. */
  readonly roles: Readonly<Record<RoleName, DeviceId>>;
  /** Each send waits this long first (default 0). */
  readonly paceMs?: number;
}

/** An invitation, as decoded. */
export interface SessionInvitation {
  /** The session. */
  readonly session: SessionId;
  /** The protocol source name. */
  readonly source: string;
  /** Its parameters. */
  readonly params: Readonly<Record<string, number>>;
  /** Content id of the protocol as the initiator loaded it. */
  readonly protocol: string;
  /** The device of every role. */
  readonly roles: Readonly<Record<RoleName, DeviceId>>;
  /** Pace of every send, in ms. */
  readonly paceMs: number;
}

/** How a session ended on this device. */
export interface HostedSession {
  /** The session. */
  readonly session: SessionId;
  /** The result of each local role. */
  readonly roles: readonly RoleResult[];
}

/** What a host reports, one event at a time. */
export type SessionEvent =
  | { readonly event: 'session-invited'; readonly session: SessionId; readonly protocol: string; readonly from: DeviceId }
  | { readonly event: 'session-started'; readonly session: SessionId; readonly protocol: string; readonly roles: readonly RoleName[] }
  | { readonly event: 'session-ended'; readonly session: SessionId; readonly roles: readonly RoleResult[] }
  | { readonly event: 'session-failed'; readonly session: SessionId; readonly code: string; readonly message: string }
  | { readonly event: 'frame-rejected'; readonly code: string; readonly message: string; readonly device: DeviceId; readonly channel: string };

/** What a {@link SessionHost} needs. */
export interface SessionHostOptions {
  /** The authenticated device channel (e.g. the libp2p `ChoreoTransport`). */
  readonly channel: DeviceChannel;
  /** Loads protocols named in invitations. */
  readonly load: ProtocolLoader;
  /** Time for pacing, receive timeouts and the join timeout. */
  readonly time: PhysicalTimeEffects;
  /** Randomness for session ids and the roles' payloads and choices. */
  readonly random: RandomEffects;
  /** Bound of every receive, in ms (default: none; a gone peer still stops the session). */
  readonly receiveTimeoutMs?: number;
  /** How long an initiator waits for every invitee to accept (default 10 s). */
  readonly joinTimeoutMs?: number;
  /** Where events go. */
  readonly events?: (event: SessionEvent) => void;
}

interface Joining {
  readonly waiting: Set<DeviceId>;
  readonly resolve: () => void;
  readonly reject: (error: AuraError) => void;
}

interface Invited {
  readonly invitation: SessionInvitation;
  readonly protocol: ProjectedProtocol;
  readonly from: DeviceId;
}

/** Starts, joins and runs the sessions of one device. */
export class SessionHost {
  /** The transport the roles run on; exposed for diagnosis and tests. */
  readonly transport: ChannelTransport;
  private readonly joining = new Map<SessionId, Joining>();
  private readonly invited = new Map<SessionId, Invited>();
  private readonly unsubscribe: (() => void)[];

  constructor(private readonly options: SessionHostOptions) {
    this.transport = new ChannelTransport(options.channel, { log: (rejection) => { this.rejected(rejection); } });
    this.unsubscribe = [
      options.channel.onMessage((message) => {
        if (message.channel === SESSION_CONTROL_CHANNEL) this.control(message);
      }),
      options.channel.onPeerGone(({ device, reason }) => {
        this.peerGone(device, reason);
      }),
    ];
  }

  /**
   * Starts a session of `spec` as its initiator and runs this device's roles in it; resolves when
   * they end. Errors: the loader's, `session.bad-roles`, `session.declined`, `session.join-timeout`,
   * and whatever stops a local role.
   */
  async start(spec: SessionSpec): Promise<HostedSession> {
    const params = spec.params ?? {};
    const protocol = this.options.load(spec.source, params);
    checkRoles(protocol, spec.roles);
    const session = randomIdentifier('session', this.options.random);
    const invitation: SessionInvitation = { session, source: spec.source, params, protocol: protocol.contentId, roles: spec.roles, paceMs: spec.paceMs ?? 0 };
    const self = this.options.channel.device;
    const others = new Set(Object.values(spec.roles).filter((device) => device !== self));
    const played = Object.values(spec.roles).includes(self);
    if (played) this.transport.addSession(session, roleMap(spec.roles));
    try {
      await this.gather(session, others, invitation);
    } catch (error) {
      this.transport.endSession(session);
      const failure = toAuraError(error);
      this.emit({ event: 'session-failed', session, code: failure.code, message: failure.message });
      throw failure;
    }
    await Promise.all([...others].map((device) => this.options.channel.send(device, SESSION_CONTROL_CHANNEL, encodeCanonical({ t: 'start', session }))));
    return played ? this.run(invitation, protocol) : { session, roles: [] };
  }

  /** Stops listening; sessions under way keep running until they end or fail. */
  close(): void {
    for (const stop of this.unsubscribe) stop();
    this.transport.close();
  }

  /** A device gone during the handshake: sessions waiting on it fail now rather than at a timeout. */
  private peerGone(device: DeviceId, reason: string): void {
    for (const [session, joining] of this.joining) {
      if (joining.waiting.has(device)) joining.reject(transientError('session.peer-gone', `device ${device} is gone before answering the invitation to session ${session}: ${reason}`, { context: { session, device } }));
    }
    for (const [session, invited] of this.invited) {
      if (invited.from !== device) continue;
      this.invited.delete(session);
      this.transport.endSession(session);
      this.emit({ event: 'session-failed', session, code: 'session.peer-gone', message: `the initiator ${device} is gone before starting session ${session}: ${reason}` });
    }
  }

  private async gather(session: SessionId, others: ReadonlySet<DeviceId>, invitation: SessionInvitation): Promise<void> {
    if (others.size === 0) return;
    const accepted = new Promise<void>((resolve, reject) => this.joining.set(session, { waiting: new Set(others), resolve, reject }));
    const limit = this.options.joinTimeoutMs ?? 10_000;
    let answered = false;
    const timeout = this.expire(limit, () => answered).then(() => {
      const waiting = [...(this.joining.get(session)?.waiting ?? [])];
      throw transientError('session.join-timeout', `no answer to the invitation to session ${session} within ${limit} ms from ${waiting.join(', ')}`, { context: { session, waiting: waiting.join(', ') } });
    });
    const wire = encodeCanonical({ t: 'invite', ...invitation });
    try {
      await Promise.all([...others].map((device) => this.options.channel.send(device, SESSION_CONTROL_CHANNEL, wire)));
      await Promise.race([accepted, timeout]);
    } finally {
      answered = true;
      this.joining.delete(session);
    }
  }

  /**
   * Resolves once `limitMs` passed, or never once `settled()` holds: it sleeps in short steps, so
   * that a handshake that ended leaves no long timer behind (the time effect cannot cancel one).
   */
  private async expire(limitMs: number, settled: () => boolean): Promise<void> {
    const { time } = this.options;
    const deadline = time.now().ms + limitMs;
    for (let left = limitMs; left > 0; left = deadline - time.now().ms) {
      await time.sleep(Math.min(left, EXPIRY_STEP_MS));
      if (settled()) return new Promise<void>(() => undefined);
    }
  }

  private async run(invitation: SessionInvitation, protocol: ProjectedProtocol): Promise<HostedSession> {
    const { session } = invitation;
    const self = this.options.channel.device;
    const local = protocol.roles.filter((role) => invitation.roles[role] === self);
    this.emit({ event: 'session-started', session, protocol: protocol.contentId, roles: local });
    const { time, random, receiveTimeoutMs } = this.options;
    const runs = local.map((role) =>
      runRole(protocol, role, paced(randomImpl(protocol, role, random), invitation.paceMs, time), this.transport, {
        session,
        time,
        ...(receiveTimeoutMs === undefined ? {} : { receiveTimeoutMs }),
      }),
    );
    const settled = await Promise.allSettled(runs);
    this.transport.endSession(session);
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed !== undefined) {
      const failure = toAuraError(failed.reason);
      this.emit({ event: 'session-failed', session, code: failure.code, message: failure.message });
      throw failure;
    }
    const roles = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    this.emit({ event: 'session-ended', session, roles });
    return { session, roles };
  }

  private control(message: ChannelMessage): void {
    let decoded: ControlMessage;
    try {
      decoded = decodeControl(message.payload);
    } catch (error) {
      const failure = toAuraError(error);
      this.rejected({ code: failure.code, message: failure.message, channel: message.channel, device: message.from });
      return;
    }
    switch (decoded.t) {
      case 'invite':
        this.invite(decoded.invitation, message.from);
        return;
      case 'accept':
      case 'decline':
        this.answer(decoded, message.from);
        return;
      case 'start':
        this.begin(decoded.session, message.from);
        return;
    }
  }

  private invite(invitation: SessionInvitation, from: DeviceId): void {
    const { session } = invitation;
    this.emit({ event: 'session-invited', session, protocol: invitation.protocol, from });
    let reply: Record<string, unknown>;
    try {
      const protocol = this.options.load(invitation.source, invitation.params);
      if (protocol.contentId !== invitation.protocol) {
        throw permanentError('session.protocol-mismatch', `${invitation.source} here is protocol ${protocol.contentId}, the invitation names ${invitation.protocol}`, { context: { session } });
      }
      checkRoles(protocol, invitation.roles);
      this.transport.addSession(session, roleMap(invitation.roles));
      this.invited.set(session, { invitation, protocol, from });
      reply = { t: 'accept', session };
    } catch (error) {
      const failure = toAuraError(error);
      this.emit({ event: 'session-failed', session, code: failure.code, message: failure.message });
      reply = { t: 'decline', session, code: failure.code, reason: failure.message };
    }
    this.options.channel.send(from, SESSION_CONTROL_CHANNEL, encodeCanonical(reply)).catch((error: unknown) => {
      const failure = toAuraError(error);
      this.emit({ event: 'session-failed', session, code: failure.code, message: `could not answer the invitation: ${failure.message}` });
    });
  }

  private answer(answer: Extract<ControlMessage, { t: 'accept' | 'decline' }>, from: DeviceId): void {
    const joining = this.joining.get(answer.session);
    if (joining === undefined || !joining.waiting.has(from)) {
      this.rejected({ code: 'session.unexpected-answer', message: `${from} answered an invitation to session ${answer.session} it did not get`, channel: SESSION_CONTROL_CHANNEL, device: from });
      return;
    }
    if (answer.t === 'decline') {
      joining.reject(permanentError('session.declined', `${from} declined session ${answer.session}: ${answer.code}: ${answer.reason}`, { context: { session: answer.session, device: from, code: answer.code } }));
      return;
    }
    joining.waiting.delete(from);
    if (joining.waiting.size === 0) joining.resolve();
  }

  private begin(session: SessionId, from: DeviceId): void {
    const invited = this.invited.get(session);
    if (invited === undefined || invited.from !== from) {
      this.rejected({ code: 'session.unexpected-start', message: `${from} started session ${session}, to which it did not invite this device`, channel: SESSION_CONTROL_CHANNEL, device: from });
      return;
    }
    this.invited.delete(session);
    // Failures are reported as events by run; nobody else awaits an invited session.
    this.run(invited.invitation, invited.protocol).catch(() => undefined);
  }

  private rejected(rejection: ChannelRejection): void {
    this.emit({ event: 'frame-rejected', ...rejection });
  }

  private emit(event: SessionEvent): void {
    this.options.events?.(event);
  }
}

type ControlMessage =
  | { readonly t: 'invite'; readonly invitation: SessionInvitation }
  | { readonly t: 'accept'; readonly session: SessionId }
  | { readonly t: 'decline'; readonly session: SessionId; readonly code: string; readonly reason: string }
  | { readonly t: 'start'; readonly session: SessionId };

/** Decodes one control message strictly. Errors: `cbor.*`, `session.bad-control`. */
function decodeControl(bytes: Uint8Array): ControlMessage {
  const value = decodeCanonical(bytes);
  if (!isCanonicalMap(value)) throw badControl('a control message is a map');
  const session = parseIdentifier('session', text(value.session, 'session'));
  switch (value.t) {
    case 'accept':
    case 'start':
      return { t: value.t, session };
    case 'decline':
      return { t: 'decline', session, code: text(value.code, 'code'), reason: text(value.reason, 'reason') };
    case 'invite': {
      const paceMs = value.paceMs;
      if (typeof paceMs !== 'number' || !Number.isSafeInteger(paceMs) || paceMs < 0) throw badControl('paceMs must be a whole number of ms');
      const invitation: SessionInvitation = {
        session,
        source: text(value.source, 'source'),
        params: record(value.params, 'params', (v) => {
          if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw badControl('params are whole numbers');
          return v;
        }),
        protocol: text(value.protocol, 'protocol'),
        roles: record(value.roles, 'roles', (v) => parseIdentifier('device', text(v, 'a role device'))),
        paceMs,
      };
      return { t: 'invite', invitation };
    }
    default:
      throw badControl(`unknown control message ${JSON.stringify(value.t)}`);
  }
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw badControl(`${field} must be text`);
  return value;
}

function record<T>(value: unknown, field: string, item: (v: unknown) => T): Record<string, T> {
  if (!isCanonicalMap(value)) throw badControl(`${field} must be a map`);
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, item(v)]));
}

function badControl(message: string): AuraError {
  return permanentError('session.bad-control', `bad session control message: ${message}`);
}

/** Every role of `protocol` has a device, and no other role is named. Error: `session.bad-roles`. */
function checkRoles(protocol: ProjectedProtocol, roles: Readonly<Record<RoleName, DeviceId>>): void {
  const named = Object.keys(roles).sort();
  const expected = [...protocol.roles].sort();
  if (named.join('\n') !== expected.join('\n')) {
    throw permanentError('session.bad-roles', `${protocol.name} has roles ${expected.join(', ')}; the session names ${named.join(', ') || 'none'}`, { context: { protocol: protocol.name } });
  }
}

function roleMap(roles: Readonly<Record<RoleName, DeviceId>>): Map<RoleName, DeviceId> {
  return new Map(Object.entries(roles));
}

/** `impl` with every send waiting `paceMs` before it makes its payload. */
function paced(impl: RoleImpl, paceMs: number, time: PhysicalTimeEffects): RoleImpl {
  if (paceMs === 0 || impl.send === undefined) return impl;
  const send = Object.fromEntries(
    Object.entries(impl.send).map(([label, make]) => [label, async (to: RoleName) => {
      await time.sleep(paceMs);
      return make(to);
    }]),
  );
  return { ...impl, send };
}
