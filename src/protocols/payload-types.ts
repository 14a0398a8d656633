/**
 * The named payload types of the threshold protocols, with their runtime codecs: what a message
 * such as `Commit(round1: dkg.Round1)` may carry. Each codec checks the value's shape with the
 * journal's schemas (which name the path of the first problem) in both directions, so a malformed
 * payload stops the session as `runtime.violation.payload` before any protocol logic sees it.
 * The cryptographic checks (points on the curve, proofs, shares) are the crypto layer's, in the
 * role logic, where a failure becomes a complaint naming the sender.
 *
 * @module
 */
import type { CanonicalValue } from '../core/canonical.ts';
import { permanentError } from '../core/errors.ts';
import { bool, bytes, bytesUpTo, identifier, list, literal, record, text, uint, type Infer, type Schema } from '../journal/schema.ts';
import { TypeRegistry, type TypeCodec } from '../runtime/payload-codec.ts';

/** Most members a protocol session admits (the language's family limit is larger). */
export const MAX_MEMBERS = 256;

/** `dkg.Round1`: Feldman commitments (t points) and the proof of knowledge `R ‖ μ`. */
export const dkgRound1Schema = record({ commitments: list(bytes(32), MAX_MEMBERS), proof: bytes(64) });
/** A value of `dkg.Round1`. */
export type DkgRound1Payload = Infer<typeof dkgRound1Schema>;

/** `hpke.SealedBox`: an RFC 9180 encapsulated key and ciphertext. */
export const sealedBoxSchema = record({ enc: bytes(32), ciphertext: bytesUpTo(4096) });
/** A value of `hpke.SealedBox`. */
export type SealedBoxPayload = Infer<typeof sealedBoxSchema>;

/** Why a participant is named by a protocol: the crypto layer's reasons and the protocol's own. */
export const ACCUSATION_REASONS = [
  'missing-message',
  'duplicate-message',
  'bad-commitment',
  'bad-proof',
  'bad-share',
  'bad-reveal',
  'equivocation',
  'false-accusation',
  'disputed',
  'disagreement',
] as const;

/** A complaint on the wire: who, why, and the evidence that lets others check it. */
export const accusationSchema = record({ accused: text(64), reason: literal(...ACCUSATION_REASONS), evidence: bytesUpTo(64) });
/** A value of {@link accusationSchema}; `evidence` is empty when there is none. */
export type AccusationPayload = Infer<typeof accusationSchema>;

/**
 * `dkg.Verdict`: a participant's complaints, the digest of the round-one message it received from
 * each member (its own included, in member order), and the group key it computed (empty when it
 * computed none).
 */
export const dkgVerdictSchema = record({ complaints: list(accusationSchema, MAX_MEMBERS), seen: list(bytes(32), MAX_MEMBERS), groupKey: bytesUpTo(32) });
/** A value of `dkg.Verdict`. */
export type DkgVerdictPayload = Infer<typeof dkgVerdictSchema>;

/** `dkg.Reveal`: a disputed share `f_from(to)`, revealed in answer to a complaint by `to`. */
export const dkgRevealSchema = record({ to: text(64), share: bytes(32) });
/** A value of `dkg.Reveal`. */
export type DkgRevealPayload = Infer<typeof dkgRevealSchema>;

/** `frost.Commitment`: the digest of the message to sign and the nonce commitments `D`, `E`. */
export const frostCommitmentSchema = record({ message: bytes(32), hiding: bytes(32), binding: bytes(32) });
/** A value of `frost.Commitment`. */
export type FrostCommitmentPayload = Infer<typeof frostCommitmentSchema>;

/** `frost.Share`: a signature share `z_i` (32-byte scalar). */
export const frostShareSchema = bytes(32);

/** `coord.Reveal`: a committed value and the blinding that hides it (commit-reveal, `commit-reveal.ts`). */
export const revealSchema = record({ value: bytesUpTo(1024), blinding: bytes(32) });
/** A value of `coord.Reveal`. */
export type RevealPayload = Infer<typeof revealSchema>;

