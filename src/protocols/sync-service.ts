/**
 * The sync service of one device (issue 10 item 5): keeps a replica of a namespace converged with
 * known peers by running anti-entropy sessions (`anti-entropy.ts`) periodically, on demand, and as
 * soon as a peer announces a fact set other than this replica's.
 *
 * Starting a session, on the control channel {@link SYNC_CONTROL_CHANNEL} of the device channel:
 * the opener draws a session id, registers the session (`A` itself, `B` the peer) with its
 * `ChannelTransport`, sends `{ t: "open", session }` (canonical DAG-CBOR), and runs `A`. The peer
 * registers the same session and runs `B`. The device channel is FIFO per pair of devices, so the
 * open notice arrives before the session's first frame; if it is lost, `A` times out and the
 * next round tries again.
 *
 * Announcements, on the topic {@link syncTopic} of a `Broadcast` (gossipsub in a node, a flood in
 * the simulator): `{ namespace, digest }` after local appends ({@link SyncService.announce}) and
 * after every session that added facts. A peer whose announced digest differs from this
 * replica's is synced with at once (and added to the known peers).
 *
 * Membership: with `isMember`, only members take part. A non-member's session is refused through
 * the protocol's `Refuse` branch before any digest or fact moves, its announcements are ignored,
 * it is never added to the peers, and a peer that stops being a member (a removed device) drops
 * out of the rounds. The test is asked each time, so it can follow a changing membership.
 *
 * Effects: time (`PhysicalTimeEffects`: intervals, receive timeouts), randomness (session ids,
 * jitter) and the network (a `DeviceChannel`, a `Broadcast`) only, so it runs unchanged in the
 * simulator.
 *
 * @module
 */
import { bytesEqual } from '../core/bytes.ts';
import { decodeCanonical, encodeCanonical, isCanonicalMap } from '../core/canonical.ts';
import type { PhysicalTimeEffects, RandomEffects } from '../core/effects.ts';
import { isAuraError, permanentError, toAuraError, type AuraError } from '../core/errors.ts';
import { parseIdentifier, randomIdentifier, type DeviceId, type SessionId } from '../core/identifiers.ts';
import type { Announcement, Broadcast } from '../handlers/network/broadcast.ts';
import type { Namespace } from '../journal/namespace.ts';
import { ChannelTransport, type ChannelMessage, type DeviceChannel } from '../runtime/channel-transport.ts';
import { runSyncSession, type SyncReport, type SyncRole } from './anti-entropy.ts';
import { replicaDigest, type SyncReplica } from './sync-replica.ts';

/** The channel carrying session open notices. */
export const SYNC_CONTROL_CHANNEL = 'aura.sync/1';
/** Default time between rounds of periodic sync, in ms. */
export const DEFAULT_SYNC_INTERVAL_MS = 30_000;
/** Default bound on each receive of a session, in ms. */
export const DEFAULT_SYNC_TIMEOUT_MS = 10_000;

/** The broadcast topic of a namespace's announcements. */
export function syncTopic(namespace: Namespace): string {
  return `aura/sync/1/${namespace}`;
}

/** What the service reports, one event at a time. */
export type SyncEvent =
  | { readonly event: 'sync-done'; readonly report: SyncReport }
  | { readonly event: 'sync-failed'; readonly peer: DeviceId; readonly role: SyncRole; readonly code: string; readonly message: string }
  | { readonly event: 'announce-ignored'; readonly from: DeviceId | undefined; readonly code: string; readonly message: string };

/** What a {@link SyncService} needs. */
export interface SyncServiceOptions {
  /** The authenticated device channel (the libp2p `ChoreoTransport`, the simulator's channel). */
  readonly channel: DeviceChannel;
  /** The session transport over `channel`; pass a session host's to share it (default: a new one). */
  readonly transport?: ChannelTransport;
  /** The replica kept converged. */
  readonly replica: SyncReplica;
  /** Time for intervals and timeouts. */
  readonly time: PhysicalTimeEffects;
  /** Randomness for session ids and interval jitter. */
  readonly random: RandomEffects;
  /** Peers known from the start. */
  readonly peers?: Iterable<DeviceId>;
  /** Whether a device may sync with this replica, asked at each use (default: every device). */
  readonly isMember?: (device: DeviceId) => boolean;
  /** Mean time between periodic rounds, in ms, jittered ±25% (default 30 s; 0: no periodic sync). */
  readonly intervalMs?: number;
  /** Bound on each receive of a session, in ms (default 10 s). */
  readonly receiveTimeoutMs?: number;
  /** Announcements: publish digests, learn of peers' new facts (optional). */
  readonly broadcast?: Broadcast;
  /** Where events go. */
  readonly events?: (event: SyncEvent) => void;
}

