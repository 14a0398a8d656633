/**
 * Recovering an authority into a new device through its guardians (`aura recovery start`): the
 * new device makes its keys, signs its request (the `recovery.requested` fact) and submits it to
 * one guardian, which answers with the guardianship (the other guardians, the cooldown, the
 * epoch) and the group's key package; it submits the request to every guardian and waits, polling
 * them, until enough approved (each guardian's person runs `aura recovery approve`); meanwhile it
 * submits the request to the owner's devices named by the guardianship, so the owner learns of it
 * at once, and those that answer are the survivors; then it
 * starts the `Recovery` session with every guardian and the survivors (`runRecovery`): after the
 * cooldown, unless the owner disputed, the survivors and the approving guardians reshare onto the
 * survivors, the new device and the guardians (the lost devices drop out), and the new device's
 * directory is written with its share of the unchanged group key, the survivors as its members.
 *
 * Nothing is written before the recovery completes: an interrupted or disputed recovery leaves
 * no directory (the request stays in the guardians' recovery stores). Once it completes, the
 * directory is written in one order (`createDeviceDir`): key store (the new share), journal, the
 * journal copied from a survivor, `recovery.json`, the recovery store, and the config last. A crash
 * before the config leaves a directory that opening refuses as `agent.dir-incomplete` (never one
 * that opens without its journal or its guardianship); its key store holds the new device's share,
 * so deleting it gives that share up, and the authority goes on with its survivors' and guardians'
 * shares (a new recovery brings the device back). A crash after the config leaves a complete
 * directory.
 *
 * Source: issue 11 item 2 (`aura recovery start`); `docs/protocols.md` (recovery).
 *
 * @module
 */
import { basename, join } from 'node:path';
import { fromHex, toHex } from '../core/bytes.ts';
import type { PhysicalTimeEffects, RandomEffects } from '../core/effects.ts';
import { AuraError, permanentError, toAuraError } from '../core/errors.ts';
import { randomIdentifier, type AuthorityId, type DeviceId } from '../core/identifiers.ts';
import { hpkeKeyPairFromSeed } from '../crypto/hpke.ts';
import type { ScryptParams } from '../crypto/key-store-format.ts';
import { ed25519PublicKey } from '../crypto/signature.ts';
import { deviceAttestation } from '../journal/attestation.ts';
import { sealFact, unsignedPart, type FactRecord } from '../journal/fact.ts';
import { MemoryFactStore } from '../journal/memory-fact-store.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SqliteFactStore } from '../handlers/sqlite-fact-store.ts';
import { peerEntryOfAddress, startNetworkDevice, type NetworkDevice } from '../handlers/network/network-device.ts';
import type { RoleObserver } from '../runtime/role-event.ts';
import { authorityIdOf, authorityJournalAdmission, authorityView } from '../protocols/authority.ts';
import { recoveryRequestId, requestedDraft, runRecovery, type RecoveryOutcome, type RecoveryRequest } from '../protocols/recovery.ts';
import { StoreReplica } from '../protocols/sync-replica.ts';
import { SyncService } from '../protocols/sync-service.ts';
import { localLockJournal } from './lock-journal.ts';
import type { ApprovalPolicy } from './device-config.ts';
import { loadJournal } from './authority-journal.ts';
import { checkFreshDir, createDeviceDir, JOURNAL_FILE } from './device-dir.ts';
import { afterTreeChange, GUARDIAN_ANSWER_MS, knowGuardianship, ownersAfterRecovery, POLICY_ANSWER_MS, recoveryPlan, recoveryRoles, recoverySessions, recoveryTreeChange } from './guardian-desk.ts';
import { GuardianLink, type GuardianState } from './guardian-link.ts';
import { writeGuardianships, type Guardianship, type OwnerContact } from './guardianship.ts';
import { RecoveryStore } from './recovery-store.ts';
import { SessionGroups } from './session-groups.ts';
import { signTreeChange, treeChangeSessions, type TreeChange } from './tree-change.ts';

/** What to recover, and how. */
export interface RecoverDevice {
  /** The new device directory (absent or empty). */
  readonly dir: string;
  /** The authority to recover. */
  readonly authority: AuthorityId;
  /** The address of one of its guardians' nodes (`…/p2p/PEER_ID`). */
  readonly guardian: string;
  /** The passphrase of the new key store. */
  readonly passphrase: string;
  /** The approval policy of the new device. */
  readonly policy: ApprovalPolicy;
  /** scrypt cost of the key store. */
  readonly scrypt?: ScryptParams;
  /** Randomness. */
  readonly random: RandomEffects;
  /** Time (polling, the cooldown). */
  readonly time: PhysicalTimeEffects;
  /** How often to ask the guardians whether they approved, in ms (default 500). */
  readonly pollMs?: number;
  /** Bound of each protocol receive, in ms (default 15 s). */
  readonly receiveTimeoutMs?: number;
  /** Progress. */
  readonly events?: (event: RecoveryEvent) => void;
  /** Watches the role (for `--trace`). */
  readonly observer?: RoleObserver;
  /** Stops the recovery when aborted (nothing is written). */
  readonly signal?: AbortSignal;
}

