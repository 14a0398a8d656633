/**
 * A membership change of an authority as its devices run it (`aura device add|remove`, issue 11
 * item 2): the group key is reshared onto the new member set (`runReshareDevice` of
 * `src/protocols/reshare.ts`: the current members deal, every member after the change receives
 * a fresh share, the group key stays), then the new group signs the change of its tree
 * (`membershipOps` + `attestMembershipChange` of `src/protocols/authority.ts`: the leaves added
 * and removed, the root policy, and `rotateEpoch`, so the epoch bumps and every session of the
 * old epoch is stale). That signature is the confirmation that the new shares work together.
 *
 * Who takes part: every member that stays (each must replace its share, so each must be online),
 * every device that joins, and, when the authority has guardians, every guardian's device: the
 * request names the guardianship, the guardians receive fresh recovery shares of the same key
 * ({@link runGuardianChangePart}) and vote for the operation lock, so a recovery keeps working.
 * The member that asks proposes the change ({@link proposeChange}); every other member rebuilds
 * the proposal from its own config and accepts only the same one
 * ({@link checkChangeRequest}).
 *
 * The change runs under the authority's operation lock (`underLock` of
 * `src/protocols/lock-guard.ts`, see {@link changeOperation}): every participant takes part in
 * winning it before any share moves, so of two changes started at once on the same authority one
 * wins and the other ends everywhere with `protocols.lock.refused` with nothing changed.
 *
 * Crash safety. Until the change is confirmed nothing is written: a crash or Ctrl-C during the
 * protocols leaves every device with its old share, config and journal. Once confirmed, a member
 * commits in one atomic step, the rewrite of its key store ({@link commitChange}): the new share
 * replaces the old one, and beside it a *pending change* entry holds the new config, the signed
 * facts and, when the authority has guardians, the guardianship after the change. Then the facts
 * go into the journal (one transaction), the config is replaced (atomically), so is
 * `recovery.json`'s own guardianship, and the pending entry is dropped. Opening a device directory
 * finishes a pending change first ({@link settlePendingChange}), so a crash between those steps
 * is completed on the next open and no store disagrees with another for longer than that.
 * A device that survives a recovery commits through the same entry (`DeviceAgent.survived`), and a
 * guardian through its own (`pending-guarding.ts`).
 *
 * The guardianship rides in the pending entry, rather than being written after the commit and
 * repaired on start when found stale, because a repair would have to rebuild it from what is
 * committed, and the journal does not hold what `recovery.json` does (the guardians' and owners'
 * addresses and HPKE keys, the cooldown): only the change request did, and the pending entry is
 * where its outcome is kept until every store has it.
 *
 * @module
 */
