/**
 * Setting up guardians as a choreography (`guardian-setup.choreo`, issue 9 item 5): the devices
 * of an authority invite guardians (each its own authority, typically one device), each guardian
 * accepts by signing the invitation with its authority's key, and every participant checks every
 * acceptance. The devices then reshare the group key onto devices + guardians (`reshare.ts`,
 * under the operation lock), so
 * each guardian receives a recovery share, HPKE-sealed to its device key, under the same group
 * key. The outcome names the `guardian` leaves the commitment tree gets.
 *
 * @module
 */
import { bytesEqual } from '../core/bytes.ts';
import { encodeCanonical } from '../core/canonical.ts';
import type { CryptoEffects, RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { taggedBytes } from '../core/hash.ts';
import { deriveIdentifier, type AuthorityId, type DeviceId, type SessionId } from '../core/identifiers.ts';
import type { KeyShare } from '../crypto/key-share.ts';
import type { Leaf } from '../journal/commitment-tree.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import type { Transport } from '../runtime/transport.ts';
import { memberIndex, runAttemptRole, type Accusation, type AttemptOutcome } from './attempts.ts';
import type { GuardianInvitationPayload, GuardianPayload } from './payload-types.ts';
import { epochSession } from './epoch.ts';
import { projectedProtocol } from './protocol-source.ts';
import { underLock, type GuardedOperation } from './lock-guard.ts';
import { groupElectorate, membershipOperation, runReshareDevice, type DeviceGroup, type MembershipRunOptions, type ReshareOutcome, type ReshareRecipient, type ReshareSetup } from './reshare.ts';

/** A guardian: its authority, its device, its authority's Ed25519 key, its device's HPKE key. */
export type Guardian = GuardianPayload;

/** What every participant agrees on before setting up guardians. */
export interface GuardianSetupPlan {
  /** The authority getting guardians. */
  readonly authority: AuthorityId;
  /** Its current devices and key package. */
  readonly group: DeviceGroup;
  /** The guardians, in role order (`Guardian[k]`). */
  readonly guardians: readonly Guardian[];
  /** The threshold over devices + guardians after setup. */
  readonly threshold: number;
  /** The agreed session (the resharing's derives from it). */
  readonly session: SessionId;
  /** The authority's epoch: both sessions are bound to it. */
  readonly epoch: number;
}

/** One participant's own inputs: a device of the authority, or a guardian's device. */
export interface GuardianSetupParticipant {
  /** Which device this is. */
  readonly device: DeviceId;
  /** Its share, when it is a device of the authority. */
  readonly keyShare?: KeyShare;
  /** Its HPKE secret key (a guardian's recovery share is sealed to it). */
  readonly hpkeSecretKey: Uint8Array;
  /** Randomness for the resharing. */
  readonly random: RandomEffects;
  /** Signing and verification. */
  readonly crypto: CryptoEffects;
  /** A guardian's authority secret key, with which it signs its acceptance. */
  readonly guardianSecretKey?: Uint8Array;
  /** A guardian that signs with its authority's key another way (a threshold-1 FROST group): used instead of `guardianSecretKey`. */
  readonly signAsGuardian?: (message: Uint8Array) => Uint8Array;
  /** A guardian's decision on the invitation (default: accept). */
  readonly accept?: (invitation: GuardianInvitationPayload) => boolean;
}

/** The outcome at every participant: the resharing's, and the tree leaves of the guardians. */
export interface GuardianSetupOutcome extends ReshareOutcome {
  /** The guardians' leaves for the commitment tree (`addLeaf` under the root). */
  readonly leaves: readonly Leaf[];
  /** Each guardian's signature of the invitation, in guardian order. */
  readonly acceptances: readonly Uint8Array[];
}

/** The `GuardianSetup(N, K)` projection for `devices` devices and `guardians` guardians. */
export function guardianSetupProtocol(devices: number, guardians: number) {
  return projectedProtocol('guardian-setup.choreo', 'GuardianSetup', { N: devices, K: guardians });
}

/** The invitation of `plan`. */
export function guardianInvitation(plan: GuardianSetupPlan): GuardianInvitationPayload {
  return { authority: plan.authority, groupKey: plan.group.publicKeyPackage.groupPublicKey, guardians: plan.guardians, threshold: plan.threshold };
}

/** The bytes a guardian signs to accept `invitation`. */
export function acceptanceMessage(invitation: GuardianInvitationPayload): Uint8Array {
  return taggedBytes('aura.protocols.guardian.v1.accept', encodeCanonical(invitation));
}

const EMPTY = new Uint8Array(0);

/**
 * The honest logic of `participant` as a device (`P[k]`) or a guardian (`Guardian[k]`): the
 * outcome at `Admit` is every acceptance when all guardians accepted with a valid signature,
 * else the guardians that declined (`disagreement`) or signed wrongly (`bad-proof`).
 */
export function guardianSetupRoleImpl(plan: GuardianSetupPlan, participant: GuardianSetupParticipant, decide: (outcome: AttemptOutcome<readonly Uint8Array[]>) => void): RoleImpl {
  const invitation = guardianInvitation(plan);
  const message = acceptanceMessage(invitation);
  const signatures = new Map<number, Uint8Array>();
  const accused: Accusation[] = [];
  const self = plan.guardians.findIndex((g) => g.device === participant.device);
  const sign = guardianSigner(participant);
  const ownSignature = (): Uint8Array => {
    if (sign === undefined || accused.length > 0 || participant.accept?.(invitation) === false) return EMPTY;
    return sign(message);
  };
  return {
    send: {
      Invite: () => ({ invitation }),
      Accept: () => {
        const signature = ownSignature();
        signatures.set(self, signature);
        return { signature };
      },
    },
    recv: {
      Invite: (payload) => {
        const received = (payload as { invitation: GuardianInvitationPayload }).invitation;
        if (!bytesEqual(encodeCanonical(received), encodeCanonical(invitation))) accused.push({ device: plan.group.members[0]!.device, reason: 'disagreement', by: participant.device }); // P[0] invites
      },
      Accept: (payload, from) => {
        signatures.set(memberIndex(from), (payload as { signature: Uint8Array }).signature);
      },
    },
    local: {
      Admit: () => {
        for (const [k, guardian] of plan.guardians.entries()) {
          const signature = signatures.get(k) ?? EMPTY;
          if (signature.length === 0) accused.push({ device: guardian.device, reason: 'disagreement', by: participant.device });
          else if (!participant.crypto.verify(guardian.signingKey, message, signature)) accused.push({ device: guardian.device, reason: 'bad-proof', by: participant.device });
        }
        decide(accused.length === 0 ? { kind: 'ok', value: plan.guardians.map((_, k) => signatures.get(k)!) } : { kind: 'exclude', accused }); // every signature checked above
      },
    },
  };
}

/** How a guardian participant signs with its authority's key, or `undefined` when it is no guardian. */
export function guardianSigner(participant: { readonly guardianSecretKey?: Uint8Array; readonly signAsGuardian?: (message: Uint8Array) => Uint8Array; readonly crypto: CryptoEffects }): ((message: Uint8Array) => Uint8Array) | undefined {
  if (participant.signAsGuardian !== undefined) return participant.signAsGuardian;
  const secret = participant.guardianSecretKey;
  return secret === undefined ? undefined : (message) => participant.crypto.sign(secret, message);
}

/** A guardian as a new member of a resharing. */
export function guardianRecipient(guardian: Guardian): ReshareRecipient {
  return { device: guardian.device, hpkePublicKey: guardian.hpkeKey };
}

/** A guardian's leaf in the commitment tree: its authority, with its authority's key. */
export function guardianLeaf(guardian: Guardian): Leaf {
  return { id: guardian.authority, role: 'guardian', publicKey: guardian.signingKey };
}

/** The operation lock of `plan`'s resharing: the devices vote, devices and guardians take part (`lock-guard.ts`). */
export function guardianSetupOperation(plan: GuardianSetupPlan): GuardedOperation {
  const participants = [...plan.group.members.map((m) => m.device), ...plan.guardians.map((g) => g.device)];
  return membershipOperation(plan.group.publicKeyPackage.groupPublicKey, groupElectorate(plan.group), participants, epochSession(guardianReshareSession(plan), plan.epoch));
}

/**
 * The resharing of `plan`: the devices deal (the first t, then the next in place of one excluded)
 * onto the devices and the guardians. A device agent maps its retries' sessions from it.
 */
export function guardianSetupReshare(plan: GuardianSetupPlan): ReshareSetup {
  return {
    old: plan.group.publicKeyPackage,
    oldMembers: plan.group.members.map((m) => m.device),
    recipients: [...plan.group.members, ...plan.guardians.map(guardianRecipient)],
    threshold: plan.threshold,
    session: guardianReshareSession(plan),
    epoch: plan.epoch,
  };
}

function guardianReshareSession(plan: GuardianSetupPlan): SessionId {
  return deriveIdentifier('session', { base: plan.session, step: 'reshare' });
}

/**
 * Sets up the guardians of `plan`, run as `participant` (a device of the authority or a
 * guardian's device): the invitation and acceptances (`GuardianSetup`), then, under the
 * membership lock (`options.lock`, `lock-guard.ts`), the resharing onto devices + guardians.
 * Errors: `protocols.guardian-setup.rejected` (a guardian declined, signed wrongly, or a
 * participant was asked for another invitation; `context.accused`), `protocols.lock.refused`
 * (another membership change holds the lock: nothing changed), those of `underLock` and
 * `runReshareDevice`, `protocols.guardian-setup.not-a-member`, `protocols.guardian-setup.aborted`.
 */
export async function setUpGuardians(plan: GuardianSetupPlan, participant: GuardianSetupParticipant, transport: Transport, options: MembershipRunOptions): Promise<GuardianSetupOutcome> {
  const devices = plan.group.members.map((m) => m.device);
  const guardianDevices = plan.guardians.map((g) => g.device);
  const isGuardian = guardianDevices.includes(participant.device);
  const place = {
    protocol: 'guardian-setup',
    projected: guardianSetupProtocol(devices.length, guardianDevices.length),
    family: isGuardian ? 'Guardian' : 'P',
    members: isGuardian ? guardianDevices : devices,
    self: participant.device,
    session: epochSession(plan.session, plan.epoch),
    attempt: 0,
    epoch: plan.epoch,
    roleDevice: (role: string) => (role.startsWith('P[') ? devices : guardianDevices)[memberIndex(role)],
  };
  const outcome = await runAttemptRole<readonly Uint8Array[]>(place, (decide) => guardianSetupRoleImpl(plan, participant, decide), transport, options);
  if (outcome.kind === 'exclude') {
    const accused = outcome.accused.map((a) => `${a.device}:${a.reason}`).join(',');
    throw permanentError('protocols.guardian-setup.rejected', `guardian setup rejected at ${participant.device}: ${accused}`, { context: { accused } });
  }
  const reshared = await underLock(guardianSetupOperation(plan), participant.device, options.lock, transport, options, () =>
    runReshareDevice(guardianSetupReshare(plan), { device: participant.device, hpkeSecretKey: participant.hpkeSecretKey, random: participant.random, ...(participant.keyShare === undefined ? {} : { keyShare: participant.keyShare }) }, transport, options),
  );
  return { ...reshared, leaves: plan.guardians.map(guardianLeaf), acceptances: outcome.value };
}
