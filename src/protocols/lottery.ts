/**
 * The decentralized lottery (`lottery.choreo`, issue 10 item 2): N equal participants pick a
 * temporary coordinator with no server and no special node. Every participant commits to 32 random
 * bytes and reveals them (`call CommitReveal`); the values that open their commitments are combined
 * into one digest, and the winner is the member at `combined mod n` among the n members whose
 * reveal opened. Every participant computes the winner, broadcasts it, and they check they agree.
 * Anyone holding the transcript recomputes the result with {@link verifyLottery}.
 *
 * Byte format: `combined = taggedDigest("aura.protocols.lottery.v1.combined",
 * encodeCanonical({ session, members, eligible, values }))` (BLAKE3-256), `eligible` the indices of
 * the members whose reveal opened, `values` their values in that order; the winner is
 * `eligible[BigInt(combined as big-endian) mod eligible.length]`. No participant can choose its
 * value after seeing another's (commitments come first), so, short of withholding its reveal (which
 * stops the session, see docs/protocols.md), none can steer the winner.
 *
 * @module
 */
import { bytesEqual, toHex } from '../core/bytes.ts';
import { encodeCanonical } from '../core/canonical.ts';
import type { RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { taggedDigest } from '../core/hash.ts';
import type { DeviceId, SessionId } from '../core/identifiers.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import type { Transport } from '../runtime/transport.ts';
import { attemptSession, memberIndex, runAttemptRole, runWithExclusion, type Accusation, type AttemptOutcome } from './attempts.ts';
import { GENESIS_EPOCH } from './epoch.ts';
import { commitRevealParts, openTranscript, type CommitRevealContext, type CommitRevealTranscript, type Opened } from './commit-reveal.ts';
import type { WinnerPayload } from './payload-types.ts';
import { projectedProtocol, type RunOptions } from './protocol-source.ts';

/** The domain-separation tag of the combined randomness. */
export const COMBINED_TAG = 'aura.protocols.lottery.v1.combined';
/** The commit-reveal purpose of lottery values. */
export const LOTTERY_PURPOSE = 'aura.protocols.lottery';
/** Bytes of each participant's random value. */
export const LOTTERY_VALUE_LENGTH = 32;

/** Who draws, in which session. */
export interface LotterySetup {
  /** The participants, in role order (member k plays `P[k]`). */
  readonly members: readonly DeviceId[];
  /** The session (its id is bound into every commitment and the combined value). */
  readonly session: SessionId;
  /** The authority epoch the session is bound to (default the genesis epoch; see `epoch.ts`). */
  readonly epoch?: number;
}

/** Everything a lottery run's messages carried: what {@link verifyLottery} checks. */
export interface LotteryTranscript extends CommitRevealTranscript {
  /** The participants, in role order. */
  readonly members: readonly DeviceId[];
  /** The session. */
  readonly session: SessionId;
  /** The winner the participants agreed on. */
  readonly winner: DeviceId;
}

/** The outcome of a lottery. */
export interface LotteryResult {
  /** The winner: the temporary coordinator. */
  readonly winner: DeviceId;
  /** Its member index. */
  readonly index: number;
  /** The combined randomness (32 bytes). */
  readonly combined: Uint8Array;
  /** Members whose reveal did not open their commitment (not eligible). */
  readonly excluded: readonly DeviceId[];
  /** The evidence. */
  readonly transcript: LotteryTranscript;
}

/** The commit-reveal context of a lottery. */
export function lotteryContext(setup: LotterySetup): CommitRevealContext {
  return { purpose: LOTTERY_PURPOSE, session: setup.session, members: setup.members, valueLength: LOTTERY_VALUE_LENGTH };
}

/** The combined randomness and the winner's index from the values that opened (pure). */
export function drawWinner(setup: LotterySetup, values: ReadonlyMap<number, Uint8Array>): { readonly index: number; readonly combined: Uint8Array } {
  const eligible = [...values.keys()].sort((a, b) => a - b);
  if (eligible.length === 0) throw permanentError('protocols.lottery.no-eligible', 'no lottery value opened its commitment');
  const combined = taggedDigest(COMBINED_TAG, encodeCanonical({ session: setup.session, members: setup.members, eligible, values: eligible.map((k) => values.get(k)!) })); // keys of values
  return { index: eligible[Number(BigInt(`0x${toHex(combined)}`) % BigInt(eligible.length))]!, combined }; // an index below eligible.length
}

function resultOf(setup: LotterySetup, transcript: CommitRevealTranscript, opened: Opened): LotteryResult {
  const { index, combined } = drawWinner(setup, opened.values);
  const winner = setup.members[index]!; // drawn among member indices
  return {
    winner,
    index,
    combined,
    excluded: opened.bad.map((b) => setup.members[b.index]!), // indices of members
    transcript: { ...transcript, members: setup.members, session: setup.session, winner },
  };
}

/**
 * Recomputes a lottery from its transcript: opens every reveal, combines, draws, and checks the
 * claimed winner. Pure. Errors: `protocols.lottery.bad-transcript` (a commitment or reveal per
 * member is missing), `protocols.lottery.wrong-winner` (the transcript's winner is not the draw's).
 */
export function verifyLottery(transcript: LotteryTranscript): LotteryResult {
  const n = transcript.members.length;
  if (transcript.commitments.length !== n || transcript.reveals.length !== n) {
    throw permanentError('protocols.lottery.bad-transcript', `a lottery transcript of ${n} members needs ${n} commitments and ${n} reveals, got ${transcript.commitments.length} and ${transcript.reveals.length}`);
  }
  const setup = { members: transcript.members, session: transcript.session };
  const result = resultOf(setup, transcript, openTranscript(lotteryContext(setup), transcript));
  if (result.winner !== transcript.winner) {
    throw permanentError('protocols.lottery.wrong-winner', `the transcript names ${transcript.winner} but its draw gives ${result.winner}`, { context: { claimed: transcript.winner, drawn: result.winner } });
  }
  return result;
}

/** The lottery steps of one participant, to merge into the role logic of a protocol that calls `Lottery`. */
export interface LotteryParts {
  /** Payloads of `Commit`, `Reveal`, `Winner`. */
  readonly send: RoleImpl['send'];
  /** Records `Commit`, `Reveal`, `Winner`. */
  readonly recv: RoleImpl['recv'];
  /** `Open` (draw the winner) and `Decide` (check agreement); `Decide` reports through `decide`. */
  readonly local: RoleImpl['local'];
}

/** The lottery steps of `self` drawing with randomness from `random`; `decide` receives the outcome at `Decide`. */
export function lotteryParts(setup: LotterySetup, self: DeviceId, random: RandomEffects, decide: (outcome: AttemptOutcome<LotteryResult>) => void): LotteryParts {
  const context = lotteryContext(setup);
  const parts = commitRevealParts(context, self, random.randomBytes(LOTTERY_VALUE_LENGTH), random);
  const claims = new Map<number, WinnerPayload>();
  let own: LotteryResult | undefined;
  const draw = (): LotteryResult => (own ??= resultOf(setup, parts.transcript(), openTranscript(context, parts.transcript())));
  return {
    send: { ...parts.send, Winner: () => ({ winner: { winner: draw().index, combined: draw().combined } }) },
    recv: { ...parts.recv, Winner: (payload, from) => void claims.set(memberIndex(from), (payload as { winner: WinnerPayload }).winner) },
    local: {
      Open: () => void draw(),
      Decide: () => {
        const result = draw();
        // A member whose reveal did not open is already left out: its claim (made with the value it
        // kept for itself) says nothing about the honest members' agreement.
        const bad = new Set(result.excluded);
        const disagree: Accusation[] = [...claims]
          .filter(([k, claim]) => !bad.has(setup.members[k]!) && (claim.winner !== result.index || !bytesEqual(claim.combined, result.combined))) // k is a member index
          .map(([k]) => ({ device: setup.members[k]!, reason: 'disagreement', by: self })); // k is a member index
        decide(disagree.length === 0 ? { kind: 'ok', value: result } : { kind: 'exclude', accused: disagree });
      },
    },
  };
}

/** The `Lottery(N)` projection for `n` participants. */
export function lotteryProtocol(n: number) {
  return projectedProtocol('lottery.choreo', 'Lottery', { N: n });
}

/** One participant: which device, and randomness for its value and blinding. */
export interface LotteryParticipant {
  /** Which device this is. */
  readonly device: DeviceId;
  /** Randomness. */
  readonly random: RandomEffects;
}

/** Runs one lottery session as `participant`. */
export function runLotteryAttempt(setup: LotterySetup, participant: LotteryParticipant, transport: Transport, options: RunOptions = {}, attempt = 0): Promise<AttemptOutcome<LotteryResult>> {
  const place = { protocol: 'lottery', projected: lotteryProtocol(setup.members.length), family: 'P', members: setup.members, self: participant.device, session: setup.session, attempt, epoch: setup.epoch ?? GENESIS_EPOCH };
  return runAttemptRole(place, (decide) => lotteryParts(setup, participant.device, participant.random, decide), transport, options);
}

/**
 * Draws a coordinator with the other members of `setup`: the same winner at every honest
 * participant, verifiable from the returned transcript. A participant that computes another winner
 * is named and the rest draw again without it. Errors: `protocols.lottery.excluded`,
 * `protocols.lottery.aborted` (a member crashed, stayed silent, or broke the protocol).
 */
export async function runLottery(setup: LotterySetup, participant: LotteryParticipant, transport: Transport, options: RunOptions = {}): Promise<LotteryResult & { readonly disagreeing: readonly Accusation[] }> {
  const members = setup.members.map((device) => ({ device }));
  const { value, excluded } = await runWithExclusion('lottery', members, 1, participant.device, (remaining, attempt) => {
    const devices = remaining.map((m) => m.device);
    return runLotteryAttempt({ ...setup, members: devices, session: attemptSession(setup.session, attempt, devices) }, participant, transport, options, attempt);
  });
  return { ...value, disagreeing: excluded };
}
