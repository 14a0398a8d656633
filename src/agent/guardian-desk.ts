/**
 * The guardian side of a running device, and the owner side of a dispute. A device that guards
 * other authorities (`recovery.json`'s `guarding`, its recovery shares in its key store) answers,
 * on the guardian channel of `guardian-link.ts`:
 *
 * - `setup`: an authority's device invites it to become a guardian; under its approval policy it
 *   joins the `GuardianSetup` session (`setUpGuardians`), signing its acceptance with its own
 *   authority's key (a threshold-1 group: `sole-signer.ts`), receives its HPKE-sealed recovery
 *   share, stores it, and records the guardianship (one crash-safe commit, `pending-guarding.ts`);
 * - `submit`: a new device's signed `recovery.requested` fact: stored (`recovery-store.ts`) so the
 *   guardian's person can look at it (`aura recovery status`) and approve it
 *   (`aura recovery approve`, {@link GuardianDesk.approve}: a `recovery.approved` fact signed with
 *   the guardian's authority key); the answer is the guardian's `state` (guardianship, key
 *   package, approved, disputed), which the new device polls;
 * - `dispute`: an owner device's signed `recovery.disputed` fact: stored, so the recovery
 *   session's cooldown check (`DisputeWatch`) sees it;
 * - `change`: an owner device changes the authority's devices (`aura device add|remove`): under
 *   its approval policy the guardian joins the change (`runGuardianChangePart` of
 *   `membership-change.ts`: it votes for the operation lock and receives a fresh recovery share of
 *   the unchanged group key), stores the share and records the guardianship after the change
 *   (owners, threshold, epoch);
 * - `call-off`: the owner device that asked for a `change` calls it off (another guardian
 *   declined): this guardian's part stops at once with `agent.called-off`, instead of waiting
 *   out its receive timeout for the lock;
 * - `recover`: the new device, once enough guardians approved, starts the `Recovery` session
 *   (`runRecovery`): this guardian's approval in the session is its stored one; after the
 *   cooldown it reports any stored dispute; if the recovery completes its new recovery share
 *   replaces the old one and the new device joins the guardianship's owners.
 *
 * Every run joins a session group that maps, besides the run's roles, the operation lock's
 * sessions and every attempt of its resharing an exclusion can reach, with the dealers of that
 * attempt ({@link guardianSetupSessions}, {@link recoverySessions}): a dealer named for a fault is
 * replaced by the next one in a session of its own, at the guardians as at the owners.
 *
 * The owner side: {@link GuardianDesk.dispute} signs a `recovery.disputed` fact with the device
 * key and delivers it to every guardian it reaches.
 *
 * Source: issue 11 item 2; `docs/protocols.md` (guardian setup and recovery).
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import { bytesEqual, fromHex, toHex } from '../core/bytes.ts';
import { encodeCanonical } from '../core/canonical.ts';
import type { PhysicalTimeEffects, RandomEffects } from '../core/effects.ts';
import { permanentError, toAuraError, transientError } from '../core/errors.ts';
import type { AuthorityId, DeviceId, SessionId } from '../core/identifiers.ts';
import { decodeKeyShare, type KeyShare, type PublicKeyPackage } from '../crypto/key-share.ts';
import { decodeFact, sealFact, unsignedPart, type FactRecord } from '../journal/fact.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { peerEntryOfAddress, type NetworkDevice } from '../handlers/network/network-device.ts';
import { familyRole, type RunOptions } from '../protocols/protocol-source.ts';
import { authorityIdOf, authorityView, type AuthorityView } from '../protocols/authority.ts';
import type { Journal } from '../journal/journal.ts';
import { loadJournal } from './authority-journal.ts';
import { keyShareEntry } from '../protocols/authority-key-store.ts';
import { guardianLeaf, guardianSetupOperation, guardianSetupReshare, setUpGuardians, type GuardianSetupPlan } from '../protocols/guardian-setup.ts';
import { membershipOps } from '../protocols/reshare.ts';
import { calledOff, decodeAgentMessage } from './agent-request.ts';
import { changeRoles, changeSessions, guardianshipAfterChange, runGuardianChangePart } from './membership-change.ts';
import { lockSessions, type LockParticipant } from '../protocols/lock-guard.ts';
import { localLockJournal } from './lock-journal.ts';
import { approvedDraft, disputeDraftOf, journalDisputeWatch, RECOVERY_DISPUTED, RECOVERY_REQUESTED, recoveryContext, recoveryOperation, recoveryRequestId, recoveryReshare, runRecovery, type RecoveryPlan, type RecoveryRequest } from '../protocols/recovery.ts';
import { attestationTranscript, deviceAttestation, thresholdAttestation } from '../journal/attestation.ts';
import type { Asker } from './approval.ts';
import type { DeviceConfig } from './device-config.ts';
import type { OpenDevice } from './device-dir.ts';
import { GuardianLink, type GuardianAnswer, type GuardianAsk, type GuardianState } from './guardian-link.ts';
import { guarded, guardianOf, isGuardianDevice, updateGuardianships, type Guardianship, type Guardianships, type OwnerContact } from './guardianship.ts';
import { commitGuarding } from './pending-guarding.ts';
import { RecoveryStore, type KnownRequest } from './recovery-store.ts';
import { reshareSessions, type SessionGroup, type SessionGroups } from './session-groups.ts';
import { signAlone } from './sole-signer.ts';
import { signTreeChange, treeChangeSessions, type TreeChange } from './tree-change.ts';

/** What the desk reports. */
export type DeskEvent =
  | { readonly event: 'guardian-joined'; readonly authority: AuthorityId; readonly guardians: number }
  | { readonly event: 'guardianship-changed'; readonly authority: AuthorityId; readonly owners: number; readonly epoch: number }
  | { readonly event: 'recovery-requested'; readonly authority: AuthorityId; readonly request: string; readonly newDevice: DeviceId }
  | { readonly event: 'recovery-disputed'; readonly authority: AuthorityId; readonly request: string }
  | { readonly event: 'recovery-cooldown'; readonly authority: AuthorityId; readonly request: string; readonly endsAt: string }
  | { readonly event: 'recovery-completed'; readonly authority: AuthorityId; readonly request: string; readonly newDevice: DeviceId }
  | { readonly event: 'recovery-failed'; readonly authority: AuthorityId; readonly request: string; readonly code: string; readonly message: string }
  | { readonly event: 'recovery-tree-unchanged'; readonly authority: AuthorityId; readonly request: string; readonly code: string; readonly message: string };

