/**
 * The device agent: one device of an authority on the network. It starts the device's libp2p
 * node (keyed by its device key) on its configured address, keeps its authority's other devices
 * connected, serves the sessions they start (under its approval policy: see `approval.ts` and
 * the handshake of `agent-request.ts`), and starts sessions itself with the devices that are
 * online: FROST signing (the first t that answer sign a `signature.issued` fact by
 * `runQuorumSigning` of `src/protocols/sign-quorum.ts`, then the message by `runSigningDevice`
 * of `src/protocols/sign.ts`: see `quorum-sign-sessions.ts`) and DKD of a context key
 * (`runDkd` of `src/protocols/dkd.ts`, whose `dkd.context-key` fact the same devices then attest
 * with the group key and store in their journals). It also keeps the device's journal converged
 * with the other members (`authority-sync.ts`): answering their sync sessions, periodically
 * when asked to, and on demand ({@link DeviceAgent.syncNow}). It changes the authority's
 * membership with the other members ({@link DeviceAgent.changeMembership}: resharing onto the
 * members after the change, see `membership-change.ts`) and, when a change leaves it out, learns
 * it from the group-signed tree facts its journal receives and destroys its share.
 *
 * The same class runs inside `aura node --dir` (long-lived, serving) and inside a command such as
 * `aura sign --dir` when no node of that device runs (for the command's duration), so a device is
 * never on the network twice: a command first looks for a running node's control socket.
 *
 * Source: issue 11 items 1-2; the brief's "device agent".
 *
 * @module
 */
import type { PeerId } from '@libp2p/interface';
import { toHex } from '../core/bytes.ts';
import type { PhysicalTimeEffects, RandomEffects } from '../core/effects.ts';
import { permanentError, toAuraError, transientError, type AuraError } from '../core/errors.ts';
import { deriveIdentifier, randomIdentifier, type DeviceId, type SessionId } from '../core/identifiers.ts';
import { formatLogEntry } from '../handlers/network/choreo-transport.ts';
import { peerEntryOfAddress, startNetworkDevice, type NetworkDevice } from '../handlers/network/network-device.ts';
import { composeObservers, type RoleObserver } from '../runtime/role-event.ts';
import { agreedRandom, attestFact, authorityView, type SignatureIssuedPayload } from '../protocols/authority.ts';
import { loadKeyShare, removeKeyShare } from '../protocols/authority-key-store.ts';
import { dkdFactDraft, runDkd } from '../protocols/dkd.ts';
import type { RunOptions } from '../protocols/protocol-source.ts';
import { runSigningDevice } from '../protocols/sign.ts';
import { setUpGuardians, type GuardianSetupPlan } from '../protocols/guardian-setup.ts';
import type { KeyShare, PublicKeyPackage } from '../crypto/key-share.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { TREE_OP, type TreeOpPayload } from '../journal/tree-op.ts';
import type { Journal } from '../journal/journal.ts';
import type { FactRecord } from '../journal/fact.ts';
import { runQuorumSigning } from '../protocols/sign-quorum.ts';
import { epochSession } from '../protocols/epoch.ts';
import type { SyncEvent } from '../protocols/sync-service.ts';
import { AuthoritySync } from './authority-sync.ts';
import { AGENT_CHANNEL, calledOff, decodeAgentMessage, deviceOfRole, encodeAgentMessage, type AgentMessage, type AgentOperation, type AgentRequest, type NewMember } from './agent-request.ts';
import { approverOf, askerOf, type Approver, type Asker } from './approval.ts';
import { afterTreeChange, GuardianDesk, guardianSetupPlan, guardianSetupRoles, guardianSetupSessions, guardianSetupTreeChange, knowGuardianship, POLICY_ANSWER_MS, type DeskEvent } from './guardian-desk.ts';
import { signTreeChange, treeChangeSessions } from './tree-change.ts';
import type { GuardianContact, Guardianship } from './guardianship.ts';
import type { DeviceConfig, MemberConfig } from './device-config.ts';
import type { OpenDevice } from './device-dir.ts';
import { loadJournal, storeAuthorityFacts } from './authority-journal.ts';
import { StoredLockJournal } from './lock-journal.ts';
import { exclusionSessions, familyRoles, SessionGroups, type SessionGroup } from './session-groups.ts';
import { messageSession, quorumSignSessions } from './quorum-sign-sessions.ts';
import { changedConfig, changeSessions, changeRoles, checkChangeRequest, commitChange, guardianshipAfterChange, proposeChange, runChangePart, type ChangeOutcome, type ChangeRequest, type MembershipChange } from './membership-change.ts';

/** What an agent reports as it works. */
export type AgentEvent =
  | { readonly event: 'ready'; readonly device: DeviceId; readonly addresses: readonly string[] }
  | { readonly event: 'peer-online'; readonly name: string; readonly device: DeviceId }
  | { readonly event: 'peer-offline'; readonly name: string; readonly device: DeviceId }
  | { readonly event: 'request-sent'; readonly session: SessionId; readonly op: string; readonly to: readonly string[] }
  | { readonly event: 'accepted'; readonly session: SessionId; readonly by: string }
  | { readonly event: 'round'; readonly session: SessionId; readonly label: string; readonly from: string }
  | { readonly event: 'signed'; readonly session: SessionId; readonly signers: readonly string[]; readonly signature: string }
  | { readonly event: 'derived'; readonly session: SessionId; readonly context: string; readonly app: string; readonly members: readonly string[]; readonly publicKey: string }
  | { readonly event: 'served'; readonly session: SessionId; readonly op: string; readonly for: string }
  | { readonly event: 'declined'; readonly session: SessionId; readonly for: string; readonly reason: string }
  | { readonly event: 'failed'; readonly session: SessionId; readonly code: string; readonly message: string }
  | { readonly event: 'membership-changed'; readonly session: SessionId; readonly epoch: number; readonly members: readonly string[]; readonly threshold: number }
  | { readonly event: 'removed'; readonly device: DeviceId; readonly epoch: number }
  | { readonly event: 'synced'; readonly peer: string; readonly outcome: string; readonly sent: number; readonly added: number; readonly rejected: number }
  | { readonly event: 'sync-failed'; readonly peer: string; readonly code: string; readonly message: string }
  | { readonly event: 'guardians-added'; readonly session: SessionId; readonly guardians: readonly string[] }
  | DeskEvent;

/** How to start an agent. */
export interface AgentOptions {
  /** The open device directory. */
  readonly device: OpenDevice;
  /** Randomness (nonces, session ids, link ids). */
  readonly random: RandomEffects;
  /** Time (timeouts, liveness, pacing). */
  readonly time: PhysicalTimeEffects;
  /** Listen addresses (default: the device's configured address). */
  readonly listen?: readonly string[];
  /** Decides on requests (default: the config's policy). */
  readonly approve?: Approver;
  /** Decides, as a guardian, on invitations and on changes of the devices it guards (default: the config's policy). */
  readonly ask?: Asker;
  /** Where events go. */
  readonly events?: (event: AgentEvent) => void;
  /** Bound of every protocol receive, in ms (default 15 s). */
  readonly receiveTimeoutMs?: number;
  /** How long an initiator waits for every participant to accept (default 10 s). */
  readonly joinTimeoutMs?: number;
  /** Watches every role this agent plays (for `--trace`). */
  readonly observer?: RoleObserver;
  /** Mean time between periodic journal syncs with the members, in ms (default 0: only on demand and on announcements). */
  readonly syncIntervalMs?: number;
}

