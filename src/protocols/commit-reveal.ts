/**
 * Commit-reveal as a reusable sub-protocol (`commit-reveal.choreo`, issue 10 item 1): every
 * participant commits to a value, and reveals it only once every commitment is in, so no one can
 * choose its value after seeing the others'. Protocols `call CommitReveal;` and build their role
 * logic on {@link commitRevealParts}; {@link runCommitReveal} runs it alone.
 *
 * Byte format (BLAKE3-256, `taggedDigest(tag, m) = H(u16be(len(tag)) ‖ tag ‖ m)`, `core/hash.ts`):
 * `commitment = taggedDigest("aura.protocols.commit-reveal.v1.commit",
 *   encodeCanonical({ purpose, session, member, value, blinding }))`, where `purpose` names the
 * calling protocol, `session` and `member` (the sender's DeviceId) bind the commitment to this run
 * and this sender (a copied commitment does not open for the copier), and `blinding` is 32 random
 * bytes that hide a guessable value.
 *
 * @module
 */
import { bytesEqual } from '../core/bytes.ts';
import { encodeCanonical } from '../core/canonical.ts';
import type { RandomEffects } from '../core/effects.ts';
import { systemError } from '../core/errors.ts';
import { taggedDigest } from '../core/hash.ts';
import type { DeviceId, SessionId } from '../core/identifiers.ts';
import type { Transport } from '../runtime/transport.ts';
import { memberIndex, runAttemptRole } from './attempts.ts';
import { GENESIS_EPOCH } from './epoch.ts';
import type { RevealPayload } from './payload-types.ts';
import { projectedProtocol, type RunOptions } from './protocol-source.ts';

/** The domain-separation tag of commitments. */
export const COMMIT_TAG = 'aura.protocols.commit-reveal.v1.commit';

/** What every participant of one run agrees on. */
export interface CommitRevealContext {
  /** What the values are for (the calling protocol), so commitments of one use never open in another. */
  readonly purpose: string;
  /** The session. */
  readonly session: SessionId;
  /** The participants, in role order (member k plays `P[k]`). */
  readonly members: readonly DeviceId[];
  /** When set, a revealed value of any other length is a bad reveal. */
  readonly valueLength?: number;
  /** The authority epoch the session is bound to (default the genesis epoch; see `epoch.ts`). */
  readonly epoch?: number;
}

/** A value with the blinding that hides it in its commitment. */
export type Opening = RevealPayload;

/** Everything a run's messages carried, in member order: the evidence a third party can check. */
export interface CommitRevealTranscript {
  /** Each member's commitment. */
  readonly commitments: readonly Uint8Array[];
  /** Each member's reveal. */
  readonly reveals: readonly Opening[];
}

/** A member named at opening, by index. */
export interface BadReveal {
  /** The member's index. */
  readonly index: number;
  /** Always `bad-reveal`: the reveal does not open the commitment (or has the wrong length). */
  readonly reason: 'bad-reveal';
}

/** The outcome of opening every reveal. */
export interface Opened {
  /** The values that opened their commitments, by member index. */
  readonly values: ReadonlyMap<number, Uint8Array>;
  /** The members whose reveal did not match. */
  readonly bad: readonly BadReveal[];
}

/** The commitment of `member` to `opening` in this run. */
export function commitmentOf(context: CommitRevealContext, member: DeviceId, opening: Opening): Uint8Array {
  return taggedDigest(COMMIT_TAG, encodeCanonical({ purpose: context.purpose, session: context.session, member, value: opening.value, blinding: opening.blinding }));
}

/** Checks every reveal of `transcript` against its commitment (pure: anyone holding the transcript gets the same). */
export function openTranscript(context: CommitRevealContext, transcript: CommitRevealTranscript): Opened {
  const values = new Map<number, Uint8Array>();
  const bad: BadReveal[] = [];
  context.members.forEach((member, index) => {
    const commitment = transcript.commitments[index];
    const reveal = transcript.reveals[index];
    const opens =
      commitment !== undefined &&
      reveal !== undefined &&
      (context.valueLength === undefined || reveal.value.length === context.valueLength) &&
      bytesEqual(commitmentOf(context, member, reveal), commitment);
    if (opens) values.set(index, reveal.value);
    else bad.push({ index, reason: 'bad-reveal' });
  });
  return { values, bad };
}

