/**
 * Resharing as a choreography (`reshare.choreo`, issue 9 item 4): moving a FROST group key from
 * (t, n) over one member set to (t', n') over another with the same group key, by verifiable
 * secret redistribution (`src/crypto/reshare.ts`; Desmedt and Jajodia 1997, Wong, Wang and Wing
 * 2002). t old members deal (`D[i]`); every new member (`R[j]`) checks each dealing against the
 * old verifying shares and each sub-share against its dealing, and broadcasts an acknowledgement
 * carrying its complaints and the commitments it received, so that every participant judges the
 * same evidence alike ({@link judgeAcks}) and checks the group key is unchanged. Every
 * participant relays the acknowledgements, and the dealers' justifications, it received, then
 * confirms what every other device relayed (`EchoAcks`, `ConfirmAcks`, `EchoJustifications`,
 * `ConfirmJustifications`; `echo-round.ts`), so a new member or dealer cannot tell participants
 * different things and split them: what is judged is what the relay rounds deliver.
 *
 * A device can be both an old and a new member: it then plays a `D` and an `R` role of the same
 * session. A dealer named for a fault is excluded and the next old member deals in its place
 * ({@link runReshareDevice}); once the resharing is accepted, the old share is destroyed (zeroed
 * in memory, replaced or removed in the device's key store). Adding and removing a device are
 * resharings onto the member set with or without it ({@link addDevice}, {@link removeDevice}),
 * run under the operation lock (`lock-guard.ts`), so two membership changes never run at once.
 *
 * @module
 */
import { bytesEqual, toHex } from '../core/bytes.ts';
import { encodeCanonical, type CanonicalValue } from '../core/canonical.ts';
import type { RandomEffects } from '../core/effects.ts';
import { isAuraError, permanentError } from '../core/errors.ts';
import { deriveIdentifier, type AuthorityId, type DeviceId, type SessionId } from '../core/identifiers.ts';
import type { StepOutcome } from '../crypto/complaint.ts';
import { decodeCommitments, sumCommitments } from '../crypto/dkg.ts';
import { HPKE_INFO, hpkeOpenValue, hpkeSealValue } from '../crypto/hpke.ts';
import { packageFromCommitments, type KeyShare, type PublicKeyPackage } from '../crypto/key-share.ts';
import { deviceParticipantId, participantSet, type ParticipantId } from '../crypto/participant.ts';
import { reshareDeal, reshareReceive, type ReshareConfig, type ReshareDealing, type ReshareSubShare } from '../crypto/reshare.ts';
import { ROOT_BRANCH, type Leaf, type TreeOp } from '../journal/commitment-tree.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import type { Transport } from '../runtime/transport.ts';
import { attemptSession, memberIndex, runAttemptRole, type Accusation, type AttemptOutcome } from './attempts.ts';
import type { AccusationPayload, ReshareAckEchoPayload, ReshareAckPayload, ReshareEchoConfirmPayload, ReshareJustificationEchoPayload, ReshareJustificationPayload, ReshareProposalPayload, ReshareSubSharePayload } from './payload-types.ts';
import { EchoRound, type RelayEntry } from './echo-round.ts';
import { authorityIdOf } from './authority.ts';
import { removeKeyShare, storeKeyShare, type UnlockedKeyStore } from './authority-key-store.ts';
import { epochSession } from './epoch.ts';
import { membershipElectorate, membershipLockName, underLock, type GuardedOperation, type LockParticipant } from './lock-guard.ts';
import { projectedProtocol, type RunOptions } from './protocol-source.ts';

/** A new member: its device and the HPKE public key its sub-shares are sealed to. */
export interface ReshareRecipient {
  /** The device. */
  readonly device: DeviceId;
  /** The device's X25519 HPKE public key (32 bytes). */
  readonly hpkePublicKey: Uint8Array;
}

/** What every participant agrees on before resharing. */
export interface ReshareSetup {
  /** The current group. */
  readonly old: PublicKeyPackage;
  /**
   * Old members that take part, in the order they deal: the first `old.threshold` deal, and the
   * next replace a dealer that is excluded. Every one past the first `old.threshold` must also
   * be a new member (it follows every attempt as one).
   */
  readonly oldMembers: readonly DeviceId[];
  /** The new members, in role order (`R[j]`). */
  readonly recipients: readonly ReshareRecipient[];
  /** The new threshold t'. */
  readonly threshold: number;
  /** The agreed session; the attempts' sessions derive from it and the epoch. */
  readonly session: SessionId;
  /** The authority epoch the resharing is bound to (the epoch before the membership change). */
  readonly epoch: number;
}

/** One device's own inputs. */
export interface ReshareDevice {
  /** Which device this is. */
  readonly device: DeviceId;
  /** Its share of the old group, when it is an old member (destroyed once the resharing is accepted). */
  readonly keyShare?: KeyShare;
  /** Its HPKE secret key, when it is a new member. */
  readonly hpkeSecretKey?: Uint8Array;
  /** Randomness for the dealing and the sealing. */
  readonly random: RandomEffects;
}

/** Options of a resharing run. */
export interface ReshareRunOptions extends RunOptions {
  /**
   * This device's key store: once the resharing is accepted, the share of the authority (named by
   * its group key, which resharing keeps) is replaced by the new one, or removed.
   */
  readonly keyStore?: UnlockedKeyStore;
}

