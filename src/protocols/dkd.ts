/**
 * Deterministic key derivation as a choreography (`dkd.choreo`, issue 9 item 3): the members of
 * an authority agree on the key of one (authority, context, app, epoch) by commit-reveal of
 * random contributions (`src/crypto/dkd.ts`), so that no member, not even the last to reveal,
 * can bias it. The run's session is labelled with the request's digest, so its root is the
 * request's key: every member combines the reveals into 64 bytes, the key and a key
 * confirmation (see {@link keyAndConfirmation}), then they compare confirmations: the key is
 * accepted only when every member confirms the same one and no one complained. Comparing digests rather than Ed25519
 * public halves keeps the protocol to hashing: the public half costs a scalar multiplication,
 * paid only when something asks for it ({@link DkdOutcome.keyPair}).
 *
 * A member whose reveal does not match its commitment is named (`bad-reveal`) and the session
 * aborts (`protocols.dkd.rejected`); DKD is not retried without it, since a fresh session is
 * cheap and the caller decides who takes part. The outcome is the context key and a
 * `dkd.context-key` fact draft recording its public half, for the authority to attest.
 *
 * @module
 */
import { bytesEqual, lengthPrefixedUtf8, u64be } from '../core/bytes.ts';
import type { RandomEffects, SigningKeyPair } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { KeyDeriver } from '../core/hash.ts';
import type { DeviceId, SessionId } from '../core/identifiers.ts';
import type { Complaint } from '../crypto/complaint.ts';
import { dkdCombine, dkdCommit, dkdReveal, type DkdCommitState, type DkdRevealState, type DkdSession } from '../crypto/dkd.ts';
import { deviceParticipantId, type ParticipantId } from '../crypto/participant.ts';
import { ed25519PublicKey } from '../crypto/signature.ts';
import type { FactDraft } from '../journal/fact.ts';
import { defineFactType } from '../journal/fact-registry.ts';
import { bytes, record, text, uint, type Infer } from '../journal/schema.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import type { Transport } from '../runtime/transport.ts';
import { memberIndex, runAttemptRole, type Accusation, type AttemptOutcome } from './attempts.ts';
import type { AccusationPayload, DkdAggregatePayload, DkdCommitPayload, DkdRequestPayload } from './payload-types.ts';
import { epochSession } from './epoch.ts';
import { projectedProtocol, type RunOptions } from './protocol-source.ts';

/** Which key a DKD session derives. */
export type DkdRequest = DkdRequestPayload;

/** What every member agrees on before a DKD session. */
export interface DkdSetup {
  /** The members' devices, in role order: member k plays `P[k]`, `P[0]` initiates. */
  readonly members: readonly DeviceId[];
  /** The authority's group public key (32 bytes); the derived key is bound to it. */
  readonly groupPublicKey: Uint8Array;
  /** The agreed session; the run's session derives from it and the request's epoch (the authority's). */
  readonly session: SessionId;
}

/** One member's own inputs. */
export interface DkdMember {
  /** Which device this is (must be a member). */
  readonly device: DeviceId;
  /** The request this device was asked to serve; a member asked for another one refuses. */
  readonly request: DkdRequest;
  /** Randomness for the contribution. */
  readonly random: RandomEffects;
}

/** The outcome at every member: the request and its key (the same at every member). */
export interface DkdOutcome {
  /** What was derived. */
  readonly request: DkdRequest;
  /** The 32-byte context key. */
  readonly contextKey: Uint8Array;
  /** The context key as an Ed25519 key pair (the context key is the RFC 8032 secret seed). */
  readonly keyPair: SigningKeyPair;
}

/** A derived key whose Ed25519 public half is computed on first use, and once. */
class DerivedContextKey implements DkdOutcome {
  private pair: SigningKeyPair | undefined;

  constructor(
    readonly request: DkdRequest,
    readonly contextKey: Uint8Array,
  ) {}

  get keyPair(): SigningKeyPair {
    this.pair ??= { secretKey: this.contextKey, publicKey: ed25519PublicKey(this.contextKey) };
    return this.pair;
  }
}

