/**
 * The choreography transport over libp2p: opaque payloads (the runtime's canonical envelopes) on
 * named logical channels (sessions), between authenticated devices, over the `/aura/choreo/1`
 * protocol (frames in `frame.ts`).
 *
 * Guarantees, per ordered pair of devices: FIFO across all channels; exactly-once delivery
 * across dropped connections (`link.ts`: sequence numbers, acknowledgements, a resend buffer);
 * back-pressure (a `send` waits while the pair has too many unacknowledged bytes or frames, and
 * writes wait for the stream to drain); a frame size limit; and a liveness timeout after which
 * the peer is reported gone, its streams closed and its unacknowledged messages dropped.
 *
 * Streams are one-way for data: each device writes its DATA on a stream it dialled to the other
 * (starting with HELLO), and reads only WELCOME/ACK/PONG back on it. A device never has to decide
 * which of two simultaneously opened streams wins, and the sender alone redials.
 *
 * Bad input (oversized, truncated or malformed frames, a spoofed sender, frames out of place, a
 * stream that never says HELLO, a peer that stops reading) closes only the offending stream, with
 * a log entry naming the error code and why; other peers are never blocked by it.
 *
 * @module
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import type { Libp2p } from 'libp2p';
import { bytesEqual, concat } from '../../core/bytes.ts';
import type { PhysicalTimeEffects, RandomEffects } from '../../core/effects.ts';
import { permanentError, toAuraError, transientError, type AuraError } from '../../core/errors.ts';
import type { DeviceId } from '../../core/identifiers.ts';
import { channelBytes, CHOREO_PROTOCOL, decodeFrameBody, DEFAULT_MAX_FRAME_BYTES, encodeFrame, LENGTH_PREFIX_BYTES, NONCE_BYTES, type Frame } from './frame.ts';
import { FrameReader } from './frame-reader.ts';
import { InboundLink, OutboundLink } from './link.ts';
import type { PeerDirectory } from './peer-directory.ts';
import { BoundedMap } from '../../core/bounded-memo.ts';

/** A payload received from an authenticated device. */
export interface ChoreoMessage {
  /** The sending device, checked against the authenticated peer. */
  readonly from: DeviceId;
  /** The logical channel (session) it was sent on. */
  readonly channel: string;
  /** The payload as sent. */
  readonly payload: Uint8Array;
}

/** A peer not heard from within the liveness timeout. */
export interface PeerGone {
  /** The device. */
  readonly device: DeviceId;
  /** Why it is considered gone. */
  readonly reason: string;
  /** Messages to it that were never acknowledged and are now dropped. */
  readonly undelivered: number;
}

/** A line of the transport's log: a stream closed, a peer gone, a dial or listener failure. */
export interface NetworkLogEntry {
  /** What happened. */
  readonly event: 'stream-closed' | 'peer-gone' | 'dial-failed' | 'listener-failed';
  /** The error code that explains it, e.g. `network.frame-oversized`. */
  readonly code: string;
  /** Why, for people. */
  readonly message: string;
  /** The remote libp2p peer, when known. */
  readonly peer?: string;
  /** The remote device, when known. */
  readonly device?: DeviceId;
}

/** Counters of a transport since it started, for diagnosis and tests. */
export interface TransportStatistics {
  /** Messages delivered to listeners. */
  delivered: number;
  /** Resent DATA frames that had been delivered already and were dropped. */
  duplicates: number;
  /** Outbound streams that completed HELLO/WELCOME (the first connection and every reconnection). */
  connections: number;
  /** Streams closed for bad input or misbehaviour. */
  rejectedStreams: number;
}

/** The limits of a transport; every one has a default. */
export interface TransportLimits {
  /** Largest frame body sent or accepted, in bytes. */
  readonly maxFrameBytes: number;
  /** A peer not heard from for this long is reported gone. */
  readonly livenessTimeoutMs: number;
  /** An inbound stream must say HELLO within this time. */
  readonly helloTimeoutMs: number;
  /** At most this many unacknowledged messages per peer before `send` waits. */
  readonly maxUnackedFrames: number;
  /** At most this many unacknowledged bytes per peer before `send` waits. */
  readonly maxUnackedBytes: number;
  /** Frames written together in one stream write, up to about this many bytes. */
  readonly writeBatchBytes: number;
}