/** Where a request stands, as one guardian (or owner device) sees it. */
export interface RequestStatus {
  /** The authority to recover. */
  readonly authority: AuthorityId;
  /** The request id (hex). */
  readonly request: string;
  /** The new device. */
  readonly newDevice: DeviceId;
  /** `requested`, `approved` (by this guardian), `cooldown`, `completed`, `disputed` or `failed`. */
  readonly phase: string;
  /** The guardians (names) whose approval this device holds. */
  readonly approvedBy: readonly string[];
  /** Approvals the recovery needs. */
  readonly needed: number;
  /** Whether a dispute is stored. */
  readonly disputed: boolean;
  /** Milliseconds left of the cooldown, while it runs. */
  readonly cooldownLeftMs?: number;
  /** Why it failed (`failed` only): `error[CODE]: message`. */
  readonly error?: string;
}

/** A dispute's delivery to one guardian. */
export interface DisputeDelivery {
  /** The guardian's name. */
  readonly guardian: string;
  /** Whether it stored the dispute. */
  readonly delivered: boolean;
  /** Why not: `error[CODE]: message`. */
  readonly error?: string;
}

/** How to open the desk of a running device. */
export interface DeskOptions {
  /** The open device as it is now (its config and share change). */
  readonly device: () => OpenDevice;
  /** Its node. */
  readonly network: NetworkDevice;
  /** The device's session groups. */
  readonly sessions: SessionGroups;
  /** Time. */
  readonly time: PhysicalTimeEffects;
  /** Randomness. */
  readonly random: RandomEffects;
  /** The device's approval policy, for invitations. */
  readonly ask: Asker;
  /** The run options of a protocol this device runs. */
  readonly runOptions: () => RunOptions;
  /** Where events go. */
  readonly events: (event: DeskEvent) => void;
  /** After a recovery this device survived: its new config (members), share, tree facts and guardianship, to commit (one pending change) and apply. */
  readonly survived: (config: DeviceConfig, keyShare: KeyShare, facts: readonly FactRecord[], guardianship: Guardianship) => Promise<void>;
}

/** How long to wait for a guardian's answer, in ms. */
export const GUARDIAN_ANSWER_MS = 5000;

/** How long to wait for an answer that may ask a person first (an invitation, a survivor taking part), in ms. */
export const POLICY_ANSWER_MS = 60_000;

/**
 * The role map of guardian setup: `P[k]`/`D[k]` the owners (the first `threshold` deal),
 * `Guardian[k]` the guardians, `R[j]` the owners then the guardians (the new members).
 */
export function guardianSetupRoles(owners: readonly DeviceId[], guardians: readonly DeviceId[], threshold: number): Map<RoleName, DeviceId> {
  const roles = new Map<RoleName, DeviceId>();
  owners.forEach((device, k) => roles.set(familyRole('P', k), device));
  owners.slice(0, threshold).forEach((device, k) => roles.set(familyRole('D', k), device));
  guardians.forEach((device, k) => roles.set(familyRole('Guardian', k), device));
  [...owners, ...guardians].forEach((device, j) => roles.set(familyRole('R', j), device));
  return roles;
}

/**
 * The sessions of guardian setup `plan` mapped ahead, at the owners and the guardians alike: the
 * operation lock's, and every attempt of its resharing with `roles` (the run's role map, see
 * {@link guardianSetupRoles}) and the dealers of the attempt (`reshareSessions`).
 */
export function guardianSetupSessions(plan: GuardianSetupPlan, roles: ReadonlyMap<RoleName, DeviceId>): Map<SessionId, Map<RoleName, DeviceId>> {
  return new Map([...lockSessions(guardianSetupOperation(plan)), ...reshareSessions(guardianSetupReshare(plan), roles)]);
}

/** The guardian setup plan of `guardianship` over the group `publicKeyPackage` with `members`. */
export function guardianSetupPlan(guardianship: Guardianship, publicKeyPackage: PublicKeyPackage, members: readonly { readonly device: DeviceId; readonly hpkePublicKey: Uint8Array }[], session: SessionId): GuardianSetupPlan {
  return {
    authority: guardianship.authority,
    group: { publicKeyPackage, members, epoch: guardianship.epoch },
    guardians: guardianship.guardians.map(guardianOf),
    threshold: guardianship.threshold,
    session,
    epoch: guardianship.epoch,
  };
}

/** The tree change of guardian setup: the guardians' leaves added (`guardianLeaf`), signed by the owner devices. */
export function guardianSetupTreeChange(guardianship: Guardianship, session: SessionId): TreeChange {
  const { threshold } = guardianship;
  const ops = membershipOps({ add: guardianship.guardians.map((g) => guardianLeaf(guardianOf(g))), threshold });
  return { authority: guardianship.authority, threshold, signers: guardianship.owners.map((o) => o.device), session, epoch: guardianship.epoch, ops };
}