/** The outcome at one device. */
export interface ReshareOutcome {
  /** The new group: same key, new threshold and verifying shares. */
  readonly publicKeyPackage: PublicKeyPackage;
  /** This device's new share, when it is a new member. */
  readonly keyShare?: KeyShare;
  /** The old members that dealt in the accepted attempt. */
  readonly dealers: readonly DeviceId[];
  /** The members named and excluded on the way. */
  readonly excluded: readonly Accusation[];
}

/** The `Reshare(T, M)` projection for `dealers` dealers and `recipients` new members. */
export function reshareProtocol(dealers: number, recipients: number) {
  return projectedProtocol('reshare.choreo', 'Reshare', { T: dealers, M: recipients });
}

/** One attempt: the setup with this attempt's dealers and session, and the crypto layer's config. */
interface ReshareAttempt {
  readonly setup: ReshareSetup;
  readonly dealers: readonly DeviceId[];
  readonly session: SessionId;
  readonly config: ReshareConfig;
  readonly dealerIds: readonly ParticipantId[];
  readonly recipientIds: readonly ParticipantId[];
  readonly proposal: ReshareProposalPayload;
  /**
   * The new package of each set of dealings, by {@link dealingsKey}: a device's roles (dealer and
   * new member) judge the same acknowledgements, and a new member already built the package when
   * it accepted its sub-shares, so each device computes it once per attempt.
   */
  readonly packages: Map<string, PublicKeyPackage>;
}

/** What names a resharing attempt: the setup's group, threshold, session and epoch, and its recipients' devices. */
export type ReshareSessionInputs = Pick<ReshareSetup, 'old' | 'threshold' | 'session' | 'epoch'> & { readonly recipients: readonly { readonly device: DeviceId }[] };

function reshareProposal(setup: ReshareSessionInputs, dealers: readonly DeviceId[]) {
  return { groupKey: setup.old.groupPublicKey, dealers, recipients: setup.recipients.map((r) => r.device), threshold: setup.threshold };
}

/**
 * The session of resharing attempt `attempt` dealt by `dealers` (callers that route sessions, like
 * the device agent, register it ahead). It names the proposal: a participant asked to take part in
 * another resharing (other dealers, say) runs it apart and cannot take a role of this one, even in
 * the first attempt.
 */
export function reshareSession(setup: ReshareSessionInputs, dealers: readonly DeviceId[], attempt: number): SessionId {
  const base = attemptSession(epochSession(setup.session, setup.epoch), attempt, [...dealers, ...setup.recipients.map((r) => r.device)]);
  return deriveIdentifier('session', { base, proposal: reshareProposal(setup, dealers) });
}

function reshareAttempt(setup: ReshareSetup, dealers: readonly DeviceId[], attempt: number): ReshareAttempt {
  const dealerIds = dealers.map(deviceParticipantId);
  const recipientIds = setup.recipients.map((r) => deviceParticipantId(r.device));
  const config: ReshareConfig = { old: setup.old, dealers: dealerIds, recipients: recipientIds, threshold: setup.threshold };
  return { setup, dealers, session: reshareSession(setup, dealers, attempt), config, dealerIds, recipientIds, proposal: reshareProposal(setup, dealers), packages: new Map() };
}

/** The key of `dealings` (each dealer's commitments, in dealer order) in {@link ReshareAttempt.packages}. */
function dealingsKey(dealings: readonly (readonly Uint8Array[])[]): string {
  return toHex(encodeCanonical(dealings));
}

/** The device playing `role` (`D[i]` or `R[j]`) in `attempt`. */
function roleDevice(attempt: ReshareAttempt, role: string): DeviceId | undefined {
  return role.startsWith('D[') ? attempt.dealers[memberIndex(role)] : attempt.setup.recipients[memberIndex(role)]?.device;
}

const EMPTY = new Uint8Array(0);

function sameProposal(a: ReshareProposalPayload, b: ReshareProposalPayload): boolean {
  return bytesEqual(encodeCanonical(a), encodeCanonical(b));
}

/** What the relay rounds delivered: each sender's acknowledgement and justification, and the senders named for equivocating. */
interface Delivered {
  /** Each new member's acknowledgement, by `R` index (none for one that equivocated). */
  readonly acks: ReadonlyMap<number, ReshareAckPayload>;
  /** Each dealer's justification, by `D` index (none for one that equivocated). */
  readonly justifications: ReadonlyMap<number, ReshareJustificationPayload>;
  /** The senders the relay rounds found telling participants different things. */
  readonly equivocators: readonly Accusation[];
}

/** The values `round` delivered for `senders` (the family's devices in role order), and the senders that equivocated. */
function deliveredBy<T extends CanonicalValue>(round: EchoRound<T>, senders: readonly DeviceId[], self: DeviceId): { readonly values: Map<number, T>; readonly equivocators: Accusation[] } {
  const values = new Map<number, T>();
  const equivocators: Accusation[] = [];
  for (const [k, sender] of senders.entries()) {
    const delivery = round.deliver(k, sender);
    if (delivery.kind === 'delivered') values.set(k, delivery.value);
    else equivocators.push({ device: sender, reason: 'equivocation', by: self });
  }
  return { values, equivocators };
}

