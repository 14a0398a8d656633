/**
 * Threshold signing with a quorum (`sign-quorum.choreo`, issue 9 item 2): n members online, t
 * needed, and the first t that answer sign. The member that wants the signature (the requester,
 * any member: there is no fixed coordinator) plays `R` beside its own `S[k]`: it asks every member,
 * gathers the first t answers (`[quorum = T]`: the runtime proceeds after t and drops the rest),
 * and tells everyone who signs. The chosen t then run the symmetric signing choreography
 * (`sign.choreo`) among themselves, where every signer aggregates and verifies and a bad share
 * names its signer. A member named (a bad share, another message) is excluded and everyone runs a
 * new attempt without it, until a signature or fewer than t members remain.
 *
 * What is signed is the outcome itself: a `signature.issued` fact (`authority.ts`) naming the
 * message digest, the signers and the epoch, whose threshold attestation is the group signature
 * over it. Every member, chosen or not, builds the same fact and checks the signature before it
 * accepts it, so each writes the same threshold-attested fact to its journal.
 *
 * @module
 */
import { bytesEqual } from '../core/bytes.ts';
import type { RandomEffects } from '../core/effects.ts';
import { permanentError, toAuraError } from '../core/errors.ts';
import { deriveIdentifier, type AuthorityId, type DeviceId, type SessionId } from '../core/identifiers.ts';
import type { KeyShare, PublicKeyPackage } from '../crypto/key-share.ts';
import { verifyStrict } from '../crypto/signature.ts';
import { attestationTranscript, thresholdAttestation } from '../journal/attestation.ts';
import { sealFact, unsignedPart, type FactDraft, type FactRecord } from '../journal/fact.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import type { Transport } from '../runtime/transport.ts';
import { attemptSession, memberIndex, runAttemptRole, runWithExclusion, type Accusation, type AttemptOutcome, type AttemptPlace } from './attempts.ts';
import { SIGNATURE_ISSUED, agreedRandom, type SignatureIssuedPayload } from './authority.ts';
import { epochSession } from './epoch.ts';
import type { NamedPayload } from './payload-types.ts';
import { projectedProtocol, type RunOptions } from './protocol-source.ts';
import { messageDigest, runSigningAttempt } from './sign.ts';

/** What every member agrees on before a quorum signing. */
export interface QuorumSigningSetup {
  /** The authority whose group signs. */
  readonly authority: AuthorityId;
  /** Its group key and verifying shares (the threshold is the quorum). */
  readonly publicKeyPackage: PublicKeyPackage;
  /** The members asked, in role order (member k plays `S[k]`); at least the threshold. */
  readonly members: readonly DeviceId[];
  /** The member that asks (it also plays `R`). */
  readonly requester: DeviceId;
  /** The agreed session; attempts derive theirs from it and the epoch. */
  readonly session: SessionId;
  /** The authority's epoch (its tree's). */
  readonly epoch: number;
}

/** One member's own inputs. */
export interface QuorumSigner {
  /** The device. */
  readonly device: DeviceId;
  /** Its share of the group key. */
  readonly keyShare: KeyShare;
  /** The message it was asked to sign. */
  readonly message: Uint8Array;
  /** Randomness for its nonces. */
  readonly random: RandomEffects;
}

/** The outcome at one member: the threshold-attested `signature.issued` fact, and who was excluded. */
export interface QuorumSignature {
  /** The fact, its attestation checked under the group key. */
  readonly record: FactRecord;
  /** Members named and excluded on the way. */
  readonly excluded: readonly Accusation[];
}

/** The `SignQuorum(N, T)` projection. */
export function signQuorumProtocol(n: number, t: number) {
  return projectedProtocol('sign-quorum.choreo', 'SignQuorum', { N: n, T: t });
}

/** The `signature.issued` fact the chosen sign in the attempt of `session` (the same at every member). */
export function signatureIssuedDraft(authority: AuthorityId, digest: Uint8Array, signers: readonly DeviceId[], epoch: number, session: SessionId): FactDraft {
  const payload: SignatureIssuedPayload = { digest, signers, epoch };
  return { typeId: SIGNATURE_ISSUED.typeId, schemaVersion: SIGNATURE_ISSUED.schemaVersion, payload, metadata: { namespace: authority, nonce: agreedRandom(session).randomBytes(16) } };
}

const NO_SIGNATURE = new Uint8Array(0);

