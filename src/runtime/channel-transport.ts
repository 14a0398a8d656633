/**
 * The runtime's {@link Transport} over an authenticated *device channel*: anything that carries
 * bytes between devices on named channels, in order per ordered pair of devices, and says which
 * device each message came from (the libp2p `ChoreoTransport` of `src/handlers/network/` is one;
 * it satisfies {@link DeviceChannel} as it is). Each session is one channel, named by the session
 * id's text; every frame is encoded with {@link encodeFrame} and decoded with {@link decodeFrame}.
 *
 * Channels whose names are not session ids (e.g. the session host's control channel) are left to
 * other listeners of the same device channel.
 *
 * A session is registered with the devices that play its roles ({@link ChannelTransport.addSession})
 * before its roles open. On arrival a frame is checked against that map:
 *
 * - a channel naming no registered session: dropped and logged (`session.unknown`), nothing else
 *   is disturbed (frames of a session that ended here are dropped quietly);
 * - bytes from a device that plays no role in the session: dropped and logged (`session.outsider`),
 *   so an outsider cannot disturb a session;
 * - from a participant: bytes that do not decode, or a frame whose sender role is not played by
 *   the authenticated device (`session.sender-spoofed`), or addressed to a role not played here
 *   (`session.wrong-device`), fail the session's local roles: the runtime aborts that session only.
 *
 * When the channel reports a device gone, every session in which it plays a role fails with
 * `session.peer-gone` (transient) naming the device, its roles and the channel's reason.
 *
 * Source: issue 8 (items 1, 2) and `docs/runtime.md` ("Transports").
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import { permanentError, toAuraError, transientError, type AuraError } from '../core/errors.ts';
import type { DeviceId, SessionId } from '../core/identifiers.ts';
import { decodeFrame, encodeFrame, type FrameLimits } from './envelope-codec.ts';
import type { Frame } from './frame.ts';
import type { Port, Receiver, Transport } from './transport.ts';

/** Channels whose name starts with this carry sessions; the others belong to other services. */
export const SESSION_CHANNEL_PREFIX = 'session-';

/** A message received on a {@link DeviceChannel}. */
export interface ChannelMessage {
  /** The sending device, already authenticated by the channel. */
  readonly from: DeviceId;
  /** The channel it was sent on. */
  readonly channel: string;
  /** The bytes as sent. */
  readonly payload: Uint8Array;
}

/** Bytes between devices on named channels, FIFO per ordered pair of devices, senders authenticated. */
export interface DeviceChannel {
  /** The local device. */
  readonly device: DeviceId;
  /** Queues `payload` for `to` on `channel`; rejects with an `AuraError`. */
  send(to: DeviceId, channel: string, payload: Uint8Array): Promise<void>;
  /** Calls `listener` with every message received; returns an unsubscribe. */
  onMessage(listener: (message: ChannelMessage) => void): () => void;
  /** Calls `listener` when a device is considered gone; returns an unsubscribe. */
  onPeerGone(listener: (gone: { readonly device: DeviceId; readonly reason: string }) => void): () => void;
}

/** A frame the transport refused, for the log. */
export interface ChannelRejection {
  /** Why: `session.unknown`, `session.outsider`, `session.sender-spoofed`, a `cbor.*` or `envelope.*` code… */
  readonly code: string;
  /** For people. */
  readonly message: string;
  /** The channel (session text) it came on. */
  readonly channel: string;
  /** The device it came from. */
  readonly device: DeviceId;
}

/** Options of a {@link ChannelTransport}. */
export interface ChannelTransportOptions extends FrameLimits {
  /** Where refused frames are reported (default: nowhere). */
  readonly log?: (rejection: ChannelRejection) => void;
  /** How many ended sessions are remembered, so their late frames are dropped quietly (default 1024). */
  readonly rememberEnded?: number;
}

interface LocalRole {
  receiver: Receiver | null;
  held: Frame[];
  closed: boolean;
}

interface SessionState {
  readonly id: SessionId;
  readonly roles: ReadonlyMap<RoleName, DeviceId>;
  readonly local: Map<RoleName, LocalRole>;
  failure: AuraError | null;
}