/**
 * One role's part in the relay rounds of an attempt (the same for dealers and new members): it
 * records the acknowledgements and justifications it receives, relays them (`EchoAcks`,
 * `EchoJustifications`) and confirms the relays (`ConfirmAcks`, `ConfirmJustifications`), and
 * gives what the rounds delivered. The acknowledgements' delivery is asked first when the dealer
 * justifies, after `ConfirmAcks`; the whole at `Verify`, after every round.
 */
function reshareEchoes(attempt: ReshareAttempt, self: DeviceId, role: string): { readonly send: NonNullable<RoleImpl['send']>; readonly recv: NonNullable<RoleImpl['recv']>; readonly delivered: () => Delivered } {
  const recipients = attempt.setup.recipients.map((r) => r.device);
  const devices = [...new Set([...attempt.dealers, ...recipients])];
  // A device speaks in the relay rounds through its first role: its dealer's, when it deals.
  const firstRole = (device: DeviceId): string => (attempt.dealers.includes(device) ? `D[${attempt.dealers.indexOf(device)}]` : `R[${recipients.indexOf(device)}]`);
  const acks = new EchoRound<ReshareAckPayload>(self, devices, firstRole(self) === role);
  const justifications = new EchoRound<ReshareJustificationPayload>(self, devices, firstRole(self) === role);
  /** The device of `from` when `from` is its device's first role (the runtime delivers only from roles of the session). */
  const speaker = (from: string): DeviceId | undefined => {
    const device = roleDevice(attempt, from);
    return device !== undefined && firstRole(device) === from ? device : undefined;
  };
  const relayed = <T extends CanonicalValue>(round: EchoRound<T>, from: string, entries: readonly RelayEntry<T>[]) => {
    const device = speaker(from);
    if (device !== undefined) round.relayed(device, entries);
  };
  const confirmed = (round: EchoRound<CanonicalValue>, from: string, payload: unknown) => {
    const device = speaker(from);
    if (device !== undefined) round.confirmed(device, (payload as { confirm: ReshareEchoConfirmPayload }).confirm.seen);
  };
  let ackView: ReturnType<typeof deliveredBy<ReshareAckPayload>> | undefined;
  const deliveredAcks = () => (ackView ??= deliveredBy(acks, recipients, self));
  return {
    send: {
      EchoAcks: () => ({ echo: { acks: acks.echo().map(({ from, value }) => ({ from, ack: value })) } }),
      ConfirmAcks: () => ({ confirm: { seen: acks.confirm() } }),
      EchoJustifications: () => ({ echo: { justifications: justifications.echo().map(({ from, value }) => ({ from, justification: value })) } }),
      ConfirmJustifications: () => ({ confirm: { seen: justifications.confirm() } }),
    },
    recv: {
      Acknowledge: (payload, from) => {
        acks.received(memberIndex(from), (payload as { ack: ReshareAckPayload }).ack);
      },
      Justify: (payload, from) => {
        justifications.received(memberIndex(from), (payload as { justification: ReshareJustificationPayload }).justification);
      },
      EchoAcks: (payload, from) => {
        relayed(acks, from, (payload as { echo: ReshareAckEchoPayload }).echo.acks.map((e) => ({ from: e.from, value: e.ack })));
      },
      ConfirmAcks: (payload, from) => {
        confirmed(acks, from, payload);
      },
      EchoJustifications: (payload, from) => {
        relayed(justifications, from, (payload as { echo: ReshareJustificationEchoPayload }).echo.justifications.map((e) => ({ from: e.from, value: e.justification })));
      },
      ConfirmJustifications: (payload, from) => {
        confirmed(justifications, from, payload);
      },
    },
    delivered: () => {
      const dealt = deliveredBy(justifications, attempt.dealers, self);
      return { acks: deliveredAcks().values, justifications: dealt.values, equivocators: [...deliveredAcks().equivocators, ...dealt.equivocators] };
    },
  };
}

