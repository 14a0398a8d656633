/**
 * Guardian recovery as a choreography (`recovery.choreo`, issue 9 item 5): a user who lost
 * devices gets a new device into the authority with the approval of its guardians, after a
 * cooldown during which the legitimate owner can dispute (cancel) the request. The group key
 * survives: the owner's surviving devices that take part and the approving guardians reshare
 * their shares (`reshare.ts`) onto the surviving devices, the new device and the guardians; the
 * lost devices, which do not take part, drop out (the outcome's {@link RecoveryOutcome.change}
 * removes them from the commitment tree and bumps the epoch).
 *
 * `Initiate -> CollectGuardianApproval* (threshold) -> Cooldown -> Reshare -> Complete`:
 * - the new device's request is signed with its device key: the `recovery.requested` fact;
 * - each guardian's approval is signed with its authority's key: a `recovery.approved` fact;
 * - the cooldown is `PhysicalTimeEffects.sleep` at every participant (the simulator and tests
 *   control it); then each guardian looks for a `recovery.disputed` fact ({@link DisputeWatch})
 *   and says whether it saw one, so every participant decides alike;
 * - a disputed request never completes (`protocols.recovery.disputed`); with enough approvals,
 *   the surviving devices and the approvers reshare, and the recovery ends with a
 *   `recovery.completed` draft for the recovered authority to attest.
 *
 * The roles are `Device[D], Guardian[K]`: `Device[0]` is the new device and `Device[1..]` the
 * surviving devices, so the device family always has a member and one choreography serves every
 * number of survivors, none included.
 *
 * The facts live in the authority's recovery context (a relational context with its guardians,
 * {@link recoveryContext}): a guardian's approval is a threshold signature of the guardian's own
 * authority, which the authority's own journal does not take.
 *
 * @module
 */