import { join } from 'node:path';
import { bytesEqual, toHex, utf8 } from '../core/bytes.ts';
import { decodeCanonical, encodeCanonical, isCanonicalMap } from '../core/canonical.ts';
import type { RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { type AuthorityId, type DeviceId, type SessionId } from '../core/identifiers.ts';
import { withEncodedKeyShare, type KeyShare, type PublicKeyPackage } from '../crypto/key-share.ts';
import type { KeyStoreEntries } from '../crypto/key-store-format.ts';
import type { TreeOp } from '../journal/commitment-tree.ts';
import type { RoleName } from '../choreo/local-type.ts';
import { decodeFact, type FactRecord } from '../journal/fact.ts';
import type { FactStore } from '../journal/fact-store.ts';
import { deviceIdOfPublicKey } from '../handlers/network/peer-identity.ts';
import type { Transport } from '../runtime/transport.ts';
import { authorityIdOf, type AuthorityView } from '../protocols/authority.ts';
import { keyShareEntry, withoutEntry, type UnlockedKeyStore } from '../protocols/authority-key-store.ts';
import type { RunOptions } from '../protocols/protocol-source.ts';
import { epochSession } from '../protocols/epoch.ts';
import { guardianRecipient, type Guardian } from '../protocols/guardian-setup.ts';
import { lockSessions, membershipElectorate, underLock, type GuardedOperation, type LockParticipant } from '../protocols/lock-guard.ts';
import { membershipOperation, membershipOps, runReshareDevice, type ReshareRecipient, type ReshareRunOptions, type ReshareSetup } from '../protocols/reshare.ts';
import type { AgentRequest, MembershipChangeBody, NewMember } from './agent-request.ts';
import { CONFIG_FILE, decodeConfig, encodeConfig, writeConfig, type DeviceConfig, type MemberConfig } from './device-config.ts';
import { storeAuthorityFacts } from './authority-journal.ts';
import { guardianOf, guardianshipBytes, guardianshipOfBytes, updateGuardianships, type Guardianship, type OwnerContact } from './guardianship.ts';
import { familyRoles, reshareSessions } from './session-groups.ts';
import { signTreeChange, treeChangeSessions, type TreeChange } from './tree-change.ts';

/** A change someone asks for. */
export interface MembershipChange {
  /** Devices that join. */
  readonly add?: readonly NewMember[];
  /** Devices that leave. */
  readonly remove?: readonly DeviceId[];
  /** The threshold after the change (default: the current one, lowered to the members left). */
  readonly threshold?: number;
}

/** A membership change request as the devices exchange it. */
export type ChangeRequest = Extract<AgentRequest, { readonly op: 'reshare' }>;

/** A proposed change: the members after it (role order) and the request body. */
export interface ChangeProposal {
  /** The members after the change, in role order. */
  readonly roles: readonly DeviceId[];
  /** The rest of the request. */
  readonly body: MembershipChangeBody;
}

/** What a device brings to a change. */
export interface ChangeParticipant {
  /** The device. */
  readonly device: DeviceId;
  /** Its share of the current group (a current member); consumed once the resharing is accepted. */
  readonly keyShare?: KeyShare;
  /** Its HPKE secret key (its new sub-shares are sealed to it). */
  readonly hpkeSecretKey: Uint8Array;
  /** Randomness. */
  readonly random: RandomEffects;
  /** Its part in the operation lock (its journal, clock and randomness). */
  readonly lock: LockParticipant;
}

/** A confirmed change at one device. */
export interface ChangeOutcome {
  /** This device's new share. */
  readonly keyShare: KeyShare;
  /** The new group: the same key, new verifying shares and threshold. */
  readonly publicKeyPackage: PublicKeyPackage;
  /** The tree operations signed by the new group, in order (the last one rotates the epoch). */
  readonly facts: readonly FactRecord[];
}

/** The key store entry holding a change confirmed but not yet applied to the journal and config. */
export function pendingChangeEntry(authority: AuthorityId): string {
  return `authority/${authority}/pending-change`;
}

function refuse(code: string, message: string): never {
  throw permanentError(code, message);
}

/**
 * The change `change` of the authority of `config` (its members; group `group`, epoch `epoch`):
 * the members that stay deal, in config order, and are followed by the devices that join.
 * Errors: `agent.bad-change` naming what is wrong (a device added twice or already a member, a
 * device id that is not its key's, a name taken, a device removed that is no member, the asking
 * device removing itself, no member left, a threshold out of range).
 */
export function proposeChange(config: DeviceConfig, group: PublicKeyPackage, epoch: number, change: MembershipChange): ChangeProposal {
  const add = change.add ?? [];
  const remove = change.remove ?? [];
  if (add.length === 0 && remove.length === 0) refuse('agent.bad-change', 'the change adds and removes no device');
  const names = new Set(config.members.map((m) => m.name));
  const current = new Set(config.members.map((m) => m.device));
  for (const member of add) {
    if (current.has(member.device)) refuse('agent.bad-change', `${member.name} (${member.device}) is already a member`);
    if (deviceIdOfPublicKey(member.signingPublicKey) !== member.device) refuse('agent.bad-change', `${member.device} is not the device id of the signing key given for ${member.name}`);
    if (names.has(member.name)) refuse('agent.bad-change', `the name ${member.name} is taken`);
    names.add(member.name);
    current.add(member.device);
  }
  for (const device of remove) {
    if (!config.members.some((m) => m.device === device)) refuse('agent.bad-change', `${device} is not a member of authority ${config.authority}`);
    if (device === config.device) refuse('agent.bad-change', `a device cannot remove itself (${device}); run the command on another member`);
  }
  const dealers = config.members.map((m) => m.device).filter((device) => !remove.includes(device));
  if (new Set(remove).size !== remove.length) refuse('agent.bad-change', 'a device is removed twice');
  const roles = [...dealers, ...add.map((m) => m.device)];
  if (dealers.length === 0) refuse('agent.bad-change', 'no member would be left to deal');
  const threshold = change.threshold ?? Math.min(config.threshold, roles.length);
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > roles.length) refuse('agent.bad-change', `the threshold must be between 1 and ${roles.length} (the members after the change), got ${threshold}`);
  if (dealers.length < group.threshold) refuse('agent.bad-change', `${dealers.length} members would be left to deal, ${group.threshold} needed: the group key cannot be reshared`);
  return { roles, body: { dealers, add, remove, threshold, epoch, group } };
}

