/**
 * FROST signing as a choreography (`sign.choreo`, issue 9 item 2): RFC 9591 signing among N
 * equal signers with no coordinator. Every signer broadcasts its nonce commitments (with the
 * digest of the message it was asked to sign, so they check they sign the same message), then
 * its signature share; every signer builds the same signing package, aggregates, verifies
 * strictly under the group key (`aggregate` of `src/crypto/frost.ts`), and broadcasts the
 * signature it got, so all check they agree.
 *
 * A share that does not verify names its signer (RFC 9591 section 5.4, `findCheaters`); the
 * attempt then ends with the cheaters named and {@link runSigningDevice} retries without them,
 * until a valid signature or fewer than t signers remain.
 *
 * @module
 */
import { bytesEqual } from '../core/bytes.ts';
import type { RandomEffects } from '../core/effects.ts';
import { isAuraError } from '../core/errors.ts';
import { taggedDigest } from '../core/hash.ts';
import type { DeviceId, SessionId } from '../core/identifiers.ts';
import { aggregate, cheatersOf, commit, signShare, type SignatureShare, type SigningCommitment, type SigningNonces, type SigningPackage } from '../crypto/frost.ts';
import { decodePoint } from '../crypto/group.ts';
import type { KeyShare, PublicKeyPackage } from '../crypto/key-share.ts';
import { deviceParticipantId, type ParticipantId } from '../crypto/participant.ts';
import { verifyStrict } from '../crypto/signature.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import type { Transport } from '../runtime/transport.ts';
import { GENESIS_EPOCH, epochSession } from './epoch.ts';
import { attemptSession, memberIndex, runAttemptRole, runWithExclusion, type Accusation, type AttemptOutcome } from './attempts.ts';
import { type AccusationPayload, type FrostCommitmentPayload } from './payload-types.ts';
import { projectedProtocol, type RunOptions } from './protocol-source.ts';

/** What the signers agree on: who signs, under which key, in which session. */
export interface SigningSetup {
  /** The signers, in role order (signer k plays `S[k]`); at least the package's threshold. */
  readonly signers: readonly DeviceId[];
  /** The group key and verifying shares. */
  readonly publicKeyPackage: PublicKeyPackage;
  /** The agreed session; the attempts' sessions derive from it and the epoch. */
  readonly session: SessionId;
  /** The authority epoch the signing is bound to (default {@link GENESIS_EPOCH}). */
  readonly epoch?: number;
}

/** One signer's own inputs. */
export interface Signer {
  /** Which device this is. */
  readonly device: DeviceId;
  /** Its share of the group key (lent to each attempt, never consumed). */
  readonly keyShare: KeyShare;
  /** The message it was asked to sign. */
  readonly message: Uint8Array;
  /** Randomness for the nonces. */
  readonly random: RandomEffects;
}

/** The `Sign(N)` projection for `n` signers. */
export function signProtocol(n: number) {
  return projectedProtocol('sign.choreo', 'Sign', { N: n });
}

/** The digest by which signers check they sign the same message. */
export function messageDigest(message: Uint8Array): Uint8Array {
  return taggedDigest('aura.protocols.sign.v1.message', message);
}

const NO_SIGNATURE = new Uint8Array(0);

interface SignerState {
  round1?: { readonly nonces: SigningNonces; readonly commitment: SigningCommitment };
  readonly commitments: Map<number, FrostCommitmentPayload>;
  readonly shares: Map<number, Uint8Array | null>;
  readonly signatures: Map<number, Uint8Array>;
  readonly accused: Map<number, AccusationPayload['reason']>;
  signing?: SigningPackage;
  signature?: Uint8Array;
}