/** `coord.Winner`: the lottery winner a participant computed (its member index) and the combined randomness. */
export const winnerSchema = record({ winner: uint(MAX_MEMBERS), combined: bytes(32) });
/** A value of `coord.Winner`. */
export type WinnerPayload = Infer<typeof winnerSchema>;

/** `lock.Request`: which lock, the lease asked for (16 random bytes naming it) and its length. */
export const lockRequestSchema = record({ lock: text(128), lease: bytes(16), leaseMs: uint(2 ** 32) });
/** `lock.Vote`: a member's answer to one lease request. */
export const lockVoteSchema = record({ lease: bytes(16), granted: bool });
/** `lock.Grant`: the lease won, and the members whose votes won it. */
export const lockGrantSchema = record({ lease: bytes(16), voters: list(text(64), MAX_MEMBERS) });
/** `lock.Release`: a lease ended (released by its holder, or withdrawn when refused). */
export const lockReleaseSchema = record({ lease: bytes(16) });

/** `coord.Beat`: a coordinator's heartbeat in session epoch `epoch`. */
export const beatSchema = record({ epoch: uint(), seq: uint() });
/** `coord.Suspect`: the sender holds that `coordinator`, leading session epoch `epoch`, failed. */
export const suspectSchema = record({ epoch: uint(), coordinator: text(64) });

/** Most bytes of one encoded reconciliation message in a sync session (a round's ranges and CID lists). */
export const MAX_RANGES_BYTES = 4 << 20;
/** Most bytes of one fact carried by a sync session. */
export const MAX_SYNC_FACT_BYTES = 64 << 10;
/** Most facts, and most wanted CIDs, one sync message carries; the rest wait for the next session. */
export const MAX_SYNC_FACTS = 4096;

/** `sync.Open`: the namespace to reconcile and the opener's first reconciliation round (its digest). */
export const syncOpenSchema = record({ namespace: text(128), ranges: bytesUpTo(MAX_RANGES_BYTES) });
/** A value of `sync.Open`. */
export type SyncOpenPayload = Infer<typeof syncOpenSchema>;

/** `sync.Delta`: facts the sender found the receiver lacks (canonical bytes), and CIDs it lacks itself. */
export const syncDeltaSchema = record({ facts: list(bytesUpTo(MAX_SYNC_FACT_BYTES), MAX_SYNC_FACTS), want: list(bytesUpTo(64), MAX_SYNC_FACTS) });
/** A value of `sync.Delta`. */
export type SyncDeltaPayload = Infer<typeof syncDeltaSchema>;

/** A codec that accepts exactly the values `schema` accepts, unchanged, in both directions. */
export function schemaCodec(name: string, schema: Schema<unknown>): TypeCodec {
  const check = (value: unknown): CanonicalValue => {
    const reason = schema(value, name);
    if (reason !== undefined) throw permanentError('protocols.bad-payload', reason);
    return value as CanonicalValue;
  };
  return { encode: check, decode: check };
}

/** The registry of every named type the protocols of this folder use. */
export const PROTOCOL_TYPES: TypeRegistry = new TypeRegistry()
  .register('dkg.Round1', schemaCodec('dkg.Round1', dkgRound1Schema))
  .register('dkg.Reveal', schemaCodec('dkg.Reveal', dkgRevealSchema))
  .register('dkg.Verdict', schemaCodec('dkg.Verdict', dkgVerdictSchema))
  .register('frost.Commitment', schemaCodec('frost.Commitment', frostCommitmentSchema))
  .register('frost.Share', schemaCodec('frost.Share', frostShareSchema))
  .register('hpke.SealedBox', schemaCodec('hpke.SealedBox', sealedBoxSchema))
  .register('coord.Reveal', schemaCodec('coord.Reveal', revealSchema))
  .register('coord.Winner', schemaCodec('coord.Winner', winnerSchema))
  .register('lock.Request', schemaCodec('lock.Request', lockRequestSchema))
  .register('lock.Vote', schemaCodec('lock.Vote', lockVoteSchema))
  .register('lock.Grant', schemaCodec('lock.Grant', lockGrantSchema))
  .register('lock.Release', schemaCodec('lock.Release', lockReleaseSchema))
  .register('coord.Beat', schemaCodec('coord.Beat', beatSchema))
  .register('coord.Suspect', schemaCodec('coord.Suspect', suspectSchema))
  .register('sync.Open', schemaCodec('sync.Open', syncOpenSchema))
  .register('sync.Delta', schemaCodec('sync.Delta', syncDeltaSchema));