/**
 * Why the member of `config` (in epoch `epoch`, holding `group`) refuses `request` from `from`, or
 * `undefined`: it must be the change this member would propose itself (same members after it,
 * same dealers, same threshold), in the same epoch, over the same group, with the guardianship it
 * records (`guardianship`, when its authority has guardians).
 */
export function checkChangeRequest(config: DeviceConfig, group: PublicKeyPackage, epoch: number, request: ChangeRequest, from: DeviceId, guardianship?: Guardianship): string | undefined {
  if (request.epoch !== epoch) return `the change starts from epoch ${request.epoch}, this device is in epoch ${epoch}`;
  const sameGuardianship = request.guardianship === undefined ? guardianship === undefined : guardianship !== undefined && bytesEqual(encodeCanonical(request.guardianship), encodeCanonical(guardianship));
  if (!sameGuardianship) return 'the change names other guardians (or none) than this device records for its authority';
  if (!bytesEqual(encodeCanonical(request.group), encodeCanonical(group))) return 'the change is over another group than this device holds';
  if (!request.roles.includes(from)) return `the asking device ${from} is not a member after the change`;
  let expected: ChangeProposal;
  try {
    expected = proposeChange(config, group, epoch, { add: request.add, remove: request.remove, threshold: request.threshold });
  } catch (error) {
    return (error as Error).message;
  }
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, k) => x === b[k]);
  if (!same(expected.roles, request.roles) || !same(expected.body.dealers, request.dealers)) return 'the members or dealers of the change are not the ones this device expects';
  return undefined;
}

/**
 * The role map of a change's sessions: `D[i]` the dealers, `S[k]` the members after it, `R[k]`
 * the new shareholders: the members after it, then the guardians of `request.guardianship` (in
 * its order), whose recovery shares are reshared with the devices' so that they keep fitting the
 * group.
 */
export function changeRoles(request: Pick<ChangeRequest, 'roles' | 'dealers' | 'guardianship'>): Map<RoleName, DeviceId> {
  return new Map([...familyRoles(['D'], request.dealers), ...familyRoles(['S'], request.roles), ...familyRoles(['R'], changeShareholders(request))]);
}

/** The guardians of the authority `request` changes (none when it has no guardianship). */
export function changeGuardians(request: Pick<ChangeRequest, 'guardianship'>): Guardian[] {
  return request.guardianship?.guardians.map(guardianOf) ?? [];
}

/** The devices that hold a share after `request`: the members after it, then the guardians' devices. */
function changeShareholders(request: Pick<ChangeRequest, 'roles' | 'guardianship'>): DeviceId[] {
  return [...request.roles, ...changeGuardians(request).map((g) => g.device)];
}

/**
 * The guardianship after `request` (`undefined` when the authority has none): its owners are the
 * members after the change, with the new threshold, in the epoch the change's tree facts start.
 */