/**
 * The tree change of the recovery `plan`: the new device's leaf added and the lost devices'
 * removed (`RecoveryOutcome.change`), signed by the survivors and the new device, which signs over
 * the journal it copied from a survivor. `undefined` when fewer than the threshold of them can
 * sign, or no survivor holds the journal: the tree then stays as it was (the guardians hold no
 * journal of the authority).
 */
export function recoveryTreeChange(plan: RecoveryPlan): TreeChange | undefined {
  const survivors = (plan.devices ?? []).map((d) => d.device);
  const signers = [...survivors, plan.request.newDevice];
  const threshold = plan.threshold ?? plan.publicKeyPackage.threshold;
  if (survivors.length === 0 || signers.length < threshold) return undefined;
  const ops = membershipOps({ add: [{ id: plan.request.newDevice, role: 'device', publicKey: plan.request.deviceKey }], remove: plan.lost ?? [], threshold });
  return { authority: plan.request.authority, threshold, signers, session: plan.session, epoch: plan.epoch, ops };
}

/**
 * `own` at the epoch of the authority's journal `view`, when the journal moved past `own`'s epoch
 * and its devices are exactly `own`'s owners; otherwise `own` itself. A survivor whose tree signing
 * failed after a recovery keeps the epoch of before in `recovery.json` while its guardians and the
 * new device record the epoch after; the tree change reaches its journal later, by sync, and this
 * brings the record to it (on open), so a later device change is not refused for the epochs.
 */
export function ownAtJournalEpoch(own: Guardianship, view: AuthorityView): Guardianship {
  if (view.authority !== own.authority || view.epoch <= own.epoch) return own;
  const devices = view.members.filter((m) => m.role === 'device').map((m) => m.id);
  const owners = new Set<string>(own.owners.map((o) => o.device));
  return devices.length === owners.size && devices.every((d) => owners.has(d)) ? { ...own, epoch: view.epoch } : own;
}

/** The guardianship after `change` (when there was one): the epoch bumped. */
export function afterTreeChange(guardianship: Guardianship, change: TreeChange | undefined): Guardianship {
  return change === undefined ? guardianship : { ...guardianship, epoch: change.epoch + 1 };
}

/**
 * The role map of a recovery: `Device[0]` the new device and `Device[1+j]` the surviving owner
 * devices that take part, `Guardian[k]` the guardians; the resharing's new members `R[…]` are the
 * survivors, the new device, then the guardians; its dealers `D[k]` the first `threshold` of the
 * survivors then the approving guardians (in guardian order).
 */
export function recoveryRoles(newDevice: DeviceId, survivors: readonly DeviceId[], guardians: readonly DeviceId[], approvers: readonly DeviceId[], threshold: number): Map<RoleName, DeviceId> {
  const roles = new Map<RoleName, DeviceId>();
  [newDevice, ...survivors].forEach((device, j) => roles.set(familyRole('Device', j), device));
  guardians.forEach((device, k) => roles.set(familyRole('Guardian', k), device));
  [...survivors, newDevice, ...guardians].forEach((device, j) => roles.set(familyRole('R', j), device));
  [...survivors, ...guardians.filter((g) => approvers.includes(g))].slice(0, threshold).forEach((device, k) => roles.set(familyRole('D', k), device));
  return roles;
}

/**
 * The sessions of the recovery `plan` mapped ahead, at the new device, the survivors and the
 * guardians alike: the operation lock's, and every attempt of its resharing once the guardians
 * with the devices `approvers` approved, with `roles` (see {@link recoveryRoles}) and the dealers
 * of the attempt (`reshareSessions`).
 */
export function recoverySessions(plan: RecoveryPlan, approvers: readonly DeviceId[], roles: ReadonlyMap<RoleName, DeviceId>): Map<SessionId, Map<RoleName, DeviceId>> {
  return new Map([...lockSessions(recoveryOperation(plan)), ...reshareSessions(recoveryReshare(plan, approvers), roles)]);
}

/**
 * The recovery plan of `request` under `guardianship`, its group now `publicKeyPackage`, with the
 * owner devices `survivors` taking part (the other owners are lost). It needs the threshold's
 * number of guardian approvals.
 */
export function recoveryPlan(guardianship: Guardianship, publicKeyPackage: PublicKeyPackage, request: RecoveryRequest, session: SessionId, survivors: readonly DeviceId[]): RecoveryPlan {
  const owners = guardianship.owners.filter((o) => o.device !== request.newDevice);
  return {
    publicKeyPackage,
    guardians: guardianship.guardians.map(guardianOf),
    devices: survivors.map((device) => ({ device, hpkePublicKey: fromHex(owners.find((o) => o.device === device)?.hpkeKey ?? '') })),
    lost: owners.filter((o) => !survivors.includes(o.device)).map((o) => o.device),
    request,
    approvals: guardianship.threshold,
    cooldownMs: guardianship.cooldownMs,
    session,
    epoch: guardianship.epoch,
  };
}

/** The owners after a recovery: the survivors that took part, then the new device. */
export function ownersAfterRecovery(guardianship: Guardianship, survivors: readonly DeviceId[], newOwner: OwnerContact): OwnerContact[] {
  return [...guardianship.owners.filter((o) => survivors.includes(o.device)), newOwner];
}

/** Registers the addresses of every device of `guardianship` but `self` in `network`'s directory. */
export function knowGuardianship(network: NetworkDevice, guardianship: Guardianship, self: DeviceId): void {
  for (const contact of [...guardianship.owners, ...guardianship.guardians]) {
    if (contact.device !== self) network.directory.register(peerEntryOfAddress(contact.address));
  }
}

/** A phase a running device tracks beyond its facts: the cooldown under way, the outcome. */
export interface TrackedPhase {
  /** `cooldown`, `completed`, `disputed` or `failed`. */
  readonly phase: string;
  /** When the cooldown ends (ms since the epoch). */
  readonly endsAt?: number;
  /** Why it failed. */
  readonly error?: string;
}