/** `protocols.Named`: a device a protocol names, and why (a requester telling members whom it excludes). */
export const namedSchema = record({ device: identifier('device'), reason: literal(...ACCUSATION_REASONS) });
/** A value of `protocols.Named`. */
export type NamedPayload = Infer<typeof namedSchema>;

PROTOCOL_TYPES.register('protocols.Named', schemaCodec('protocols.Named', namedSchema));

/** `dkd.Request`: which context key a DKD session derives: (authority, context, app, epoch). */
export const dkdRequestSchema = record({ authority: identifier('authority'), context: text(256), app: text(256), epoch: uint() });
/** A value of `dkd.Request`. */
export type DkdRequestPayload = Infer<typeof dkdRequestSchema>;

/** `dkd.Commit`: the digest of the request the sender serves and its commitment to a contribution. */
export const dkdCommitSchema = record({ request: bytes(32), commitment: bytes(32) });
/** A value of `dkd.Commit`. */
export type DkdCommitPayload = Infer<typeof dkdCommitSchema>;

/** `dkd.Aggregate`: the confirmation (tagged digest) of the key the sender derived (empty if none) and its complaints. */
export const dkdAggregateSchema = record({ confirmation: bytesUpTo(32), complaints: list(accusationSchema, MAX_MEMBERS) });
/** A value of `dkd.Aggregate`. */
export type DkdAggregatePayload = Infer<typeof dkdAggregateSchema>;

PROTOCOL_TYPES.register('dkd.Request', schemaCodec('dkd.Request', dkdRequestSchema))
  .register('dkd.Commit', schemaCodec('dkd.Commit', dkdCommitSchema))
  .register('dkd.Aggregate', schemaCodec('dkd.Aggregate', dkdAggregateSchema));

/**
 * `reshare.Proposal`: what a resharing does: the group key it keeps, the dealers (old members,
 * exactly the old threshold of them), the new members and the new threshold, all in role order.
 */
export const reshareProposalSchema = record({ groupKey: bytes(32), dealers: list(identifier('device'), MAX_MEMBERS), recipients: list(identifier('device'), MAX_MEMBERS), threshold: uint(MAX_MEMBERS) });
/** A value of `reshare.Proposal`. */
export type ReshareProposalPayload = Infer<typeof reshareProposalSchema>;

/** `reshare.SubShare`: a dealer's Feldman commitments (t' points) and its sealed sub-share for one new member. */
export const reshareSubShareSchema = record({ commitments: list(bytes(32), MAX_MEMBERS), sealed: sealedBoxSchema });
/** A value of `reshare.SubShare`. */
export type ReshareSubSharePayload = Infer<typeof reshareSubShareSchema>;

/**
 * `reshare.Ack`: a new member's complaints, the commitments it received from each dealer (in
 * dealer order, empty when none), and the group key it computed (empty when none).
 */
export const reshareAckSchema = record({ complaints: list(accusationSchema, MAX_MEMBERS), dealings: list(list(bytes(32), MAX_MEMBERS), MAX_MEMBERS), groupKey: bytesUpTo(32) });
/** A value of `reshare.Ack`. */
export type ReshareAckPayload = Infer<typeof reshareAckSchema>;

/**
 * `reshare.Justification`: a dealer's answer to the complaints against it that only their makers
 * could check: the sub-share of each complaining new member (by role index `R[to]`), in the clear.
 * Empty when no one complained (every dealer sends one, so the session type stays static).
 */
export const reshareJustificationSchema = record({ reveals: list(record({ to: uint(MAX_MEMBERS), share: bytes(32) }), MAX_MEMBERS) });
/** A value of `reshare.Justification`. */
export type ReshareJustificationPayload = Infer<typeof reshareJustificationSchema>;