/** The honest logic of dealer `device` (`D[i]`); `decide` receives the new package at `Finalize`. */
export function dealerRoleImpl(attempt: ReshareAttempt, device: ReshareDevice, decide: (outcome: AttemptOutcome<PublicKeyPackage>) => void): RoleImpl {
  const { keyShare } = device;
  if (keyShare === undefined) throw permanentError('protocols.reshare.no-share', `dealer ${device.device} has no share of the old group`);
  const self = attempt.dealers.indexOf(device.device);
  const own: Accusation[] = [];
  const echoes = reshareEchoes(attempt, device.device, `D[${self}]`);
  let dealt: ReturnType<typeof reshareDeal> | undefined;
  let mine: ReshareJustificationPayload | undefined;
  let verdict: AttemptOutcome<PublicKeyPackage> | undefined;
  // Every acknowledgement and its relay rounds are in before the dealer justifies (the choreography orders them).
  const justification = (): ReshareJustificationPayload => {
    mine ??= { reveals: dealt === undefined ? [] : reveals(attempt, echoes.delivered().acks, self, dealt.send) };
    return mine;
  };
  return {
    send: {
      ...echoes.send,
      Propose: () => ({ proposal: attempt.proposal }),
      DistributeSubShare: async (to) => {
        if (own.length > 0) return { subShare: null };
        dealt ??= reshareDeal(attempt.config, keyShare, device.random);
        const recipient = attempt.setup.recipients[memberIndex(to)]!; // the projection's R roles are the recipients
        const message = dealt.send.find((s) => s.to === deviceParticipantId(recipient.device));
        const box = await hpkeSealValue(recipient.hpkePublicKey, message, HPKE_INFO.reshareSubShare, device.random);
        return { subShare: { commitments: dealt.broadcast.commitments, sealed: { enc: box.enc, ciphertext: box.ciphertext } } };
      },
      Justify: () => ({ justification: justification() }),
    },
    recv: {
      ...echoes.recv,
      Propose: (payload) => {
        if (!sameProposal((payload as { proposal: ReshareProposalPayload }).proposal, attempt.proposal)) own.push({ device: attempt.dealers[0]!, reason: 'disagreement', by: device.device });
      },
    },
    local: {
      Verify: () => {
        const { acks, justifications, equivocators } = echoes.delivered();
        verdict = judgeAcks(attempt, acks, justifications, [...own, ...equivocators], device.device);
      },
      Finalize: () => {
        // Verify runs before Finalize (the choreography orders them).
        decide(verdict!);
      },
    },
  };
}

/** What a new member accepted: the new package and its share. */
interface RecipientResult {
  readonly publicKeyPackage: PublicKeyPackage;
  readonly keyShare: KeyShare;
}

/** The honest logic of new member `device` (`R[j]`); `decide` receives its new share at `Finalize`. */
export function recipientRoleImpl(attempt: ReshareAttempt, device: ReshareDevice, decide: (outcome: AttemptOutcome<RecipientResult>) => void): RoleImpl {
  const { hpkeSecretKey } = device;
  if (hpkeSecretKey === undefined) throw permanentError('protocols.reshare.no-hpke-key', `new member ${device.device} has no HPKE secret key`);
  const self = attempt.setup.recipients.findIndex((r) => r.device === device.device);
  const selfId = attempt.recipientIds[self]!; // runAttemptRole checked membership
  const own: Accusation[] = [];
  const subShares = new Map<number, ReshareSubSharePayload | null>();
  const opened: ReshareSubShare[] = [];
  const echoes = reshareEchoes(attempt, device.device, `R[${self}]`);
  let result: RecipientResult | undefined;
  let ack: Promise<ReshareAckPayload> | undefined;
  let verdict: AttemptOutcome<RecipientResult> | undefined;
  const dealings = (): ReshareDealing[] => attempt.dealerIds.map((from, i) => ({ from, commitments: subShares.get(i)?.commitments ?? [] }));
  const accept = (received: readonly ReshareSubShare[]): StepOutcome<RecipientResult> => {
    const all = dealings();
    const outcome = reshareReceive(attempt.config, selfId, all, received);
    if (outcome.kind === 'ok') attempt.packages.set(dealingsKey(all.map((d) => d.commitments)), outcome.value.publicKeyPackage);
    return outcome;
  };
  // Every sub-share is in before the first acknowledgement is sent (the choreography orders them).
  const ownAck = async (): Promise<ReshareAckPayload> => {
    const reported = dealings().map((d) => d.commitments);
    // A new member asked to take part in another resharing only says so: it is named, not D[0].
    if (own.length > 0) return { complaints: own.map((a) => ({ accused: deviceParticipantId(a.device), reason: a.reason, evidence: EMPTY })), dealings: reported, groupKey: EMPTY };
    const unanswered: AccusationPayload[] = [];
    for (const [i, from] of attempt.dealerIds.entries()) {
      const subShare = subShares.get(i);
      const message = subShare === null || subShare === undefined ? undefined : await openSubShare(hpkeSecretKey, subShare, from, selfId);
      if (message !== undefined) opened.push(message);
      else unanswered.push({ accused: from, reason: subShare === null || subShare === undefined ? 'missing-message' : 'bad-share', evidence: EMPTY });
    }
    // Every sub-share that opened is checked now, so that its dealer's justification is the only thing left to wait for.
    const outcome = accept(opened);
    if (outcome.kind === 'ok') result = outcome.value;
    const complaints = [...unanswered, ...(outcome.kind === 'ok' ? [] : outcome.complaints.filter((c) => !unanswered.some((u) => u.accused === c.accused)).map((c) => ({ accused: c.accused, reason: c.reason, evidence: c.evidence ?? EMPTY })))];
    return { complaints, dealings: reported, groupKey: result?.publicKeyPackage.groupPublicKey ?? EMPTY };
  };
  return {
    send: {
      ...echoes.send,
      Acknowledge: async () => ({ ack: await (ack ??= ownAck()) }),
    },
    recv: {
      ...echoes.recv,
      Propose: (payload) => {
        if (!sameProposal((payload as { proposal: ReshareProposalPayload }).proposal, attempt.proposal)) own.push({ device: attempt.dealers[0]!, reason: 'disagreement', by: device.device });
      },
      DistributeSubShare: (payload, from) => {
        subShares.set(memberIndex(from), (payload as { subShare: ReshareSubSharePayload | null }).subShare);
      },
    },
    local: {
      Verify: () => {
        // This member's own acknowledgement counts as the echo delivered it, as everyone else's does.
        const { acks, justifications, equivocators } = echoes.delivered();
        const judged = judgeAcks(attempt, acks, justifications, equivocators, device.device);
        if (judged.kind === 'ok' && result === undefined) {
          // Every complaint of this member was answered by a reveal that checks: it uses them.
          const revealed = revealedTo(attempt, self, justifications).filter((r) => !opened.some((o) => o.from === r.from));
          const outcome = accept([...opened, ...revealed]);
          if (outcome.kind === 'ok') result = outcome.value;
        }
        verdict = judged.kind === 'ok' && result !== undefined ? { kind: 'ok', value: result } : { kind: 'exclude', accused: judged.kind === 'exclude' ? judged.accused : [] };
      },
      Finalize: () => {
        // Verify runs before Finalize (the choreography orders them).
        decide(verdict!);
      },
    },
  };
}