/** Every guardianship of `records`: the authorities guarded, then this device's own. */
function allGuardianships(records: Guardianships): Guardianship[] {
  return [...records.guarding, ...(records.own === undefined ? [] : [records.own])];
}

/** The request `id` (hex, or a unique prefix of at least 8 digits) among `records`' authorities. Error: `agent.unknown-request`. */
async function findRequest(records: Guardianships, store: RecoveryStore, id: string): Promise<{ readonly g: Guardianship; readonly known: KnownRequest }> {
  for (const g of allGuardianships(records)) {
    const found = (await store.requests(g.authority)).filter((r) => id.length >= 8 && r.id.startsWith(id.toLowerCase()));
    if (found.length === 1) return { g, known: found[0]! }; // exactly one
  }
  throw permanentError('agent.unknown-request', `no recovery request ${id} is known to this device (a new device submits its request to the guardians with "aura recovery start")`, { context: { request: id } });
}

function statusOf(g: Guardianship, known: KnownRequest, self: AuthorityId, tracked: TrackedPhase | undefined, now: number): RequestStatus {
  const completed = g.owners.some((o) => o.device === known.request.newDevice);
  const phase = completed ? 'completed' : known.disputed ? 'disputed' : (tracked?.phase ?? (known.approvedBy.includes(self) ? 'approved' : 'requested'));
  const left = tracked?.endsAt === undefined ? undefined : Math.max(0, tracked.endsAt - now);
  return {
    authority: g.authority,
    request: known.id,
    newDevice: known.request.newDevice,
    phase,
    approvedBy: known.approvedBy.map((a) => g.guardians.find((x) => x.authority === a)?.name ?? a),
    needed: g.threshold,
    disputed: known.disputed,
    ...(phase === 'cooldown' && left !== undefined ? { cooldownLeftMs: left } : {}),
    ...(phase === 'failed' && tracked?.error !== undefined ? { error: tracked.error } : {}),
  };
}

/**
 * Where the requests known to a device stand (only `id`'s when given): from its recovery store,
 * its guardianships (a new device among the owners has completed), and the phases a running
 * device tracks. `self` is the device's own authority (a guardian's approval is by it). Errors:
 * `agent.unknown-request`.
 */
export async function requestStatuses(records: Guardianships, store: RecoveryStore, self: AuthorityId, options: { readonly id?: string; readonly phases?: ReadonlyMap<string, TrackedPhase>; readonly now?: number } = {}): Promise<RequestStatus[]> {
  const now = options.now ?? 0;
  if (options.id !== undefined) {
    const { g, known } = await findRequest(records, store, options.id);
    return [statusOf(g, known, self, options.phases?.get(known.id), now)];
  }
  const statuses: RequestStatus[] = [];
  for (const g of allGuardianships(records)) for (const known of await store.requests(g.authority)) statuses.push(statusOf(g, known, self, options.phases?.get(known.id), now));
  return statuses;
}

/**
 * The records of `device` with its own guardianship brought to `journal`'s epoch
 * ({@link ownAtJournalEpoch}), written back only when that changed them. The record is taken
 * from the file as it is then, so a newer one a commit wrote in the meantime is never put back
 * to an older epoch.
 */
function ownCaughtUp(device: OpenDevice, journal: Journal): Promise<Guardianships> {
  return updateGuardianships(device.dir, (current) => {
    // A recovered device whose journal is still to be synced has no tree to go by.
    if (current.own === undefined || journal.facts.size === 0) return current;
    const own = ownAtJournalEpoch(current.own, authorityView(journal));
    return own === current.own ? current : { ...current, own };
  });
}

/** The guardian (and dispute) services of one running device. */
export class GuardianDesk {
  private readonly crypto: Ed25519CryptoEffects;
  private readonly link: GuardianLink;
  private readonly phases = new Map<string, TrackedPhase>();
  /** The changes of the devices of a guarded authority this guardian takes part in now, by session: who asked, and the run to call off. */
  private readonly changes = new Map<SessionId, { readonly from: DeviceId; readonly name: string; readonly group: SessionGroup }>();
  /** This device's part in each authority's operation lock (as a guardian, or a survivor of its recovery), kept while the node runs. */
  private readonly locks = new Map<AuthorityId, LockParticipant>();

  private constructor(
    private readonly options: DeskOptions,
    private readonly store: RecoveryStore,
    private records: Guardianships,
    /** The recovery share of each authority this device guards. */
    private readonly shares: Map<AuthorityId, KeyShare>,
  ) {
    this.crypto = new Ed25519CryptoEffects(options.random);
    this.link = new GuardianLink(options.network.transport, options.time, (ask, from) => this.answer(ask, from));
  }

  /** Opens the desk of `options.device`, whose authority journal is `journal`: its guardianships, its recovery store and shares. Errors: those of the files. */
  static async open(options: DeskOptions, journal: Journal): Promise<GuardianDesk> {
    const device = options.device();
    const records = await ownCaughtUp(device, journal);
    const shares = new Map<AuthorityId, KeyShare>();
    if (records.guarding.length > 0) {
      const entries = await device.keys.store.load(device.keys.passphrase);
      for (const g of records.guarding) {
        const encoded = entries[keyShareEntry(g.authority)];
        if (encoded !== undefined) shares.set(g.authority, decodeKeyShare(encoded));
      }
    }
    const desk = new GuardianDesk(options, RecoveryStore.open(device.dir, new Ed25519CryptoEffects(options.random)), records, shares);
    if (records.own !== undefined) knowGuardianship(options.network, records.own, device.config.device);
    return desk;
  }