/** What one journal sync with one member did. */
export interface SyncResult {
  /** The member. */
  readonly name: string;
  /** `converged`, `partial`, `refused`, or `failed`. */
  readonly outcome: string;
  /** Facts sent to it. */
  readonly sent: number;
  /** Facts received from it and stored. */
  readonly added: number;
  /** Facts received from it and refused. */
  readonly rejected: number;
  /** Why it failed (`failed` only): `error[CODE]: message`. */
  readonly error?: string;
}

/** A finished signature. */
export interface SignOutcome {
  /** The 64-byte Ed25519 signature under the group key. */
  readonly signature: Uint8Array;
  /** Who signed: the first t members that answered (this device among them). */
  readonly signers: readonly MemberConfig[];
  /** The CID of the `signature.issued` fact recording it, now in the journal of every member asked. */
  readonly fact: string;
}

/** A context key derived with the other devices, its fact attested and stored. */
export interface DeriveOutcome {
  /** The context key's public half (32 bytes, Ed25519). */
  readonly publicKey: Uint8Array;
  /** The authority epoch it was derived in. */
  readonly epoch: number;
  /** The CID of the `dkd.context-key` fact now in the journal. */
  readonly fact: string;
  /** Who took part. */
  readonly members: readonly MemberConfig[];
}

/** The session in which the devices of a derivation sign its `dkd.context-key` fact. */
function contextKeyFactSession(session: SessionId): SessionId {
  return deriveIdentifier('session', { base: session, fact: 'dkd.context-key' });
}

/** A membership change done. */
export interface ChangeResult {
  /** The authority epoch after the change. */
  readonly epoch: number;
  /** The members after it (names, role order). */
  readonly members: readonly string[];
  /** The threshold after it. */
  readonly threshold: number;
  /** The group key: the same as before. */
  readonly groupKey: Uint8Array;
  /** The members removed (names). */
  readonly removed: readonly string[];
}

/** Guardians set up: the guardianship every owner device and guardian now records. */
export interface GuardiansOutcome {
  /** The guardianship. */
  readonly guardianship: Guardianship;
  /** The group after setup: the same key, the devices and the guardians holding shares. */
  readonly publicKeyPackage: PublicKeyPackage;
}

/** A request for the operation `O`. */
type RequestOf<O extends AgentOperation> = O & Omit<AgentRequest, keyof AgentOperation>;

/** What a derivation produced at one device. */
type Derived = Omit<DeriveOutcome, 'members'>;

/**
 * The role map of `request`'s sessions: signing `S[k]`; DKD `P[k]`, then signing its fact; a
 * membership change `D[i]`, `R[k]`, `S[k]`; guardian setup `P[k]`, `Guardian[k]`, `D[i]`, `R[k]`.
 */
function roleMap(request: AgentRequest): Map<string, DeviceId> {
  if (request.op === 'reshare') return changeRoles(request);
  if (request.op === 'guardian-setup') {
    const owners = request.guardianship.owners.map((o) => o.device);
    return guardianSetupRoles(owners, request.roles.filter((d) => !owners.includes(d)), request.guardianship.threshold);
  }
  return familyRoles(request.op === 'sign' ? ['S'] : ['P', 'S'], request.roles);
}

interface Joining {
  readonly waiting: Set<DeviceId>;
  readonly resolve: () => void;
  readonly reject: (error: AuraError) => void;
}

interface Member extends MemberConfig {
  readonly peer: PeerId;
}

/** The listen address of a member address: the part before `/p2p/`. */
export function listenAddressOf(address: string): string {
  const at = address.indexOf('/p2p/');
  return at < 0 ? address : address.slice(0, at);
}

/** A running device agent. */
export class DeviceAgent {
  private readonly sessions: SessionGroups;
  private readonly joining = new Map<SessionId, Joining>();
  private readonly accepted = new Map<SessionId, { readonly request: AgentRequest; readonly from: Member; readonly group: SessionGroup }>();
  /** The sessions this device serves now, started by `from`: called off when it says so. */
  private readonly serving = new Map<SessionId, { readonly from: Member; readonly group: SessionGroup }>();
  private dev: OpenDevice;
  private others: readonly Member[] = [];
  private readonly formerMembers: Set<string>;
  private retired = false;
  private readonly approve: Approver;
  private readonly online = new Set<DeviceId>();
  private readonly unsubscribe: (() => void)[];
  private readonly listeners = new Set<(event: AgentEvent) => void>();
  private stopped = false;
  /** This device's part in the operation lock, one for every operation (opened on first use). */
  private lockJournal?: Promise<StoredLockJournal>;

  private constructor(
    private readonly options: AgentOptions,
    /** The device on the network. */
    readonly network: NetworkDevice,
    sessions: SessionGroups,
    private readonly journalSync: AuthoritySync,
    /** The guardian services of this device (guardian setup, recovery requests, disputes). */
    readonly desk: GuardianDesk,
    /** Devices removed from the authority, as its journal says. */
    former: Iterable<string>,
  ) {
    this.formerMembers = new Set(former);
    this.sessions = sessions;
    this.dev = options.device;
    this.setMembers(options.device.config);
    this.approve = options.approve ?? approverOf(options.device.config.policy);
    this.unsubscribe = [
      network.transport.onMessage((message) => {
        if (message.channel === AGENT_CHANNEL) this.receive(message.from, message.payload);
      }),
      network.transport.onPeerGone(({ device, reason }) => {
        this.peerGone(device, reason);
      }),
    ];
    network.node.addEventListener('peer:connect', (event) => {
      this.connectionChanged(event.detail, true);
    });
    network.node.addEventListener('peer:disconnect', (event) => {
      this.connectionChanged(event.detail, false);
    });
  }