import { bytesEqual, toHex } from '../core/bytes.ts';
import { encodeCanonical } from '../core/canonical.ts';
import type { CryptoEffects, PhysicalTimeEffects, RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { taggedDigest } from '../core/hash.ts';
import { deriveIdentifier, type AuthorityId, type ContextId, type DeviceId, type SessionId } from '../core/identifiers.ts';
import type { KeyShare, PublicKeyPackage } from '../crypto/key-share.ts';
import { attestationTranscript, thresholdAttestation } from '../journal/attestation.ts';
import type { Leaf } from '../journal/commitment-tree.ts';
import { sealFact, unsignedPart, type FactDraft, type FactRecord } from '../journal/fact.ts';
import { defineFactType } from '../journal/fact-registry.ts';
import type { Journal } from '../journal/journal.ts';
import { bytes, identifier, record } from '../journal/schema.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import type { Transport } from '../runtime/transport.ts';
import { memberIndex, runAttemptRole, type AttemptOutcome } from './attempts.ts';
import { guardianRecipient, guardianSigner, type Guardian } from './guardian-setup.ts';
import { recoveryRequestSchema, type RecoveryReleasePayload, type RecoveryRequestPayload } from './payload-types.ts';
import { epochSession } from './epoch.ts';
import { projectedProtocol } from './protocol-source.ts';
import { membershipElectorate, underLock, type GuardedOperation } from './lock-guard.ts';
import { membershipOperation, runReshareDevice, type MembershipChange, type MembershipRunOptions, type ReshareOutcome, type ReshareRecipient, type ReshareSetup } from './reshare.ts';

/** A new device's request to join an authority. */
export type RecoveryRequest = RecoveryRequestPayload;

/** What every participant agrees on before a recovery. */
export interface RecoveryPlan {
  /** The current group (devices and guardians hold shares). */
  readonly publicKeyPackage: PublicKeyPackage;
  /** The guardians, in role order (`Guardian[k]`). */
  readonly guardians: readonly Guardian[];
  /**
   * The owner's surviving devices that take part (`Device[1..]`, in order; default none): they
   * deal with the approving guardians and keep a (fresh) share.
   */
  readonly devices?: readonly ReshareRecipient[];
  /** The owner's devices that do not take part (lost): they drop out of the tree ({@link RecoveryOutcome.change}). */
  readonly lost?: readonly DeviceId[];
  /** The request (the new device, `Device[0]`, makes it; every guardian is told it out of band: the user calls them). */
  readonly request: RecoveryRequest;
  /**
   * Guardian approvals needed: at least 1, and with the surviving devices at least the group's
   * threshold (the approvers and the surviving devices deal the shares).
   */
  readonly approvals: number;
  /** The cooldown, in ms, during which the owner can dispute. */
  readonly cooldownMs: number;
  /** The threshold after recovery (default: the group's). */
  readonly threshold?: number;
  /** The agreed session (the resharing's derives from it). */
  readonly session: SessionId;
  /** The authority's epoch: both sessions are bound to it. */
  readonly epoch: number;
}

/** Where a guardian sees whether the owner disputed a request. */
export interface DisputeWatch {
  /** Whether the request with this id is disputed. */
  disputed(requestId: Uint8Array): boolean | Promise<boolean>;
}

/** One participant's own inputs: the new device, a surviving device, or a guardian's device. */
export interface RecoveryParticipant {
  /** Which device this is. */
  readonly device: DeviceId;
  /** Its HPKE secret key (its new share is sealed to it). */
  readonly hpkeSecretKey: Uint8Array;
  /** Randomness for the resharing. */
  readonly random: RandomEffects;
  /** Signing and verification. */
  readonly crypto: CryptoEffects;
  /** The cooldown's clock. */
  readonly time: PhysicalTimeEffects;
  /** The new device's secret device key (it signs the request). */
  readonly deviceSecretKey?: Uint8Array;
  /** A guardian's recovery share, or a surviving device's share. */
  readonly keyShare?: KeyShare;
  /** A guardian's authority secret key (it signs its approval). */
  readonly guardianSecretKey?: Uint8Array;
  /** A guardian that signs with its authority's key another way (a threshold-1 FROST group): used instead of `guardianSecretKey`. */
  readonly signAsGuardian?: (message: Uint8Array) => Uint8Array;
  /** A guardian's decision on the request, once it has checked with the user (default: approve). */
  readonly approve?: (request: RecoveryRequest) => boolean;
  /** Where a guardian sees the owner's disputes. */
  readonly disputes?: DisputeWatch;
}

/** The outcome at every participant. */
export interface RecoveryOutcome extends ReshareOutcome {
  /** The request's id (its facts refer to it). */
  readonly requestId: Uint8Array;
  /** The `recovery.requested` fact, signed by the new device. */
  readonly requested: FactRecord;
  /** The `recovery.approved` facts, each signed by an approving guardian. */
  readonly approved: readonly FactRecord[];
  /** The `recovery.completed` draft, for the recovered authority to attest. */
  readonly completed: FactDraft;
  /** The new device's leaf for the commitment tree. */
  readonly leaf: Leaf;
  /**
   * The change the commitment tree gets: the new device's leaf added, the lost devices removed,
   * the new threshold. Sign `membershipOps(change)` with the new group (`attestMembershipChange`
   * in `authority.ts`, which ends it with `rotateEpoch`: the epoch is bumped).
   */
  readonly change: MembershipChange;
}

/** The `Recovery(D, K)` projection for `guardians` guardians and `devices` devices (the new one and the surviving ones that take part). */
export function recoveryProtocol(guardians: number, devices = 1) {
  return projectedProtocol('recovery.choreo', 'Recovery', { D: devices, K: guardians });
}

/** The recovery context of `authority`: the namespace of its recovery facts. */
export function recoveryContext(authority: AuthorityId): ContextId {
  return deriveIdentifier('context', { authority, purpose: 'aura.guardian-recovery' });
}

/** The id of `request`. */
export function recoveryRequestId(request: RecoveryRequest): Uint8Array {
  return taggedDigest('aura.protocols.recovery.v1.request', encodeCanonical(request));
}

const requestRef = record({ request: bytes(32) });

/** `recovery.requested@1`: a new device asks to join; signed by that device. */
export const RECOVERY_REQUESTED = defineFactType({ typeId: 'recovery.requested', schemaVersion: 1, description: 'a new device asks to join an authority through its guardians', payload: recoveryRequestSchema, attestations: ['device'], namespaces: ['context'] });
/** `recovery.approved@1`: a guardian approves a request; signed by the guardian's authority. */
export const RECOVERY_APPROVED = defineFactType({ typeId: 'recovery.approved', schemaVersion: 1, description: 'a guardian approves a recovery request', payload: requestRef, attestations: ['threshold'], namespaces: ['context'] });
/** `recovery.disputed@1`: the owner cancels a request; signed by one of its devices or its group key. */
export const RECOVERY_DISPUTED = defineFactType({ typeId: 'recovery.disputed', schemaVersion: 1, description: 'the owner of an authority disputes (cancels) a recovery request', payload: requestRef, attestations: ['device', 'threshold'], namespaces: ['context'] });
/** `recovery.completed@1`: the new device holds a share; signed by the recovered authority. */
export const RECOVERY_COMPLETED = defineFactType({ typeId: 'recovery.completed', schemaVersion: 1, description: 'a recovery completed: the new device holds a share of the unchanged group key', payload: record({ request: bytes(32), newDevice: identifier('device') }), attestations: ['threshold'], namespaces: ['context'] });

/** The recovery fact types, to register in the recovery context's journal. */
export const RECOVERY_FACT_TYPES = [RECOVERY_REQUESTED, RECOVERY_APPROVED, RECOVERY_DISPUTED, RECOVERY_COMPLETED] as const;

function draft(typeId: string, request: RecoveryRequest, payload: FactDraft['payload']): FactDraft {
  return { typeId, schemaVersion: 1, payload, metadata: { namespace: recoveryContext(request.authority) } };
}

/** The `recovery.requested` draft of `request` (the new device signs it). */
export function requestedDraft(request: RecoveryRequest): FactDraft {
  return draft(RECOVERY_REQUESTED.typeId, request, request);
}

/** The `recovery.approved` draft of `request` (each approving guardian signs it). */
export function approvedDraft(request: RecoveryRequest): FactDraft {
  return draft(RECOVERY_APPROVED.typeId, request, { request: recoveryRequestId(request) });
}

/** The `recovery.disputed` draft of `request` (the owner signs it). */
export function disputedDraft(request: RecoveryRequest): FactDraft {
  return disputeDraftOf(request.authority, recoveryRequestId(request));
}

/** The `recovery.disputed` draft of the request with id `requestId` to join `authority`: what an owner who knows only the id signs. */
export function disputeDraftOf(authority: AuthorityId, requestId: Uint8Array): FactDraft {
  return { typeId: RECOVERY_DISPUTED.typeId, schemaVersion: 1, payload: { request: requestId }, metadata: { namespace: recoveryContext(authority) } };
}

/** The `recovery.completed` draft of `request` (the recovered authority signs it). */
export function completedDraft(request: RecoveryRequest): FactDraft {
  return draft(RECOVERY_COMPLETED.typeId, request, { request: recoveryRequestId(request), newDevice: request.newDevice });
}

/** A {@link DisputeWatch} over the recovery context's journal: a request is disputed once a `recovery.disputed` fact for it is admitted. */
export function journalDisputeWatch(journal: () => Journal): DisputeWatch {
  return {
    disputed: (requestId) =>
      [...journal().facts.values()].some((r) => r.fact.typeId === RECOVERY_DISPUTED.typeId && bytesEqual((r.fact.payload as { request: Uint8Array }).request, requestId)),
  };
}

const EMPTY = new Uint8Array(0);

/** What every participant heard by `Decide`: the request's signature, each approval, each release. */
interface RecoveryVerdict {
  readonly requestSignature: Uint8Array;
  /** The valid approval signatures, by guardian index. */
  readonly approvals: ReadonlyMap<number, Uint8Array>;
  /** Whether any guardian reported a dispute. */
  readonly disputed: boolean;
}

/**
 * The honest logic of `participant` as a device (`Device[0]` the new one, `Device[j]` a surviving
 * one) or a guardian (`Guardian[k]`). A
 * guardian approves only a request that is the one it was told, signed by the new device's key,
 * and that its `approve` accepts. At `Decide` every participant counts the approvals that verify
 * and whether any guardian saw a dispute.
 */
export function recoveryRoleImpl(plan: RecoveryPlan, participant: RecoveryParticipant, decide: (outcome: AttemptOutcome<RecoveryVerdict>) => void): RoleImpl {
  const { crypto, time } = participant;
  const { request } = plan;
  const requestId = recoveryRequestId(request);
  const requestTranscript = attestationTranscript('device', request.newDevice, unsignedPart(requestedDraft(request)));
  const approvalTranscript = (g: Guardian) => attestationTranscript('threshold', g.authority, unsignedPart(approvedDraft(request)));
  const self = plan.guardians.findIndex((g) => g.device === participant.device);
  const signatures = new Map<number, Uint8Array>();
  const releases = new Map<number, RecoveryReleasePayload>();
  let requestSignature: Uint8Array = EMPTY;
  let requestOk = false;
  let disputed = false;
  const sign = guardianSigner(participant);
  const ownApproval = (): Uint8Array => {
    if (sign === undefined || !requestOk || participant.approve?.(request) === false) return EMPTY;
    return sign(approvalTranscript(plan.guardians[self]!)); // a guardian signs: it is one of them
  };
  return {
    send: {
      Initiate: () => {
        const secret = participant.deviceSecretKey;
        if (secret === undefined) throw permanentError('protocols.recovery.no-device-key', `the new device ${participant.device} has no device key to sign its request`);
        requestSignature = crypto.sign(secret, requestTranscript);
        return { request, signature: requestSignature };
      },
      Approve: () => {
        const signature = ownApproval();
        signatures.set(self, signature);
        return { signature };
      },
      Release: () => ({ release: { disputed } }),
    },
    recv: {
      Initiate: (payload) => {
        const received = payload as { request: RecoveryRequest; signature: Uint8Array };
        requestSignature = received.signature;
        requestOk = bytesEqual(encodeCanonical(received.request), encodeCanonical(request)) && crypto.verify(request.deviceKey, requestTranscript, received.signature);
      },
      Approve: (payload, from) => {
        signatures.set(memberIndex(from), (payload as { signature: Uint8Array }).signature);
      },
      Release: (payload, from) => {
        releases.set(memberIndex(from), (payload as { release: RecoveryReleasePayload }).release);
      },
    },
    local: {
      Cooldown: async () => {
        await time.sleep(plan.cooldownMs);
        if (self >= 0) {
          disputed = (await participant.disputes?.disputed(requestId)) ?? false;
          releases.set(self, { disputed });
        }
      },
      Decide: () => {
        const approvals = new Map<number, Uint8Array>();
        for (const [k, guardian] of plan.guardians.entries()) {
          const signature = signatures.get(k) ?? EMPTY;
          if (signature.length > 0 && crypto.verify(guardian.signingKey, approvalTranscript(guardian), signature)) approvals.set(k, signature);
        }
        decide({ kind: 'ok', value: { requestSignature, approvals, disputed: [...releases.values()].some((r) => r.disputed) } });
      },
    },
  };
}

/** Checks `plan` before anyone runs it: the approvals asked for, and who takes part. */
function checkPlan(plan: RecoveryPlan): void {
  const t = plan.publicKeyPackage.threshold;
  const survivors = (plan.devices ?? []).map((d) => d.device);
  const guardianDevices = plan.guardians.map((g) => g.device);
  const { newDevice } = plan.request;
  const bad = (message: string) => permanentError('protocols.recovery.bad-plan', message);
  if (plan.approvals < 1 || plan.approvals > plan.guardians.length) throw bad(`a recovery needs between 1 and ${plan.guardians.length} (the guardians) approvals, got ${plan.approvals}`);
  if (plan.approvals + survivors.length < t) {
    throw bad(`${plan.approvals} guardian approvals and ${survivors.length} surviving devices are fewer than the group's threshold ${t}: they deal the new shares`);
  }
  const everyone = [newDevice, ...survivors, ...guardianDevices];
  if (new Set(everyone).size !== everyone.length) throw bad(`the new device, the surviving devices and the guardians' devices must all differ`);
  const lost = plan.lost ?? [];
  if (lost.some((d) => everyone.includes(d))) throw bad(`a lost device takes part in the recovery: ${lost.filter((d) => everyone.includes(d)).join(', ')}`);
}

/**
 * The operation lock of `plan`'s resharing: the guardians vote (the surviving devices when there
 * are none), the new device, the survivors and the guardians take part (`lock-guard.ts`).
 */
export function recoveryOperation(plan: RecoveryPlan): GuardedOperation {
  const survivors = (plan.devices ?? []).map((d) => d.device);
  const guardianDevices = plan.guardians.map((g) => g.device);
  const participants = [plan.request.newDevice, ...survivors, ...guardianDevices];
  return membershipOperation(plan.publicKeyPackage.groupPublicKey, membershipElectorate(survivors, guardianDevices), participants, epochSession(recoveryReshareSession(plan), plan.epoch));
}

/**
 * The resharing of `plan` once the guardians with the devices `approvers` approved: any threshold
 * of shareholders can deal, so the surviving devices deal first, then the approvers in guardian
 * order; the survivors, the new device and the guardians receive. A device agent maps its
 * retries' sessions from it, with the approvers the new device named.
 */
export function recoveryReshare(plan: RecoveryPlan, approvers: readonly DeviceId[]): ReshareSetup {
  const survivors = plan.devices ?? [];
  return {
    old: plan.publicKeyPackage,
    oldMembers: [...survivors.map((d) => d.device), ...plan.guardians.filter((g) => approvers.includes(g.device)).map((g) => g.device)],
    recipients: [...survivors, { device: plan.request.newDevice, hpkePublicKey: plan.request.hpkeKey }, ...plan.guardians.map(guardianRecipient)],
    threshold: plan.threshold ?? plan.publicKeyPackage.threshold,
    session: recoveryReshareSession(plan),
    epoch: plan.epoch,
  };
}

function recoveryReshareSession(plan: RecoveryPlan): SessionId {
  return deriveIdentifier('session', { base: plan.session, step: 'reshare' });
}

/**
 * Runs a recovery as `participant` (the new device, a surviving device of the owner, or a
 * guardian's device): request, approvals, cooldown and releases (`Recovery`), then, when no
 * guardian saw a dispute and at least `plan.approvals` approvals verify, under the membership
 * lock (`options.lock`; the guardians vote, see `lock-guard.ts`), the resharing by the surviving
 * devices and the approvers onto the surviving devices, the new device and the guardians (the
 * lost devices drop out). Errors: `protocols.recovery.disputed` (the owner cancelled: nothing
 * changes), `protocols.recovery.not-approved`, `protocols.recovery.bad-plan`,
 * `protocols.lock.refused` (another membership change holds the lock: nothing changes),
 * `protocols.recovery.aborted`, `protocols.recovery.not-a-member`, and those of `underLock` and
 * the resharing.
 */
export async function runRecovery(plan: RecoveryPlan, participant: RecoveryParticipant, transport: Transport, options: MembershipRunOptions): Promise<RecoveryOutcome> {
  checkPlan(plan);
  const survivors = plan.devices ?? [];
  const guardianDevices = plan.guardians.map((g) => g.device);
  const { newDevice } = plan.request;
  const devices = [newDevice, ...survivors.map((d) => d.device)];
  const isGuardian = guardianDevices.includes(participant.device);
  const place = {
    protocol: 'recovery',
    projected: recoveryProtocol(plan.guardians.length, devices.length),
    family: isGuardian ? 'Guardian' : 'Device',
    members: isGuardian ? guardianDevices : devices,
    self: participant.device,
    session: epochSession(plan.session, plan.epoch),
    attempt: 0,
    epoch: plan.epoch,
    roleDevice: (role: string) => (role.startsWith('Device[') ? devices : guardianDevices)[memberIndex(role)],
  };
  const verdict = await runAttemptRole<RecoveryVerdict>(place, (decide) => recoveryRoleImpl(plan, participant, decide), transport, options);
  // The role decides with what it heard and names no one; the judgement is here.
  if (verdict.kind !== 'ok') throw permanentError('protocols.recovery.aborted', `recovery of ${newDevice} ended at ${participant.device} without a verdict`);
  const { requestSignature, approvals, disputed } = verdict.value;
  const requestId = recoveryRequestId(plan.request);
  if (disputed) throw permanentError('protocols.recovery.disputed', `the recovery of ${newDevice} (request ${toHex(requestId).slice(0, 16)}) was disputed by the owner: cancelled`, { context: { newDevice } });
  if (approvals.size < plan.approvals) {
    throw permanentError('protocols.recovery.not-approved', `recovery of ${newDevice}: ${approvals.size} guardian approvals, ${plan.approvals} needed`, { context: { approvals: approvals.size } });
  }
  const approvers = [...approvals.keys()].sort((a, b) => a - b);
  const reshare = recoveryReshare(plan, approvers.map((k) => guardianDevices[k]!)); // approvers index the guardians
  // The lock is taken after the cooldown: it guards the resharing, not the days a dispute may take.
  const reshared = await underLock(recoveryOperation(plan), participant.device, options.lock, transport, options, () =>
    runReshareDevice(reshare, { device: participant.device, hpkeSecretKey: participant.hpkeSecretKey, random: participant.random, ...(participant.keyShare === undefined ? {} : { keyShare: participant.keyShare }) }, transport, options),
  );
  const leaf: Leaf = { id: newDevice, role: 'device', publicKey: plan.request.deviceKey };
  return {
    ...reshared,
    requestId,
    requested: sealFact(requestedDraft(plan.request), { kind: 'device', device: newDevice, signature: requestSignature }),
    approved: approvers.map((k) => sealFact(approvedDraft(plan.request), thresholdAttestation(plan.guardians[k]!.authority, approvals.get(k)!))), // approvers are keys of approvals
    completed: completedDraft(plan.request),
    leaf,
    change: { add: [leaf], remove: plan.lost ?? [], threshold: reshare.threshold },
  };
}
