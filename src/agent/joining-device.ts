/**
 * A device joining an authority (`aura device add`): a new device key and HPKE key, a libp2p
 * node on loopback, and a directory built under a staging name beside the target. It waits for
 * one member of the authority to ask it into a membership change (the request of
 * `agent-request.ts`, op `reshare`, naming this device among the devices added), first copies the
 * authority's journal from that member by anti-entropy (`sync-service.ts`: the facts are admitted
 * only under the group key), checks the request against that journal (same group key, same epoch),
 * accepts, and runs its part (`runChangePart` of `membership-change.ts`: it receives its share,
 * then signs the tree change with the new group; when the authority has guardians, they take part
 * and this device reaches them through the guardianship the request names). Only then does it
 * write its key store, the change's facts, its config and the guardianship after the change
 * (`recovery.json`), and rename the staging directory into place: an interrupted
 * join leaves no device directory behind (only the hidden staging directory, removed by
 * {@link JoiningDevice.stop}).
 *
 * Source: issue 11 item 2 (`aura device add --dir … --new-dir …`), the brief's item 1.
 *
 * @module
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { bytesEqual, toHex } from '../core/bytes.ts';
import type { PhysicalTimeEffects, RandomEffects } from '../core/effects.ts';
import { permanentError, toAuraError } from '../core/errors.ts';
import type { DeviceId, SessionId } from '../core/identifiers.ts';
import { hpkeKeyPairFromSeed, type HpkeKeyPair } from '../crypto/hpke.ts';
import type { ScryptParams } from '../crypto/key-store-format.ts';
import { ed25519PublicKey } from '../crypto/signature.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { formatLogEntry } from '../handlers/network/choreo-transport.ts';
import { peerEntryOfAddress, startNetworkDevice, type NetworkDevice } from '../handlers/network/network-device.ts';
import { SqliteFactStore } from '../handlers/sqlite-fact-store.ts';
import { composeObservers, type RoleObserver } from '../runtime/role-event.ts';
import { authorityJournalAdmission, authorityView } from '../protocols/authority.ts';
import { StoreReplica } from '../protocols/sync-replica.ts';
import { SyncService } from '../protocols/sync-service.ts';
import { AGENT_CHANNEL, calledOff, decodeAgentMessage, deviceOfRole, encodeAgentMessage, type AgentMessage, type NewMember } from './agent-request.ts';
import { loadJournal, storeAuthorityFacts } from './authority-journal.ts';
import { writeConfig, type DeviceConfig } from './device-config.ts';
import { checkFreshDir, JOURNAL_FILE, sealDeviceKeys } from './device-dir.ts';
import { changedConfig, changeSessions, changeRoles, guardianshipAfterChange, runChangePart, type ChangeRequest } from './membership-change.ts';
import { knowGuardianship } from './guardian-desk.ts';
import { writeGuardianships } from './guardianship.ts';
import { StoredLockJournal } from './lock-journal.ts';
import { SessionGroups, type SessionGroup } from './session-groups.ts';

/** What a joining device reports. */
export type JoinEvent =
  | { readonly event: 'join-listening'; readonly name: string; readonly device: DeviceId; readonly address: string }
  | { readonly event: 'journal-copied'; readonly from: string; readonly facts: number }
  | { readonly event: 'join-round'; readonly session: SessionId; readonly label: string; readonly from: string }
  | { readonly event: 'join-declined'; readonly from: string; readonly reason: string }
  | { readonly event: 'joined'; readonly name: string; readonly dir: string; readonly epoch: number };

/** How to start a joining device. */
export interface JoinOptions {
  /** The config of a member (read from its directory): the authority, its group key and members. */
  readonly invitedBy: DeviceConfig;
  /** The new device's directory (absent or empty). */
  readonly dir: string;
  /** The new device's name among the members. */
  readonly name: string;
  /** The passphrase sealing its key store. */
  readonly passphrase: string;
  /** scrypt cost of its key store. */
  readonly scrypt?: ScryptParams;
  /** Randomness (keys, nonces). */
  readonly random: RandomEffects;
  /** Time (timeouts). */
  readonly time: PhysicalTimeEffects;
  /** Where it listens (default: a free loopback port); the address goes into every config. */
  readonly listen?: string;
  /** Where its events go. */
  readonly events?: (event: JoinEvent) => void;
  /** Watches its roles (for `--trace`). */
  readonly observer?: RoleObserver;
  /** Bound of every protocol receive, in ms (default 15 s). */
  readonly receiveTimeoutMs?: number;
}

/** A device that joined: its directory is in place. */
export interface JoinedDevice {
  /** Its directory. */
  readonly dir: string;
  /** Its config. */
  readonly config: DeviceConfig;
  /** The authority epoch after the change. */
  readonly epoch: number;
}

interface Accepted {
  readonly request: ChangeRequest;
  readonly from: DeviceId;
  readonly group: SessionGroup;
}

/** A new device waiting to be added (see the module comment). */
export class JoiningDevice {
  private accepted: Accepted | undefined;
  private finished = false;
  private settle: { resolve: (joined: JoinedDevice) => void; reject: (error: unknown) => void } = { resolve: () => undefined, reject: () => undefined };
  /** Resolves once the directory is in place; rejects when the join fails or is stopped. */
  readonly joined: Promise<JoinedDevice>;
  private readonly unsubscribe: () => void;