export function guardianshipAfterChange(request: ChangeRequest): Guardianship | undefined {
  const g = request.guardianship;
  if (g === undefined) return undefined;
  const owners = request.roles.map((device): OwnerContact => {
    const added = request.add.find((m) => m.device === device);
    // proposeChange built the roles from the owners (the members) and the devices added.
    return added === undefined ? g.owners.find((o) => o.device === device)! : { name: added.name, device, address: added.address, hpkeKey: toHex(added.hpkePublicKey) };
  });
  return { ...g, owners, threshold: request.threshold, epoch: request.epoch + 1 };
}

/**
 * The operation lock of `request`: the membership lock of its authority, taken by every
 * shareholder after it (role order, then the guardians' devices). The voters are those of
 * `membershipElectorate`: the guardians' devices when the authority has guardians (as for guardian
 * setup and recovery, so a change and a recovery exclude each other), else the members before the
 * change (dealers, then the devices removed). Every participant derives the same from the request
 * it accepted and the guardianship it holds.
 */
export function changeOperation(request: ChangeRequest): GuardedOperation {
  const electorate = membershipElectorate([...request.dealers, ...request.remove], changeGuardians(request).map((g) => g.device));
  return membershipOperation(request.group.groupPublicKey, electorate, changeShareholders(request), epochSession(request.session, request.epoch));
}

/** The resharing of `request`: the dealers deal to the members after it and to the guardians (`hpkeKeyOf` gives a member's HPKE key). */
function changeReshare(request: ChangeRequest, hpkeKeyOf: (device: DeviceId) => Uint8Array): ReshareSetup {
  const recipients: ReshareRecipient[] = [...request.roles.map((device) => ({ device, hpkePublicKey: hpkeKeyOf(device) })), ...changeGuardians(request).map(guardianRecipient)];
  return { ...changeDealing(request), recipients };
}

/** The resharing of `request` but its recipients' keys: the group, its dealers, the new threshold, session and epoch. */
function changeDealing(request: ChangeRequest): Omit<ReshareSetup, 'recipients'> {
  return { old: request.group, oldMembers: request.dealers, threshold: request.threshold, session: request.session, epoch: request.epoch };
}

/** The tree change of `request`, signed by the members after it. */
function treeChangeOf(request: ChangeRequest): TreeChange {
  return { authority: authorityIdOf(request.group.groupPublicKey), threshold: request.threshold, signers: request.roles, session: request.session, epoch: request.epoch, ops: changeOps(request) };
}

/** The tree operations of `request` (the epoch rotation follows them). */
function changeOps(request: ChangeRequest): TreeOp[] {
  return membershipOps({ add: request.add.map((m) => ({ id: m.device, role: 'device' as const, publicKey: m.signingPublicKey })), remove: request.remove, threshold: request.threshold });
}

/**
 * The sessions of `request` registered with their role maps before any frame arrives, so that
 * another change running at the same time among the same devices cannot claim them, and so that
 * a retry finds its renumbered roles (`session-groups.ts`): the lock's, every resharing attempt
 * (`reshareSessions` of `session-groups.ts`), and every attempt of signing each tree fact.
 */
export function changeSessions(request: ChangeRequest): Map<SessionId, Map<RoleName, DeviceId>> {
  const sessions = lockSessions(changeOperation(request));
  const reshare = { ...changeDealing(request), recipients: changeShareholders(request).map((device) => ({ device })) };
  for (const [session, roles] of reshareSessions(reshare, changeRoles(request))) sessions.set(session, roles);
  for (const [session, roles] of treeChangeSessions(treeChangeOf(request))) sessions.set(session, roles);
  return sessions;
}

/** The config of a member after the change `request` (members in role order, the new threshold). */
export function changedConfig(config: DeviceConfig, self: DeviceId, request: ChangeRequest): DeviceConfig {
  const members = request.roles.map((device): MemberConfig => {
    const known = config.members.find((m) => m.device === device) ?? request.add.find((m) => m.device === device);
    // proposeChange built the roles from the members and the added devices.
    const { name, address, hpkePublicKey } = known!;
    return { name, device, address, hpkePublicKey };
  });
  return { ...config, device: self, threshold: request.threshold, members };
}