/** What a recovery reports as it goes. */
export type RecoveryEvent =
  | { readonly event: 'requested'; readonly request: string; readonly newDevice: DeviceId; readonly guardians: readonly string[]; readonly needed: number; readonly cooldownMs: number }
  | { readonly event: 'approvals'; readonly request: string; readonly approvedBy: readonly string[]; readonly needed: number }
  | { readonly event: 'survivors'; readonly request: string; readonly devices: readonly string[] }
  | { readonly event: 'cooldown'; readonly request: string; readonly endsAt: string }
  | { readonly event: 'tree-unchanged'; readonly request: string; readonly code: string; readonly message: string };

/** A recovered device. */
export interface RecoveredDevice {
  /** The authority. */
  readonly authority: AuthorityId;
  /** The new device. */
  readonly device: DeviceId;
  /** Its directory. */
  readonly dir: string;
  /** The group key (unchanged), hex. */
  readonly groupKey: string;
  /** The request id, hex. */
  readonly request: string;
  /** The guardians that approved (names). */
  readonly approvers: readonly string[];
  /** The authority's devices now: the survivors that took part and the new device (names). */
  readonly members: readonly string[];
}

/** Runs a recovery into `spec.dir` (see the module comment). */
export async function recoverDevice(spec: RecoverDevice): Promise<RecoveredDevice> {
  checkFreshDir(spec.dir);
  const { random, time } = spec;
  const crypto = new Ed25519CryptoEffects(random);
  const deviceKey = random.randomBytes(32);
  const hpkeSeed = random.randomBytes(32);
  const hpke = await hpkeKeyPairFromSeed(hpkeSeed);
  const network = await startNetworkDevice({ deviceKey, time, random, listen: ['/ip4/127.0.0.1/tcp/0'], log: () => undefined });
  const sessions = new SessionGroups(network.transport);
  const link = new GuardianLink(network.transport, time);
  const stop = (): void => void network.stop().catch(() => undefined);
  spec.signal?.addEventListener('abort', stop);
  try {
    const request: RecoveryRequest = { authority: spec.authority, newDevice: network.device, deviceKey: ed25519PublicKey(deviceKey), hpkeKey: hpke.publicKey, nonce: random.randomBytes(16) };
    const draft = requestedDraft(request);
    const requested = sealFact(draft, deviceAttestation(crypto, network.device, deviceKey, unsignedPart(draft)));
    const first = peerEntryOfAddress(spec.guardian);
    network.directory.register(first);
    const state = await link.ask(first.device, { k: 'submit', fact: requested.bytes }, GUARDIAN_ANSWER_MS);
    if (state.k !== 'state') throw permanentError('agent.bad-message', `the guardian answered "${state.k}" to a request`);
    const g = checkGuardianship(state, spec.authority);
    knowGuardianship(network, g, network.device);
    const id = toHex(recoveryRequestId(request));
    const needed = state.publicKeyPackage.threshold;
    spec.events?.({ event: 'requested', request: id, newDevice: network.device, guardians: g.guardians.map((x) => x.name), needed, cooldownMs: g.cooldownMs });
    // The owners hear of the request while the guardians decide (a lost device's silence takes SURVIVOR_ANSWER_MS).
    const surviving = survivingOwners(link, g, requested.bytes);
    const approvers = await awaitApprovals(spec, link, g, requested.bytes, id, needed);
    const survivors = await surviving;
    spec.events?.({ event: 'survivors', request: id, devices: g.owners.filter((o) => survivors.includes(o.device)).map((o) => o.name) });
    const session = randomIdentifier('session', random);
    const plan = recoveryPlan(g, state.publicKeyPackage, request, session, survivors);
    const treeChange = recoveryTreeChange(plan);
    const roles = recoveryRoles(network.device, survivors, g.guardians.map((x) => x.device), approvers, needed);
    const mapped = new Map([...recoverySessions(plan, approvers, roles), ...(treeChange === undefined ? [] : treeChangeSessions(treeChange))]);
    const group = sessions.group(roles, mapped);
    const address = String(network.addresses()[0]);
    const name = basename(spec.dir);
    const recover = { k: 'recover', session, request, approvers, survivors, name, address } as const;
    const participants = [...g.guardians, ...g.owners.filter((o) => survivors.includes(o.device))];
    await Promise.all(
      participants.map((p) =>
        link.ask(p.device, recover, POLICY_ANSWER_MS).catch((error: unknown) => {
          const failure = toAuraError(error);
          throw new AuraError(failure.kind, failure.code, `${p.name}: ${failure.message}`, { cause: error });
        }),
      ),
    );
    // Copied once the survivors run the recovery with this device (they let its sync in then), and
    // before the recovery changes the tree: the lost devices' facts are admissible until then.
    const copied = treeChange === undefined ? undefined : await copyJournal(network, sessions, spec, state.publicKeyPackage.groupPublicKey, g.owners.filter((o) => survivors.includes(o.device)));
    const copiedTree = copied === undefined ? undefined : authorityView(await loadJournal(copied.store, spec.authority)).tree.tree;
    if (copiedTree !== undefined && copiedTree.epoch !== plan.epoch) {
      throw permanentError('agent.stale-guardianship', `the guardians' record of ${spec.authority} is for epoch ${plan.epoch}, but its journal is in epoch ${copiedTree.epoch}: the recovery stops before any share moves (set up the guardians again)`, { context: { epoch: plan.epoch, journalEpoch: copiedTree.epoch } });
    }
    spec.events?.({ event: 'cooldown', request: id, endsAt: new Date(time.now().ms + g.cooldownMs).toISOString() });
    const runOptions = { time, receiveTimeoutMs: spec.receiveTimeoutMs ?? 15_000, ...(spec.observer === undefined ? {} : { observer: spec.observer }) };
    let outcome: RecoveryOutcome;
    let changed: TreeChange | undefined;
    const records: FactRecord[] = [];
    try {
      outcome = await runRecovery(
        plan,
        { device: network.device, hpkeSecretKey: hpke.secretKey, deviceSecretKey: deviceKey, random, crypto, time },
        group.transport,
        // The new device is outside the authority's tree until the recovery completes: its lock facts stay local.
        { ...runOptions, lock: { journal: localLockJournal(spec.authority, random), time, random } },
      );
      if (outcome.keyShare === undefined) throw permanentError('agent.no-share', 'the recovery ended without a share for the new device');
      if (treeChange !== undefined && copied !== undefined && copiedTree !== undefined) {
        // The shares have moved: a failed tree change must not lose the new device's, so it is reported and the directory written.
        try {
          const signed = await signTreeChange(treeChange, outcome.publicKeyPackage, { device: network.device, keyShare: outcome.keyShare, random }, copiedTree, group.transport, runOptions);
          const { rejected } = await copied.receive(signed.map((r) => r.bytes), network.device);
          if (rejected.length > 0) throw permanentError('agent.bad-tree-change', `the recovery's tree change was refused by the journal copied: ${rejected.map((r) => `error[${r.code}]: ${r.message}`).join('; ')}`);
          changed = treeChange;
        } catch (error) {
          const failure = toAuraError(error);
          spec.events?.({ event: 'tree-unchanged', request: id, code: failure.code, message: failure.message });
        }
        await copied.store.scan(spec.authority, (record) => records.push(record));
      }
    } finally {
      group.end();
    }
    const own: Guardianship = afterTreeChange({ ...g, owners: ownersAfterRecovery(g, survivors, { name, device: network.device, address, hpkeKey: toHex(hpke.publicKey) }) }, changed);
    await createDeviceDir(spec.dir, {
      config: { authority: spec.authority, device: network.device, groupKey: outcome.publicKeyPackage.groupPublicKey, threshold: needed, members: own.owners.map((o) => ({ name: o.name, device: o.device, address: o.address, hpkePublicKey: fromHex(o.hpkeKey) })), policy: spec.policy },
      secrets: { deviceKey, hpkeSeed, keyShare: outcome.keyShare },
      facts: [],
      passphrase: spec.passphrase,
      random,
      ...(spec.scrypt === undefined ? {} : { scrypt: spec.scrypt }),
      otherFiles: async (dir) => {
        await writeCopiedJournal(dir, records);
        await writeGuardianships(dir, { own, guarding: [] });
        const store = RecoveryStore.open(dir, crypto);
        try {
          await store.add(own, [outcome.requested, ...outcome.approved]);
        } finally {
          await store.close();
        }
      },
    });
    return {
      authority: spec.authority,
      device: network.device,
      dir: spec.dir,
      groupKey: toHex(outcome.publicKeyPackage.groupPublicKey),
      request: id,
      approvers: g.guardians.filter((x) => approvers.includes(x.device)).map((x) => x.name),
      members: own.owners.map((o) => o.name),
    };
  } catch (error) {
    if (spec.signal?.aborted === true) throw permanentError('agent.interrupted', 'interrupted before the recovery completed: no device directory was written', { cause: error });
    throw error;
  } finally {
    spec.signal?.removeEventListener('abort', stop);
    link.close();
    sessions.close();
    await network.stop().catch(() => undefined); // stopped already when interrupted
  }
}