/**
 * The context key and its key confirmation, which members compare at `Aggregate`: the first and
 * second 32 bytes of the run's 64-byte root (`dkdCombine` extends its output stream, so the key
 * is the root a 32-byte combination gives). The session's label is the request's digest, so
 * the root is already bound to the group key, the authority, the app, the context and the epoch,
 * and no further derivation is needed. The confirmation is other output of the same BLAKE3 XOF:
 * it reveals nothing of the key and costs no extra compression.
 */
function keyAndConfirmation(root: Uint8Array): { readonly contextKey: Uint8Array; readonly confirmation: Uint8Array } {
  return { contextKey: root.subarray(0, 32), confirmation: root.subarray(32) };
}

const REQUEST_DIGESTS = KeyDeriver.of('aura.protocols.dkd.v2.request');

/** The `Dkd(N)` projection for `n` members. */
export function dkdProtocol(n: number) {
  return projectedProtocol('dkd.choreo', 'Dkd', { N: n });
}

/**
 * The digest of a request, by which members check they serve the same one and which labels the
 * run's DKD session (so the root is the request's key): `BLAKE3-derive-key(
 * "aura.protocols.dkd.v2.request", lp(utf8(authority)) ‖ lp(utf8(app)) ‖ lp(utf8(context)) ‖
 * u64be(epoch))`, 32 bytes.
 */
export function dkdRequestDigest(request: DkdRequest): Uint8Array {
  return REQUEST_DIGESTS.derive(32, lengthPrefixedUtf8(request.authority), lengthPrefixedUtf8(request.app), lengthPrefixedUtf8(request.context), u64be(request.epoch));
}

/** True when two requests are the same (as their digests would say, without hashing). */
function sameRequest(a: DkdRequest, b: DkdRequest): boolean {
  return a.authority === b.authority && a.context === b.context && a.app === b.app && a.epoch === b.epoch;
}

const EMPTY = new Uint8Array(0);

/**
 * One member's run: what it heard, what it made, and its role logic. A class rather than
 * closures, since one is made per member and session.
 */
class DkdMemberRun {
  private readonly ids: readonly ParticipantId[];
  private readonly self: number;
  private readonly digest: Uint8Array;
  private readonly session: DkdSession;
  private readonly commits = new Map<number, DkdCommitPayload>();
  private readonly reveals = new Map<number, Uint8Array>();
  private readonly aggregates = new Map<number, DkdAggregatePayload>();
  private readonly accused = new Map<number, AccusationPayload['reason']>();
  private commit?: { readonly state: DkdCommitState; readonly commitment: Uint8Array };
  private reveal?: { readonly state: DkdRevealState; readonly contribution: Uint8Array };
  private derived?: { readonly contextKey: Uint8Array; readonly confirmation: Uint8Array };
  private aggregate?: DkdAggregatePayload;

  constructor(
    private readonly setup: DkdSetup,
    private readonly member: DkdMember,
    private readonly decide: (outcome: AttemptOutcome<DkdOutcome>) => void,
  ) {
    this.ids = setup.members.map(deviceParticipantId);
    this.self = setup.members.indexOf(member.device);
    this.digest = dkdRequestDigest(member.request);
    this.session = { groupPublicKey: setup.groupPublicKey, label: this.digest, participants: this.ids, self: this.ids[this.self]! }; // runAttemptRole checked membership
  }

  /**
   * The role logic over this run: handlers are this object's methods, bound. (Arrow functions in
   * an object literal would each cost a property definition under `tsx`, which names them.)
   */
  impl(): RoleImpl {
    return {
      send: { Initiate: this.sendInitiate.bind(this), Commit: this.sendCommit.bind(this), Reveal: this.sendReveal.bind(this), Aggregate: this.sendAggregate.bind(this) },
      recv: { Initiate: this.recvInitiate.bind(this), Commit: this.recvCommit.bind(this), Reveal: this.recvReveal.bind(this), Aggregate: this.recvAggregate.bind(this) },
      local: { Finalize: this.decideAtFinalize.bind(this) },
    };
  }

  private sendInitiate(): object {
    return { request: this.member.request };
  }

  private sendCommit(): object {
    return { commit: { request: this.digest, commitment: this.ownCommit().commitment } };
  }

  private sendReveal(): object {
    return { contribution: this.ownReveal() };
  }

  private sendAggregate(): object {
    return { aggregate: this.ownAggregate() };
  }