/**
 * Runs this device's part of `request` under the operation lock ({@link changeOperation}): the
 * resharing (dealing when it is a current member, receiving its new share), then the signing of
 * the tree change by the new group over `view` (the authority before the change). `hpkeKeyOf`
 * gives each member's HPKE key; the guardians of `request.guardianship` take part (each runs
 * {@link runGuardianChangePart}). Nothing is written but the lock's facts. Errors:
 * `protocols.lock.refused` (another change holds the lock: no share moved), those of `underLock`,
 * of `runReshareDevice` (`protocols.reshare.*`), of the signing (`protocols.sign.*`) and
 * `tree.invalid-op`.
 */
export function runChangePart(request: ChangeRequest, participant: ChangeParticipant, view: AuthorityView, hpkeKeyOf: (device: DeviceId) => Uint8Array, transport: Transport, options: RunOptions): Promise<ChangeOutcome> {
  return underLock(changeOperation(request), participant.device, participant.lock, transport, options, () => changePart(changeReshare(request, hpkeKeyOf), request, participant, view, transport, options));
}

/** What a change gives a guardian: its new recovery share and the new group. */
export interface GuardianChangeOutcome {
  /** The guardian's new recovery share (its old one no longer fits the group). */
  readonly keyShare: KeyShare;
  /** The new group: the same key, new verifying shares and threshold. */
  readonly publicKeyPackage: PublicKeyPackage;
}

/**
 * Runs the part of a guardian's device (`participant`, one of `request.guardianship`'s) in `request` under the
 * operation lock, where it votes: it receives a fresh recovery share of the unchanged group key
 * (the devices deal; the tree change is the devices' to sign). With `options.keyStore` the new
 * share replaces the old one there as the resharing completes; the old one in memory is the
 * caller's to dispose. Errors: as {@link runChangePart} but the
 * signing's, and `agent.bad-change` when `participant` is no guardian. `hpkeKeyOf` gives
 * each member's HPKE key after the change (from the guardianship's owners and the devices added).
 */
export async function runGuardianChangePart(request: ChangeRequest, participant: Omit<ChangeParticipant, 'keyShare'>, hpkeKeyOf: (device: DeviceId) => Uint8Array, transport: Transport, options: ReshareRunOptions): Promise<GuardianChangeOutcome> {
  if (!changeGuardians(request).some((g) => g.device === participant.device)) throw permanentError('agent.bad-change', `${participant.device} is no guardian of authority ${authorityIdOf(request.group.groupPublicKey)}`);
  const setup = changeReshare(request, hpkeKeyOf);
  const reshared = await underLock(changeOperation(request), participant.device, participant.lock, transport, options, () =>
    runReshareDevice(setup, { device: participant.device, hpkeSecretKey: participant.hpkeSecretKey, random: participant.random }, transport, options),
  );
  // The guardian is among the recipients (checked above), so the resharing gave it a share.
  return { keyShare: reshared.keyShare!, publicKeyPackage: reshared.publicKeyPackage };
}

async function changePart(setup: ReshareSetup, request: ChangeRequest, participant: ChangeParticipant, view: AuthorityView, transport: Transport, options: RunOptions): Promise<ChangeOutcome> {
  const reshared = await runReshareDevice(setup, { device: participant.device, hpkeSecretKey: participant.hpkeSecretKey, random: participant.random, ...(participant.keyShare === undefined ? {} : { keyShare: participant.keyShare }) }, transport, options);
  const keyShare = reshared.keyShare;
  if (keyShare === undefined) throw permanentError('agent.bad-change', `${participant.device} is not a member after the change`);
  try {
    const facts = await signTreeChange(treeChangeOf(request), reshared.publicKeyPackage, { device: participant.device, keyShare, random: participant.random }, view.tree.tree, transport, options);
    return { keyShare, publicKeyPackage: reshared.publicKeyPackage, facts };
  } catch (error) {
    keyShare.dispose(); // an unconfirmed share is never kept
    throw error;
  }
}