/**
 * A memory replica of the authority's journal, copied by one anti-entropy session from the first
 * of `survivors` that answers. Errors: those of the last session tried (`protocols.sync.*`,
 * `network.*`).
 */
async function copyJournal(network: NetworkDevice, sessions: SessionGroups, spec: RecoverDevice, groupKey: Uint8Array, survivors: readonly OwnerContact[]): Promise<StoreReplica> {
  const replica = new StoreReplica(new MemoryFactStore(), spec.authority, authorityJournalAdmission(spec.authority, groupKey, new Ed25519CryptoEffects(spec.random)));
  const sync = new SyncService({ channel: network.transport, transport: sessions.channelTransport, replica, time: spec.time, random: spec.random, peers: [], intervalMs: 0 });
  sync.start();
  try {
    let failure: unknown;
    for (const survivor of survivors) {
      try {
        await sync.syncWith(survivor.device);
        return replica;
      } catch (error) {
        failure = error;
      }
    }
    throw toAuraError(failure);
  } finally {
    sync.close();
  }
}

/** Writes `records` (admitted by the copied journal's replica) into the journal of the device directory `dir`. */
async function writeCopiedJournal(dir: string, records: readonly FactRecord[]): Promise<void> {
  if (records.length === 0) return;
  const journal = SqliteFactStore.open(join(dir, JOURNAL_FILE));
  try {
    await journal.put(records);
  } finally {
    await journal.close();
  }
}