/** Opens a sealed sub-share and checks it is `from`'s sub-share for `to`; `undefined` when it is not. */
async function openSubShare(secretKey: Uint8Array, subShare: ReshareSubSharePayload, from: ParticipantId, to: ParticipantId): Promise<ReshareSubShare | undefined> {
  try {
    const value = (await hpkeOpenValue(secretKey, subShare.sealed, HPKE_INFO.reshareSubShare)) as Partial<ReshareSubShare>;
    if (value.from !== from || value.to !== to || !(value.share instanceof Uint8Array)) return undefined;
    return { from, to, share: value.share };
  } catch (error) {
    if (isAuraError(error)) return undefined;
    throw error;
  }
}

/** Whether `complaint` by new member `by` against `dealer` holds, checked on the dealing `by` reported. */
function complaintHolds(config: ReshareConfig, by: ParticipantId, dealer: ParticipantId, commitments: readonly Uint8Array[], complaint: AccusationPayload): boolean {
  const subShares = complaint.evidence.length > 0 ? [{ from: dealer, to: by, share: complaint.evidence }] : [];
  const outcome = reshareReceive(config, by, [{ from: dealer, commitments }], subShares);
  return outcome.kind === 'complaints' && outcome.complaints.some((c) => c.accused === dealer && (c.reason === 'bad-commitment' || c.reason === 'bad-share'));
}

/** Whether every participant can re-check `complaint` from the acknowledgement alone (it carries its evidence). */
function checkable(complaint: AccusationPayload): boolean {
  return complaint.reason === 'bad-commitment' || (complaint.reason === 'bad-share' && complaint.evidence.length > 0);
}

/** Whether dealer `D[i]` must answer `complaint` in `Justify`: one only its maker could check, and about its sub-share. */
function answerable(complaint: AccusationPayload, dealerId: ParticipantId): boolean {
  return complaint.accused === dealerId && !checkable(complaint) && complaint.reason !== 'disagreement';
}

/** Dealer `D[i]`'s justification: the sub-share of every new member whose acknowledgement complains against it unverifiably. */
function reveals(attempt: ReshareAttempt, acks: ReadonlyMap<number, ReshareAckPayload>, i: number, sent: readonly ReshareSubShare[]): ReshareJustificationPayload['reveals'] {
  const dealerId = attempt.dealerIds[i];
  const complainers = [...acks].filter(([, ack]) => ack.complaints.some((c) => dealerId !== undefined && answerable(c, dealerId))).map(([j]) => j).sort((a, b) => a - b);
  return complainers.flatMap((to) => sent.filter((s) => s.to === attempt.recipientIds[to]).map((s) => ({ to, share: s.share })));
}

/** The sub-shares the dealers revealed to new member `R[j]`. */
function revealedTo(attempt: ReshareAttempt, j: number, justifications: ReadonlyMap<number, ReshareJustificationPayload>): ReshareSubShare[] {
  const to = attempt.recipientIds[j];
  if (to === undefined) return [];
  return attempt.dealerIds.flatMap((from, i) => (justifications.get(i)?.reveals ?? []).filter((r) => r.to === j).map((r) => ({ from, to, share: r.share })));
}

/** Whether dealer `D[i]` answered new member `R[j]`'s complaint with a sub-share that matches the dealing `R[j]` reported. */
function answered(attempt: ReshareAttempt, i: number, j: number, commitments: readonly Uint8Array[], justification: ReshareJustificationPayload | undefined): boolean {
  const dealer = attempt.dealerIds[i];
  const by = attempt.recipientIds[j];
  const share = justification?.reveals.find((r) => r.to === j)?.share;
  if (dealer === undefined || by === undefined || share === undefined) return false;
  return !complaintHolds(attempt.config, by, dealer, commitments, { accused: dealer, reason: 'bad-share', evidence: share });
}

/** The new package from the dealings every acknowledgement reported alike. */
function newPackage(attempt: ReshareAttempt, dealings: readonly (readonly Uint8Array[])[]): PublicKeyPackage {
  const key = dealingsKey(dealings);
  const known = attempt.packages.get(key);
  if (known !== undefined) return known;
  const { threshold } = attempt.setup;
  const points = dealings.map((d, i) => decodeCommitments(d, threshold, attempt.dealerIds[i]!));
  const pkg = packageFromCommitments(threshold, participantSet(attempt.recipientIds), sumCommitments(points, threshold));
  attempt.packages.set(key, pkg);
  return pkg;
}