/** Sessions multiplexed over one {@link DeviceChannel}, one channel per session. */
export class ChannelTransport implements Transport {
  private readonly sessions = new Map<string, SessionState>();
  private readonly ended = new Set<string>();
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly channel: DeviceChannel,
    private readonly options: ChannelTransportOptions = {},
  ) {
    this.unsubscribe = [
      channel.onMessage((message) => {
        this.arrive(message);
      }),
      channel.onPeerGone(({ device, reason }) => {
        this.peerGone(device, reason);
      }),
    ];
  }

  /**
   * Registers `session` with the device of each of its roles; this device must play at least one.
   * Errors: `session.already-registered`, `session.not-a-participant` (permanent).
   */
  addSession(session: SessionId, roles: ReadonlyMap<RoleName, DeviceId>): void {
    if (this.sessions.has(session) || this.ended.has(session)) throw permanentError('session.already-registered', `session ${session} is already registered here`, { context: { session } });
    const local = new Map<RoleName, LocalRole>();
    for (const [role, device] of roles) if (device === this.channel.device) local.set(role, { receiver: null, held: [], closed: false });
    if (local.size === 0) throw permanentError('session.not-a-participant', `device ${this.channel.device} plays no role in session ${session}`, { context: { session } });
    this.sessions.set(session, { id: session, roles: new Map(roles), local, failure: null });
  }

  /** Forgets `session`: later frames for it are dropped quietly. Idempotent. */
  endSession(session: SessionId): void {
    if (!this.sessions.delete(session)) return;
    this.ended.add(session);
    const limit = this.options.rememberEnded ?? 1024;
    for (const old of this.ended) {
      if (this.ended.size <= limit) break;
      this.ended.delete(old);
    }
  }

  /** Sessions registered and not ended. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Stops listening to the channel. */
  close(): void {
    for (const stop of this.unsubscribe) stop();
  }

  open(session: SessionId, role: RoleName, receiver: Receiver): Port {
    const state = this.sessions.get(session);
    const mine = state?.local.get(role);
    if (state === undefined || mine === undefined) throw permanentError('session.not-local', `role ${role} of session ${session} is not played on device ${this.channel.device}`, { context: { session, role } });
    if (mine.receiver !== null || mine.closed) throw permanentError('transport.already-open', `role ${role} already opened session ${session}`, { context: { session, role } });
    mine.receiver = receiver;
    for (const frame of mine.held.splice(0)) receiver.deliver(frame);
    if (state.failure !== null) receiver.fail(state.failure);
    return {
      send: (frame) => this.send(state, frame),
      close: () => {
        mine.receiver = null;
        mine.closed = true;
        mine.held = [];
      },
    };
  }

  private send(state: SessionState, frame: Frame): Promise<void> | undefined {
    const device = state.roles.get(frame.to);
    if (device === undefined) throw permanentError('session.unknown-role', `session ${state.id} has no role ${frame.to}`, { context: { session: state.id, role: frame.to } });
    if (device === this.channel.device) {
      const target = state.local.get(frame.to);
      if (target !== undefined) deliverTo(target, frame);
      return undefined;
    }
    return this.channel.send(device, state.id, encodeFrame(frame, this.options));
  }

  private arrive(message: ChannelMessage): void {
    if (!message.channel.startsWith(SESSION_CHANNEL_PREFIX)) return; // another service's channel
    const state = this.sessions.get(message.channel);
    if (state === undefined) {
      if (!this.ended.has(message.channel)) this.reject(message, 'session.unknown', `no session ${message.channel} here`);
      return;
    }
    const played = [...state.roles].filter(([, device]) => device === message.from).map(([role]) => role);
    if (played.length === 0) {
      this.reject(message, 'session.outsider', `device ${message.from} plays no role in session ${state.id}`);
      return;
    }
    let frame: Frame;
    try {
      frame = decodeFrame(message.payload, this.options);
    } catch (error) {
      const failure = toAuraError(error);
      this.reject(message, failure.code, failure.message);
      this.fail(state, failure);
      return;
    }
    if (!played.includes(frame.from)) {
      const spoofed = permanentError('session.sender-spoofed', `device ${message.from} (${played.join(', ')}) sent a frame claiming to be role ${frame.from} in session ${state.id}`, { context: { session: state.id, device: message.from, claimed: frame.from } });
      this.reject(message, spoofed.code, spoofed.message);
      this.fail(state, spoofed);
      return;
    }
    const target = state.local.get(frame.to);
    if (target === undefined) {
      const misrouted = permanentError('session.wrong-device', `a frame for role ${frame.to} of session ${state.id} reached device ${this.channel.device}, which does not play it`, { context: { session: state.id, role: frame.to } });
      this.reject(message, misrouted.code, misrouted.message);
      this.fail(state, misrouted);
      return;
    }
    deliverTo(target, frame);
  }

  private peerGone(device: DeviceId, reason: string): void {
    for (const state of this.sessions.values()) {
      const roles = [...state.roles].filter(([, d]) => d === device).map(([role]) => role);
      if (roles.length === 0) continue;
      this.fail(state, transientError('session.peer-gone', `device ${device} (role ${roles.join(', ')}) is gone: ${reason}`, { context: { session: state.id, device, roles: roles.join(', ') } }));
    }
  }

  /** Fails every local role of `state`; roles not yet open get the error when they open. */
  private fail(state: SessionState, error: AuraError): void {
    if (state.failure !== null) return;
    state.failure = error;
    for (const role of state.local.values()) role.receiver?.fail(error);
  }

  private reject(message: ChannelMessage, code: string, text: string): void {
    this.options.log?.({ code, message: text, channel: message.channel, device: message.from });
  }
}

function deliverTo(role: LocalRole, frame: Frame): void {
  if (role.receiver !== null) role.receiver.deliver(frame);
  else if (!role.closed) role.held.push(frame);
}