  /** Starts the device's node on its address and the agent on it. Errors: the network's. */
  static async start(options: AgentOptions): Promise<DeviceAgent> {
    const { config, secrets } = options.device;
    const own = config.members.find((m) => m.device === config.device);
    const listen = options.listen ?? (own === undefined ? undefined : [listenAddressOf(own.address)]);
    const network = await startNetworkDevice({
      deviceKey: secrets.deviceKey,
      time: options.time,
      random: options.random,
      // A member that is down fails every redial; that is reported as peer-offline once, not logged per dial.
      log: (entry) => {
        if (entry.event !== 'dial-failed') process.stderr.write(formatLogEntry(entry) + '\n');
      },
      ...(listen === undefined ? {} : { listen }),
    });
    const sessions = new SessionGroups(network.transport);
    const emit: { agent?: DeviceAgent } = {};
    const journalSync = await AuthoritySync.start({
      device: options.device,
      network,
      transport: sessions.channelTransport,
      time: options.time,
      random: options.random,
      intervalMs: options.syncIntervalMs ?? 0,
      isMember: (device) => emit.agent?.maySync(device) ?? config.members.some((m) => m.device === device),
      ...(options.receiveTimeoutMs === undefined ? {} : { receiveTimeoutMs: options.receiveTimeoutMs }),
      events: (event) => emit.agent?.syncEvent(event),
    });
    const journal = await loadJournal(options.device.journal, config.authority);
    const desk = await GuardianDesk.open({
      device: () => emit.agent?.dev ?? options.device,
      network,
      sessions,
      time: options.time,
      random: options.random,
      ask: options.ask ?? askerOf(config.policy),
      runOptions: () => emit.agent?.protocolOptions() ?? { time: options.time },
      events: (event) => emit.agent?.emit(event),
      survived: async (next, keyShare, facts, guardianship) => emit.agent?.survived(next, keyShare, facts, guardianship),
    }, journal);
    const former = removedDevices(journal);
    const agent = new DeviceAgent(options, network, sessions, journalSync, desk, former);
    emit.agent = agent;
    options.events?.({ event: 'ready', device: network.device, addresses: network.addresses().map(String) });
    return agent;
  }