/** The guardianship of a guardian's answer, checked against the authority asked for. Error: `agent.bad-guardian`. */
function checkGuardianship(state: GuardianState, authority: AuthorityId): Guardianship {
  const g = state.guardianship;
  if (g.authority !== authority || authorityIdOf(state.publicKeyPackage.groupPublicKey) !== authority || toHex(state.publicKeyPackage.groupPublicKey) !== g.groupKey) {
    throw permanentError('agent.bad-guardian', `the guardian answered for another authority (${g.authority}) or with a key package that is not ${authority}'s`);
  }
  return g;
}

/** How long an owner's device has to answer whether it survived, in ms. */
const SURVIVOR_ANSWER_MS = 2000;

/**
 * The owner's devices that answer the request (in the guardianship's order): the surviving
 * devices, which take part in the recovery and keep a share.
 */
async function survivingOwners(link: GuardianLink, g: Guardianship, fact: Uint8Array): Promise<DeviceId[]> {
  const answers = await Promise.allSettled(g.owners.map((o) => link.ask(o.device, { k: 'submit', fact }, SURVIVOR_ANSWER_MS)));
  return g.owners.filter((_, k) => answers[k]?.status === 'fulfilled').map((o) => o.device);
}

/**
 * Submits the request to every guardian until `needed` of them approved; returns the approvers'
 * devices in guardian order. Errors: `protocols.recovery.disputed` (a guardian holds the owner's
 * dispute), `agent.interrupted`.
 */
async function awaitApprovals(spec: RecoverDevice, link: GuardianLink, g: Guardianship, fact: Uint8Array, id: string, needed: number): Promise<DeviceId[]> {
  let reported = '';
  for (;;) {
    const answers = await Promise.allSettled(g.guardians.map((x) => link.ask(x.device, { k: 'submit', fact }, GUARDIAN_ANSWER_MS)));
    const states = answers.map((a) => (a.status === 'fulfilled' && a.value.k === 'state' ? a.value : undefined));
    if (states.some((s) => s?.disputed === true)) throw permanentError('protocols.recovery.disputed', `the recovery request ${id.slice(0, 16)} was disputed by the owner: cancelled`);
    const approvers = g.guardians.filter((_, k) => states[k]?.approved === true);
    const names = approvers.map((x) => x.name).join(',');
    if (names !== reported) {
      reported = names;
      spec.events?.({ event: 'approvals', request: id, approvedBy: approvers.map((x) => x.name), needed });
    }
    if (approvers.length >= needed) return approvers.map((x) => x.device);
    if (spec.signal?.aborted === true) throw permanentError('agent.interrupted', 'interrupted while waiting for the guardians: no device directory was written');
    const failed = answers.find((a) => a.status === 'rejected');
    if (failed !== undefined && states.every((s) => s === undefined)) throw toAuraError(failed.reason);
    await spec.time.sleep(spec.pollMs ?? 500);
  }
}