  private constructor(
    private readonly options: JoinOptions,
    /** What the members learn of this device. */
    readonly member: NewMember,
    private readonly secrets: { readonly deviceKey: Uint8Array; readonly hpkeSeed: Uint8Array; readonly hpke: HpkeKeyPair },
    private readonly network: NetworkDevice,
    private readonly staging: string,
    private readonly journal: SqliteFactStore,
    private readonly sessions: SessionGroups,
    private readonly sync: SyncService,
  ) {
    this.joined = new Promise((resolveJoined, rejectJoined) => {
      this.settle = { resolve: resolveJoined, reject: rejectJoined };
    });
    this.joined.catch(() => undefined); // the caller awaits it; a rejection nobody awaited yet is not a crash
    for (const m of options.invitedBy.members) network.directory.register(peerEntryOfAddress(m.address));
    this.unsubscribe = network.transport.onMessage((message) => {
      if (message.channel === AGENT_CHANNEL) void this.receive(message.from, message.payload);
    });
  }

  /** Creates the keys, the staging directory and the node. Errors: `agent.dir-not-empty`, the network's. */
  static async start(options: JoinOptions): Promise<JoiningDevice> {
    checkFreshDir(options.dir);
    const target = resolve(options.dir);
    const staging = join(dirname(target), `.${basename(target)}.joining-${toHex(options.random.randomBytes(6))}`);
    mkdirSync(staging, { recursive: true, mode: 0o700 });
    const deviceKey = options.random.randomBytes(32);
    const hpkeSeed = options.random.randomBytes(32);
    const journal = SqliteFactStore.open(join(staging, JOURNAL_FILE));
    let network: NetworkDevice | undefined;
    try {
      network = await startNetworkDevice({
        deviceKey,
        time: options.time,
        random: options.random,
        listen: [options.listen ?? '/ip4/127.0.0.1/tcp/0'],
        log: (entry) => {
          if (entry.event !== 'dial-failed') process.stderr.write(formatLogEntry(entry) + '\n');
        },
      });
      const hpke = await hpkeKeyPairFromSeed(hpkeSeed);
      const { authority, groupKey } = options.invitedBy;
      const sessions = new SessionGroups(network.transport);
      const replica = new StoreReplica(journal, authority, authorityJournalAdmission(authority, groupKey, new Ed25519CryptoEffects(options.random)));
      const sync = new SyncService({ channel: network.transport, transport: sessions.channelTransport, replica, time: options.time, random: options.random, peers: [], intervalMs: 0 });
      sync.start();
      const member: NewMember = { name: options.name, device: network.device, address: String(network.addresses()[0]), hpkePublicKey: hpke.publicKey, signingPublicKey: ed25519PublicKey(deviceKey) };
      options.events?.({ event: 'join-listening', name: member.name, device: member.device, address: member.address });
      return new JoiningDevice(options, member, { deviceKey, hpkeSeed, hpke }, network, staging, journal, sessions, sync);
    } catch (error) {
      await network?.stop();
      await journal.close();
      rmSync(staging, { recursive: true, force: true });
      throw error;
    }
  }

  /** Leaves the network; unless the directory is in place, removes the staging directory and fails {@link joined}. */
  async stop(): Promise<void> {
    this.unsubscribe();
    this.sync.close();
    this.sessions.close();
    await this.network.stop();
    if (!this.finished) {
      this.finished = true;
      await this.journal.close();
      rmSync(this.staging, { recursive: true, force: true });
      this.settle.reject(permanentError('agent.interrupted', `the join of ${this.member.name} stopped before it finished: no device directory was created`));
    }
  }

  private nameOf(device: DeviceId): string {
    return this.options.invitedBy.members.find((m) => m.device === device)?.name ?? this.member.name;
  }

  private async receive(from: DeviceId, payload: Uint8Array): Promise<void> {
    let message: AgentMessage;
    try {
      message = decodeAgentMessage(payload);
    } catch {
      return; // a malformed message from a peer changes nothing here; the member that sent it times out
    }
    if (message.t === 'request') await this.requested(message, from);
    else if (message.t === 'start' && this.accepted?.request.session === message.session && this.accepted.from === from) await this.run(this.accepted);
    else if (message.t === 'abort' && this.accepted?.request.session === message.session && this.accepted.from === from) this.accepted.group.abort(calledOff(message, this.nameOf(from)));
  }

