/**
 * Test and simulation support: an authority whose facts can be signed without running FROST.
 *
 * Why a single Ed25519 key may stand for the group key: a FROST (RFC 9591) signing round outputs
 * `(R, z)`, a standard RFC 8032 Ed25519 signature under the group public key, and verification
 * cannot tell how it was produced. Journal code only ever verifies, so a signature made with one
 * key whose public half plays the group key exercises exactly the same checks as a real threshold
 * signature. Real threshold signing lives in `src/crypto/`.
 *
 * @module
 */
import type { CanonicalValue } from '../core/canonical.ts';
import type { CryptoEffects, RandomEffects, SigningKeyPair } from '../core/effects.ts';
import { deriveIdentifier, randomIdentifier, type AuthorityId, type DeviceId } from '../core/identifiers.ts';
import { permanentError } from '../core/errors.ts';
import { attestationTranscript, deviceAttestation, thresholdAttestation, type SignerKeys } from './attestation.ts';
import { sealFact, unsignedPart, type FactDraft, type FactMetadata, type FactRecord } from './fact.ts';
import type { Namespace } from './namespace.ts';

/** An authority with a stand-in group key and some device keys, for tests and simulations. */
export class TestAuthority {
  /** The authority, derived from its group public key. */
  readonly authority: AuthorityId;
  /** Stands for the FROST group key (see the module comment). */
  readonly groupKey: SigningKeyPair;
  /** Device keys by device. */
  readonly devices = new Map<DeviceId, SigningKeyPair>();

  constructor(
    private readonly crypto: CryptoEffects,
    private readonly random: RandomEffects,
    deviceCount = 2,
  ) {
    this.groupKey = crypto.generateSigningKey();
    this.authority = deriveIdentifier('authority', { groupKey: this.groupKey.publicKey });
    for (let i = 0; i < deviceCount; i++) this.devices.set(randomIdentifier('device', random), crypto.generateSigningKey());
  }

  /** The first device. */
  get firstDevice(): DeviceId {
    const [device] = this.devices.keys();
    if (device === undefined) throw permanentError('testing.no-device', 'this test authority has no devices');
    return device;
  }

  /** The public keys of this authority and its devices. */
  keys(): SignerKeys {
    return {
      groupKey: (authority) => (authority === this.authority ? this.groupKey.publicKey : undefined),
      deviceKey: (device) => this.devices.get(device)?.publicKey,
    };
  }

  /** A draft in `namespace` (default: this authority's journal) with a fresh nonce. */
  draft(typeId: string, payload: CanonicalValue, namespace: Namespace = this.authority, extra: Omit<FactMetadata, 'namespace'> = {}): FactDraft {
    return { typeId, schemaVersion: 1, payload, metadata: { namespace, nonce: this.random.randomBytes(16), ...extra } };
  }

  /** `draft` attested by the (stand-in) group signature. */
  groupSigned(draft: FactDraft): FactRecord {
    const signature = this.crypto.sign(this.groupKey.secretKey, attestationTranscript('threshold', this.authority, unsignedPart(draft)));
    return sealFact(draft, thresholdAttestation(this.authority, signature));
  }

  /** `draft` attested by `device` (default: the first device). */
  deviceSigned(draft: FactDraft, device: DeviceId = this.firstDevice): FactRecord {
    const key = this.devices.get(device);
    if (key === undefined) throw permanentError('testing.no-device', `unknown test device ${device}`);
    return sealFact(draft, deviceAttestation(this.crypto, device, key.secretKey, unsignedPart(draft)));
  }

  /** `draft` as a local-only fact. */
  local(draft: FactDraft): FactRecord {
    return sealFact(draft, { kind: 'none' });
  }
}