/** Keeps one replica converged with its peers. */
export class SyncService {
  /** The session transport (shared with a session host, or owned). */
  readonly transport: ChannelTransport;
  private readonly known: Set<DeviceId>;
  private readonly running = new Map<DeviceId, Promise<SyncReport>>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly ownsTransport: boolean;
  private started = false;
  private closed = false;

  constructor(private readonly options: SyncServiceOptions) {
    this.ownsTransport = options.transport === undefined;
    this.transport = options.transport ?? new ChannelTransport(options.channel);
    this.known = new Set(options.peers ?? []);
  }

  /** The peers synced with each round: the known ones that are still members. */
  get peers(): readonly DeviceId[] {
    return [...this.known].filter((peer) => this.isMember(peer));
  }

  /** Adds a peer to the periodic rounds (its own device and non-members are ignored). */
  addPeer(peer: DeviceId): void {
    if (peer !== this.options.channel.device && this.isMember(peer)) this.known.add(peer);
  }

  private isMember(device: DeviceId): boolean {
    return this.options.isMember?.(device) ?? true;
  }

  /** Answers peers' sessions, listens to announcements, and starts the periodic rounds. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    const { channel, broadcast, replica } = this.options;
    this.unsubscribe.push(channel.onMessage((message) => { this.control(message); }));
    if (broadcast !== undefined) {
      this.unsubscribe.push(broadcast.subscribe(syncTopic(replica.namespace), (announcement) => { void this.announced(announcement); }));
    }
    if ((this.options.intervalMs ?? DEFAULT_SYNC_INTERVAL_MS) > 0) void this.rounds();
  }

  /**
   * Syncs with `peer` now (joining a session already running with it as opener). Errors:
   * `protocols.sync.refused`, `protocols.sync.aborted`, `protocols.sync.closed`,
   * `protocols.sync.not-member` (`peer` is not a member here).
   */
  syncWith(peer: DeviceId): Promise<SyncReport> {
    if (!this.isMember(peer)) return Promise.reject(this.failed(peer, 'A', notMember(peer)));
    const current = this.running.get(peer);
    if (current !== undefined) return current;
    const run = this.open(peer).finally(() => this.running.delete(peer));
    this.running.set(peer, run);
    return run;
  }

  /** Syncs with every known peer now; one result per peer, failures included (also reported as events). */
  syncAll(): Promise<PromiseSettledResult<SyncReport>[]> {
    return Promise.allSettled(this.peers.map((peer) => this.syncWith(peer)));
  }

  /** Publishes this replica's digest, so peers that lack something sync at once. No-op without a broadcast. */
  async announce(): Promise<void> {
    const { broadcast, replica } = this.options;
    if (broadcast === undefined || this.closed) return;
    const digest = await replicaDigest(replica);
    try {
      await broadcast.publish(syncTopic(replica.namespace), encodeCanonical({ namespace: replica.namespace, digest }));
    } catch (error) {
      // Nobody to tell yet (no peer subscribed) is not a failure of the replica; periodic rounds still run.
      if (!isAuraError(error)) throw error;
    }
  }

  /** Stops answering and announcing; sessions under way finish or time out. */
  close(): void {
    this.closed = true;
    for (const stop of this.unsubscribe.splice(0)) stop();
    if (this.ownsTransport) this.transport.close();
  }

  private async open(peer: DeviceId): Promise<SyncReport> {
    if (this.closed) throw permanentError('protocols.sync.closed', 'the sync service is closed');
    const session = randomIdentifier('session', this.options.random);
    this.transport.addSession(session, new Map([['A', this.options.channel.device], ['B', peer]]));
    try {
      await this.options.channel.send(peer, SYNC_CONTROL_CHANNEL, encodeCanonical({ t: 'open', session })).catch((error: unknown) => {
        throw this.failed(peer, 'A', error);
      });
      return await this.run(session, 'A', peer);
    } finally {
      this.transport.endSession(session);
    }
  }