  private recvInitiate(payload: unknown): void {
    if (!sameRequest((payload as { request: DkdRequest }).request, this.member.request)) this.name(0, 'disagreement');
  }

  private recvCommit(payload: unknown, from: string): void {
    this.commits.set(memberIndex(from), (payload as { commit: DkdCommitPayload }).commit);
  }

  private recvReveal(payload: unknown, from: string): void {
    this.reveals.set(memberIndex(from), (payload as { contribution: Uint8Array }).contribution);
  }

  private recvAggregate(payload: unknown, from: string): void {
    this.aggregates.set(memberIndex(from), (payload as { aggregate: DkdAggregatePayload }).aggregate);
  }

  private decideAtFinalize(): void {
    this.decide(finalize(this.setup, this.member, this.self, this.ownAggregate(), this.aggregates, this.derived?.contextKey));
  }

  private name(k: number, reason: AccusationPayload['reason']): void {
    if (!this.accused.has(k)) this.accused.set(k, reason);
  }

  private nameAll(complaints: readonly Complaint[]): void {
    for (const c of complaints) this.name(this.ids.indexOf(c.accused), c.reason);
  }

  private ownCommit(): { readonly state: DkdCommitState; readonly commitment: Uint8Array } {
    if (this.commit !== undefined) return this.commit;
    const { state, broadcast } = dkdCommit(this.session, this.member.random);
    this.commit = { state, commitment: broadcast.commitment };
    return this.commit;
  }

  /** Every commitment is in before the first reveal is sent (the choreography orders them). */
  private ownReveal(): Uint8Array {
    if (this.reveal !== undefined) return this.reveal.contribution;
    const own = this.ownCommit();
    for (const [k, commit] of this.commits) if (!bytesEqual(commit.request, this.digest)) this.name(k, 'disagreement');
    if (this.accused.size > 0) return EMPTY;
    const commitments = this.ids.map((from, k) => ({ from, commitment: k === this.self ? own.commitment : this.commits.get(k)!.commitment })); // all received (above)
    const outcome = dkdReveal(own.state, commitments);
    if (outcome.kind === 'complaints') {
      this.nameAll(outcome.complaints);
      return EMPTY;
    }
    this.reveal = { state: outcome.value.state, contribution: outcome.value.reveal.contribution };
    return this.reveal.contribution;
  }

  /** Every reveal is in before the first aggregate is sent. */
  private ownAggregate(): DkdAggregatePayload {
    if (this.aggregate !== undefined) return this.aggregate;
    const mine = this.ownReveal();
    if (this.reveal !== undefined) {
      for (const [k, contribution] of this.reveals) if (contribution.length === 0) this.name(k, 'missing-message');
      if (this.accused.size === 0) {
        const reveals = this.ids.map((from, k) => ({ from, contribution: k === this.self ? mine : this.reveals.get(k)! })); // all received (above)
        const outcome = dkdCombine(this.reveal.state, reveals, 64);
        if (outcome.kind === 'complaints') this.nameAll(outcome.complaints);
        else this.derived = keyAndConfirmation(outcome.value);
      }
    }
    const complaints = [...this.accused].map(([k, reason]) => ({ accused: this.ids[k]!, reason, evidence: reason === 'bad-reveal' ? (this.reveals.get(k) ?? EMPTY) : EMPTY }));
    this.aggregate = { confirmation: this.derived?.confirmation ?? EMPTY, complaints };
    return this.aggregate;
  }
}

/** The honest role logic of `member` in `setup`; `decide` receives the outcome at `Finalize`. */
export function dkdRoleImpl(setup: DkdSetup, member: DkdMember, decide: (outcome: AttemptOutcome<DkdOutcome>) => void): RoleImpl {
  return new DkdMemberRun(setup, member, decide).impl();
}

/**
 * The decision at `Finalize`: the key when no member complained and every member confirmed the
 * same key; otherwise no key. Any complaint aborts the session, but a member names only what it
 * can stand behind: its own complaints, and a complaint raised by more than f members (f =
 * ⌈n/3⌉ − 1, the byzantine members the protocol tolerates), at least one of them honest. Without
 * signed messages a complaint cannot be checked by others, so one byzantine member's complaints
 * alone name no one: they would otherwise frame honest members. With no complaint at all, the
 * members that confirm another key are named (`disagreement`).
 */
