/**
 * Distributed key generation as a choreography (`dkg.choreo`, issue 9 item 1): the role logic of
 * each participant `P[k]`, calling the Pedersen DKG of `src/crypto/dkg.ts` (FROST paper, Figure 1)
 * and run by the runtime over any `Transport`. There is no coordinator: every participant checks
 * every message, computes the group key itself, and broadcasts a verdict; a participant accepts
 * the key only when every verdict is clean and names the same key.
 *
 * One session is one attempt. When verdicts carry complaints, every participant judges them the
 * same way from the broadcasts it holds ({@link judgeVerdicts}) and the attempt ends with the
 * members to exclude, each named with a reason; {@link runDkgDevice} then runs a fresh session
 * without them, until a clean attempt or until fewer than t members remain (a clean abort).
 *
 * @module
 */
import { bytesEqual } from '../core/bytes.ts';
import { encodeCanonical } from '../core/canonical.ts';
import type { RandomEffects } from '../core/effects.ts';
import { isAuraError } from '../core/errors.ts';
import { taggedDigest } from '../core/hash.ts';
import type { DeviceId, SessionId } from '../core/identifiers.ts';
import type { Complaint } from '../crypto/complaint.ts';
import { dkgFinish, dkgRound1, dkgRound2, shareComplaintIsJustified, type DkgResult, type DkgRound1Message, type DkgRound1State, type DkgRound2Message, type DkgRound2State } from '../crypto/dkg.ts';
import { HPKE_INFO, hpkeOpenValue, hpkeSealValue } from '../crypto/hpke.ts';
import { deviceParticipantId, type ParticipantId } from '../crypto/participant.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import type { Transport } from '../runtime/transport.ts';
import { type AccusationPayload, type DkgRevealPayload, type DkgRound1Payload, type DkgVerdictPayload, type SealedBoxPayload } from './payload-types.ts';
import { GENESIS_EPOCH, epochSession } from './epoch.ts';
import { attemptSession, memberIndex, runAttemptRole, runWithExclusion, type Accusation, type AttemptOutcome } from './attempts.ts';
import { projectedProtocol, type RunOptions } from './protocol-source.ts';

/** One member of a DKG: its device and the HPKE public key its share is sealed to. */
export interface DkgMember {
  /** The device. */
  readonly device: DeviceId;
  /** The device's X25519 HPKE public key (32 bytes). */
  readonly hpkePublicKey: Uint8Array;
}

/** What every member agrees on before the DKG: who, the threshold, and a fresh session. */
export interface DkgSetup {
  /** The members, in role order: member k plays `P[k]`. */
  readonly members: readonly DkgMember[];
  /** Signers needed afterwards. */
  readonly threshold: number;
  /** The agreed session; the attempts' sessions derive from it and the epoch. */
  readonly session: SessionId;
  /** The authority epoch the DKG is bound to (default {@link GENESIS_EPOCH}: a new authority). */
  readonly epoch?: number;
}

/** One device's own inputs. */
export interface DkgDevice {
  /** Which device this is (must be a member). */
  readonly device: DeviceId;
  /** Its HPKE secret key. */
  readonly hpkeSecretKey: Uint8Array;
  /** Randomness for the polynomial, proofs and sealing. */
  readonly random: RandomEffects;
}

/** How one attempt ended at one participant: the key, or the members to exclude. */
export type DkgAttempt = AttemptOutcome<DkgResult>;

/** Options of a DKG run (see {@link RunOptions}). */
export type DkgRunOptions = RunOptions;

/** The `Dkg(N)` projection for `n` members. */
export function dkgProtocol(n: number) {
  return projectedProtocol('dkg.choreo', 'Dkg', { N: n });
}

/** The digest by which verdicts compare round-one messages (so equivocation shows). */
export function round1Digest(round1: DkgRound1Payload): Uint8Array {
  return taggedDigest('aura.protocols.dkg.v1.round1', encodeCanonical(round1));
}

const NO_EVIDENCE = new Uint8Array(0);