/**
 * Judges an attempt from the acknowledgements and the dealers' justifications alone, so every
 * participant judges alike. A dealer whose commitments two new members report differently
 * equivocated. A complaint that carries its evidence (`bad-commitment`, `bad-share` with the
 * sub-share) is re-checked against the dealing the complainer reported: it names the dealer, or
 * the complainer (`false-accusation`). A complaint only its maker can check (a withheld or
 * unopenable sub-share) names the dealer unless the dealer's justification reveals that sub-share
 * and it matches the dealing (then the complainer uses it). A new member that disagrees with the
 * proposal is named itself (`disagreement`): no other dealers can cure it, and no one else can
 * check it, so it must not cost a dealer. With no one named, every new member that complained of
 * nothing must report the old group key.
 */
export function judgeAcks(attempt: ReshareAttempt, acks: ReadonlyMap<number, ReshareAckPayload>, justifications: ReadonlyMap<number, ReshareJustificationPayload>, own: readonly Accusation[], self: DeviceId): AttemptOutcome<PublicKeyPackage> {
  const accused = new Map<DeviceId, Accusation>();
  const name = (device: DeviceId, reason: AccusationPayload['reason'], by: DeviceId) => {
    if (!accused.has(device)) accused.set(device, { device, reason, by });
  };
  for (const a of own) name(a.device, a.reason, a.by);
  const sorted = [...acks].sort((a, b) => a[0] - b[0]);
  const recipient = (j: number) => attempt.setup.recipients[j]!.device; // acks come from the R roles
  if (sorted.length !== attempt.setup.recipients.length) return { kind: 'exclude', accused: [...accused.values()] };
  for (const [i, dealer] of attempt.dealers.entries()) {
    const reports = sorted.map(([, ack]) => encodeCanonical(ack.dealings[i] ?? null));
    if (reports.some((r) => !bytesEqual(r, reports[0]!))) name(dealer, 'equivocation', self);
  }
  for (const [j, ack] of sorted) {
    for (const complaint of ack.complaints) {
      const i = attempt.dealerIds.indexOf(complaint.accused as ParticipantId);
      const dealer = attempt.dealers[i];
      if (dealer === undefined) name(recipient(j), 'false-accusation', self);
      else if (complaint.reason === 'disagreement') name(recipient(j), 'disagreement', self);
      else if (accused.has(dealer)) continue;
      else if (checkable(complaint)) {
        const holds = complaintHolds(attempt.config, attempt.recipientIds[j]!, complaint.accused as ParticipantId, ack.dealings[i] ?? [], complaint);
        if (holds) name(dealer, complaint.reason, recipient(j));
        else name(recipient(j), 'false-accusation', self);
      } else if (!answered(attempt, i, j, ack.dealings[i] ?? [], justifications.get(i))) name(dealer, complaint.reason, recipient(j));
    }
  }
  if (accused.size > 0) return { kind: 'exclude', accused: [...accused.values()] };
  const pkg = newPackage(attempt, sorted[0]![1].dealings); // at least one new member
  if (!bytesEqual(pkg.groupPublicKey, attempt.setup.old.groupPublicKey)) return { kind: 'exclude', accused: attempt.dealers.map((device) => ({ device, reason: 'disagreement', by: self })) };
  // A new member whose complaints were all answered computed no key yet: the reveals it uses match the dealings.
  for (const [j, ack] of sorted) if (ack.complaints.length === 0 && !bytesEqual(ack.groupKey, pkg.groupPublicKey)) name(recipient(j), 'disagreement', self);
  return accused.size > 0 ? { kind: 'exclude', accused: [...accused.values()] } : { kind: 'ok', value: pkg };
}

function checkSetup(setup: ReshareSetup, device: ReshareDevice): void {
  const t = setup.old.threshold;
  const recipients = new Set(setup.recipients.map((r) => r.device));
  const standby = setup.oldMembers.slice(t).filter((d) => !recipients.has(d));
  if (standby.length > 0) throw permanentError('protocols.reshare.bad-setup', `old members past the first ${t} must be new members too (they follow every attempt as one): ${standby.join(', ')}`);
  if (!setup.oldMembers.includes(device.device) && !recipients.has(device.device)) throw permanentError('protocols.reshare.not-a-member', `device ${device.device} is neither an old nor a new member of this resharing`);
}