function finalize(setup: DkdSetup, member: DkdMember, self: number, own: DkdAggregatePayload, aggregates: ReadonlyMap<number, DkdAggregatePayload>, contextKey: Uint8Array | undefined): AttemptOutcome<DkdOutcome> {
  const { device } = member;
  const ids = setup.members.map(deviceParticipantId);
  const tolerated = Math.ceil(setup.members.length / 3) - 1;
  const accused: Accusation[] = [];
  const raisers = new Map<string, Set<number>>();
  let complained = false;
  for (const [k, aggregate] of [[self, own] as const, ...aggregates]) {
    for (const c of aggregate.complaints) {
      complained = true;
      const target = setup.members[ids.indexOf(c.accused as ParticipantId)];
      // A complaint naming a non-member is itself the fault.
      if (target === undefined) accused.push({ device: setup.members[k]!, reason: 'false-accusation', by: device });
      else if (k === self) accused.push({ device: target, reason: c.reason, by: device });
      else raisers.set(`${target} ${c.reason}`, (raisers.get(`${target} ${c.reason}`) ?? new Set()).add(k));
    }
  }
  for (const [key, by] of raisers) {
    const [target, reason] = key.split(' ') as [DeviceId, AccusationPayload['reason']];
    // `by` holds member indices.
    if (by.size > tolerated && !accused.some((a) => a.device === target)) accused.push({ device: target, reason, by: setup.members[Math.min(...by)]! });
  }
  if (!complained) {
    for (const [k, aggregate] of aggregates) if (!bytesEqual(aggregate.confirmation, own.confirmation)) accused.push({ device: setup.members[k]!, reason: 'disagreement', by: device });
  }
  if (complained || accused.length > 0 || contextKey === undefined) return { kind: 'exclude', accused };
  return { kind: 'ok', value: new DerivedContextKey(member.request, contextKey) };
}

/**
 * Runs the DKD as `member` over `transport`: the context key, the same at every member.
 * Errors: `protocols.dkd.rejected` (someone was named: a reveal not matching its commitment,
 * another request, another key; `context.accused` lists `device:reason`),
 * `protocols.dkd.aborted` (a crashed or silent member, a protocol violation),
 * `protocols.dkd.not-a-member`.
 */
export async function runDkd(setup: DkdSetup, member: DkdMember, transport: Transport, options: RunOptions = {}): Promise<DkdOutcome> {
  const place = { protocol: 'dkd', projected: dkdProtocol(setup.members.length), family: 'P', members: setup.members, self: member.device, session: epochSession(setup.session, member.request.epoch), attempt: 0, epoch: member.request.epoch };
  const outcome = await runAttemptRole<DkdOutcome>(place, (decide) => dkdRoleImpl(setup, member, decide), transport, options);
  if (outcome.kind === 'ok') return outcome.value;
  const accused = outcome.accused.map((a) => `${a.device}:${a.reason}`).join(',');
  throw permanentError('protocols.dkd.rejected', `DKD rejected at ${member.device}: ${accused === '' ? 'no key derived' : accused}`, { context: { accused } });
}

const contextKeyPayload = record({ context: text(256), app: text(256), epoch: uint(), publicKey: bytes(32) });

/** Payload of a `dkd.context-key` fact. */
export type ContextKeyPayload = Infer<typeof contextKeyPayload>;

/** `dkd.context-key@1`: the public half of a key derived by DKD, in the authority's journal, threshold-attested. */
export const DKD_CONTEXT_KEY = defineFactType({
  typeId: 'dkd.context-key',
  schemaVersion: 1,
  description: 'the public key the devices of an authority derived together for one (context, app, epoch)',
  payload: contextKeyPayload,
  attestations: ['threshold'],
  namespaces: ['authority'],
});

/** The draft of the fact recording `outcome`, for the authority to attest with its group key. */
export function dkdFactDraft(outcome: DkdOutcome, random: RandomEffects): FactDraft {
  const { request, keyPair } = outcome;
  const payload: ContextKeyPayload = { context: request.context, app: request.app, epoch: request.epoch, publicKey: keyPair.publicKey };
  return { typeId: DKD_CONTEXT_KEY.typeId, schemaVersion: DKD_CONTEXT_KEY.schemaVersion, payload, metadata: { namespace: request.authority, nonce: random.randomBytes(16) } };
}