  private async run(session: SessionId, role: SyncRole, peer: DeviceId, refusal?: string): Promise<SyncReport> {
    const { replica, time, receiveTimeoutMs = DEFAULT_SYNC_TIMEOUT_MS } = this.options;
    try {
      const side = { replica, role, peer, session, ...(refusal === undefined ? {} : { refusal }) };
      const report = await runSyncSession(side, this.transport, { time, receiveTimeoutMs });
      if (refusal !== undefined) {
        this.emit({ event: 'sync-failed', peer, role, code: 'protocols.sync.not-member', message: refusal });
        return report;
      }
      this.emit({ event: 'sync-done', report });
      if (report.added > 0) await this.announce();
      return report;
    } catch (error) {
      throw this.failed(peer, role, error);
    }
  }

  /** Reports a session that failed (or could not start) and returns the error. */
  private failed(peer: DeviceId, role: SyncRole, error: unknown): AuraError {
    const failure = toAuraError(error);
    this.emit({ event: 'sync-failed', peer, role, code: failure.code, message: failure.message });
    return failure;
  }

  /** A peer opens a session: register it and answer as `B`. */
  private control(message: ChannelMessage): void {
    if (message.channel !== SYNC_CONTROL_CHANNEL || this.closed) return;
    let session: SessionId;
    try {
      session = openNotice(message.payload);
      this.transport.addSession(session, new Map([['A', message.from], ['B', this.options.channel.device]]));
    } catch (error) {
      this.failed(message.from, 'B', error);
      return;
    }
    const member = this.isMember(message.from);
    if (member) this.addPeer(message.from);
    this.run(session, 'B', message.from, member ? undefined : notMember(message.from).message)
      .catch(() => undefined) // reported as an event by run()
      .finally(() => { this.transport.endSession(session); });
  }

  private async announced(announcement: Announcement): Promise<void> {
    const { from } = announcement;
    try {
      const { namespace, digest } = announcementOf(announcement.data);
      if (from === undefined) throw permanentError('protocols.sync.anonymous', 'an announcement from a peer that maps to no device');
      if (namespace !== this.options.replica.namespace || from === this.options.channel.device) return;
      if (!this.isMember(from)) throw notMember(from);
      if (bytesEqual(digest, await replicaDigest(this.options.replica))) return;
      this.addPeer(from);
      await this.syncWith(from);
    } catch (error) {
      const failure = toAuraError(error);
      // A failed session is already reported by run(); only a bad announcement is reported here.
      if (failure.code === 'protocols.sync.aborted' || failure.code === 'protocols.sync.refused') return;
      this.emit({ event: 'announce-ignored', from, code: failure.code, message: failure.message });
    }
  }

  private async rounds(): Promise<void> {
    const { time, random, intervalMs = DEFAULT_SYNC_INTERVAL_MS } = this.options;
    for (;;) {
      const jitter = 0.75 + (random.randomBytes(1)[0]! / 255) * 0.5; // one byte was asked for
      await time.sleep(Math.round(intervalMs * jitter));
      if (this.closed) return;
      await this.syncAll();
    }
  }

  private emit(event: SyncEvent): void {
    this.options.events?.(event);
  }
}

/** The session of an open notice. Errors: `cbor.*`, `protocols.sync.bad-control`, `id.*`. */
function notMember(device: DeviceId): AuraError {
  return permanentError('protocols.sync.not-member', `${device} is not a member here: its sync is refused`, { context: { device } });
}

function openNotice(payload: Uint8Array): SessionId {
  const value = fieldsOf(decodeCanonical(payload));
  if (value.t !== 'open' || typeof value.session !== 'string') {
    throw permanentError('protocols.sync.bad-control', 'a sync control message is { t: "open", session }');
  }
  return parseIdentifier('session', value.session);
}

/** An announcement's fields. Errors: `cbor.*`, `protocols.sync.bad-announcement`. */
function announcementOf(data: Uint8Array): { readonly namespace: string; readonly digest: Uint8Array } {
  const value = fieldsOf(decodeCanonical(data));
  if (typeof value.namespace !== 'string' || !(value.digest instanceof Uint8Array) || value.digest.length !== 32) {
    throw permanentError('protocols.sync.bad-announcement', 'a sync announcement is { namespace, digest: 32 bytes }');
  }
  return { namespace: value.namespace, digest: value.digest };
}

/** The fields of a decoded map; anything else has none. */
function fieldsOf(value: unknown): Readonly<Record<string, unknown>> {
  return isCanonicalMap(value) ? value : {};
}