  /** Calls `listener` with every event from now on (besides the options' `events`); returns an unsubscribe. */
  subscribe(listener: (event: AgentEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The open device as it is now (its config and share change with the membership). */
  get device(): OpenDevice {
    return this.dev;
  }

  /** The other members of the authority. */
  get members(): readonly MemberConfig[] {
    return this.others;
  }

  /** The other members connected now. */
  onlineMembers(): Member[] {
    return this.others.filter((m) => this.online.has(m.device));
  }

  /** Dials every member not connected; resolves when all are, or after `waitMs`. */
  async connect(waitMs: number): Promise<void> {
    for (const member of this.others) {
      if (this.online.has(member.device)) continue;
      // A member that is down is simply offline: callers ask onlineMembers() afterwards.
      // A dial that succeeds may bring no connection event (a connection to that peer was up already): count it online.
      this.network.node
        .dial(peerEntryOfAddress(member.address).addresses[0]!) // one address per member entry
        .then(() => {
          this.connectionChanged(member.peer, true);
        })
        .catch(() => undefined);
    }
    const deadline = this.options.time.now().ms + waitMs;
    while (this.onlineMembers().length < this.others.length && this.options.time.now().ms < deadline && !this.stopped) await this.options.time.sleep(50);
  }

  /** Keeps dialing members that are offline, every `intervalMs`, until {@link DeviceAgent.stop}. */
  keepConnected(intervalMs = 1000): void {
    void (async () => {
      while (!this.stopped) {
        await this.connect(0);
        await this.options.time.sleep(intervalMs);
      }
    })();
  }

  /**
   * Signs `message` with the group key together with the online members. Errors:
   * `agent.too-few-online` (naming who is missing), `agent.declined`, `agent.join-timeout`, and
   * the signing protocol's (`protocols.sign.*`).
   */
  async sign(message: Uint8Array, observer?: RoleObserver): Promise<SignOutcome> {
    const self = this.dev.config.device;
    const { signers: asked, value, session } = await this.initiate({ op: 'sign', message }, 'signing', (request, group) => this.signPart(request, self, group, observer));
    // The requester is always among the chosen (sign-quorum.ts), so it holds the signature.
    const { signature, signers, fact } = value!;
    const chosen = asked.filter((m) => signers.includes(m.device));
    this.emit({ event: 'signed', session, signers: chosen.map((m) => m.name), signature: toHex(signature) });
    return { signature, signers: chosen, fact };
  }

  /**
   * Derives the key of (`context`, `app`) by DKD together with the online members (at least the
   * threshold, who then attest its `dkd.context-key` fact with the group key; every participant
   * stores the fact). Errors: `agent.too-few-online`, `agent.declined`, `agent.join-timeout`,
   * those of DKD (`protocols.dkd.*`), of the signing (`protocols.sign.*`) and of admission.
   */
  async derive(context: string, app: string, observer?: RoleObserver): Promise<DeriveOutcome> {
    const { signers, value, session } = await this.initiate({ op: 'derive', context, app }, 'deriving', (request, group) => this.derivePart(request, group, observer));
    this.emit({ event: 'derived', session, context, app, members: signers.map((m) => m.name), publicKey: toHex(value.publicKey) });
    return { ...value, members: signers };
  }

  /**
   * Changes the authority's membership (see `membership-change.ts`): adds the devices of
   * `change.add` (each must be listening at its address, running its part as a new member, as
   * `JoiningDevice` does) and removes those of `change.remove`, by resharing among every member
   * that stays (all must be online) and the new devices, then signing the tree change with the
   * new group (epoch bump). When the authority has guardians, each guardian takes part too (asked
   * first on the guardian channel: it votes for the lock and gets a fresh recovery share of the
   * same group key), so a recovery keeps working; every participant records the guardianship
   * after the change. Every participant commits (new share, journal, config); a removed
   * device that is online learns it from its journal and destroys its share. Errors:
   * `agent.bad-change`, `agent.too-few-online` (naming the members missing),
   * `agent.guardians-unreachable` (naming the guardians that did not join: nothing changed),
   * `agent.guardian-declined` (every guardian that did not join declined under its policy: nothing
   * changed; the members, which had accepted, are told at once and stop with `agent.called-off`),
   * `agent.declined`, `agent.join-timeout`, those of resharing (`protocols.reshare.*`) and signing.
   */
  async changeMembership(change: MembershipChange, observer?: RoleObserver): Promise<ChangeResult> {
    const { config, secrets } = this.dev;
    this.checkActive();
    const epoch = await this.epoch();
    const { roles, body } = proposeChange(config, secrets.keyShare.publicKeyPackage, epoch, change);
    const staying = this.others.filter((m) => roles.includes(m.device));
    const missing = staying.filter((m) => !this.online.has(m.device));
    if (missing.length > 0) {
      throw transientError('agent.too-few-online', `changing the members needs every member that stays online, to replace its share; missing: ${missing.map((m) => `${m.name} (${m.device})`).join(', ')}`, { context: { missing: missing.map((m) => m.name).join(', ') } });
    }
    const joining = await Promise.all(body.add.map((m) => this.reach(m)));
    const own = this.desk.guardianships.own;
    const request: ChangeRequest = { op: 'reshare', session: randomIdentifier('session', this.options.random), roles, ...body, ...(own === undefined ? {} : { guardianship: own }) };
    if (own !== undefined) await this.dialGuardians(own);
    const { value } = await this.runInitiated(request, [...staying, ...joining], async (group) => {
      // Asked only once every member accepted, so has the change's sessions registered: a guardian's
      // device can be the lock's requester, which starts at once, and a frame of a session a member
      // does not know yet would be dropped.
      if (own !== undefined) await this.askGuardiansToChange(own, request, [...staying, ...joining]);
      return this.changePart(request, group, observer);
    });
    const removed = body.remove.map((device) => config.members.find((m) => m.device === device)?.name ?? device);
    // A removed member that is online learns of the change from the facts, and destroys its share.
    const online = config.members.filter((m) => body.remove.includes(m.device) && this.online.has(m.device));
    if (online.length > 0) await this.journalSync.syncWith(online.map((m) => m.device));
    this.emit({ event: 'membership-changed', session: request.session, epoch: value.epoch, members: this.dev.config.members.map((m) => m.name), threshold: request.threshold });
    return { ...value, removed };
  }

  /**
   * Makes `guardians` (each its own authority, its node running) guardians of this authority with
   * a recovery cooldown of `cooldownMs`: every device of the authority must be online (every share
   * is reshared onto the devices and the guardians, same group key); each guardian checks the
   * invitation under its own policy. Every owner device and guardian then records the guardianship
   * (`recovery.json`). Errors: `agent.too-few-online` (naming the missing devices),
   * `agent.too-few-guardians`, the guardians' refusals (`agent.declined`, `agent.bad-invitation`,
   * `agent.not-sole-signer`…), `agent.guardian-timeout`, those of the handshake and of `setUpGuardians`.
   */
  async addGuardians(guardians: readonly GuardianContact[], cooldownMs: number, observer?: RoleObserver): Promise<GuardiansOutcome> {
    const { config, secrets } = this.dev;
    this.checkActive();
    const missing = this.others.filter((m) => !this.online.has(m.device));
    if (missing.length > 0) {
      throw transientError('agent.too-few-online', `guardian setup reshares every device's share, so it needs all ${config.members.length} devices online; missing: ${missing.map((m) => `${m.name} (${m.device})`).join(', ')}`, { context: { missing: missing.map((m) => m.name).join(', ') } });
    }
    if (guardians.length < config.threshold) throw permanentError('agent.too-few-guardians', `a recovery needs ${config.threshold} guardian approvals (the threshold), so give at least ${config.threshold} guardians, got ${guardians.length}`);
    const guardianship: Guardianship = {
      authority: config.authority,
      groupKey: toHex(config.groupKey),
      threshold: config.threshold,
      epoch: await this.epoch(),
      cooldownMs,
      owners: config.members.map((m) => ({ name: m.name, device: m.device, address: m.address, hpkeKey: toHex(m.hpkePublicKey) })),
      guardians,
    };
    const request: RequestOf<Extract<AgentOperation, { op: 'guardian-setup' }>> = { op: 'guardian-setup', guardianship, session: randomIdentifier('session', this.options.random), roles: [...config.members.map((m) => m.device), ...guardians.map((g) => g.device)] };
    knowGuardianship(this.network, guardianship, config.device);
    const members = config.members.map((m) => ({ device: m.device, hpkePublicKey: m.hpkePublicKey }));
    // The guardians first: each checks the invitation under its policy and waits for the session.
    await Promise.all(guardians.map((g) => this.desk.ask(g.device, { k: 'setup', session: request.session, guardianship, publicKeyPackage: secrets.keyShare.publicKeyPackage, members }, POLICY_ANSWER_MS)));
    for (const g of guardians) this.emit({ event: 'accepted', session: request.session, by: g.name });
    const { value } = await this.runInitiated(request, this.onlineMembers(), (group) => this.guardianSetupPart(request, group, observer));
    this.emit({ event: 'guardians-added', session: request.session, guardians: guardians.map((g) => g.name) });
    return { guardianship, publicKeyPackage: value };
  }

  /** Dials every guardian before a change: an ask to a guardian that is not running would wait out the policy's time. */
  private async dialGuardians(guardianship: Guardianship): Promise<void> {
    const dialled = await Promise.allSettled(guardianship.guardians.map((g) => this.network.node.dial(peerEntryOfAddress(g.address).addresses[0]!))); // peerEntryOfAddress gives the one address it parsed
    const failure = unjoined(guardianship, dialled);
    if (failure !== undefined) throw failure.error;
  }

  /**
   * Asks every guardian of `guardianship` to take part in the change `request` (each checks it
   * under its policy and waits for the sessions), which `participants` (the members and joining
   * devices) accepted and have started. When a guardian does not join, they are told at once (an
   * `abort` naming it, see `agent-request.ts`), and so are the guardians that joined (`call-off`,
   * `guardian-link.ts`), so they stop with its reason rather than wait for a lock that never comes. Errors: `agent.guardian-declined`, `agent.guardians-unreachable`
   * (see {@link unjoined}); no share has moved then (a guardian that joined gives up when the lock
   * is never asked for).
   */
  private async askGuardiansToChange(guardianship: Guardianship, request: ChangeRequest, participants: readonly Member[]): Promise<void> {
    const encoded = encodeAgentMessage({ t: 'request', request });
    const answers = await Promise.allSettled(guardianship.guardians.map((g) => this.desk.ask(g.device, { k: 'change', request: encoded }, POLICY_ANSWER_MS)));
    const failure = unjoined(guardianship, answers);
    if (failure !== undefined) {
      const { error, guardian } = failure;
      const abort = encodeAgentMessage({ t: 'abort', session: request.session, code: error.code, reason: error.message, by: guardian });
      const joined = guardianship.guardians.filter((_, k) => answers[k]?.status === 'fulfilled');
      // The guardians that joined are told too. One that cannot be told stops at its own receive timeout, as before.
      await Promise.all([
        ...participants.map((m) => this.network.transport.send(m.device, AGENT_CHANNEL, abort).catch(() => undefined)),
        ...joined.map((g) => this.desk.ask(g.device, { k: 'call-off', abort }).catch(() => undefined)),
      ]);
      throw error;
    }
    for (const g of guardianship.guardians) this.emit({ event: 'accepted', session: request.session, by: g.name });
  }

  /** Why this device will not take part in setting up `guardianship`, or `undefined`. */
  private async checkGuardianship(guardianship: Guardianship): Promise<string | undefined> {
    const { config } = this.dev;
    if (guardianship.authority !== config.authority || guardianship.groupKey !== toHex(config.groupKey) || guardianship.threshold !== config.threshold) return `the guardianship is not of this authority (${config.authority}) with its group key and threshold`;
    if (guardianship.owners.map((o) => o.device).join(',') !== config.members.map((m) => m.device).join(',')) return 'the guardianship does not name exactly the devices of this authority';
    const epoch = await this.epoch();
    return guardianship.epoch === epoch ? undefined : `the guardianship is for epoch ${guardianship.epoch}, this device is at ${epoch}`;
  }

  /** This device's role in guardian setup: its share is reshared onto the devices and the guardians, stored, and the guardianship recorded. */
  private async guardianSetupPart(request: RequestOf<Extract<AgentOperation, { op: 'guardian-setup' }>>, group: SessionGroup, observer?: RoleObserver): Promise<PublicKeyPackage> {
    const { config, secrets, hpke, keys, journal } = this.dev;
    const { random, time } = this.options;
    const participant = { device: config.device, keyShare: secrets.keyShare, hpkeSecretKey: hpke.secretKey, random, crypto: new Ed25519CryptoEffects(random) };
    const lockJournal = await this.ownLockJournal();
    try {
      const outcome = await setUpGuardians(this.guardianSetupPlanOf(request), participant, group.transport, { ...this.runOptions(request, observer), keyStore: keys, lock: { journal: lockJournal, time, random } });
      if (outcome.keyShare === undefined) throw permanentError('agent.no-share', 'guardian setup ended without a new share for this device');
      this.dev = { ...this.dev, secrets: { ...secrets, keyShare: outcome.keyShare } };
      const change = guardianSetupTreeChange(request.guardianship, request.session);
      const view = authorityView(await loadJournal(journal, config.authority));
      const facts = await signTreeChange(change, outcome.publicKeyPackage, { device: config.device, keyShare: outcome.keyShare, random }, view.tree.tree, group.transport, this.runOptions(request, observer));
      await storeAuthorityFacts(journal, config.authority, config.groupKey, facts);
      await this.journalSync.written();
      await this.desk.recordOwn(afterTreeChange(request.guardianship, change));
      return outcome.publicKeyPackage;
    } catch (error) {
      // The resharing consumed the share in memory; the key store still holds the old one.
      if (!secrets.keyShare.alive) this.dev = { ...this.dev, secrets: { ...secrets, keyShare: await loadKeyShare(keys, config.authority) } };
      throw error;
    } finally {
      await lockJournal.flush();
    }
  }

  /** The guardian setup plan of `request` with this device's key package and members. */
  private guardianSetupPlanOf(request: RequestOf<Extract<AgentOperation, { op: 'guardian-setup' }>>): GuardianSetupPlan {
    const { config, secrets } = this.dev;
    return guardianSetupPlan(request.guardianship, secrets.keyShare.publicKeyPackage, config.members.map((m) => ({ device: m.device, hpkePublicKey: m.hpkePublicKey })), request.session);
  }

  /** This device's part in the operation lock, one journal for all its operations, read again from the store. */
  private async ownLockJournal(): Promise<StoredLockJournal> {
    const { config, secrets, journal } = this.dev;
    this.lockJournal ??= StoredLockJournal.open(journal, { authority: config.authority, groupKey: config.groupKey, device: config.device, deviceKey: secrets.deviceKey }, this.options.random);
    const lockJournal = await this.lockJournal;
    await lockJournal.refresh();
    return lockJournal;
  }

  /**
   * After a recovery this device survived: its new share, the tree change's facts, its members
   * (the survivors and the new device) and its guardianship, committed the way a membership change
   * is (`commitChange`: one key store rewrite holds them all, the journal, config and
   * `recovery.json` follow and are finished on the next open after a crash), then applied.
   */
  private async survived(config: DeviceConfig, keyShare: KeyShare, facts: readonly FactRecord[], guardianship: Guardianship): Promise<void> {
    const { dir, keys, journal } = this.dev;
    const next = await commitChange({ dir, keys, journal }, config, { keyShare, publicKeyPackage: keyShare.publicKeyPackage, facts }, guardianship);
    await this.journalSync.written();
    this.dev = { ...this.dev, config: next, secrets: { ...this.dev.secrets, keyShare } };
    this.setMembers(next);
  }

  /** The run options of a protocol this device runs outside a request (the desk's): receive bound and the trace. */
  private protocolOptions(): RunOptions {
    return { time: this.options.time, receiveTimeoutMs: this.options.receiveTimeoutMs ?? 15_000, ...(this.options.observer === undefined ? {} : { observer: this.options.observer }) };
  }

  /** Starts `operation` with every online member (at least the threshold) and runs this device's part with `part`. */
  private async initiate<O extends Exclude<AgentOperation, { op: 'reshare' }>, T>(
    operation: O,
    what: string,
    part: (request: RequestOf<O>, group: SessionGroup) => Promise<T>,
  ): Promise<{ readonly signers: readonly MemberConfig[]; readonly value: T; readonly session: SessionId }> {
    const { config } = this.dev;
    this.checkActive();
    const online = this.onlineMembers();
    const signers = config.members.filter((m) => m.device === config.device || this.online.has(m.device));
    if (signers.length < config.threshold) {
      const missing = this.others.filter((m) => !this.online.has(m.device));
      throw transientError(
        'agent.too-few-online',
        `${what} needs ${config.threshold} of ${config.members.length} devices; online: ${signers.map((m) => m.name).join(', ')}; missing: ${missing.map((m) => `${m.name} (${m.device})`).join(', ')}`,
        { context: { threshold: config.threshold, online: signers.length, missing: missing.map((m) => m.name).join(', ') } },
      );
    }
    const request = { ...operation, session: randomIdentifier('session', this.options.random), roles: signers.map((m) => m.device) } as RequestOf<O>;
    const { value, session } = await this.runInitiated(request, online, (group) => part(request, group));
    return { signers, value, session };
  }

  /** Asks `participants` to take part in `request`, then runs this device's part in the request's session group. */
  private async runInitiated<T>(request: AgentRequest, participants: readonly Member[], part: (group: SessionGroup) => Promise<T>): Promise<{ readonly value: T; readonly session: SessionId }> {
    const { session } = request;
    const group = this.sessions.group(roleMap(request), await this.knownSessions(request, this.dev.config.device));
    try {
      await this.gather(request, participants);
      return { value: await part(group), session };
    } catch (error) {
      const failure = toAuraError(error);
      this.emit({ event: 'failed', session, code: failure.code, message: failure.message });
      throw failure;
    } finally {
      group.end();
    }
  }

  /** Connects to a joining device at its address: it is then a participant like a member. */
  private async reach(member: NewMember): Promise<Member> {
    const entry = peerEntryOfAddress(member.address);
    if (entry.device !== member.device) throw permanentError('agent.bad-change', `the address of ${member.name} names another device than ${member.device}`);
    this.network.directory.register(entry);
    try {
      await this.network.node.dial(entry.addresses[0]!); // peerEntryOfAddress gives the one address it parsed
    } catch (error) {
      throw transientError('agent.too-few-online', `the new device ${member.name} does not answer at ${member.address}: ${(error as Error).message}`, { cause: error });
    }
    return { name: member.name, device: member.device, address: member.address, hpkePublicKey: member.hpkePublicKey, peer: entry.peer };
  }

  /**
   * Syncs the journal with every online member now. Error: `agent.too-few-online` when no member
   * is online (naming the missing); a session that fails is a result with outcome `failed`.
   */
  async syncNow(): Promise<SyncResult[]> {
    const online = this.onlineMembers();
    if (online.length === 0) {
      throw transientError('agent.too-few-online', `syncing needs another device online; missing: ${this.others.map((m) => `${m.name} (${m.device})`).join(', ')}`, { context: { online: 0 } });
    }
    const results = await this.journalSync.syncWith(online.map((m) => m.device));
    return results.map((result, k): SyncResult => {
      const name = online[k]!.name; // one result per online member, in order
      if (result.status === 'rejected') return { name, outcome: 'failed', sent: 0, added: 0, rejected: 0, error: `error[${toAuraError(result.reason).code}]: ${toAuraError(result.reason).message}` };
      const { outcome, sent, added, rejected } = result.value;
      return { name, outcome, sent, added, rejected: rejected.length };
    });
  }

  /** When the journal last finished a sync session (ms since the epoch), or `null`. */
  get lastSync(): number | null {
    return this.journalSync.lastSync;
  }

  /** Stops serving and leaves the network. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.journalSync.close();
    await this.desk.close();
    for (const stop of this.unsubscribe) stop();
    this.sessions.close();
    for (const joining of this.joining.values()) joining.reject(transientError('agent.stopped', 'the agent stopped'));
    await this.network.stop();
  }

  private async gather(request: AgentRequest, participants: readonly Member[]): Promise<void> {
    if (participants.length === 0) return;
    const { session } = request;
    const accepted = new Promise<void>((resolve, reject) => this.joining.set(session, { waiting: new Set(participants.map((m) => m.device)), resolve, reject }));
    const limit = this.options.joinTimeoutMs ?? 10_000;
    const state = { settled: false };
    const timeout = (async () => {
      const deadline = this.options.time.now().ms + limit;
      while (!state.settled && this.options.time.now().ms < deadline) await this.options.time.sleep(50);
      const waiting = [...(this.joining.get(session)?.waiting ?? [])].map((device) => this.nameOf(device));
      if (!state.settled) throw transientError('agent.join-timeout', `no answer within ${limit} ms from ${waiting.join(', ')}`, { context: { session } });
    })();
    const wire = encodeAgentMessage({ t: 'request', request });
    this.emit({ event: 'request-sent', session, op: request.op, to: participants.map((m) => m.name) });
    try {
      await Promise.all(participants.map((m) => this.network.transport.send(m.device, AGENT_CHANNEL, wire)));
      await Promise.race([accepted, timeout]);
    } finally {
      state.settled = true;
      this.joining.delete(session);
    }
    const start = encodeAgentMessage({ t: 'start', session });
    await Promise.all(participants.map((m) => this.network.transport.send(m.device, AGENT_CHANNEL, start)));
  }

  /** Serves this device's part of an accepted `request`. */
  private async serve(request: AgentRequest, from: DeviceId, group: SessionGroup): Promise<void> {
    if (request.op === 'sign') await this.signPart(request, from, group);
    else if (request.op === 'derive') await this.derivePart(request, group);
    else if (request.op === 'guardian-setup') await this.guardianSetupPart(request, group);
    else await this.changePart(request, group);
  }

  /**
   * This device's part of a membership change: the resharing and the signing of the tree change,
   * then the commit (new share, journal, config) and the switch to the new members. On failure the
   * old share, still in the key store, is loaded back (the resharing consumed the one in memory).
   */
  private async changePart(request: ChangeRequest, group: SessionGroup, observer?: RoleObserver): Promise<Omit<ChangeResult, 'removed'>> {
    const { config, secrets, journal, keys, dir, hpke } = this.dev;
    const view = authorityView(await loadJournal(journal, config.authority));
    const hpkeKeyOf = (device: DeviceId): Uint8Array => {
      const member = config.members.find((m) => m.device === device) ?? request.add.find((m) => m.device === device);
      if (member === undefined) throw permanentError('agent.bad-change', `${device} is neither a member nor joining`);
      return member.hpkePublicKey;
    };
    const { random, time } = this.options;
    const lockJournal = await this.ownLockJournal();
    let outcome: ChangeOutcome;
    try {
      outcome = await runChangePart(request, { device: config.device, keyShare: secrets.keyShare, hpkeSecretKey: hpke.secretKey, random, lock: { journal: lockJournal, time, random, calledOff: () => group.aborted !== undefined } }, view, hpkeKeyOf, group.transport, this.runOptions(request, observer));
    } catch (error) {
      if (!secrets.keyShare.alive) this.dev = { ...this.dev, secrets: { ...secrets, keyShare: await loadKeyShare(keys, config.authority) } };
      throw error;
    } finally {
      await lockJournal.flush();
      await this.journalSync.written();
    }
    // The guardianship after the change is committed with it (recovery.json cannot lag the key store).
    const guardianship = guardianshipAfterChange(request);
    const next = await commitChange({ dir, keys, journal }, changedConfig(config, config.device, request), outcome, guardianship);
    secrets.keyShare.dispose();
    this.dev = { ...this.dev, config: next, secrets: { ...secrets, keyShare: outcome.keyShare } };
    this.setMembers(next);
    if (guardianship !== undefined) this.desk.ownCommitted(guardianship);
    await this.journalSync.written();
    return { epoch: request.epoch + 1, members: next.members.map((m) => m.name), threshold: next.threshold, groupKey: next.groupKey };
  }

  /** This device's role in a FROST signing session. */
  /**
   * This device's part of a signing asked by `requester` (see `quorum-sign-sessions.ts`): the
   * quorum signing of the `signature.issued` fact (the first t members that answer), which it
   * stores; then, when it is one of the chosen, the signing of the message with the other chosen.
   * Returns the signature, or `undefined` at a member that was not chosen.
   */
  private async signPart(request: RequestOf<Extract<AgentOperation, { op: 'sign' }>>, requester: DeviceId, group: SessionGroup, observer?: RoleObserver): Promise<Omit<SignOutcome, 'signers'> & { readonly signers: readonly DeviceId[] } | undefined> {
    const { secrets, config, journal } = this.dev;
    const epoch = await this.epoch();
    const options = this.runOptions(request, observer);
    const signer = { device: config.device, keyShare: secrets.keyShare, message: request.message, random: this.options.random };
    const quorum = { authority: config.authority, publicKeyPackage: secrets.keyShare.publicKeyPackage, members: request.roles, requester, session: request.session, epoch };
    const { record } = await runQuorumSigning(quorum, signer, group.transport, options);
    await storeAuthorityFacts(journal, config.authority, config.groupKey, [record]);
    await this.journalSync.written();
    const { signers } = record.fact.payload as SignatureIssuedPayload;
    if (!signers.includes(config.device)) return undefined;
    const { signature } = await runSigningDevice({ signers, publicKeyPackage: secrets.keyShare.publicKeyPackage, session: messageSession(request.session, signers), epoch }, signer, group.transport, options);
    return { signature, signers, fact: record.key };
  }

  /** This device's role in a DKD session, then in signing its `dkd.context-key` fact, which it stores. */
  private async derivePart(request: RequestOf<Extract<AgentOperation, { op: 'derive' }>>, group: SessionGroup, observer?: RoleObserver): Promise<Derived> {
    const { secrets, config, journal } = this.dev;
    const epoch = await this.epoch();
    const options = this.runOptions(request, observer);
    const random = this.options.random;
    const dkdRequest = { authority: config.authority, context: request.context, app: request.app, epoch };
    const derived = await runDkd({ members: request.roles, groupPublicKey: config.groupKey, session: request.session }, { device: config.device, request: dkdRequest, random }, group.transport, options);
    // Every participant must sign the same bytes, so the fact's nonce comes from the agreed session.
    const draft = dkdFactDraft(derived, agreedRandom(request.session));
    const signing = { authority: config.authority, publicKeyPackage: secrets.keyShare.publicKeyPackage, signers: request.roles, session: contextKeyFactSession(request.session), epoch };
    const { record } = await attestFact(signing, { device: config.device, keyShare: secrets.keyShare, random }, draft, group.transport, options);
    await storeAuthorityFacts(journal, config.authority, config.groupKey, [record]);
    await this.journalSync.written();
    return { publicKey: derived.keyPair.publicKey, epoch, fact: record.key };
  }

  /**
   * The sessions of `request` (asked by `requester`) whose roles differ from the group's (see
   * `session-groups.ts`): the quorum signing and the message signing of `sign`
   * (`quorum-sign-sessions.ts`), the signing of the `dkd.context-key` fact of `derive`, the
   * operation lock's sessions of a membership change.
   */
  private async knownSessions(request: AgentRequest, requester: DeviceId): Promise<Map<SessionId, Map<string, DeviceId>>> {
    if (request.op === 'reshare') return changeSessions(request);
    if (request.op === 'guardian-setup') return new Map([...guardianSetupSessions(this.guardianSetupPlanOf(request), roleMap(request)), ...treeChangeSessions(guardianSetupTreeChange(request.guardianship, request.session))]);
    const epoch = await this.epoch();
    const { threshold } = this.dev.config;
    if (request.op === 'sign') return quorumSignSessions(request.session, epoch, request.roles, requester, threshold);
    return exclusionSessions(epochSession(contextKeyFactSession(request.session), epoch), request.roles, threshold);
  }

  /** The authority's current epoch, from the journal. */
  private async epoch(): Promise<number> {
    const { config, journal } = this.dev;
    return authorityView(await loadJournal(journal, config.authority)).epoch;
  }

  /** The run options of `request`: receive bound, progress events (who answered which round), traces. */
  private runOptions(request: AgentRequest, observer?: RoleObserver): RunOptions {
    const progress: RoleObserver = {
      onEvent: (event) => {
        if (event.type === 'recv' && event.peer !== undefined && event.label !== undefined) {
          const device = deviceOfRole(request, event.peer);
          this.emit({ event: 'round', session: event.session, label: event.label, from: device === undefined ? event.peer : this.nameOf(device) });
        }
      },
    };
    const watchers = [progress, ...(observer === undefined ? [] : [observer]), ...(this.options.observer === undefined ? [] : [this.options.observer])];
    return { time: this.options.time, receiveTimeoutMs: this.options.receiveTimeoutMs ?? 15_000, observer: composeObservers(...watchers) };
  }

  private receive(from: DeviceId, payload: Uint8Array): void {
    let message: AgentMessage;
    try {
      message = decodeAgentMessage(payload);
    } catch (error) {
      const failure = toAuraError(error);
      this.emit({ event: 'failed', session: randomIdentifier('session', this.options.random), code: failure.code, message: `from ${this.nameOf(from)}: ${failure.message}` });
      return;
    }
    switch (message.t) {
      case 'request':
        void this.requested(message.request, from);
        return;
      case 'accept':
      case 'decline':
        this.answered(message, from);
        return;
      case 'start':
        void this.started(message.session, from);
        return;
      case 'abort':
        this.calledOff(message, from);
        return;
    }
  }

  /**
   * The device that started a session this device accepted or serves called it off: the session's
   * roles stop at once with `agent.called-off` (a role not opened yet stops as it opens), so the
   * failure is the initiator's reason, not a receive timeout. From any other device it is ignored.
   */
  private calledOff(abort: Extract<AgentMessage, { t: 'abort' }>, from: DeviceId): void {
    const run = this.serving.get(abort.session) ?? this.accepted.get(abort.session);
    if (run === undefined || run.from.device !== from) return;
    const error = calledOff(abort, run.from.name);
    if (this.accepted.delete(abort.session)) {
      run.group.end();
      this.emit({ event: 'failed', session: abort.session, code: error.code, message: error.message });
      return;
    }
    run.group.abort(error);
  }

  private async requested(request: AgentRequest, fromDevice: DeviceId): Promise<void> {
    const { session } = request;
    const from = this.others.find((m) => m.device === fromDevice);
    const decline = (code: string, reason: string): Promise<void> => {
      this.emit({ event: 'declined', session, for: from?.name ?? fromDevice, reason });
      return this.network.transport.send(fromDevice, AGENT_CHANNEL, encodeAgentMessage({ t: 'decline', session, code, reason })).catch(() => undefined);
    };
    if (from === undefined || this.retired) return decline('agent.not-a-member', `${fromDevice} is not a member of authority ${this.dev.config.authority}`);
    const problem = await this.checkRequest(request, fromDevice);
    if (problem !== undefined) return decline('agent.bad-request', problem);
    if (request.op === 'reshare') for (const member of request.add) this.network.directory.register(peerEntryOfAddress(member.address));
    const approval = await this.approve(request, from);
    if (!approval.approved) return decline('agent.declined', approval.reason);
    if (this.accepted.has(session)) return decline('agent.bad-request', `session ${session} was already requested`);
    const group = this.sessions.group(roleMap(request), await this.knownSessions(request, fromDevice));
    this.accepted.set(session, { request, from, group });
    await this.network.transport.send(fromDevice, AGENT_CHANNEL, encodeAgentMessage({ t: 'accept', session })).catch((error: unknown) => {
      this.accepted.delete(session);
      group.end();
      const failure = toAuraError(error);
      this.emit({ event: 'failed', session, code: failure.code, message: failure.message });
    });
  }

  /** Why this device refuses `request` from `from` (a member), or `undefined`. */
  private async checkRequest(request: AgentRequest, from: DeviceId): Promise<string | undefined> {
    const { config, secrets } = this.dev;
    if (request.op === 'reshare') return checkChangeRequest(config, secrets.keyShare.publicKeyPackage, await this.epoch(), request, from, this.desk.guardianships.own);
    const self = config.device;
    const invited = request.op === 'guardian-setup' ? request.guardianship.guardians.map((g) => g.device) : [];
    const strangers = request.roles.filter((device) => device !== self && !invited.includes(device) && !this.others.some((m) => m.device === device));
    if (strangers.length > 0 || !request.roles.includes(self) || !request.roles.includes(from) || new Set(request.roles).size !== request.roles.length) {
      return 'the participants must be distinct members, including this device and the requester';
    }
    return request.op === 'guardian-setup' ? this.checkGuardianship(request.guardianship) : undefined;
  }

  /**
   * Whether `device` may sync this device's journal, which is the authority's: a member; a device
   * taking part in a run with this one (a device being added copies the journal before it is a
   * member); or a former member, so that a removed device learns of its removal from the journal.
   */
  maySync(device: DeviceId): boolean {
    return this.dev.config.members.some((m) => m.device === device) || this.formerMembers.has(device) || this.sessions.takesPart(device);
  }

  /** The other members of `config`, known to the network and the journal sync. */
  private setMembers(config: DeviceConfig): void {
    for (const member of this.others) if (!config.members.some((m) => m.device === member.device)) this.formerMembers.add(member.device);
    this.others = config.members.filter((m) => m.device !== config.device).map((m) => ({ ...m, peer: peerEntryOfAddress(m.address).peer }));
    for (const member of this.others) {
      this.network.directory.register(peerEntryOfAddress(member.address));
      this.journalSync.addPeer(member.device);
      if (this.network.node.getConnections(member.peer).length > 0) this.online.add(member.device);
    }
    for (const device of this.online) if (!this.others.some((m) => m.device === device)) this.online.delete(device);
  }

  /** Error `agent.no-share` once this device was removed from its authority. */
  private checkActive(): void {
    if (this.retired) throw permanentError('agent.no-share', `this device was removed from authority ${this.dev.config.authority} and destroyed its share`);
  }

  /**
   * After its journal received facts: when the tree no longer holds this device, it was removed
   * by the group (the facts were admitted under the group key), so it destroys its share.
   */
  private async checkStillMember(journal: Journal): Promise<void> {
    const { config, keys, secrets } = this.dev;
    if (this.retired) return;
    const view = authorityView(journal);
    // A device the tree never held (recovered through guardians, its leaf not recorded yet) was not removed.
    if (view.members.some((m) => m.id === config.device) || !removedDevices(journal).has(config.device)) return;
    this.retired = true;
    await removeKeyShare(keys, config.authority);
    secrets.keyShare.dispose();
    this.emit({ event: 'removed', device: config.device, epoch: view.epoch });
  }

  private answered(answer: Extract<AgentMessage, { t: 'accept' | 'decline' }>, from: DeviceId): void {
    const joining = this.joining.get(answer.session);
    if (joining === undefined || !joining.waiting.has(from)) return; // late or unasked: nothing waits for it
    if (answer.t === 'decline') {
      joining.reject(permanentError('agent.declined', `${this.nameOf(from)} declined: ${answer.reason} (${answer.code})`, { context: { device: from, code: answer.code } }));
      return;
    }
    this.emit({ event: 'accepted', session: answer.session, by: this.nameOf(from) });
    joining.waiting.delete(from);
    if (joining.waiting.size === 0) joining.resolve();
  }

  private async started(session: SessionId, from: DeviceId): Promise<void> {
    const accepted = this.accepted.get(session);
    if (accepted === undefined || accepted.from.device !== from) return; // not a session this device accepted from that device
    this.accepted.delete(session);
    this.serving.set(session, accepted);
    try {
      await this.serve(accepted.request, accepted.from.device, accepted.group);
      this.emit({ event: 'served', session, op: accepted.request.op, for: accepted.from.name });
    } catch (error) {
      // Called off by the initiator: its reason is the failure, not how the roles stopped.
      const failure = accepted.group.aborted ?? toAuraError(error);
      this.emit({ event: 'failed', session, code: failure.code, message: failure.message });
    } finally {
      this.serving.delete(session);
      accepted.group.end();
    }
  }

  private peerGone(device: DeviceId, reason: string): void {
    for (const joining of this.joining.values()) {
      if (joining.waiting.has(device)) joining.reject(transientError('agent.peer-gone', `${this.nameOf(device)} went away before answering: ${reason}`, { context: { device } }));
    }
    for (const [session, accepted] of this.accepted) {
      if (accepted.from.device !== device) continue;
      this.accepted.delete(session);
      accepted.group.end();
    }
  }

  private connectionChanged(peer: PeerId, connected: boolean): void {
    const member = this.others.find((m) => m.peer.equals(peer));
    if (member === undefined) return;
    const isOnline = this.network.node.getConnections(peer).length > 0 || connected;
    if (isOnline === this.online.has(member.device)) return;
    if (isOnline) this.online.add(member.device);
    else this.online.delete(member.device);
    this.emit({ event: isOnline ? 'peer-online' : 'peer-offline', name: member.name, device: member.device });
    // A member that comes online may hold facts this device missed (or lack its own): sync at once.
    if (isOnline) void this.journalSync.syncWith([member.device]);
  }

  private syncEvent(event: SyncEvent): void {
    if (event.event === 'sync-done') {
      const { peer, outcome, sent, added, rejected } = event.report;
      this.emit({ event: 'synced', peer: this.nameOf(peer), outcome, sent, added, rejected: rejected.length });
      if (added > 0) {
        void this.checkJournal().catch((error: unknown) => {
          const failure = toAuraError(error);
          this.emit({ event: 'failed', session: randomIdentifier('session', this.options.random), code: failure.code, message: `checking membership and guardianship: ${failure.message}` });
        });
      }
    } else if (event.event === 'sync-failed') {
      this.emit({ event: 'sync-failed', peer: this.nameOf(event.peer), code: event.code, message: event.message });
    }
  }

  /** After synced facts reached the journal: whether this device is still a member, and its guardianship's epoch, from one load of it. */
  private async checkJournal(): Promise<void> {
    const journal = await loadJournal(this.dev.journal, this.dev.config.authority);
    await Promise.all([this.checkStillMember(journal), this.desk.catchUpOwn(journal)]);
  }

  private nameOf(device: DeviceId): string {
    return this.dev.config.members.find((m) => m.device === device)?.name ?? device;
  }

  private emit(event: AgentEvent): void {
    this.options.events?.(event);
    for (const listener of this.listeners) listener(event);
  }
}

/**
 * Why guardians of `guardianship` did not join, from their answers (one each, in order):
 * `agent.guardian-declined` when every one that failed declined under its policy, else
 * `agent.guardians-unreachable`; either names each such guardian and why. `guardian` is the
 * first such guardian's device. `undefined` when all joined.
 */
function unjoined(guardianship: Guardianship, answers: readonly PromiseSettledResult<unknown>[]): { readonly error: AuraError; readonly guardian: DeviceId } | undefined {
  const failed = guardianship.guardians.flatMap((g, k) => {
    const answer = answers[k]!; // one answer per guardian
    return answer.status === 'rejected' ? [{ guardian: g, error: toAuraError(answer.reason) }] : [];
  });
  const first = failed[0];
  if (first === undefined) return undefined;
  const named = failed.map(({ guardian, error }) => `${guardian.name} (${guardian.device}): ${error.message}`).join('; ');
  const context = { authority: guardianship.authority, guardian: first.guardian.device };
  const why = "changing the devices reshares the guardians' recovery shares too, so every guardian must take part";
  const error = failed.every(({ error }) => error.code === 'agent.declined')
    ? permanentError('agent.guardian-declined', `${why}; declined: ${named}. Nothing changed`, { context })
    : transientError('agent.guardians-unreachable', `${why}; not joined: ${named}. Nothing changed`, { context });
  return { error, guardian: first.guardian.device };
}

/** The devices that tree operations in `journal` removed. */
function removedDevices(journal: Journal): Set<string> {
  const removed = new Set<string>();
  for (const record of journal.facts.values()) {
    if (record.fact.typeId !== TREE_OP.typeId) continue;
    const { op } = record.fact.payload as TreeOpPayload;
    if (op.kind === 'removeLeaf') removed.add(op.leaf);
  }
  return removed;
}