/** One attempt as seen by one device: the setup with the remaining members, and the session. */
interface Attempt {
  readonly setup: QuorumSigningSetup;
  readonly signer: QuorumSigner;
  readonly session: SessionId;
  readonly number: number;
  readonly transport: Transport;
  readonly options: RunOptions;
}

/** What the device's `S` role and its `R` role (at the requester) share within one attempt. */
interface DeviceState {
  readonly digest: Uint8Array;
  chosen?: { readonly signers: readonly DeviceId[]; readonly named: readonly NamedPayload[]; readonly draft: FactDraft };
  /** This device's signing among the chosen, once its member role learns it is chosen. */
  readonly ownSigning: Promise<AttemptOutcome<Uint8Array>>;
  /** Settles {@link DeviceState.ownSigning} (with the signing, or a failure of the member role). */
  readonly settleOwnSigning: (signing: Promise<AttemptOutcome<Uint8Array>>) => void;
}

function deviceState(digest: Uint8Array): DeviceState {
  let resolve: DeviceState['settleOwnSigning'] = () => undefined;
  const ownSigning = new Promise<AttemptOutcome<Uint8Array>>((r) => {
    resolve = r;
  });
  ownSigning.catch(() => undefined);
  let settled = false;
  const settleOwnSigning = (signing: Promise<AttemptOutcome<Uint8Array>>) => {
    // Awaited only at the requester; elsewhere a failure is reported by the member role itself.
    signing.catch(() => undefined);
    if (settled) return;
    settled = true;
    resolve(signing);
  };
  return { digest, ownSigning, settleOwnSigning };
}

function toAccusations(named: readonly NamedPayload[], by: DeviceId): Accusation[] {
  return named.map((n) => ({ device: n.device, reason: n.reason, by }));
}

/** The honest `S[k]` logic: answer, sign when chosen, accept the outcome only with a valid signature. */
function memberRole(a: Attempt, state: DeviceState, decide: (outcome: AttemptOutcome<FactRecord>) => void): RoleImpl {
  const { setup, signer } = a;
  let outcome: { readonly signature: Uint8Array; readonly named: readonly NamedPayload[] } | undefined;
  return {
    send: { Ready: () => ({ digest: state.digest }) },
    recv: {
      Request: () => undefined,
      Chosen: async (payload) => {
        const { signers, named } = payload as { signers: DeviceId[]; named: NamedPayload[] };
        const draft = signatureIssuedDraft(setup.authority, state.digest, signers, setup.epoch, a.session);
        state.chosen = { signers, named, draft };
        if (!signers.includes(signer.device)) {
          state.settleOwnSigning(Promise.resolve({ kind: 'exclude', accused: [] }));
          return;
        }
        const signing = { signers, publicKeyPackage: setup.publicKeyPackage, session: deriveIdentifier('session', { base: a.session, signers }), epoch: setup.epoch };
        const message = attestationTranscript('threshold', setup.authority, unsignedPart(draft));
        state.settleOwnSigning(runSigningAttempt(signing, { device: signer.device, keyShare: signer.keyShare, message, random: signer.random }, a.transport, a.options, a.number));
        await state.ownSigning;
      },
      Outcome: (payload) => {
        outcome = payload as { signature: Uint8Array; named: NamedPayload[] };
      },
    },
    local: {
      Decide: () => {
        // The choreography delivers Chosen and Outcome before Decide.
        const chosen = state.chosen!;
        const result = outcome!;
        const named = toAccusations([...chosen.named, ...result.named], setup.requester);
        const message = attestationTranscript('threshold', setup.authority, unsignedPart(chosen.draft));
        if (result.signature.length === 0) decide({ kind: 'exclude', accused: named });
        // A requester that reports a signature the group did not make is named.
        else if (!verifyStrict(setup.publicKeyPackage.groupPublicKey, message, result.signature)) decide({ kind: 'exclude', accused: [{ device: setup.requester, reason: 'disagreement', by: signer.device }] });
        else decide({ kind: 'ok', value: sealFact(chosen.draft, thresholdAttestation(setup.authority, result.signature)) });
      },
    },
  };
}

/**
 * The honest `R` logic: ask, take the first t answers, choose this device and the answers for the
 * same message (t in all, in member order), wait for this device's signing, tell everyone.
 */