  private async requested(message: Extract<AgentMessage, { t: 'request' }>, from: DeviceId): Promise<void> {
    const { request } = message;
    const decline = (code: string, reason: string): Promise<void> => {
      this.options.events?.({ event: 'join-declined', from: this.nameOf(from), reason });
      return this.network.transport.send(from, AGENT_CHANNEL, encodeAgentMessage({ t: 'decline', session: request.session, code, reason })).catch(() => undefined);
    };
    const { invitedBy } = this.options;
    if (!invitedBy.members.some((m) => m.device === from)) return decline('agent.not-a-member', `${from} is not a member of authority ${invitedBy.authority}`);
    if (this.accepted !== undefined || this.finished) return decline('agent.busy', 'this device already joins in another session');
    if (request.op !== 'reshare') return decline('agent.bad-request', `a joining device takes part only in the change that adds it, not in ${request.op}`);
    const self = request.add.find((m) => m.device === this.member.device);
    if (self === undefined || !bytesEqual(self.hpkePublicKey, this.member.hpkePublicKey) || !bytesEqual(self.signingPublicKey, this.member.signingPublicKey)) return decline('agent.bad-request', 'the change does not add this device with its keys');
    if (!bytesEqual(request.group.groupPublicKey, invitedBy.groupKey)) return decline('agent.bad-request', 'the change is over another group key than the authority this device joins');
    let facts: number;
    try {
      const report = await this.sync.syncWith(from);
      facts = report.added;
    } catch (error) {
      const failure = toAuraError(error);
      return decline(failure.code, `copying the journal from ${this.nameOf(from)} failed: ${failure.message}`);
    }
    this.options.events?.({ event: 'journal-copied', from: this.nameOf(from), facts });
    const view = authorityView(await loadJournal(this.journal, invitedBy.authority));
    if (view.epoch !== request.epoch) return decline('agent.bad-request', `the change starts from epoch ${request.epoch}, the journal copied is in epoch ${view.epoch}`);
    const members = new Set(view.members.map((m) => m.id));
    if (!request.dealers.every((d) => members.has(d))) return decline('agent.bad-request', 'a dealer of the change is not a member of the authority');
    // The guardians, when the authority has some, take part: they reach this device and it them.
    if (request.guardianship !== undefined) knowGuardianship(this.network, request.guardianship, this.member.device);
    const group = this.sessions.group(changeRoles(request), changeSessions(request));
    this.accepted = { request, from, group };
    await this.network.transport.send(from, AGENT_CHANNEL, encodeAgentMessage({ t: 'accept', session: request.session })).catch(() => {
      this.accepted = undefined;
      group.end();
    });
  }

  private async run({ request, group }: Accepted): Promise<void> {
    const { invitedBy, random } = this.options;
    try {
      const view = authorityView(await loadJournal(this.journal, invitedBy.authority));
      const hpkeKeyOf = (device: DeviceId): Uint8Array => {
        const member = invitedBy.members.find((m) => m.device === device) ?? request.add.find((m) => m.device === device);
        if (member === undefined) throw permanentError('agent.bad-change', `${device} is neither a member nor joining`);
        return member.hpkePublicKey;
      };
      // A joining device does not vote for the lock (it is no member yet); it only hears whether the lock was won.
      const lockJournal = await StoredLockJournal.open(this.journal, { authority: invitedBy.authority, groupKey: invitedBy.groupKey, device: this.member.device, deviceKey: this.secrets.deviceKey }, random);
      const outcome = await runChangePart(request, { device: this.member.device, hpkeSecretKey: this.secrets.hpke.secretKey, random, lock: { journal: lockJournal, time: this.options.time, random } }, view, hpkeKeyOf, group.transport, this.runOptions(request));
      const config = changedConfig(invitedBy, this.member.device, request);
      await storeAuthorityFacts(this.journal, config.authority, config.groupKey, outcome.facts);
      await sealDeviceKeys(this.staging, {
        config,
        secrets: { deviceKey: this.secrets.deviceKey, hpkeSeed: this.secrets.hpkeSeed, keyShare: outcome.keyShare },
        passphrase: this.options.passphrase,
        random,
        ...(this.options.scrypt === undefined ? {} : { scrypt: this.options.scrypt }),
      });
      outcome.keyShare.dispose();
      await writeConfig(this.staging, config);
      const guardianship = guardianshipAfterChange(request);
      if (guardianship !== undefined) await writeGuardianships(this.staging, { own: guardianship, guarding: [] });
      this.finished = true;
      await this.journal.close();
      rmSync(this.options.dir, { recursive: true, force: true }); // absent or empty (checked at start)
      renameSync(this.staging, this.options.dir);
      this.options.events?.({ event: 'joined', name: this.member.name, dir: this.options.dir, epoch: request.epoch + 1 });
      this.settle.resolve({ dir: this.options.dir, config, epoch: request.epoch + 1 });
    } catch (error) {
      this.settle.reject(group.aborted ?? error); // called off: the initiator's reason, not how the roles stopped
    } finally {
      group.end();
    }
  }

  private runOptions(request: ChangeRequest) {
    const progress: RoleObserver = {
      onEvent: (event) => {
        if (event.type === 'recv' && event.peer !== undefined && event.label !== undefined) {
          const device = deviceOfRole(request, event.peer);
          this.options.events?.({ event: 'join-round', session: event.session, label: event.label, from: device === undefined ? event.peer : this.nameOf(device) });
        }
      },
    };
    return { time: this.options.time, receiveTimeoutMs: this.options.receiveTimeoutMs ?? 15_000, observer: composeObservers(progress, ...(this.options.observer === undefined ? [] : [this.options.observer])) };
  }
}
