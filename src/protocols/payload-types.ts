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
import { bytes, bytesUpTo, identifier, list, literal, record, text, type Infer, type Schema } from '../journal/schema.ts';
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
  .register('sync.Open', schemaCodec('sync.Open', syncOpenSchema))
  .register('sync.Delta', schemaCodec('sync.Delta', syncDeltaSchema));

/** `protocols.Named`: a device a protocol names, and why (a requester telling members whom it excludes). */
export const namedSchema = record({ device: identifier('device'), reason: literal(...ACCUSATION_REASONS) });
/** A value of `protocols.Named`. */
export type NamedPayload = Infer<typeof namedSchema>;

PROTOCOL_TYPES.register('protocols.Named', schemaCodec('protocols.Named', namedSchema));