/** Runs this device's roles in one attempt: the new package, and its share when it is a new member. */
async function runReshareAttempt(attempt: ReshareAttempt, device: ReshareDevice, transport: Transport, options: RunOptions, n: number): Promise<AttemptOutcome<{ readonly publicKeyPackage: PublicKeyPackage; readonly keyShare?: KeyShare }>> {
  const place = { protocol: 'reshare', projected: reshareProtocol(attempt.dealers.length, attempt.setup.recipients.length), self: device.device, session: attempt.session, attempt: n, epoch: attempt.setup.epoch, roleDevice: (role: string) => roleDevice(attempt, role) };
  const isRecipient = attempt.setup.recipients.some((r) => r.device === device.device);
  const roles: Promise<AttemptOutcome<{ readonly publicKeyPackage: PublicKeyPackage; readonly keyShare?: KeyShare }>>[] = [];
  if (attempt.dealers.includes(device.device)) {
    roles.push(runAttemptRole<PublicKeyPackage>({ ...place, family: 'D', members: attempt.dealers }, (decide) => dealerRoleImpl(attempt, device, decide), transport, options).then((o) => (o.kind === 'ok' ? { kind: 'ok', value: { publicKeyPackage: o.value } } : o)));
  }
  if (isRecipient) {
    roles.push(runAttemptRole<RecipientResult>({ ...place, family: 'R', members: attempt.setup.recipients.map((r) => r.device) }, (decide) => recipientRoleImpl(attempt, device, decide), transport, options));
  }
  const outcomes = await Promise.all(roles);
  const accused = outcomes.flatMap((o) => (o.kind === 'exclude' ? o.accused : []));
  const ok = outcomes.flatMap((o) => (o.kind === 'ok' ? [o.value] : []));
  if (ok.length === outcomes.length) return { kind: 'ok', value: ok.find((o) => o.keyShare !== undefined) ?? ok[0]! }; // at least one role
  const notDealers = accused.filter((a) => !attempt.dealers.includes(a.device));
  if (notDealers.length > 0) {
    throw permanentError('protocols.reshare.rejected', `resharing rejected at ${device.device}: ${notDealers.map((a) => `${a.device}:${a.reason}`).join(',')}`, { context: { accused: accused.map((a) => `${a.device}:${a.reason}`).join(',') } });
  }
  return { kind: 'exclude', accused };
}

/**
 * Runs the resharing as `device` (an old member, a new member, or both) until an attempt is
 * accepted: a dealer named for a fault is excluded from dealing and the next old member deals
 * instead (a named dealer that is also a new member goes on as a new member only: the member set
 * is the caller's). Once accepted, the device's old share is destroyed (zeroed, and replaced by
 * the new share or removed in `options.keyStore`). Errors: `protocols.reshare.too-few` (fewer than t
 * old members remain: a clean abort), `protocols.reshare.excluded` (this device was named and is
 * not a new member), `protocols.reshare.failed`, `protocols.reshare.rejected`
 * (a new member was named, or disagreed: retrying with other dealers cannot help),
 * `protocols.reshare.aborted` (a crashed or silent participant), `protocols.reshare.bad-setup`,
 * `protocols.reshare.not-a-member`.
 */
export async function runReshareDevice(setup: ReshareSetup, device: ReshareDevice, transport: Transport, options: ReshareRunOptions = {}): Promise<ReshareOutcome> {
  checkSetup(setup, device);
  const t = setup.old.threshold;
  const isRecipient = setup.recipients.some((r) => r.device === device.device);
  let pool = setup.oldMembers;
  const excluded: Accusation[] = [];
  for (let n = 0; ; n++) {
    if (pool.length < t) {
      throw permanentError('protocols.reshare.too-few', `resharing aborted: ${pool.length} old members remain to deal, ${t} needed (excluded: ${excluded.map((a) => `${a.device} (${a.reason})`).join(', ')})`, { context: { excluded: excluded.map((a) => a.device).join(',') } });
    }
    const dealers = pool.slice(0, t);
    const outcome = await runReshareAttempt(reshareAttempt(setup, dealers, n), device, transport, options, n);
    if (outcome.kind === 'ok') {
      await replaceStoredShare(options.keyStore, setup.old.groupPublicKey, outcome.value.keyShare);
      device.keyShare?.dispose();
      return { ...outcome.value, dealers, excluded };
    }
    if (outcome.accused.length === 0) throw permanentError('protocols.reshare.failed', `resharing attempt ${n} failed at ${device.device} with no one to blame`, { context: { attempt: n } });
    excluded.push(...outcome.accused);
    const named = new Set(outcome.accused.map((a) => a.device));
    // A dealer named stops dealing; it stays a new member when it is one (a fresh share replaces its old one).
    if (named.has(device.device) && !isRecipient) {
      throw permanentError('protocols.reshare.excluded', `device ${device.device} was excluded from resharing`, { context: { accused: outcome.accused.map((a) => `${a.device}:${a.reason}`).join(',') } });
    }
    pool = pool.filter((d) => !named.has(d));
  }
}

/** Replaces (or removes) the share of the authority with `groupKey` in `keyStore`, when there is one. */
async function replaceStoredShare(keyStore: UnlockedKeyStore | undefined, groupKey: Uint8Array, share: KeyShare | undefined): Promise<void> {
  if (keyStore === undefined) return;
  const authority = authorityIdOf(groupKey);
  if (share === undefined) await removeKeyShare(keyStore, authority);
  else await storeKeyShare(keyStore, authority, share);
}

/** The current group as resharing sees it: its package and its members (all holding a share). */
export interface DeviceGroup {
  /** The group's key package. */
  readonly publicKeyPackage: PublicKeyPackage;
  /** The members, each with its HPKE key, in the order they deal (the guardians' devices among them). */
  readonly members: readonly ReshareRecipient[];
  /** The members that are guardians' devices (default none): they vote for the operation lock. */
  readonly guardians?: readonly DeviceId[];
  /** The authority's current epoch (its tree's). */
  readonly epoch: number;
}

