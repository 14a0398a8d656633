/**
 * Facts: the unit of durable Aura state. A fact is a map
 * `{ typeId, schemaVersion, payload, attestation, metadata }` encoded as canonical DAG-CBOR; its
 * identity is the CID of those bytes (`core/content-id.ts`), so two replicas holding the same
 * bytes hold the same fact, and a fact cannot change without changing its name.
 *
 * Decoding is strict: the bytes must be the canonical encoding (`cbor.non-canonical` otherwise),
 * must match the CID they were sent under (`cid.mismatch`), and must have the shape of a fact
 * (`fact.malformed`, naming the field). What a payload must look like is the registry's business
 * (`fact-registry.ts`).
 *
 * @module
 */
import { decodeCanonical, encodeCanonical, type CanonicalValue } from '../core/canonical.ts';
import { contentIdOfBytes, verifyContentId, type ContentId } from '../core/content-id.ts';
import { permanentError } from '../core/errors.ts';
import type { TimeStamp } from '../core/time.ts';
import { SIGNATURE_LENGTH, type Attestation, type UnsignedFact } from './attestation.ts';
import type { Namespace } from './namespace.ts';
import { bytes, bytesUpTo, identifier, identifierOf, optional, record, text, uint, variant, type Schema } from './schema.ts';

/** Where a fact belongs and how it is told apart from an otherwise equal one. */
export interface FactMetadata {
  /** The journal the fact belongs to. */
  readonly namespace: Namespace;
  /** When the fact was made, in whatever kind of time its type uses. */
  readonly time?: TimeStamp;
  /** Random bytes (at most 32) making a repeated operation a distinct fact. */
  readonly nonce?: Uint8Array;
}

/** A fact, decoded. */
export interface Fact {
  /** Registered fact type, e.g. `tree.op`. */
  readonly typeId: string;
  /** Version of the type's payload schema. */
  readonly schemaVersion: number;
  /** Type-specific content, checked by the registry. */
  readonly payload: CanonicalValue;
  /** Who vouches for it. */
  readonly attestation: Attestation;
  /** Namespace, time, nonce. */
  readonly metadata: FactMetadata;
}

/** A fact together with its canonical bytes and its identifier. */
export interface FactRecord {
  /** The CID of {@link FactRecord.bytes}. */
  readonly id: ContentId;
  /** The text form of the CID: the key in maps and stores. */
  readonly key: string;
  /** Canonical DAG-CBOR of the fact. */
  readonly bytes: Uint8Array;
  /** The decoded fact. */
  readonly fact: Fact;
}

const signature = bytes(SIGNATURE_LENGTH);

/** The shape of an attestation. */
export const attestationSchema = variant({
  none: {},
  device: { device: identifier('device'), signature },
  threshold: { authority: identifier('authority'), signature },
});

const timeSchema: Schema<TimeStamp> = (value, path) => {
  const kind = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).kind : undefined;
  if (kind === 'physical' || kind === 'logical' || kind === 'order' || kind === 'range') return undefined;
  return `${path}.kind: expected a time stamp kind (physical, logical, order, range)`;
};

/** Any payload: at this level a payload is whatever decoded; the fact-type registry checks it. */
const anyPayload: Schema<CanonicalValue> = () => undefined;

/** The shape of a fact. */
export const factSchema = record({
  typeId: text(128),
  schemaVersion: uint(65535),
  payload: anyPayload,
  attestation: attestationSchema,
  metadata: record({ namespace: identifierOf('authority', 'context'), time: optional(timeSchema), nonce: optional(bytesUpTo(32)) }),
});

/** The part of a fact an attestation signs. */
export function unsignedPart(fact: FactDraft): UnsignedFact {
  return { typeId: fact.typeId, schemaVersion: fact.schemaVersion, payload: fact.payload, metadata: fact.metadata };
}

/** A fact before it is attested: the draft every attestation signs. */
export type FactDraft = Omit<Fact, 'attestation'>;

/** The fact made of `draft` and its `attestation`, encoded and named. */
export function sealFact(draft: FactDraft, attestation: Attestation): FactRecord {
  return factRecord({ typeId: draft.typeId, schemaVersion: draft.schemaVersion, payload: draft.payload, attestation, metadata: draft.metadata });
}

/** Encodes `fact` and names it. */
export function factRecord(fact: Fact): FactRecord {
  const encoded = encodeCanonical(fact);
  const id = contentIdOfBytes(encoded);
  return { id, key: id.toString(), bytes: encoded, fact };
}

/**
 * Decodes fact bytes received from elsewhere, optionally checking them against the CID they came
 * under. Errors: `cbor.*` (not canonical DAG-CBOR), `cid.mismatch`, `fact.malformed`.
 */
export function decodeFact(encoded: Uint8Array, expected?: ContentId): FactRecord {
  if (expected !== undefined) verifyContentId(expected, encoded);
  const value = decodeCanonical(encoded);
  const reason = factSchema(value, 'fact');
  if (reason !== undefined) throw permanentError('fact.malformed', `not a fact: ${reason}`);
  const id = expected ?? contentIdOfBytes(encoded);
  return { id, key: id.toString(), bytes: encoded, fact: value as Fact };
}
