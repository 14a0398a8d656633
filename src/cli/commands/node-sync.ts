/**
 * The journal of an `aura node` and its anti-entropy sync (issue 10 item 5, its multi-process
 * test): `--journal FILE --namespace ID` opens a `SqliteFactStore` at FILE holding the journal of
 * the namespace ID, and runs a {@link SyncService} with every peer the node meets, periodically
 * (`--sync-interval-ms`, default 30 s), on demand, and on gossipsub announcements.
 *
 * The node's facts are `counter.add` facts attested by its own device key (the key its libp2p
 * identity is made of). A fact from a peer is admitted when its attestation verifies under the
 * key of the device it names, as the node knows it from the peer directory (the public key of
 * the device's libp2p peer id, whose hash the device id is).
 *
 * JSON-line commands (with `--json`): `{"append":{"counter":NAME,"amount":N}}` appends a fact and
 * announces it; `{"sync":{}}` syncs with every known peer now; `{"digest":{}}` reports the fact
 * set (`{"event":"digest","digest":HEX,"count":N}`). Events: `appended`, `sync-done`,
 * `sync-failed`, `synced` (after a `sync` command), `digest`.
 *
 * Kept apart from `node.ts` so that the device agent can take it over with the node's data layout.
 *
 * @module
 */
import { toHex } from '../../core/bytes.ts';
import type { CryptoEffects, RandomEffects } from '../../core/effects.ts';
import { permanentError, toAuraError } from '../../core/errors.ts';
import type { DeviceId } from '../../core/identifiers.ts';
import { Ed25519CryptoEffects } from '../../handlers/ed25519-crypto.ts';
import type { NetworkDevice } from '../../handlers/network/network-device.ts';
import { deviceIdOfPeer } from '../../handlers/network/peer-identity.ts';
import { WallClock } from '../../handlers/physical-time.ts';
import { SqliteFactStore } from '../../handlers/sqlite-fact-store.ts';
import { deviceAttestation, type SignerKeys } from '../../journal/attestation.ts';
import { COUNTER_ADD } from '../../journal/counter.ts';
import { sealFact, unsignedPart, type FactDraft } from '../../journal/fact.ts';
import { FactRegistry } from '../../journal/fact-registry.ts';
import { parseNamespace, type Namespace } from '../../journal/namespace.ts';
import type { SyncReport } from '../../protocols/anti-entropy.ts';
import type { ChannelTransport } from '../../runtime/channel-transport.ts';
import { fixedAdmission, replicaDigest, StoreReplica } from '../../protocols/sync-replica.ts';
import { SyncService, type SyncEvent } from '../../protocols/sync-service.ts';

/** The node options this module reads. */
export interface NodeSyncOptions {
  /** The journal file (`--journal`). */
  readonly journal?: string;
  /** The namespace of the journal (`--namespace`). */
  readonly namespace?: string;
  /** Mean time between periodic sync rounds (`--sync-interval-ms`). */
  readonly syncIntervalMs?: number;
  /** Bound on each receive of a sync session (`--receive-timeout-ms`). */
  readonly receiveTimeoutMs?: number;
}

/** A node's running journal sync. */
export interface NodeSync {
  /** Handles a JSON-line command if it is one of this module's; returns false otherwise. */
  command(command: Readonly<Record<string, unknown>>): boolean;
  /** Stops syncing and closes the journal. */
  close(): Promise<void>;
}

/** What the node hands over. */
export interface NodeSyncContext {
  /** The running device. */
  readonly device: NetworkDevice;
  /** The session transport of the node's session host, shared so each knows the other's sessions. */
  readonly transport: ChannelTransport;
  /** The device's Ed25519 secret seed (signs its facts). */
  readonly deviceSecretKey: Uint8Array;
  /** Randomness (session ids, nonces). */
  readonly random: RandomEffects;
  /** Where events go (JSON lines), or `undefined` for text on stdout. */
  readonly emit: ((event: Record<string, unknown>) => void) | undefined;
}

/** Checked options: the journal file and its namespace. */
export interface NodeSyncConfig extends NodeSyncOptions {
  readonly journal: string;
  readonly namespace: Namespace;
}

/**
 * Checks the options before the node starts: `undefined` when there is no `--journal`. Errors:
 * `cli.usage` (`--journal` without `--namespace`, or the reverse), `id.*` (a malformed namespace).
 */