interface RoleState {
  readonly setup: DkgSetup;
  readonly self: number;
  readonly ids: readonly ParticipantId[];
  round1?: { readonly state: DkgRound1State; readonly broadcast: DkgRound1Message };
  readonly received: Map<number, DkgRound1Message>;
  round2?: { readonly state: DkgRound2State; readonly sends: ReadonlyMap<ParticipantId, DkgRound2Message> };
  /** True when round one drew complaints: this member then sends no shares. */
  roundOneFailed?: boolean;
  readonly complaints: AccusationPayload[];
  readonly shares: DkgRound2Message[];
  verdict?: DkgVerdictPayload;
  result?: DkgResult;
  readonly verdicts: Map<number, DkgVerdictPayload>;
  readonly answers: Map<number, readonly DkgRevealPayload[]>;
}

function complaintPayload(complaint: Complaint): AccusationPayload {
  return { accused: complaint.accused, reason: complaint.reason, evidence: complaint.evidence ?? NO_EVIDENCE };
}

/**
 * The honest role logic of member `device` in one attempt. `decide` receives the attempt's
 * outcome when the role reaches its `Decide` step.
 */
export function dkgRoleImpl(setup: DkgSetup, device: DkgDevice, decide: (attempt: DkgAttempt) => void): RoleImpl {
  const ids = setup.members.map((m) => deviceParticipantId(m.device));
  const self = setup.members.findIndex((m) => m.device === device.device);
  const state: RoleState = { setup, self, ids, received: new Map(), complaints: [], shares: [], verdicts: new Map(), answers: new Map() };
  const ownRound1 = () => (state.round1 ??= dkgRound1({ self: ids[self]!, participants: ids, threshold: setup.threshold }, device.random));
  const ownRound2 = () => {
    // Only round one's complaints stop this member's shares: a share that did not open, received
    // before this member's turn to send, is a complaint about its sender alone.
    if (state.round2 !== undefined || state.roundOneFailed === true) return state.round2;
    const { state: r1, broadcast } = ownRound1();
    const outcome = dkgRound2(r1, [broadcast, ...state.received.values()]);
    if (outcome.kind === 'complaints') {
      state.roundOneFailed = true;
      state.complaints.push(...outcome.complaints.map(complaintPayload));
    } else state.round2 = { state: outcome.value.state, sends: new Map(outcome.value.send.map((m) => [m.to, m])) };
    return state.round2;
  };
  const ownVerdict = (): DkgVerdictPayload => {
    if (state.verdict !== undefined) return state.verdict;
    const round2 = ownRound2();
    if (round2 !== undefined && state.complaints.length === 0) {
      const outcome = dkgFinish(round2.state, state.shares);
      if (outcome.kind === 'ok') state.result = outcome.value;
      else state.complaints.push(...outcome.complaints.map(complaintPayload));
    }
    const mine = ownRound1().broadcast;
    const seen = ids.map((_, k) => {
      const message = k === self ? mine : state.received.get(k);
      // Every round-one message was received before the first share was sent (the choreography orders them).
      return round1Digest({ commitments: message!.commitments, proof: message!.proof });
    });
    state.verdict = { complaints: state.complaints, seen, groupKey: state.result?.publicKeyPackage.groupPublicKey ?? NO_EVIDENCE };
    return state.verdict;
  };
  // Every verdict is in before the first answer is sent (the choreography orders them).
  const ownAnswer = (): DkgRevealPayload[] => {
    const sends = state.round2?.sends;
    if (sends === undefined) return [];
    const mine = ids[self]!;
    const verdicts = [...state.verdicts.entries(), [self, ownVerdict()] as const];
    return verdicts.flatMap(([by, verdict]) => {
      const disputed = verdict.complaints.some((c) => c.accused === mine && isPrivateComplaint(c));
      const share = sends.get(ids[by]!);
      return disputed && share !== undefined ? [{ to: share.to, share: share.share }] : [];
    });
  };
  return {
    send: {
      Commit: () => {
        const { broadcast } = ownRound1();
        return { round1: { commitments: broadcast.commitments, proof: broadcast.proof } };
      },
      Share: async (to) => {
        const round2 = ownRound2();
        if (round2 === undefined) return { sealed: null };
        const peer = memberIndex(to);
        const box = await hpkeSealValue(setup.members[peer]!.hpkePublicKey, round2.sends.get(ids[peer]!), HPKE_INFO.dkgShare, device.random);
        return { sealed: { enc: box.enc, ciphertext: box.ciphertext } };
      },
      Verdict: () => ({ verdict: ownVerdict() }),
      Answer: () => ({ reveals: ownAnswer() }),
    },
    recv: {
      Commit: (payload, from) => {
        const { round1 } = payload as { round1: DkgRound1Payload };
        const k = memberIndex(from);
        state.received.set(k, { from: ids[k]!, commitments: round1.commitments, proof: round1.proof });
      },
      Share: async (payload, from) => {
        const { sealed } = payload as { sealed: SealedBoxPayload | null };
        const k = memberIndex(from);
        // A member that sends no share must say why in its verdict; judged in `Decide`.
        if (sealed === null) return;
        const share = await openShare(device.hpkeSecretKey, sealed, ids[k]!, ids[self]!);
        if (share === undefined) state.complaints.push({ accused: ids[k]!, reason: 'bad-share', evidence: NO_EVIDENCE });
        else state.shares.push(share);
      },
      Verdict: (payload, from) => {
        state.verdicts.set(memberIndex(from), (payload as { verdict: DkgVerdictPayload }).verdict);
      },
      Answer: (payload, from) => {
        state.answers.set(memberIndex(from), (payload as { reveals: readonly DkgRevealPayload[] }).reveals);
      },
    },
    local: {
      Decide: () => {
        state.verdicts.set(self, ownVerdict());
        state.answers.set(self, ownAnswer());
        const accused = judgeVerdicts(state);
        decide(accused.length === 0 && state.result !== undefined ? { kind: 'ok', value: state.result } : { kind: 'exclude', accused });
      },
    },
  };
}