/** The defaults of {@link TransportLimits}. */
export const DEFAULT_LIMITS: TransportLimits = {
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  livenessTimeoutMs: 10_000,
  helloTimeoutMs: 5_000,
  maxUnackedFrames: 4096,
  maxUnackedBytes: 8 << 20,
  writeBatchBytes: 64 << 10,
};

/** What a transport needs. */
export interface ChoreoTransportOptions {
  /** A started libp2p node whose key is the local device's. */
  readonly node: Libp2p;
  /** The local device. */
  readonly device: DeviceId;
  /** Devices to peers, and the sender check. */
  readonly directory: PeerDirectory;
  /** The clock for liveness. */
  readonly time: PhysicalTimeEffects;
  /** Randomness for link ids and the incarnation. */
  readonly random: RandomEffects;
  /** Limits overriding {@link DEFAULT_LIMITS}. */
  readonly limits?: Partial<TransportLimits>;
  /** Where log entries go; default one line each on stderr ({@link formatLogEntry}). */
  readonly log?: (entry: NetworkLogEntry) => void;
}

/** One line of text for a log entry. */
export function formatLogEntry(entry: NetworkLogEntry): string {
  const who = [entry.device, entry.peer === undefined ? undefined : `peer ${entry.peer}`].filter((part) => part !== undefined).join(', ');
  return `aura network: ${entry.event} [${entry.code}] ${entry.message}${who === '' ? '' : ` (${who})`}`;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: AuraError) => void;
}

/** Everything the transport knows about one remote device. */
interface PeerState {
  readonly device: DeviceId;
  readonly outbound: OutboundLink;
  /** Our stream to it, once dialled. */
  stream: Stream | undefined;
  /** True once the stream's WELCOME arrived. */
  welcomed: boolean;
  connecting: boolean;
  draining: boolean;
  /** Consecutive failed dials, for backoff. */
  retries: number;
  /** Its stream to us, once it said HELLO. */
  inboundStream: Stream | undefined;
  /** Sends waiting for window space queue here, so that they are admitted in call order. */
  tail: Promise<void>;
  /** How many sends wait in {@link tail}; a send may skip the queue only when none do. */
  queued: number;
  /** A write of newly enqueued frames is scheduled for the end of this event-loop turn. */
  pumpScheduled: boolean;
  windowWaiters: Waiter[];
  /** When a frame from it last arrived (ms on our clock). */
  lastHeard: number;
  /** Set when it is declared gone: the state is then discarded. */
  gone: boolean;
}

/** An inbound stream that has not said HELLO yet. */
interface Unbound {
  readonly stream: Stream;
  readonly remote: PeerId;
  readonly openedAt: number;
}

const MAX_TICK_MS = 500;
const MAX_BACKOFF_MS = 1000;
const MAX_INBOUND_STREAMS = 4;
const ACK_EVERY_FRAMES = 64;
const ACK_DELAY_MS = 5;
const CHANNEL_CACHE_LIMIT = 1024;

/** The `/aura/choreo/1` transport of one device. */
export class ChoreoTransport {
  private readonly node: Libp2p;
  private readonly limits: TransportLimits;
  private readonly peers = new Map<DeviceId, PeerState>();
  /** What each sender's link has delivered; kept when a peer is declared gone, so a return resumes. */
  private readonly inbound = new Map<DeviceId, InboundLink>();
  private readonly unbound = new Set<Unbound>();
  private readonly messageListeners = new Set<(message: ChoreoMessage) => void>();
  private readonly goneListeners = new Set<(gone: PeerGone) => void>();
  private readonly incarnation: Uint8Array;
  private readonly channelCache = new BoundedMap<string, Uint8Array>(CHANNEL_CACHE_LIMIT);
  private readonly log: (entry: NetworkLogEntry) => void;
  private started = false;
  private stopped = false;
  /** Counters since start. */
  readonly statistics: TransportStatistics = { delivered: 0, duplicates: 0, connections: 0, rejectedStreams: 0 };