/** The commit-reveal steps of one participant, to merge into the role logic of a calling protocol. */
export interface CommitRevealParts {
  /** Payloads of `Commit` and `Reveal`. */
  readonly send: { readonly Commit: () => { commitment: Uint8Array }; readonly Reveal: () => { reveal: Opening } };
  /** Records each peer's `Commit` and `Reveal`. */
  readonly recv: { readonly Commit: (payload: unknown, from: string) => void; readonly Reveal: (payload: unknown, from: string) => void };
  /** The transcript so far (complete once every `Reveal` is in: at `Open`). */
  transcript(): CommitRevealTranscript;
}

/** The steps of participant `self` committing to `value` (blinded with randomness from `random`). */
export function commitRevealParts(context: CommitRevealContext, self: DeviceId, value: Uint8Array, random: RandomEffects): CommitRevealParts {
  const own = context.members.indexOf(self);
  const opening: Opening = { value, blinding: random.randomBytes(32) };
  const commitments = new Map<number, Uint8Array>([[own, commitmentOf(context, self, opening)]]);
  const reveals = new Map<number, Opening>([[own, opening]]);
  const inOrder = <T>(byIndex: ReadonlyMap<number, T>): T[] => context.members.flatMap((_, k) => (byIndex.has(k) ? [byIndex.get(k)!] : [])); // has() checked
  return {
    send: {
      Commit: () => ({ commitment: commitments.get(own)! }), // set above
      Reveal: () => ({ reveal: opening }),
    },
    recv: {
      Commit: (payload, from) => void commitments.set(memberIndex(from), (payload as { commitment: Uint8Array }).commitment),
      Reveal: (payload, from) => void reveals.set(memberIndex(from), (payload as { reveal: Opening }).reveal),
    },
    transcript: () => ({ commitments: inOrder(commitments), reveals: inOrder(reveals) }),
  };
}

/** The `CommitReveal(N)` projection for `n` participants. */
export function commitRevealProtocol(n: number) {
  return projectedProtocol('commit-reveal.choreo', 'CommitReveal', { N: n });
}

/** One participant of a standalone run: which device, its value, randomness for the blinding. */
export interface CommitRevealParticipant {
  /** Which device this is. */
  readonly device: DeviceId;
  /** The value it commits to. */
  readonly value: Uint8Array;
  /** Randomness for the blinding. */
  readonly random: RandomEffects;
}

/**
 * Runs `CommitReveal` as `participant`: every member's value that opened its commitment, the
 * members whose reveal did not (named, their values left out), and the transcript. Errors:
 * `protocols.commit-reveal.not-a-member`, `protocols.commit-reveal.aborted` (a member crashed or
 * stayed silent past `receiveTimeoutMs`, or a message broke the protocol).
 */
export async function runCommitReveal(context: CommitRevealContext, participant: CommitRevealParticipant, transport: Transport, options: RunOptions = {}): Promise<Opened & { readonly transcript: CommitRevealTranscript }> {
  const place = { protocol: 'commit-reveal', projected: commitRevealProtocol(context.members.length), family: 'P', members: context.members, self: participant.device, session: context.session, attempt: 0, epoch: context.epoch ?? GENESIS_EPOCH };
  const outcome = await runAttemptRole<Opened & { readonly transcript: CommitRevealTranscript }>(place, (decide) => {
    const parts = commitRevealParts(context, participant.device, participant.value, participant.random);
    return {
      send: parts.send,
      recv: parts.recv,
      local: {
        Open: () => {
          const transcript = parts.transcript();
          decide({ kind: 'ok', value: { ...openTranscript(context, transcript), transcript } });
        },
      },
    };
  }, transport, options);
  if (outcome.kind !== 'ok') throw systemError('protocols.commit-reveal.no-value', 'commit-reveal decided without a value');
  return outcome.value;
}
