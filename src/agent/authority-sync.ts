/**
 * Keeping a device's authority journal converged with the other devices of its authority: the
 * sync service of `src/protocols/sync-service.ts` (anti-entropy sessions, periodic rounds,
 * announcements over gossipsub) on the device's journal, with the other members as its peers.
 *
 * The replica admits a fact from a peer only if it is of a type the authority's journal holds
 * and its attestation verifies: the group key for threshold-attested facts, the device's leaf
 * key for device-attested ones (`authorityJournalAdmission` of `src/protocols/authority.ts`), the
 * leaves being those of the tree the replica holds when the fact arrives. Tree
 * operations are ordered when the journal is read (`reduceTree`), so one that arrives before its
 * parent waits harmlessly.
 *
 * Source: issue 11 item 2 (`aura sync --dir`; the running node keeps its journal converged).
 *
 * @module
 */
import type { PhysicalTimeEffects, RandomEffects } from '../core/effects.ts';
import type { DeviceId } from '../core/identifiers.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import type { NetworkDevice } from '../handlers/network/network-device.ts';
import type { ChannelTransport } from '../runtime/channel-transport.ts';
import type { SyncReport } from '../protocols/anti-entropy.ts';
import { authorityJournalAdmission } from '../protocols/authority.ts';
import { StoreReplica } from '../protocols/sync-replica.ts';
import { SyncService, type SyncEvent } from '../protocols/sync-service.ts';
import type { OpenDevice } from './device-dir.ts';

/** How to keep a device's journal in sync. */
export interface AuthoritySyncOptions {
  /** The open device. */
  readonly device: OpenDevice;
  /** Its node on the network. */
  readonly network: NetworkDevice;
  /** The session transport the device's other sessions share. */
  readonly transport: ChannelTransport;
  /** Time (intervals, timeouts). */
  readonly time: PhysicalTimeEffects;
  /** Randomness (session ids, jitter). */
  readonly random: RandomEffects;
  /** Mean time between periodic rounds, in ms (0: none, only on demand and on announcements). */
  readonly intervalMs: number;
  /** Whether a device may sync with this journal, asked at each session (default: every device). */
  readonly isMember?: (device: DeviceId) => boolean;
  /** Bound of each receive, in ms. */
  readonly receiveTimeoutMs?: number;
  /** Where the service's events go. */
  readonly events?: (event: SyncEvent) => void;
}

/** The journal sync of one running device. */
export class AuthoritySync {
  private last: number | null = null;

  private constructor(
    private readonly service: SyncService,
    private readonly replica: StoreReplica,
    private readonly time: PhysicalTimeEffects,
  ) {}

  /** Starts answering peers' sessions and announcements, and the periodic rounds. */
  static async start(options: AuthoritySyncOptions): Promise<AuthoritySync> {
    const { config, journal } = options.device;
    const crypto = new Ed25519CryptoEffects(options.random);
    const replica = new StoreReplica(journal, config.authority, authorityJournalAdmission(config.authority, config.groupKey, crypto));
    const state: { sync?: AuthoritySync } = {};
    const service = new SyncService({
      channel: options.network.transport,
      transport: options.transport,
      replica,
      time: options.time,
      random: options.random,
      peers: config.members.filter((m) => m.device !== config.device).map((m) => m.device),
      intervalMs: options.intervalMs,
      ...(options.isMember === undefined ? {} : { isMember: options.isMember }),
      broadcast: options.network.broadcast,
      ...(options.receiveTimeoutMs === undefined ? {} : { receiveTimeoutMs: options.receiveTimeoutMs }),
      events: (event) => {
        if (event.event === 'sync-done') state.sync?.synced();
        options.events?.(event);
      },
    });
    const sync = new AuthoritySync(service, replica, options.time);
    state.sync = sync;
    service.start();
    return sync;
  }

  /** When a session last finished (ms since the epoch), or `null`. */
  get lastSync(): number | null {
    return this.last;
  }

  /** Syncs with each of `peers` now; one result per peer, failures included. */
  syncWith(peers: readonly DeviceId[]): Promise<PromiseSettledResult<SyncReport>[]> {
    return Promise.allSettled(peers.map((peer) => this.service.syncWith(peer)));
  }

  /** Adds `peer` (a member that joined) to the peers synced with each round. */
  addPeer(peer: DeviceId): void {
    this.service.addPeer(peer);
  }

  /** Tells the replica the journal was written directly, and the peers that it changed. */
  async written(): Promise<void> {
    this.replica.refresh();
    await this.service.announce();
  }

  /** Stops answering and announcing. */
  close(): void {
    this.service.close();
  }

  private synced(): void {
    this.last = this.time.now().ms;
  }
}