  constructor(private readonly options: ChoreoTransportOptions) {
    this.node = options.node;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.incarnation = options.random.randomBytes(NONCE_BYTES);
    this.log = options.log ?? ((entry) => void process.stderr.write(formatLogEntry(entry) + '\n'));
  }

  /** The local device. */
  get device(): DeviceId {
    return this.options.device;
  }

  /** The limits in force. */
  get activeLimits(): TransportLimits {
    return this.limits;
  }

  /** Registers the protocol handler and starts the liveness clock. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.node.handle(CHOREO_PROTOCOL, (stream, connection) => { this.acceptStream(stream, connection); }, { maxInboundStreams: MAX_INBOUND_STREAMS });
    void this.tickLoop();
  }

  /** Unregisters the protocol, closes every stream, and fails every waiting send. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.node.unhandle(CHOREO_PROTOCOL);
    const stopped = transientError('network.stopped', 'the transport was stopped');
    for (const state of this.peers.values()) {
      for (const stream of [state.stream, state.inboundStream]) stream?.abort(stopped);
      this.failWaiters(state, stopped);
    }
    for (const { stream } of this.unbound) stream.abort(stopped);
    this.peers.clear();
    this.unbound.clear();
  }

  /** Calls `listener` with every message received, in arrival order; returns an unsubscribe. */
  onMessage(listener: (message: ChoreoMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** Calls `listener` when a peer is declared gone; returns an unsubscribe. */
  onPeerGone(listener: (gone: PeerGone) => void): () => void {
    this.goneListeners.add(listener);
    return () => this.goneListeners.delete(listener);
  }

  /**
   * Queues `payload` for `to` on `channel`. Resolves once the message is in the pair's ordered
   * resend buffer (it will be delivered once, in order, unless the peer is declared gone); waits
   * first while the pair's window of unacknowledged messages is full. Errors:
   * `network.unknown-device`, `network.self-send`, `network.bad-channel`, `network.frame-too-large`
   * (permanent); `network.peer-gone`, `network.stopped` (transient).
   */
  async send(to: DeviceId, channel: string, payload: Uint8Array): Promise<void> {
    // Everything up to the queueing is synchronous, so the call order is the admission order.
    if (this.stopped) throw transientError('network.stopped', 'the transport was stopped');
    if (to === this.device) throw permanentError('network.self-send', `device ${to} cannot send to itself over the network`);
    if (this.options.directory.device(to) === undefined) throw permanentError('network.unknown-device', `no network address is known for device ${to}`, { context: { device: to } });
    const encodedChannel = this.channelBytes(channel);
    const size = OutboundLink.frameBytes(encodedChannel, payload) - LENGTH_PREFIX_BYTES;
    if (size > this.limits.maxFrameBytes) {
      throw permanentError('network.frame-too-large', `a ${size}-byte frame exceeds the limit of ${this.limits.maxFrameBytes} bytes`, { context: { size, limit: this.limits.maxFrameBytes } });
    }
    const state = this.peerState(to);
    if (state.queued === 0 && !this.windowFull(state)) {
      this.enqueue(state, encodedChannel, payload);
      return;
    }
    state.queued++;
    const turn = state.tail.then(() => this.admit(state, encodedChannel, payload)).finally(() => state.queued--);
    state.tail = turn.catch(() => undefined);
    return turn;
  }

  /**
   * The UTF-8 bytes of a channel name, remembered: a session sends every message on the same
   * channel. Bounded by forgetting them all when full (they are only encoded again).
   */
  private channelBytes(channel: string): Uint8Array {
    let bytes = this.channelCache.get(channel);
    if (bytes === undefined) {
      bytes = channelBytes(channel);
      this.channelCache.set(channel, bytes);
    }
    return bytes;
  }

  /** Messages to `to` not yet acknowledged. */
  unacknowledged(to: DeviceId): number {
    return this.peers.get(to)?.outbound.unacknowledged ?? 0;
  }

  private async admit(state: PeerState, channel: Uint8Array, payload: Uint8Array): Promise<void> {
    while (this.windowFull(state)) {
      if (this.abandoned(state)) throw transientError('network.peer-gone', `device ${state.device} is gone`, { context: { device: state.device } });
      await new Promise<void>((resolve, reject) => state.windowWaiters.push({ resolve, reject }));
    }
    if (this.abandoned(state)) throw transientError('network.peer-gone', `device ${state.device} is gone`, { context: { device: state.device } });
    this.enqueue(state, channel, payload);
  }

  /**
   * Numbers and buffers a message and writes it: a burst of sends in one turn of the event loop
   * becomes a few large writes instead of one per message.
   */
  private enqueue(state: PeerState, channel: Uint8Array, payload: Uint8Array): void {
    state.outbound.enqueue(channel, payload);
    if (!state.pumpScheduled) {
      // The first message of a turn leaves at once (latency); the rest of the turn's burst
      // leaves together when the turn ends (throughput).
      this.pump(state);
      state.pumpScheduled = true;
      setImmediate(() => {
        state.pumpScheduled = false;
        this.pump(state);
      });
    }
    if (state.stream === undefined) void this.connect(state);
  }

  private windowFull(state: PeerState): boolean {
    return state.outbound.unacknowledged >= this.limits.maxUnackedFrames || state.outbound.unacknowledgedBytes >= this.limits.maxUnackedBytes;
  }

  private peerState(device: DeviceId): PeerState {
    let state = this.peers.get(device);
    if (state === undefined) {
      state = {
        device,
        outbound: new OutboundLink(this.options.random.randomBytes(NONCE_BYTES)),
        stream: undefined,
        welcomed: false,
        connecting: false,
        draining: false,
        retries: 0,
        inboundStream: undefined,
        tail: Promise.resolve(),
        queued: 0,
        pumpScheduled: false,
        windowWaiters: [],
        lastHeard: this.now(),
        gone: false,
      };
      this.peers.set(device, state);
    }
    return state;
  }

  // --- outbound: dial, HELLO, write, read WELCOME/ACK/PONG ---

  private async connect(state: PeerState): Promise<void> {
    if (state.connecting || state.stream !== undefined || state.gone || this.stopped) return;
    state.connecting = true;
    const entry = this.options.directory.device(state.device);
    try {
      if (entry === undefined) throw permanentError('network.unknown-device', `no network address is known for device ${state.device}`);
      if (entry.addresses.length > 0) await this.node.peerStore.merge(entry.peer, { multiaddrs: [...entry.addresses] });
      const stream = await this.node.dialProtocol(entry.peer, CHOREO_PROTOCOL, { signal: AbortSignal.timeout(this.limits.livenessTimeoutMs) });
      if (this.abandoned(state)) {
        state.connecting = false;
        stream.abort(transientError('network.stopped', 'the peer was declared gone while dialling'));
        return;
      }
      state.connecting = false;
      this.attachOutbound(state, stream, entry.peer);
    } catch (error) {
      state.connecting = false;
      // libp2p may reject with the stream's close Event rather than an Error.
      const failure = error instanceof Event ? transientError('network.dial-failed', `the stream closed while opening (${error.type})`) : toAuraError(error, 'network.dial-failed');
      this.log({ event: 'dial-failed', code: failure.code, message: failure.message, device: state.device, ...(entry === undefined ? {} : { peer: entry.peer.toString() }) });
      this.scheduleReconnect(state);
    }
  }

  private attachOutbound(state: PeerState, stream: Stream, remote: PeerId): void {
    // A stream can close between negotiation and here; its 'close' event has then passed already.
    if (stream.status !== 'open') throw transientError('network.dial-failed', `the stream closed while opening (${stream.status})`);
    state.stream = stream;
    state.welcomed = false;
    stream.maxWriteBufferLength = this.limits.maxFrameBytes + 2 * this.limits.writeBatchBytes;
    stream.addEventListener('close', () => {
      this.outboundClosed(state, stream);
    });
    this.readFrames(stream, remote, state.device, (frame) => {
      this.heard(state);
      this.onOutboundFrame(state, frame);
    });
    try {
      stream.send(encodeFrame({ type: 'hello', link: state.outbound.link, device: this.device }));
    } catch (error) {
      state.stream = undefined;
      throw error;
    }
  }

  /** Our stream to the peer is gone: everything unacknowledged is rewritten on the next one. */
  private outboundClosed(state: PeerState, stream: Stream): void {
    if (state.stream !== stream) return;
    state.stream = undefined;
    state.welcomed = false;
    state.outbound.disconnected();
    this.scheduleReconnect(state);
  }

  private onOutboundFrame(state: PeerState, frame: Frame): void {
    if (frame.type === 'welcome' && !state.welcomed) {
      state.outbound.welcomed(frame.incarnation, frame.delivered);
      state.welcomed = true;
      state.retries = 0;
      this.statistics.connections++;
      this.wakeWaiters(state);
      this.pump(state);
    } else if (frame.type === 'ack' && state.welcomed) {
      if (state.outbound.acknowledge(frame.seq) > 0) this.wakeWaiters(state);
    } else if (frame.type !== 'pong') {
      throw unexpected(frame, state.welcomed ? 'ACK or PONG' : 'WELCOME');
    }
  }

  /** Writes every unwritten frame, batched, as long as the stream takes them without buffering. */
  private pump(state: PeerState): void {
    const stream = state.stream;
    if (stream === undefined || !state.welcomed || state.draining) return;
    while (state.outbound.hasUnwritten) {
      if (stream.writableNeedsDrain) {
        state.draining = true;
        drained(stream).then(
          () => {
            state.draining = false;
            this.pump(state);
          },
          () => {
            // The stream closed while full; its close handler reconnects and rewrites.
            state.draining = false;
          },
        );
        return;
      }
      const frames = state.outbound.takeUnwritten(this.limits.writeBatchBytes);
      if (!this.write(stream, frames.length === 1 ? frames[0]! : concat(...frames), state.device)) return; // takeUnwritten returns at least one frame here
    }
  }

  private scheduleReconnect(state: PeerState): void {
    if (state.gone || this.stopped || state.connecting) return;
    const delay = Math.min(MAX_BACKOFF_MS, 25 * 2 ** state.retries);
    state.retries++;
    void this.options.time.sleep(delay).then(() => this.connect(state));
  }

  // --- inbound: HELLO check, WELCOME, DATA delivery, ACK/PONG ---

  private acceptStream(stream: Stream, connection: Connection): void {
    if (this.stopped) {
      stream.abort(transientError('network.stopped', 'the transport was stopped'));
      return;
    }
    const remote = connection.remotePeer;
    const pending: Unbound = { stream, remote, openedAt: this.now() };
    this.unbound.add(pending);
    stream.maxWriteBufferLength = this.limits.writeBatchBytes;
    stream.addEventListener('close', () => this.unbound.delete(pending));
    let state: PeerState | undefined;
    let link: InboundLink | undefined;
    // Delayed cumulative ACKs (as TCP's, RFC 9293 §3.8.6.3): one per ACK_EVERY_FRAMES frames or
    // ACK_DELAY_MS, off the round-trip path; postponed while the peer is not reading its side.
    let acked = 0;
    let ackTimer: NodeJS.Timeout | undefined;
    const acknowledge = (): void => {
      ackTimer = undefined;
      if (state === undefined || link === undefined || link.deliveredSeq === acked || stream.status !== 'open') return;
      if (stream.writableNeedsDrain) {
        ackTimer = setTimeout(acknowledge, ACK_DELAY_MS);
        return;
      }
      acked = link.deliveredSeq;
      this.write(stream, encodeFrame({ type: 'ack', seq: acked }), state.device);
    };
    stream.addEventListener('close', () => {
      clearTimeout(ackTimer);
    });
    this.readFrames(
      stream,
      remote,
      undefined,
      (frame) => {
        if (state === undefined || link === undefined) {
          if (frame.type !== 'hello') throw unexpected(frame, 'HELLO');
          const device = this.options.directory.authenticate(frame.device, remote);
          this.unbound.delete(pending);
          ({ state, link } = this.bindInbound(device, frame.link, stream));
          return;
        }
        this.heard(state);
        if (frame.type === 'data') {
          if (link.arrive(frame.seq) === 'deliver') this.deliver({ from: state.device, channel: frame.channel, payload: frame.payload });
          else this.statistics.duplicates++;
        } else if (frame.type === 'ping') {
          this.writeControl(stream, encodeFrame({ type: 'pong' }), state.device);
        } else {
          throw unexpected(frame, 'DATA or PING');
        }
      },
      () => {
        if (link === undefined || link.deliveredSeq === acked) return;
        if (link.deliveredSeq - acked >= ACK_EVERY_FRAMES) acknowledge();
        else ackTimer ??= setTimeout(acknowledge, ACK_DELAY_MS);
      },
    );
  }

  private bindInbound(device: DeviceId, linkId: Uint8Array, stream: Stream): { state: PeerState; link: InboundLink } {
    const state = this.peerState(device);
    const previous = state.inboundStream;
    state.inboundStream = stream;
    stream.addEventListener('close', () => {
      if (state.inboundStream === stream) state.inboundStream = undefined;
    });
    if (previous !== undefined && previous !== stream) previous.abort(transientError('network.stream-superseded', 'the peer opened a new stream'));
    let link = this.inbound.get(device);
    if (link === undefined || !bytesEqual(link.link, linkId)) {
      link = new InboundLink(linkId);
      this.inbound.set(device, link);
    }
    this.heard(state);
    this.write(stream, encodeFrame({ type: 'welcome', incarnation: this.incarnation, delivered: link.deliveredSeq }), device);
    return { state, link };
  }

  private deliver(message: ChoreoMessage): void {
    this.statistics.delivered++;
    for (const listener of this.messageListeners) {
      try {
        listener(message);
      } catch (error) {
        const failure = toAuraError(error);
        this.log({ event: 'listener-failed', code: failure.code, message: `a message listener threw on channel ${message.channel}: ${failure.message}`, device: message.from });
      }
    }
  }

  // --- both directions: framing, errors, liveness ---

  /**
   * Feeds the stream's bytes through a {@link FrameReader} into `onFrame`, then `afterChunk`.
   * Any error closes this stream, logged with its code; nothing propagates to the node.
   */
  private readFrames(stream: Stream, remote: PeerId, device: DeviceId | undefined, onFrame: (frame: Frame) => void, afterChunk?: () => void): void {
    const reader = new FrameReader(this.limits.maxFrameBytes);
    stream.addEventListener('message', (event) => {
      if (stream.status !== 'open') return;
      try {
        for (const body of reader.push(event.data.subarray())) onFrame(decodeFrameBody(body));
        afterChunk?.();
      } catch (error) {
        this.closeStream(stream, remote, device, toAuraError(error, 'network.stream-failed'));
      }
    });
    stream.addEventListener('remoteCloseWrite', () => {
      try {
        reader.finish();
      } catch (error) {
        this.closeStream(stream, remote, device, toAuraError(error));
        return;
      }
      void stream.close().catch(() => undefined);
    });
  }

  private closeStream(stream: Stream, remote: PeerId, device: DeviceId | undefined, error: AuraError): void {
    this.statistics.rejectedStreams++;
    this.log({ event: 'stream-closed', code: error.code, message: error.message, peer: remote.toString(), ...(device === undefined ? {} : { device }) });
    stream.abort(error);
  }

  /** Writes bytes that must not be lost on this connection; false (and the stream closed) on failure. */
  private write(stream: Stream, bytes: Uint8Array, device: DeviceId): boolean {
    try {
      stream.send(bytes);
      return true;
    } catch (error) {
      const failure = toAuraError(error, 'network.write-failed');
      this.log({ event: 'stream-closed', code: failure.code, message: `write failed: ${failure.message}`, device });
      stream.abort(failure);
      return false;
    }
  }

  /** Writes an ACK or PONG unless the peer is not reading (a later cumulative one replaces it). */
  private writeControl(stream: Stream, bytes: Uint8Array, device: DeviceId): void {
    if (stream.status === 'open' && !stream.writableNeedsDrain) this.write(stream, bytes, device);
  }

  private heard(state: PeerState): void {
    state.lastHeard = this.now();
  }

  private async tickLoop(): Promise<void> {
    const interval = Math.max(1, Math.min(MAX_TICK_MS, Math.floor(this.limits.livenessTimeoutMs / 4)));
    for (;;) {
      await this.options.time.sleep(interval);
      if (this.stopped) return;
      this.tick();
    }
  }

  private tick(): void {
    const now = this.now();
    for (const state of [...this.peers.values()]) {
      const silent = now - state.lastHeard;
      // A stream closed without our seeing its 'close' event must not block reconnection forever.
      if (state.stream !== undefined && state.stream.status !== 'open') this.outboundClosed(state, state.stream);
      if (silent > this.limits.livenessTimeoutMs) {
        this.declareGone(state, `no frame from it for ${silent} ms (liveness timeout ${this.limits.livenessTimeoutMs} ms)`);
      } else if (state.stream !== undefined && state.welcomed) {
        this.writeControl(state.stream, encodeFrame({ type: 'ping' }), state.device);
      }
    }
    for (const pending of [...this.unbound]) {
      if (now - pending.openedAt > this.limits.helloTimeoutMs) {
        this.unbound.delete(pending);
        this.closeStream(pending.stream, pending.remote, undefined, transientError('network.hello-timeout', `no HELLO within ${this.limits.helloTimeoutMs} ms of opening the stream`));
      }
    }
  }

  private declareGone(state: PeerState, reason: string): void {
    state.gone = true;
    this.peers.delete(state.device);
    const error = transientError('network.peer-gone', `device ${state.device} is gone: ${reason}`, { context: { device: state.device } });
    this.log({ event: 'peer-gone', code: error.code, message: error.message, device: state.device });
    for (const stream of [state.stream, state.inboundStream]) stream?.abort(error);
    this.failWaiters(state, error);
    const gone: PeerGone = { device: state.device, reason, undelivered: state.outbound.unacknowledged };
    for (const listener of this.goneListeners) listener(gone);
  }

  private wakeWaiters(state: PeerState): void {
    // Only the head waiter runs: sends are admitted one at a time, in order, from `tail`.
    if (!this.windowFull(state)) state.windowWaiters.shift()?.resolve();
  }

  private failWaiters(state: PeerState, error: AuraError): void {
    for (const waiter of state.windowWaiters.splice(0)) waiter.reject(error);
  }

  /** True once the peer was declared gone or the transport stopped (both can change across awaits). */
  private abandoned(state: PeerState): boolean {
    return state.gone || this.stopped;
  }

  private now(): number {
    return this.options.time.now().ms;
  }
}

/**
 * Resolves on the stream's next 'drain' event, rejects if it closes first. Not `stream.onDrain()`:
 * in @libp2p/utils 7.x its promise is never reset after the first drain, so later calls resolve
 * at once while the stream is still full, and a writer waiting on it spins.
 */
function drained(stream: Stream): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      stream.removeEventListener('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      stream.removeEventListener('drain', onDrain);
      reject(transientError('network.stream-closed', 'the stream closed while waiting to drain'));
    };
    stream.addEventListener('drain', onDrain, { once: true });
    stream.addEventListener('close', onClose, { once: true });
  });
}

function unexpected(frame: Frame, expected: string): AuraError {
  return permanentError('network.unexpected-frame', `expected ${expected}, got a ${frame.type.toUpperCase()} frame`);
}