  /** The guardianship records. */
  get guardianships(): Guardianships {
    return this.records;
  }

  /** Asks `to` on the guardian channel. */
  ask(to: DeviceId, body: GuardianAsk, timeoutMs = GUARDIAN_ANSWER_MS): Promise<GuardianAnswer> {
    return this.link.ask(to, body, timeoutMs);
  }

  /** Brings the own guardianship to the epoch of `journal` (`ownAtJournalEpoch`): called when synced facts reached it. */
  async catchUpOwn(journal: Journal): Promise<void> {
    this.records = await ownCaughtUp(this.options.device(), journal);
  }

  /** Takes this device's own guardianship as a commit already wrote it to `recovery.json` (a membership change, `commitChange`). */
  ownCommitted(guardianship: Guardianship): void {
    this.records = { ...this.records, own: guardianship };
    knowGuardianship(this.options.network, guardianship, this.options.device().config.device);
  }

  /** Records this device's own guardianship (after guardian setup as an owner device). */
  async recordOwn(guardianship: Guardianship): Promise<void> {
    this.records = await updateGuardianships(this.options.device().dir, (records) => ({ ...records, own: guardianship }));
    knowGuardianship(this.options.network, guardianship, this.options.device().config.device);
  }

  /**
   * Approves the request `id` (hex or a unique prefix) to recover an authority this device guards:
   * a `recovery.approved` fact signed with this device's authority key, stored. Errors:
   * `agent.unknown-request`, `agent.not-sole-signer`.
   */
  async approve(id: string): Promise<RequestStatus> {
    const { g, known } = await findRequest(this.records, this.store, id);
    const draft = approvedDraft(known.request);
    const { config, secrets } = this.options.device();
    const signature = signAlone(secrets.keyShare, attestationTranscript('threshold', config.authority, unsignedPart(draft)), this.options.random);
    await this.store.add(g, [sealFact(draft, thresholdAttestation(config.authority, signature))]);
    const [status] = await requestStatuses(this.records, this.store, config.authority, { id: known.id, phases: this.phases, now: this.options.time.now().ms });
    return status!; // the request was found above
  }

  /** Where each known request stands (only `id`'s when given). Errors: `agent.unknown-request`. */
  status(id?: string): Promise<RequestStatus[]> {
    return requestStatuses(this.records, this.store, this.options.device().config.authority, { ...(id === undefined ? {} : { id }), phases: this.phases, now: this.options.time.now().ms });
  }

  /**
   * Disputes the request `id` (64 hex digits) to recover this device's own authority: a
   * `recovery.disputed` fact signed with the device key, stored here and delivered to every
   * guardian that answers. Errors: `agent.no-guardians`, `cli.usage` (a malformed id),
   * `agent.dispute-undelivered` (no guardian stored it).
   */
  async dispute(id: string): Promise<DisputeDelivery[]> {
    const own = this.records.own;
    const { config, secrets } = this.options.device();
    if (own === undefined) throw permanentError('agent.no-guardians', `authority ${config.authority} has no guardians here (run "aura guardian add" first), so there is no recovery to dispute`);
    if (!/^[0-9a-f]{64}$/i.test(id)) throw permanentError('cli.usage', `--request takes the request id, 64 hex digits, got "${id}"`);
    const draft = disputeDraftOf(config.authority, fromHex(id.toLowerCase()));
    const record = sealFact(draft, deviceAttestation(this.crypto, config.device, secrets.deviceKey, unsignedPart(draft)));
    await this.store.add(own, [record]);
    const deliveries = await Promise.all(
      own.guardians.map(async (guardian): Promise<DisputeDelivery> => {
        try {
          await this.ask(guardian.device, { k: 'dispute', fact: record.bytes });
          return { guardian: guardian.name, delivered: true };
        } catch (error) {
          const failure = toAuraError(error);
          return { guardian: guardian.name, delivered: false, error: `error[${failure.code}]: ${failure.message}` };
        }
      }),
    );
    if (!deliveries.some((d) => d.delivered)) {
      throw transientError('agent.dispute-undelivered', `no guardian could be reached to store the dispute: ${deliveries.map((d) => `${d.guardian}: ${d.error ?? ''}`).join('; ')}`);
    }
    return deliveries;
  }

  /** Stops answering. */
  async close(): Promise<void> {
    this.link.close();
    await this.store.close();
  }

  private answer(ask: GuardianAsk, from: DeviceId): Promise<GuardianAnswer> {
    switch (ask.k) {
      case 'setup':
        return this.joinSetup(ask, from);
      case 'submit':
      case 'dispute':
        return this.receiveFact(ask.k, ask.fact);
      case 'recover':
        return this.joinRecovery(ask);
      case 'change':
        return this.joinChange(ask, from);
      case 'call-off':
        return Promise.resolve(this.callOff(ask, from));
    }
  }

  /** Stops this guardian's part in the change that `from` asked for and now calls off. Errors: `agent.bad-message`, `agent.bad-request`. */
  private callOff(ask: Extract<GuardianAsk, { k: 'call-off' }>, from: DeviceId): GuardianAnswer {
    const message = decodeAgentMessage(ask.abort);
    if (message.t !== 'abort') throw permanentError('agent.bad-message', 'a call-off carries an abort message');
    const change = this.changes.get(message.session);
    if (change === undefined || change.from !== from) throw permanentError('agent.bad-request', `no change of session ${message.session} asked by ${from} runs here`);
    change.group.abort(calledOff(message, change.name));
    return { k: 'called-off' };
  }