/**
 * `reshare.AckEcho`: the acknowledgements the sender received, each with its new member's role
 * index `R[from]`, relayed so that every participant judges the same ones (`echo-round.ts`).
 */
export const reshareAckEchoSchema = record({ acks: list(record({ from: uint(MAX_MEMBERS), ack: reshareAckSchema }), MAX_MEMBERS) });
/** A value of `reshare.AckEcho`. */
export type ReshareAckEchoPayload = Infer<typeof reshareAckEchoSchema>;

/** `reshare.JustificationEcho`: the justifications the sender received, each with its dealer's role index `D[from]`. */
export const reshareJustificationEchoSchema = record({ justifications: list(record({ from: uint(MAX_MEMBERS), justification: reshareJustificationSchema }), MAX_MEMBERS) });
/** A value of `reshare.JustificationEcho`. */
export type ReshareJustificationEchoPayload = Infer<typeof reshareJustificationEchoSchema>;

/**
 * `reshare.EchoConfirm`: for each sender `from` (a role index) and each other device (by its
 * index among the session's devices), the digest of what that device relayed in the echo round.
 */
export const reshareEchoConfirmSchema = record({ seen: list(record({ from: uint(MAX_MEMBERS), device: uint(MAX_MEMBERS), digest: bytes(32) }), MAX_MEMBERS * MAX_MEMBERS) });
/** A value of `reshare.EchoConfirm`. */
export type ReshareEchoConfirmPayload = Infer<typeof reshareEchoConfirmSchema>;

PROTOCOL_TYPES.register('reshare.Proposal', schemaCodec('reshare.Proposal', reshareProposalSchema))
  .register('reshare.SubShare', schemaCodec('reshare.SubShare', reshareSubShareSchema))
  .register('reshare.Ack', schemaCodec('reshare.Ack', reshareAckSchema))
  .register('reshare.Justification', schemaCodec('reshare.Justification', reshareJustificationSchema))
  .register('reshare.AckEcho', schemaCodec('reshare.AckEcho', reshareAckEchoSchema))
  .register('reshare.JustificationEcho', schemaCodec('reshare.JustificationEcho', reshareJustificationEchoSchema))
  .register('reshare.EchoConfirm', schemaCodec('reshare.EchoConfirm', reshareEchoConfirmSchema));

/** A guardian as the protocols name it: its authority, its device, its authority's key and its device's HPKE key. */
export const guardianSchema = record({ authority: identifier('authority'), device: identifier('device'), signingKey: bytes(32), hpkeKey: bytes(32) });
/** A value of {@link guardianSchema}. */
export type GuardianPayload = Infer<typeof guardianSchema>;

/** `guardian.Invitation`: the authority, its group key, the guardians invited and the threshold after setup. */
export const guardianInvitationSchema = record({ authority: identifier('authority'), groupKey: bytes(32), guardians: list(guardianSchema, MAX_MEMBERS), threshold: uint(MAX_MEMBERS) });
/** A value of `guardian.Invitation`. */
export type GuardianInvitationPayload = Infer<typeof guardianInvitationSchema>;

/** `recovery.Request`: who asks to join which authority, with the keys of its leaf and of its sub-shares. */
export const recoveryRequestSchema = record({ authority: identifier('authority'), newDevice: identifier('device'), deviceKey: bytes(32), hpkeKey: bytes(32), nonce: bytes(16) });
/** A value of `recovery.Request`. */
export type RecoveryRequestPayload = Infer<typeof recoveryRequestSchema>;

/** `recovery.Release`: a guardian's word after the cooldown: whether the owner disputed the recovery. */
export const recoveryReleaseSchema = record({ disputed: bool });
/** A value of `recovery.Release`. */
export type RecoveryReleasePayload = Infer<typeof recoveryReleaseSchema>;

PROTOCOL_TYPES.register('guardian.Invitation', schemaCodec('guardian.Invitation', guardianInvitationSchema))
  .register('recovery.Request', schemaCodec('recovery.Request', recoveryRequestSchema))
  .register('recovery.Release', schemaCodec('recovery.Release', recoveryReleaseSchema));