/** Where a device's stores are. */
export interface DeviceStores {
  /** The device directory (its config). */
  readonly dir: string;
  /** Its key store. */
  readonly keys: UnlockedKeyStore;
  /** Its journal. */
  readonly journal: FactStore;
}

/**
 * The pending change entry's bytes: the config after the change, the signed facts, and the
 * guardianship after it (`recovery.json`'s own) when the authority has guardians.
 */
export function encodePendingChange(config: DeviceConfig, facts: readonly FactRecord[], guardianship?: Guardianship): Uint8Array {
  return encodeCanonical({ config: utf8(encodeConfig(config)), facts: facts.map((r) => r.bytes), ...(guardianship === undefined ? {} : { guardianship: guardianshipBytes(guardianship) }) });
}

/**
 * Commits a confirmed change at a member (see the module comment): the key store first (new share
 * and pending change, one atomic rewrite), then journal, config and, with `guardianship` (the
 * guardianship after the change), `recovery.json`. Returns the new config.
 */
export async function commitChange(stores: DeviceStores, config: DeviceConfig, outcome: ChangeOutcome, guardianship?: Guardianship): Promise<DeviceConfig> {
  const pending = encodePendingChange(config, outcome.facts, guardianship);
  const share = withEncodedKeyShare(outcome.keyShare, (bytes) => bytes.slice());
  try {
    const next = await stores.keys.store.update(stores.keys.passphrase, (entries) => ({ ...existing(stores, entries), [keyShareEntry(config.authority)]: share, [pendingChangeEntry(config.authority)]: pending }));
    return (await settlePendingChange(stores, config.authority, existing(stores, next))) ?? config;
  } finally {
    share.fill(0); // after the last save of the entries that hold it
  }
}

/**
 * Finishes a pending change found in the key store `entries` of `authority`: stores its facts in
 * the journal, writes its config and its guardianship (if any) as `recovery.json`'s own, and drops
 * the entry. Every step may be done again, so a crash during this is finished on the next open.
 * Returns the config it wrote, or `undefined` when nothing was pending. Errors:
 * `agent.bad-pending-change` when the entry does not decode, and those of the journal, the config,
 * `recovery.json` and the key store.
 */
export async function settlePendingChange(stores: DeviceStores, authority: AuthorityId, entries: KeyStoreEntries): Promise<DeviceConfig | undefined> {
  const entry = pendingChangeEntry(authority);
  const pending = entries[entry];
  if (pending === undefined) return undefined;
  const value = decodeCanonical(pending);
  const malformed = () => permanentError('agent.bad-pending-change', `the key store of ${stores.dir} holds a pending membership change that does not decode`);
  if (!isCanonicalMap(value) || !(value.config instanceof Uint8Array) || !Array.isArray(value.facts) || !value.facts.every((f) => f instanceof Uint8Array)) throw malformed();
  const guardianship = value.guardianship === undefined ? undefined : guardianshipOfBytes(value.guardianship);
  if (guardianship === null) throw malformed();
  const config = decodeConfig(new TextDecoder().decode(value.config), join(stores.dir, CONFIG_FILE));
  await storeAuthorityFacts(stores.journal, authority, config.groupKey, value.facts.map((bytes) => decodeFact(bytes)));
  await writeConfig(stores.dir, config);
  if (guardianship !== undefined) await updateGuardianships(stores.dir, (records) => ({ ...records, own: guardianship }));
  // Only this pending change is dropped, and only while unchanged: the store may have changed since `entries` were read.
  await stores.keys.store.update(stores.keys.passphrase, (current) => (current?.[entry] !== undefined && bytesEqual(current[entry], pending) ? withoutEntry(current, entry) : undefined));
  return config;
}

/** `entries` of the key store of `stores`; `keystore.not-found` when there are none (the store was deleted under the device). */
function existing(stores: DeviceStores, entries: KeyStoreEntries | undefined): KeyStoreEntries {
  if (entries === undefined) throw permanentError('keystore.not-found', `no key store in ${stores.dir}`, { context: { dir: stores.dir } });
  return entries;
}