/** Opens a sealed share and checks it is the sender's share for us; `undefined` when it is not. */
async function openShare(secretKey: Uint8Array, sealed: SealedBoxPayload, from: ParticipantId, to: ParticipantId): Promise<DkgRound2Message | undefined> {
  try {
    const value = (await hpkeOpenValue(secretKey, sealed, HPKE_INFO.dkgShare)) as Partial<DkgRound2Message>;
    if (value.from !== from || value.to !== to || !(value.share instanceof Uint8Array)) return undefined;
    return { from, to, share: value.share };
  } catch (error) {
    if (isAuraError(error)) return undefined;
    throw error;
  }
}

/** A complaint about a share only its recipient saw: withheld, not opening, or revealed by no one. */
function isPrivateComplaint(complaint: AccusationPayload): boolean {
  return complaint.reason === 'missing-message' || (complaint.reason === 'bad-share' && complaint.evidence.length === 0);
}

/**
 * Judges an attempt the same way at every honest member, from broadcasts only. Round one first:
 * a member whose round-one message two members saw differently equivocated; a complaint about a
 * broadcast (`bad-proof`, `bad-commitment`) names the accused when this member's own check of the
 * same broadcast confirms it, and the complainer otherwise. When round one names anyone, the
 * attempt ends there (members who complained sent no shares, rightly). Then round two: a
 * `bad-share` complaint with the share as evidence is checked against the accused's commitments;
 * a complaint about a share no one else saw is settled by the accused's answer, which reveals the
 * share: a share that does not verify names the accused for `bad-share`, and a missing or
 * verifying one for `missing-message` (its polynomial is now partly public, so it is not reused).
 * Last, a member naming another group key while no one complains is named. Each device once.
 */