/** The honest role logic of `signer` in one attempt; `decide` receives the attempt's outcome. */
export function signRoleImpl(setup: SigningSetup, signer: Signer, decide: (outcome: AttemptOutcome<Uint8Array>) => void): RoleImpl {
  const ids: readonly ParticipantId[] = setup.signers.map(deviceParticipantId);
  const self = setup.signers.indexOf(signer.device);
  const digest = messageDigest(signer.message);
  const state: SignerState = { commitments: new Map(), shares: new Map(), signatures: new Map(), accused: new Map() };
  const ownRound1 = () => (state.round1 ??= commit(signer.keyShare, signer.random));
  const name = (k: number, reason: AccusationPayload['reason']) => {
    if (!state.accused.has(k)) state.accused.set(k, reason);
  };
  // Every commitment is in before the first share is sent (the choreography orders them).
  const signingPackage = (): SigningPackage | undefined => {
    if (state.signing !== undefined || state.accused.size > 0) return state.signing;
    const own = ownRound1();
    for (const [k, c] of state.commitments) {
      if (!bytesEqual(c.message, digest)) name(k, 'disagreement');
      else if (!pointsDecode(c)) name(k, 'bad-commitment');
    }
    if (state.accused.size > 0) return undefined;
    const commitments = ids.map((participant, k) => (k === self ? own.commitment : { participant, hiding: state.commitments.get(k)!.hiding, binding: state.commitments.get(k)!.binding })); // every member's commitment was received (above)
    state.signing = { message: signer.message, commitments };
    return state.signing;
  };
  const ownShare = (): Uint8Array | null => {
    const signing = signingPackage();
    if (signing === undefined) return null;
    const share = signShare(signer.keyShare, ownRound1().nonces, signing).share;
    state.shares.set(self, share);
    return share;
  };
  // Every share is in before the first signature is sent.
  const ownSignature = (): Uint8Array => {
    if (state.signature !== undefined) return state.signature;
    // A lone signer's broadcasts go to no one, so nothing asked for its share yet: make it now.
    if (!state.shares.has(self)) ownShare();
    state.signature = NO_SIGNATURE;
    const signing = state.signing;
    if (signing === undefined) return state.signature;
    const shares: SignatureShare[] = [];
    for (const [k, share] of state.shares) {
      if (share === null) name(k, 'missing-message');
      else shares.push({ participant: ids[k]!, share });
    }
    if (state.accused.size > 0) return state.signature;
    try {
      state.signature = aggregate(setup.publicKeyPackage, signing, shares);
    } catch (error) {
      if (!isAuraError(error, 'crypto.frost.cheating-signers')) throw error;
      for (const cheater of cheatersOf(error)) name(ids.indexOf(cheater), 'bad-share');
    }
    return state.signature;
  };
  return {
    send: {
      Commitment: () => {
        const { commitment } = ownRound1();
        return { commitment: { message: digest, hiding: commitment.hiding, binding: commitment.binding } };
      },
      SigShare: () => ({ share: state.shares.has(self) ? state.shares.get(self)! : ownShare() }), // has() checked
      Signature: () => ({ signature: ownSignature() }),
    },
    recv: {
      Commitment: (payload, from) => {
        state.commitments.set(memberIndex(from), (payload as { commitment: FrostCommitmentPayload }).commitment);
      },
      SigShare: (payload, from) => {
        state.shares.set(memberIndex(from), (payload as { share: Uint8Array | null }).share);
      },
      Signature: (payload, from) => {
        state.signatures.set(memberIndex(from), (payload as { signature: Uint8Array }).signature);
      },
    },
    local: {
      Decide: () => {
        const mine = ownSignature();
        // A signer named here is excluded even when another signer broadcast a valid signature:
        // a cheater must not stay in the signer set of later sessions.
        const accused: Accusation[] = [...state.accused].map(([k, reason]) => ({ device: setup.signers[k]!, reason, by: signer.device }));
        const valid = [mine, ...state.signatures.values()].find((s) => s.length === 64 && verifyStrict(setup.publicKeyPackage.groupPublicKey, signer.message, s));
        decide(accused.length === 0 && valid !== undefined ? { kind: 'ok', value: valid } : { kind: 'exclude', accused });
      },
    },
  };
}

function pointsDecode(commitment: FrostCommitmentPayload): boolean {
  try {
    decodePoint(commitment.hiding);
    decodePoint(commitment.binding);
    return true;
  } catch (error) {
    if (isAuraError(error)) return false;
    throw error;
  }
}

/** Runs one signing attempt as `signer` over `transport`, in `setup.session` itself. */
export function runSigningAttempt(setup: SigningSetup, signer: Signer, transport: Transport, options: RunOptions = {}, attempt = 0): Promise<AttemptOutcome<Uint8Array>> {
  const place = { protocol: 'sign', projected: signProtocol(setup.signers.length), family: 'S', members: setup.signers, self: signer.device, session: setup.session, attempt, epoch: setup.epoch ?? GENESIS_EPOCH };
  return runAttemptRole(place, (decide) => signRoleImpl(setup, signer, decide), transport, options);
}

/**
 * Signs `signer.message` with the other signers of `setup`: a valid RFC 8032 signature under the
 * group key, the same at every honest signer. A signer whose share or commitment is bad is named
 * and excluded, and the rest retry. Every session is bound to `setup.epoch` (its id derives from it,
 * and a message of another epoch stops it). Errors: `protocols.sign.excluded`,
 * `protocols.sign.too-few` (fewer than t signers remain), `protocols.sign.aborted` (a session
 * stopped; `context.code` says why, e.g. `protocols.stale-epoch`).
 */
export async function runSigningDevice(setup: SigningSetup, signer: Signer, transport: Transport, options: RunOptions = {}): Promise<{ readonly signature: Uint8Array; readonly excluded: readonly Accusation[] }> {
  const members = setup.signers.map((device) => ({ device }));
  const base = epochSession(setup.session, setup.epoch ?? GENESIS_EPOCH);
  const { value, excluded } = await runWithExclusion('sign', members, setup.publicKeyPackage.threshold, signer.device, (remaining, attempt) => {
    const signers = remaining.map((m) => m.device);
    return runSigningAttempt({ ...setup, signers, session: attemptSession(base, attempt, signers) }, signer, transport, options, attempt);
  });
  return { signature: value, excluded };
}