function requesterRole(a: Attempt, state: DeviceState, decide: (outcome: AttemptOutcome<FactRecord>) => void): RoleImpl {
  const { setup, signer } = a;
  const threshold = setup.publicKeyPackage.threshold;
  const answers: { readonly k: number; readonly digest: Uint8Array }[] = [];
  let chosen: { readonly signers: DeviceId[]; readonly named: NamedPayload[] } | undefined;
  let signed: AttemptOutcome<Uint8Array> | undefined;
  // Member indices come from role names of this session and the requester is a member: all index setup.members.
  const choose = () => {
    if (chosen !== undefined) return chosen;
    const self = setup.members.indexOf(signer.device);
    const valid = answers.filter((x) => x.k !== self && bytesEqual(x.digest, state.digest)).map((x) => x.k);
    const named = answers.filter((x) => !bytesEqual(x.digest, state.digest)).map((x): NamedPayload => ({ device: setup.members[x.k]!, reason: 'disagreement' }));
    const picked = [self, ...valid.slice(0, threshold - 1)].sort((x, y) => x - y);
    chosen = { signers: picked.length < threshold ? [] : picked.map((k) => setup.members[k]!), named };
    return chosen;
  };
  return {
    send: {
      Request: () => ({ digest: state.digest }),
      Chosen: () => choose(),
      Outcome: () => {
        // Collect ran before Outcome.
        const result = signed!;
        const named = [...choose().named, ...(result.kind === 'exclude' ? result.accused.map((x): NamedPayload => ({ device: x.device, reason: x.reason })) : [])];
        const signature = result.kind === 'ok' ? result.value : NO_SIGNATURE;
        // The requester's own decision is its member role's; this one only ends the R role.
        decide({ kind: 'exclude', accused: [] });
        return { signature, named };
      },
    },
    recv: {
      Ready: (payload, from) => {
        answers.push({ k: memberIndex(from), digest: (payload as { digest: Uint8Array }).digest });
      },
    },
    local: {
      Collect: async () => {
        signed = await state.ownSigning;
      },
    },
  };
}

async function runQuorumAttempt(a: Attempt): Promise<AttemptOutcome<FactRecord>> {
  const { setup, signer } = a;
  const projected = signQuorumProtocol(setup.members.length, setup.publicKeyPackage.threshold);
  const place: AttemptPlace = { protocol: 'sign', projected, family: 'S', members: setup.members, self: signer.device, session: a.session, attempt: a.number, epoch: setup.epoch };
  const state = deviceState(messageDigest(signer.message));
  const member = runAttemptRole<FactRecord>(place, (decide) => memberRole(a, state, decide), a.transport, a.options);
  if (signer.device !== setup.requester) return member;
  // A member role that stops before it is chosen must not leave the requester waiting in Collect.
  member.catch((error: unknown) => {
    state.settleOwnSigning(Promise.reject(toAuraError(error)));
  });
  const [outcome] = await Promise.all([member, runAttemptRole<FactRecord>({ ...place, role: 'R' }, (decide) => requesterRole(a, state, decide), a.transport, a.options)]);
  return outcome;
}

/**
 * Signs `signer.message` with the first t members of `setup` that answer, as member
 * `signer.device` (the requester runs this too, and plays `R` besides). Returns the
 * `signature.issued` fact with its group signature checked. Errors: `protocols.sign.too-few`
 * (fewer than t members remain), `protocols.sign.excluded` (this device was named),
 * `protocols.sign.no-requester` (the requester was named), `protocols.sign.aborted` (a session
 * stopped: a crash, a violation, a message of another epoch).
 */
export async function runQuorumSigning(setup: QuorumSigningSetup, signer: QuorumSigner, transport: Transport, options: RunOptions = {}): Promise<QuorumSignature> {
  const base = epochSession(setup.session, setup.epoch);
  const { value, excluded } = await runWithExclusion('sign', setup.members.map((device) => ({ device })), setup.publicKeyPackage.threshold, signer.device, (remaining, number) => {
    const members = remaining.map((m) => m.device);
    if (!members.includes(setup.requester)) throw permanentError('protocols.sign.no-requester', `the requester ${setup.requester} was excluded; ask again`, { context: { requester: setup.requester } });
    return runQuorumAttempt({ setup: { ...setup, members }, signer, session: attemptSession(base, number, members), number, transport, options });
  });
  return { record: value, excluded };
}