function judgeVerdicts(state: RoleState): Accusation[] {
  const { ids, setup, self } = state;
  const indexOf = new Map(ids.map((id, k) => [id, k]));
  const accused = new Map<number, Accusation>();
  const name = (k: number, reason: AccusationPayload['reason'], by: number) => {
    if (!accused.has(k)) accused.set(k, { device: setup.members[k]!.device, reason, by: setup.members[by]!.device });
  };
  const round1Of = (k: number) => (k === self ? state.round1?.broadcast : state.received.get(k));
  const shareIsBad = (k: number, by: number, share: Uint8Array) => {
    const round1 = round1Of(k);
    return round1 === undefined || shareComplaintIsJustified(round1, ids[by]!, { accused: ids[k]!, reason: 'bad-share', detail: '', evidence: share }, setup.threshold);
  };
  const verdicts = [...state.verdicts.entries()].sort((a, b) => a[0] - b[0]);
  for (let j = 0; j < ids.length; j++) {
    // What a member says of its own message shows nothing: only what others received is compared.
    const reports = verdicts.filter(([by]) => by !== j).map(([, v]) => v.seen[j]);
    if (reports.some((r) => r === undefined || !bytesEqual(r, reports[0]!))) name(j, 'equivocation', self);
  }
  const complaints = verdicts.flatMap(([by, verdict]) => verdict.complaints.map((complaint) => ({ by, complaint, k: indexOf.get(complaint.accused as ParticipantId) })));
  for (const { by, complaint, k } of complaints) {
    if (k === undefined || k === by) name(by, 'false-accusation', self);
    else if (accused.has(k)) continue;
    else if (complaint.reason === 'bad-proof' || complaint.reason === 'bad-commitment') {
      const confirmed = state.complaints.find((c) => c.accused === complaint.accused && (c.reason === 'bad-proof' || c.reason === 'bad-commitment'));
      if (confirmed !== undefined) name(k, confirmed.reason, by);
      else name(by, 'false-accusation', by);
    }
  }
  if (accused.size > 0) return [...accused.values()];
  for (const { by, complaint, k } of complaints) {
    if (k === undefined) continue;
    if (complaint.reason === 'bad-share' && complaint.evidence.length > 0) {
      const bad = shareIsBad(k, by, complaint.evidence);
      name(bad ? k : by, bad ? 'bad-share' : 'false-accusation', by);
    } else if (isPrivateComplaint(complaint)) {
      const reveal = state.answers.get(k)?.find((r) => r.to === ids[by]);
      // A revealed share exposes part of k's polynomial, so k is excluded even when it verifies:
      // the next attempt no longer uses that polynomial (see docs/protocols.md for the cost).
      name(k, reveal !== undefined && shareIsBad(k, by, reveal.share) ? 'bad-share' : 'missing-message', by);
    } else name(by, 'false-accusation', self);
  }
  if (complaints.length === 0) {
    const key = state.result?.publicKeyPackage.groupPublicKey;
    for (const [by, verdict] of verdicts) if (key === undefined || !bytesEqual(verdict.groupKey, key)) name(by, 'disagreement', self);
  }
  return [...accused.values()];
}

/** Runs one attempt of the DKG as member `device` over `transport`, in `setup.session` itself. */
export function runDkgAttempt(setup: DkgSetup, device: DkgDevice, transport: Transport, options: DkgRunOptions = {}, attempt = 0): Promise<DkgAttempt> {
  const members = setup.members.map((m) => m.device);
  const place = { protocol: 'dkg', projected: dkgProtocol(members.length), family: 'P', members, self: device.device, session: setup.session, attempt, epoch: setup.epoch ?? GENESIS_EPOCH };
  return runAttemptRole(place, (decide) => dkgRoleImpl(setup, device, decide), transport, options);
}

/**
 * Runs the DKG as member `device` until a clean attempt: each attempt that names members excludes
 * them and starts a fresh session among the rest. Errors: `protocols.dkg.excluded` when this device
 * is named, `protocols.dkg.too-few` (a clean abort) when fewer than t members remain,
 * `protocols.dkg.aborted` when a session stops (a crashed or silent member, a protocol violation).
 */
export async function runDkgDevice(setup: DkgSetup, device: DkgDevice, transport: Transport, options: DkgRunOptions = {}): Promise<{ readonly result: DkgResult; readonly excluded: readonly Accusation[] }> {
  const base = epochSession(setup.session, setup.epoch ?? GENESIS_EPOCH);
  const { value, excluded } = await runWithExclusion('dkg', setup.members, setup.threshold, device.device, (members, attempt) =>
    runDkgAttempt({ ...setup, members, session: attemptSession(base, attempt, members.map((m) => m.device)) }, device, transport, options, attempt),
  );
  return { result: value, excluded };
}