export function nodeSyncConfig(options: NodeSyncOptions): NodeSyncConfig | undefined {
  if (options.journal === undefined) {
    if (options.namespace !== undefined) throw permanentError('cli.usage', '--namespace needs --journal FILE');
    return undefined;
  }
  if (options.namespace === undefined) throw permanentError('cli.usage', '--journal needs --namespace ID (an authority-… or context-… identifier)');
  return { ...options, journal: options.journal, namespace: parseNamespace(options.namespace) };
}

/** Opens the journal and starts its sync. */
export function startNodeSync(options: NodeSyncConfig, context: NodeSyncContext): NodeSync {
  const { namespace } = options;
  const { device, deviceSecretKey, random } = context;
  const crypto = new Ed25519CryptoEffects(random);
  const store = SqliteFactStore.open(options.journal);
  const replica = new StoreReplica(store, namespace, fixedAdmission({ registry: new FactRegistry([COUNTER_ADD]), crypto, keys: directoryKeys(device, crypto, deviceSecretKey) }));
  const emit = context.emit ?? ((event: Record<string, unknown>) => { console.log(formatEvent(event)); });
  const service = new SyncService({
    channel: device.transport,
    transport: context.transport,
    replica,
    time: new WallClock(),
    random,
    broadcast: device.broadcast,
    ...(options.syncIntervalMs === undefined ? {} : { intervalMs: options.syncIntervalMs }),
    ...(options.receiveTimeoutMs === undefined ? {} : { receiveTimeoutMs: options.receiveTimeoutMs }),
    events: (event) => { emit(syncEventFields(event)); },
  });
  device.node.addEventListener('peer:connect', (event) => {
    const peer = deviceIdOfPeer(event.detail);
    if (peer !== undefined) service.addPeer(peer);
  });
  service.start();
  const failed = (error: unknown): void => { emit({ event: 'error', ...toAuraError(error).toJSON() }); };
  return {
    command: (command) => {
      if (command['append'] !== undefined) {
        const draft = appendDraft(command['append'], namespace, random);
        const fact = sealFact(draft, deviceAttestation(crypto, device.device, deviceSecretKey, unsignedPart(draft)));
        replica.append([fact]).then(async () => {
          emit({ event: 'appended', cid: fact.key });
          await service.announce();
        }).catch(failed);
        return true;
      }
      if (command['sync'] !== undefined) {
        service.syncAll().then((results) => {
          emit({ event: 'synced', ok: results.filter((r) => r.status === 'fulfilled').length, failed: results.filter((r) => r.status === 'rejected').length });
        }).catch(failed);
        return true;
      }
      if (command['digest'] !== undefined) {
        Promise.all([replicaDigest(replica), replica.cids()]).then(([digest, cids]) => {
          emit({ event: 'digest', digest: toHex(digest), count: cids.length });
        }).catch(failed);
        return true;
      }
      return false;
    },
    close: async () => {
      service.close();
      await store.close();
    },
  };
}

/** Signer keys from what the node knows: its own key, and each peer's from its libp2p identity. */
function directoryKeys(device: NetworkDevice, crypto: CryptoEffects, secretKey: Uint8Array): SignerKeys {
  const own = crypto.publicKeyOf(secretKey);
  return {
    groupKey: () => undefined,
    deviceKey: (id: DeviceId) => {
      if (id === device.device) return own;
      const peer = device.directory.device(id)?.peer;
      return peer?.type === 'Ed25519' ? peer.publicKey.raw : undefined;
    },
  };
}

/** The draft of an `append` command. Error: `cli.bad-command`. */
function appendDraft(append: unknown, namespace: Namespace, random: RandomEffects): FactDraft {
  const { counter, amount } = (typeof append === 'object' && append !== null ? append : {}) as Record<string, unknown>;
  if (typeof counter !== 'string' || typeof amount !== 'number') throw permanentError('cli.bad-command', 'expected {"append":{"counter":NAME,"amount":N}}');
  return { typeId: COUNTER_ADD.typeId, schemaVersion: COUNTER_ADD.schemaVersion, payload: { counter, amount }, metadata: { namespace, nonce: random.randomBytes(16) } };
}

/** The JSON fields of a sync event (a report summarized, its refusals listed). */
function syncEventFields(event: SyncEvent): Record<string, unknown> {
  if (event.event !== 'sync-done') return { ...event };
  const report: SyncReport = event.report;
  return { event: 'sync-done', session: report.session, peer: report.peer, role: report.role, outcome: report.outcome, sent: report.sent, added: report.added, rounds: report.rounds, rejected: report.rejected };
}

/** One line of text for an event of this module. */
function formatEvent(event: Record<string, unknown>): string {
  return `${String(event['event'])}: ${JSON.stringify({ ...event, event: undefined })}`;
}