/** Options of a membership change: the resharing's, and this device's part in the operation lock. */
export interface MembershipRunOptions extends ReshareRunOptions {
  /** This device's part in the operation lock: a membership change runs only under it (`lock-guard.ts`). */
  readonly lock: LockParticipant;
}

/** Who votes for `group`'s operation lock: its guardians' devices when it has guardians, else its devices. */
export function groupElectorate(group: DeviceGroup): readonly DeviceId[] {
  const guardians = group.guardians ?? [];
  return membershipElectorate(group.members.map((m) => m.device).filter((d) => !guardians.includes(d)), guardians);
}

/** The membership lock of the authority with `groupKey`: its name, among `electorate`, for the operation `participants` run in `session` (bound to its epoch). */
export function membershipOperation(groupKey: Uint8Array, electorate: readonly DeviceId[], participants: readonly DeviceId[], session: SessionId): GuardedOperation {
  return { lock: membershipLockName(authorityIdOf(groupKey)), electorate, participants, session };
}

/** Runs the resharing `setup` of `group` as `device` under the membership lock (every old and new member takes part). */
function lockedReshare(group: DeviceGroup, setup: ReshareSetup, device: ReshareDevice, transport: Transport, options: MembershipRunOptions): Promise<ReshareOutcome> {
  const participants = [...new Set([...setup.oldMembers, ...setup.recipients.map((r) => r.device)])];
  const operation = membershipOperation(group.publicKeyPackage.groupPublicKey, groupElectorate(group), participants, epochSession(setup.session, setup.epoch));
  return underLock(operation, device.device, options.lock, transport, options, () => runReshareDevice(setup, device, transport, options));
}

/** The resharing that adds `newDevice` to `group` (threshold unchanged unless `threshold` is given). */
export function addDeviceSetup(group: DeviceGroup, newDevice: ReshareRecipient, session: SessionId, threshold = group.publicKeyPackage.threshold): ReshareSetup {
  return { old: group.publicKeyPackage, oldMembers: group.members.map((m) => m.device), recipients: [...group.members, newDevice], threshold, session, epoch: group.epoch };
}

/**
 * The resharing that removes `removed` from `group`: the others deal to themselves. The threshold
 * stays unless `threshold` is given, lowered to the members left when it would exceed them.
 */
export function removeDeviceSetup(group: DeviceGroup, removed: DeviceId, session: SessionId, threshold?: number): ReshareSetup {
  const members = group.members.filter((m) => m.device !== removed);
  if (members.length === group.members.length) throw permanentError('protocols.reshare.unknown-device', `device ${removed} is not a member of the group`);
  return { old: group.publicKeyPackage, oldMembers: members.map((m) => m.device), recipients: members, threshold: threshold ?? Math.min(group.publicKeyPackage.threshold, members.length), session, epoch: group.epoch };
}

/**
 * Adds `newDevice` to `group`, run as `device` (a member, or the new device), under the
 * membership lock (`underLock` in `lock-guard.ts`). Errors: `protocols.lock.refused` (another
 * membership change holds the lock: nothing changed), those of `underLock` and {@link runReshareDevice}.
 */
export function addDevice(group: DeviceGroup, newDevice: ReshareRecipient, session: SessionId, device: ReshareDevice, transport: Transport, options: MembershipRunOptions & { readonly threshold?: number }): Promise<ReshareOutcome> {
  return lockedReshare(group, addDeviceSetup(group, newDevice, session, options.threshold), device, transport, options);
}

/**
 * Removes `removed` from `group`, run as `device` (one of the members that stay), under the
 * membership lock. Errors: as {@link addDevice}.
 */
export function removeDevice(group: DeviceGroup, removed: DeviceId, session: SessionId, device: ReshareDevice, transport: Transport, options: MembershipRunOptions & { readonly threshold?: number }): Promise<ReshareOutcome> {
  return lockedReshare(group, removeDeviceSetup(group, removed, session, options.threshold), device, transport, options);
}

/** A membership change as the commitment tree sees it. */
export interface MembershipChange {
  /** Leaves added under the root (devices, or guardians). */
  readonly add?: readonly Leaf[];
  /** Leaves removed. */
  readonly remove?: readonly (DeviceId | AuthorityId)[];
  /** The threshold after the change: the root policy. */
  readonly threshold: number;
}

/**
 * The tree operations recording a resharing: the leaves added and removed, then the root policy
 * `threshold m`. Sign them with the new group through `attestMembershipChange` (`authority.ts`),
 * which ends them with `rotateEpoch`, so the change bumps the epoch.
 */
export function membershipOps(change: MembershipChange): TreeOp[] {
  return [
    ...(change.add ?? []).map((leaf): TreeOp => ({ kind: 'addLeaf', leaf, branch: ROOT_BRANCH })),
    ...(change.remove ?? []).map((leaf): TreeOp => ({ kind: 'removeLeaf', leaf })),
    { kind: 'changePolicy', branch: ROOT_BRANCH, policy: { kind: 'threshold', m: change.threshold } },
  ];
}