  /**
   * Checks a change of the devices of an authority this device guards (the request names the
   * guardianship it records, over the group its recovery share belongs to, asked by one of the
   * owners), asks the policy, registers the sessions and runs its part in the background: its new
   * recovery share replaces the old one in the key store once the resharing completes, and the
   * guardianship after the change is recorded.
   */
  private async joinChange(ask: Extract<GuardianAsk, { k: 'change' }>, from: DeviceId): Promise<GuardianAnswer> {
    const message = decodeAgentMessage(ask.request);
    if (message.t !== 'request' || message.request.op !== 'reshare' || message.request.guardianship === undefined) throw permanentError('agent.bad-message', 'a change carries a membership change request that names the guardianship');
    const request = message.request;
    const authority = message.request.guardianship.authority;
    const { g, share } = this.guarding(authority);
    const after = guardianshipAfterChange(request);
    if (after === undefined || !bytesEqual(encodeCanonical(request.guardianship), encodeCanonical(g))) throw permanentError('agent.bad-request', `the change names another guardianship of ${authority} than this guardian records (epoch ${g.epoch})`, { context: { authority } });
    if (!bytesEqual(encodeCanonical(request.group), encodeCanonical(share.publicKeyPackage))) throw permanentError('agent.bad-request', `the change is over another group than this guardian's recovery share of ${authority}`, { context: { authority } });
    if (!g.owners.some((o) => o.device === from) || !request.roles.includes(from)) throw permanentError('agent.bad-request', `${from} is not a device of ${authority} that stays`, { context: { authority } });
    const added = request.add.map((m) => m.name);
    const removed = g.owners.filter((o) => request.remove.includes(o.device)).map((o) => o.name);
    const approval = await this.options.ask(`${from} changes the devices of authority ${authority} (adding ${added.join(', ') || 'none'}, removing ${removed.join(', ') || 'none'}): this guardian's recovery share is reshared with them`);
    if (!approval.approved) throw permanentError('agent.declined', approval.reason);
    const device = this.options.device();
    const { config, hpke } = device;
    // This guardian's device may ask for the lock and tell every owner (it can be the lock's requester): it must reach
    // each of them, the recovered ones included, whose addresses this node may not have learnt since it started.
    knowGuardianship(this.options.network, g, config.device);
    for (const member of request.add) this.options.network.directory.register(peerEntryOfAddress(member.address));
    const hpkeKeyOf = (member: DeviceId): Uint8Array => {
      const key = after.owners.find((o) => o.device === member)?.hpkeKey;
      if (key === undefined) throw permanentError('agent.bad-change', `${member} is neither an owner nor joining`);
      return fromHex(key);
    };
    const group = this.options.sessions.group(changeRoles(request), changeSessions(request));
    this.changes.set(request.session, { from, name: g.owners.find((o) => o.device === from)?.name ?? from, group });
    void (async () => {
      try {
        // A change called off ends this guardian's lease or vote at once (lock-guard.ts), so the asking device may retry it at once.
        const lock = { ...this.lockOf(authority), calledOff: () => group.aborted !== undefined };
        const outcome = await runGuardianChangePart(request, { device: config.device, hpkeSecretKey: hpke.secretKey, random: this.options.random, lock }, hpkeKeyOf, group.transport, this.options.runOptions());
        this.records = await commitGuarding(device, after, outcome.keyShare);
        this.shares.set(authority, outcome.keyShare);
        share.dispose(); // the key store holds the new one now
        knowGuardianship(this.options.network, after, config.device);
        this.options.events({ event: 'guardianship-changed', authority, owners: after.owners.length, epoch: after.epoch });
      } catch (error) {
        const failure = group.aborted ?? toAuraError(error); // called off: the asking device's reason
        this.options.events({ event: 'recovery-failed', authority, request: '', code: failure.code, message: `device change: ${failure.message}` });
      } finally {
        this.changes.delete(request.session);
        group.end();
      }
    })();
    return { k: 'joined' };
  }

  /** The guardianship of `authority` this device guards. Error: `agent.not-a-guardian`. */
  private guarding(authority: AuthorityId): { readonly g: Guardianship; readonly share: KeyShare } {
    const g = guarded(this.records, authority);
    const share = this.shares.get(authority);
    if (g === undefined || share === undefined) throw permanentError('agent.not-a-guardian', `device ${this.options.device().config.device} is no guardian of ${authority}`, { context: { authority } });
    return { g, share };
  }

  private async receiveFact(kind: 'submit' | 'dispute', bytes: Uint8Array): Promise<GuardianState> {
    const record = decodeFact(bytes);
    const typeId = kind === 'submit' ? RECOVERY_REQUESTED.typeId : RECOVERY_DISPUTED.typeId;
    if (record.fact.typeId !== typeId) throw permanentError('agent.bad-message', `a ${kind} carries a ${typeId} fact, not ${record.fact.typeId}`);
    const { g, pkg, guardian } = this.contextOf(record.fact.metadata.namespace);
    const requestId = toHex(kind === 'submit' ? recoveryRequestId(record.fact.payload as RecoveryRequest) : (record.fact.payload as { request: Uint8Array }).request);
    const before = (await this.store.requests(g.authority)).find((r) => r.id === requestId);
    await this.store.add(g, [record]);
    const known = (await this.store.requests(g.authority)).find((r) => r.id === requestId);
    if (known !== undefined && guardian && (before === undefined || (kind === 'dispute' && !before.disputed))) {
      this.options.events(kind === 'submit' ? { event: 'recovery-requested', authority: g.authority, request: known.id, newDevice: known.request.newDevice } : { event: 'recovery-disputed', authority: g.authority, request: known.id });
    }
    return { k: 'state', guardianship: g, publicKeyPackage: pkg, approved: guardian && (known?.approvedBy.includes(this.options.device().config.authority) ?? false), disputed: known?.disputed ?? false };
  }

