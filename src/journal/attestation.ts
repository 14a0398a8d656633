/**
 * Attestations: who vouches for a fact. A fact is attested by one device's Ed25519 signature, by
 * its authority's threshold signature, or not at all (local-only facts that never leave a device).
 *
 * A threshold signature is a FROST (RFC 9591) aggregate, which is exactly a standard RFC 8032
 * Ed25519 signature under the group public key, so both kinds are verified with
 * {@link CryptoEffects.verify} (strict RFC 8032) against the signer's key, looked up through
 * {@link SignerKeys} rather than trusted from the fact itself.
 *
 * Signing transcript (the exact bytes signed), for kind K in `device` | `threshold`:
 *
 * ```text
 * transcript = u16be(len(tag)) ‖ tag ‖ encodeCanonical({ typeId, schemaVersion, payload, metadata, signer })
 * tag        = utf8("aura.journal.fact.v1.device")     for a device attestation (27 bytes)
 *            | utf8("aura.journal.fact.v1.threshold")  for a threshold attestation (30 bytes)
 * signer     = the DeviceId (device) or AuthorityId (threshold) text, as in the attestation
 * ```
 *
 * The map is canonical DAG-CBOR (keys sorted by length, then bytewise:
 * `typeId`, `payload`, `signer`, `metadata`, `schemaVersion`). The tag keeps a device signature
 * from being replayed as a group signature and keeps both apart from every other Aura signature;
 * the signer inside the map binds the signature to the identity it claims.
 *
 * @module
 */
import { encodeCanonical, type CanonicalValue } from '../core/canonical.ts';
import type { CryptoEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import type { AuthorityId, DeviceId } from '../core/identifiers.ts';
import { taggedBytes } from '../core/hash.ts';
import type { FactMetadata } from './fact.ts';

/** Length of an Ed25519 signature. */
export const SIGNATURE_LENGTH = 64;

/** Domain tag of a device attestation's transcript. */
export const DEVICE_ATTESTATION_TAG = 'aura.journal.fact.v1.device';
/** Domain tag of a threshold attestation's transcript. */
export const THRESHOLD_ATTESTATION_TAG = 'aura.journal.fact.v1.threshold';

/** Who vouches for a fact. */
export type Attestation =
  | {
      /** Local-only: never accepted from a peer. */
      readonly kind: 'none';
    }
  | {
      readonly kind: 'device';
      /** The signing device. */
      readonly device: DeviceId;
      /** Ed25519 signature of the transcript by the device key. */
      readonly signature: Uint8Array;
    }
  | {
      readonly kind: 'threshold';
      /** The authority whose group key signed. */
      readonly authority: AuthorityId;
      /** FROST aggregate (an Ed25519 signature) of the transcript under the group key. */
      readonly signature: Uint8Array;
    };

/** The kinds of attestation. */
export type AttestationKind = Attestation['kind'];

/** What a signature covers: a fact without its attestation. */
export interface UnsignedFact {
  /** Registered fact type. */
  readonly typeId: string;
  /** Version of the type's payload schema. */
  readonly schemaVersion: number;
  /** The type-specific content. */
  readonly payload: CanonicalValue;
  /** Namespace, time and nonce. */
  readonly metadata: FactMetadata;
}

/** Where the public keys of signers come from (the commitment tree, a genesis record, a test). */
export interface SignerKeys {
  /** The group public key of `authority`, or `undefined` when unknown. */
  groupKey(authority: AuthorityId): Uint8Array | undefined;
  /** The public key of `device`, or `undefined` when unknown. */
  deviceKey(device: DeviceId): Uint8Array | undefined;
}

/** The bytes a `kind` attestation by `signer` signs over `fact` (layout in the module comment). */
export function attestationTranscript(kind: 'device' | 'threshold', signer: DeviceId | AuthorityId, fact: UnsignedFact): Uint8Array {
  const tag = kind === 'device' ? DEVICE_ATTESTATION_TAG : THRESHOLD_ATTESTATION_TAG;
  return taggedBytes(tag, encodeCanonical({ typeId: fact.typeId, schemaVersion: fact.schemaVersion, payload: fact.payload, metadata: fact.metadata, signer }));
}

/** A device attestation of `fact`, signed with the device's secret key. */
export function deviceAttestation(crypto: CryptoEffects, device: DeviceId, secretKey: Uint8Array, fact: UnsignedFact): Attestation {
  return { kind: 'device', device, signature: crypto.sign(secretKey, attestationTranscript('device', device, fact)) };
}

/**
 * A threshold attestation from a finished group signature. FROST signing rounds happen elsewhere
 * (`src/crypto/`, protocols); they sign {@link attestationTranscript}`('threshold', authority, fact)`
 * and hand the aggregate here.
 */
export function thresholdAttestation(authority: AuthorityId, signature: Uint8Array): Attestation {
  return { kind: 'threshold', authority, signature };
}

/**
 * Checks `attestation` over `fact`. Errors: `fact.unknown-signer` (no key known for the signer),
 * `fact.bad-signature` (the signature does not verify under that key).
 */
export function verifyAttestation(crypto: CryptoEffects, keys: SignerKeys, attestation: Attestation, fact: UnsignedFact): void {
  if (attestation.kind === 'none') return;
  const signer = attestation.kind === 'device' ? attestation.device : attestation.authority;
  const key = attestation.kind === 'device' ? keys.deviceKey(attestation.device) : keys.groupKey(attestation.authority);
  if (key === undefined) {
    throw permanentError('fact.unknown-signer', `no public key is known for ${attestation.kind} signer ${signer}`, { context: { signer, typeId: fact.typeId } });
  }
  if (!crypto.verify(key, attestationTranscript(attestation.kind, signer, fact), attestation.signature)) {
    throw permanentError('fact.bad-signature', `the ${attestation.kind} signature of ${signer} on a ${fact.typeId} fact does not verify`, {
      context: { signer, typeId: fact.typeId },
    });
  }
}

/** Signer keys from fixed tables, e.g. a genesis record or a test. */
export function staticSignerKeys(groups: ReadonlyMap<AuthorityId, Uint8Array>, devices: ReadonlyMap<DeviceId, Uint8Array> = new Map()): SignerKeys {
  return { groupKey: (authority) => groups.get(authority), deviceKey: (device) => devices.get(device) };
}