  /** The guardianship whose recovery context is `namespace`: one this device guards, or its own. Error: `agent.not-a-guardian`. */
  private contextOf(namespace: string): { readonly g: Guardianship; readonly pkg: PublicKeyPackage; readonly guardian: boolean } {
    const g = this.records.guarding.find((x) => recoveryContext(x.authority) === namespace);
    if (g !== undefined) return { g, pkg: this.guarding(g.authority).share.publicKeyPackage, guardian: true };
    const own = this.records.own;
    if (own !== undefined && recoveryContext(own.authority) === namespace) return { g: own, pkg: this.options.device().secrets.keyShare.publicKeyPackage, guardian: false };
    throw permanentError('agent.not-a-guardian', `device ${this.options.device().config.device} knows no authority whose recovery context is ${namespace}`);
  }

  /** Checks an invitation, asks the policy, registers the session and runs this guardian's part in the background. */
  private async joinSetup(ask: Extract<GuardianAsk, { k: 'setup' }>, from: DeviceId): Promise<GuardianAnswer> {
    const { network, sessions } = this.options;
    const device = this.options.device();
    const { config, hpke, secrets } = device;
    const g = ask.guardianship;
    const self = g.guardians.find((x) => x.device === config.device);
    const groupKey = fromHex(g.groupKey);
    if (self === undefined || self.authority !== config.authority || !bytesEqual(fromHex(self.signingKey), config.groupKey) || !bytesEqual(fromHex(self.hpkeKey), hpke.publicKey)) {
      throw permanentError('agent.bad-invitation', `the invitation does not name this device (${config.device}) with its authority's key and its HPKE key`);
    }
    if (g.authority === config.authority || authorityIdOf(groupKey) !== g.authority || !bytesEqual(groupKey, ask.publicKeyPackage.groupPublicKey) || !g.owners.some((o) => o.device === from)) {
      throw permanentError('agent.bad-invitation', `the invitation's authority, group key and inviting device do not agree`);
    }
    if (secrets.keyShare.publicKeyPackage.threshold !== 1) throw permanentError('agent.not-sole-signer', `a guardian signs alone with its authority's key; authority ${config.authority} has threshold ${secrets.keyShare.publicKeyPackage.threshold}`);
    const approval = await this.options.ask(`${from} invites this device to guard authority ${g.authority} (${g.owners.length} devices, ${g.guardians.length} guardians, cooldown ${g.cooldownMs} ms)`);
    if (!approval.approved) throw permanentError('agent.declined', approval.reason);
    knowGuardianship(network, g, config.device);
    const plan = guardianSetupPlan(g, ask.publicKeyPackage, ask.members, ask.session);
    const roles = guardianSetupRoles(g.owners.map((o) => o.device), g.guardians.map((x) => x.device), ask.publicKeyPackage.threshold);
    const group = sessions.group(roles, guardianSetupSessions(plan, roles));
    void (async () => {
      try {
        const outcome = await setUpGuardians(plan, { device: config.device, hpkeSecretKey: hpke.secretKey, random: this.options.random, crypto: this.crypto, signAsGuardian: (m) => signAlone(secrets.keyShare, m, this.options.random) }, group.transport, { ...this.options.runOptions(), lock: this.lockOf(g.authority) });
        if (outcome.keyShare === undefined) throw permanentError('agent.no-share', 'guardian setup ended without a recovery share for this guardian');
        // The owners sign the guardians' leaves into their tree, bumping its epoch (they alone hold its journal).
        this.records = await commitGuarding(device, afterTreeChange(g, guardianSetupTreeChange(g, ask.session)), outcome.keyShare);
        this.shares.set(g.authority, outcome.keyShare);
        this.options.events({ event: 'guardian-joined', authority: g.authority, guardians: g.guardians.length });
      } catch (error) {
        const failure = toAuraError(error);
        this.options.events({ event: 'recovery-failed', authority: g.authority, request: '', code: failure.code, message: `guardian setup: ${failure.message}` });
      } finally {
        group.end();
      }
    })();
    return { k: 'joined' };
  }

  /** This device's part in `authority`'s operation lock (`localLockJournal`: it is outside that authority's tree, or runs the recovery as one of the desk's sessions). */
  private lockOf(authority: AuthorityId): LockParticipant {
    let lock = this.locks.get(authority);
    if (lock === undefined) {
      const random = this.options.random;
      lock = { journal: localLockJournal(authority, random), time: this.options.time, random };
      this.locks.set(authority, lock);
    }
    return lock;
  }

  /**
   * Checks a recovery session's request, registers the session and runs this device's part in the
   * background: as a guardian of the authority (its approval is the one it stored), or as a
   * surviving device of the authority itself (under its approval policy).
   */
  private async joinRecovery(ask: Extract<GuardianAsk, { k: 'recover' }>): Promise<GuardianAnswer> {
    const { sessions } = this.options;
    const device = this.options.device();
    const { config, hpke } = device;
    const { request } = ask;
    const asGuardian = guarded(this.records, request.authority) !== undefined;
    const own = this.records.own;
    if (!asGuardian && (own === undefined || own.authority !== request.authority || !ask.survivors.includes(config.device))) {
      throw permanentError('agent.not-a-guardian', `device ${config.device} is neither a guardian nor a surviving device of ${request.authority}`, { context: { authority: request.authority } });
    }
    const { g, share } = asGuardian ? this.guarding(request.authority) : { g: own!, share: device.secrets.keyShare }; // own is set unless a guardian (checked above)
    const known = await this.store.request(g.authority, toHex(recoveryRequestId(request)));
    if (!ask.approvers.every((a) => isGuardianDevice(g, a)) || new Set(ask.approvers).size !== ask.approvers.length) throw permanentError('agent.bad-request', 'the approvers must be distinct guardians');
    if (!ask.survivors.every((d) => g.owners.some((o) => o.device === d)) || new Set(ask.survivors).size !== ask.survivors.length) throw permanentError('agent.bad-request', 'the surviving devices must be distinct devices of the authority');
    if (!asGuardian) {
      const names = g.guardians.filter((x) => ask.approvers.includes(x.device)).map((x) => x.name);
      const approval = await this.options.ask(`new device ${request.newDevice} (request ${known.id.slice(0, 16)}) recovers this authority with the approval of ${names.join(', ')}; take part, keeping this device`);
      if (!approval.approved) throw permanentError('agent.declined', approval.reason);
    }
    const approving = asGuardian && ask.approvers.includes(config.device) && known.approvedBy.includes(config.authority);
    const plan = recoveryPlan(g, share.publicKeyPackage, request, ask.session, ask.survivors);
    const treeChange = recoveryTreeChange(plan);
    const roles = recoveryRoles(request.newDevice, ask.survivors, g.guardians.map((x) => x.device), ask.approvers, share.publicKeyPackage.threshold);
    const mapped = new Map([...recoverySessions(plan, ask.approvers, roles), ...(treeChange === undefined || asGuardian ? [] : treeChangeSessions(treeChange))]);
    const group = sessions.group(roles, mapped);
    knowGuardianship(this.options.network, g, config.device);
    const endsAt = this.options.time.now().ms + g.cooldownMs;
    this.phases.set(known.id, { phase: 'cooldown', endsAt });
    this.options.events({ event: 'recovery-cooldown', authority: g.authority, request: known.id, endsAt: new Date(endsAt).toISOString() });
    const guardianPart = {
      signAsGuardian: (m: Uint8Array) => signAlone(device.secrets.keyShare, m, this.options.random),
      approve: () => approving,
      disputes: {
        disputed: async (id: Uint8Array) => {
          const journal = await this.store.journal(g.authority);
          return journalDisputeWatch(() => journal).disputed(id);
        },
      },
    };
    void (async () => {
      try {
        const participant = { device: config.device, hpkeSecretKey: hpke.secretKey, random: this.options.random, crypto: this.crypto, time: this.options.time, keyShare: share, ...(asGuardian ? guardianPart : {}) };
        // The new share is committed by this desk (pending-guarding.ts, or a survivor's pending change), not by the resharing.
        const outcome = await runRecovery(plan, participant, group.transport, { ...this.options.runOptions(), lock: this.lockOf(g.authority) });
        if (outcome.keyShare === undefined) throw permanentError('agent.no-share', 'the recovery ended without a new share for this device');
        const updated = afterTreeChange({ ...g, owners: ownersAfterRecovery(g, ask.survivors, { name: ask.name, device: request.newDevice, address: ask.address, hpkeKey: toHex(request.hpkeKey) }) }, treeChange);
        if (asGuardian) {
          this.records = await commitGuarding(device, updated, outcome.keyShare);
          this.shares.set(g.authority, outcome.keyShare);
        } else {
          await this.keepSurviving({ ...updated, epoch: g.epoch }, outcome.keyShare, []);
          const facts = treeChange === undefined ? [] : await this.signRecoveryTree(treeChange, outcome.publicKeyPackage, outcome.keyShare, group, known.id);
          if (facts.length > 0) await this.keepSurviving(updated, outcome.keyShare, facts);
        }
        await this.store.add(updated, [outcome.requested, ...outcome.approved]);
        this.phases.set(known.id, { phase: 'completed' });
        this.options.events({ event: 'recovery-completed', authority: g.authority, request: known.id, newDevice: request.newDevice });
      } catch (error) {
        const failure = toAuraError(error);
        this.phases.set(known.id, { phase: failure.code === 'protocols.recovery.disputed' ? 'disputed' : 'failed', error: `error[${failure.code}]: ${failure.message}` });
        this.options.events({ event: 'recovery-failed', authority: g.authority, request: known.id, code: failure.code, message: failure.message });
      } finally {
        group.end();
      }
    })();
    return { k: 'joined' };
  }

  /**
   * A surviving device's part in signing the recovery's tree change, over its journal's tree. The
   * shares have moved already: a failure is reported (`recovery-tree-unchanged`) and yields no
   * facts, so the device still keeps its new share and members.
   */
  private async signRecoveryTree(change: TreeChange, publicKeyPackage: PublicKeyPackage, keyShare: KeyShare, group: SessionGroup, request: string): Promise<FactRecord[]> {
    const { config, journal } = this.options.device();
    try {
      const view = authorityView(await loadJournal(journal, config.authority));
      return await signTreeChange(change, publicKeyPackage, { device: config.device, keyShare, random: this.options.random }, view.tree.tree, group.transport, this.options.runOptions());
    } catch (error) {
      const failure = toAuraError(error);
      this.options.events({ event: 'recovery-tree-unchanged', authority: change.authority, request, code: failure.code, message: failure.message });
      return [];
    }
  }

  /**
   * A surviving device after a recovery: its new share, the members (survivors and the new device)
   * in its config, its guardianship `updated` and the tree change's `facts`, committed as one
   * pending change (`survived`). Done twice: as soon as the resharing ends, with no facts and the
   * epoch of before (what a failed tree signing leaves, a state the device works in), so that a
   * crash while the tree is signed leaves no new share beside old members; then with the facts.
   */
  private async keepSurviving(updated: Guardianship, keyShare: KeyShare, facts: readonly FactRecord[]): Promise<void> {
    const { config } = this.options.device();
    await this.options.survived({ ...config, members: updated.owners.map((o) => ({ name: o.name, device: o.device, address: o.address, hpkePublicKey: fromHex(o.hpkeKey) })) }, keyShare, facts, updated);
    this.records = { ...this.records, own: updated };
  }

}
