/**
 * Key shares and the public key package of a FROST group (RFC 9591 section 4; frost-rs
 * `KeyPackage` / `PublicKeyPackage`).
 *
 * A {@link PublicKeyPackage} is public, plain data: the threshold, the 32-byte group public key
 * and every participant's 32-byte verifying share `s_i·B`. A {@link KeyShare} is one participant's
 * secret share `s_i` bound to that package, held as a linear resource: it can be moved (the old
 * handle dies) or disposed (its bytes are zeroed), never copied, and any use after that throws
 * `crypto.secret.consumed`.
 *
 * @module
 */
import { bytesEqual } from '../core/bytes.ts';
import { decodeCanonical, encodeCanonical } from '../core/canonical.ts';
import { permanentError } from '../core/errors.ts';
import { baseMul, decodePoint, decodeScalar, encodePoint, type Point } from './group.ts';
import { parseParticipantId, participantScalar, participantSet, type ParticipantId } from './participant.ts';
import { evaluateCommitment } from './polynomial.ts';
import { SecretCell } from './secret-cell.ts';

/** The public side of a FROST group. Canonically encodable. */
export interface PublicKeyPackage {
  /** How many participants must sign together (t). */
  readonly threshold: number;
  /** The group public key: 32-byte compressed Ed25519 point, a plain RFC 8032 public key. */
  readonly groupPublicKey: Uint8Array;
  /** Each participant's verifying share `s_i·B` (32 bytes), keyed by identifier. */
  readonly verifyingShares: Readonly<Record<ParticipantId, Uint8Array>>;
}

/** The participants of a package, sorted by identifier value. */
export function packageParticipants(pkg: PublicKeyPackage): ParticipantId[] {
  return participantSet(Object.keys(pkg.verifyingShares));
}

/**
 * Checks a package received from elsewhere: identifiers canonical and distinct, every key a
 * valid prime-order point, `1 <= threshold <= n`. (That the verifying shares fit the group key
 * is guaranteed by whoever built the package from commitments: dealer, DKG or reshare.)
 * Errors: `crypto.package.bad-threshold` and the point and identifier errors.
 */
export function checkPublicKeyPackage(pkg: PublicKeyPackage): PublicKeyPackage {
  const participants = packageParticipants(pkg);
  if (!Number.isInteger(pkg.threshold) || pkg.threshold < 1 || pkg.threshold > participants.length) {
    throw permanentError('crypto.package.bad-threshold', `threshold ${pkg.threshold} is not in [1, ${participants.length}]`);
  }
  decodePoint(pkg.groupPublicKey, 'group public key');
  for (const id of participants) decodePoint(pkg.verifyingShares[id]!, `verifying share of ${id}`); // id comes from the keys
  return pkg;
}

/**
 * The package of a group whose shares lie on the polynomial committed to by `commitments`
 * (Feldman commitments `C_k`, summed over dealers for a DKG): group key `C_0`, verifying share
 * `Σ_k id^k·C_k` for each participant.
 */
export function packageFromCommitments(threshold: number, participants: readonly ParticipantId[], commitments: readonly Point[]): PublicKeyPackage {
  const verifyingShares: Record<ParticipantId, Uint8Array> = {};
  for (const id of participants) verifyingShares[id] = encodePoint(evaluateCommitment(commitments, participantScalar(id)));
  return { threshold, groupPublicKey: encodePoint(commitments[0]!), verifyingShares }; // a polynomial has a constant term
}

/** The verifying share of `participant`; error `crypto.package.unknown-participant` if absent. */
export function verifyingShareOf(pkg: PublicKeyPackage, participant: ParticipantId): Uint8Array {
  const share = pkg.verifyingShares[participant];
  if (share === undefined) throw permanentError('crypto.package.unknown-participant', `participant ${participant} is not in the key package`, { context: { participant } });
  return share;
}

/** One participant's secret share: a linear resource. */
export class KeyShare {
  private constructor(
    /** Whose share this is. */
    readonly participant: ParticipantId,
    /** The group this share belongs to. */
    readonly publicKeyPackage: PublicKeyPackage,
    private readonly cell: SecretCell,
  ) {}

  /**
   * A share from its 32-byte scalar, which it takes ownership of. The share must match the
   * participant's verifying share in `pkg`. Errors: `crypto.share.mismatch`, scalar errors.
   */
  static fromSecret(participant: ParticipantId, secret: Uint8Array, pkg: PublicKeyPackage): KeyShare {
    const scalar = decodeScalar(secret, 'signing share');
    if (!bytesEqual(encodePoint(baseMul(scalar)), verifyingShareOf(pkg, participant))) {
      secret.fill(0);
      throw permanentError('crypto.share.mismatch', `signing share of ${participant} does not match its verifying share`, { context: { participant } });
    }
    return new KeyShare(participant, pkg, new SecretCell(secret, `key share of ${participant}`));
  }

  /** The group public key (32 bytes). */
  get groupPublicKey(): Uint8Array {
    return this.publicKeyPackage.groupPublicKey;
  }

  /** The threshold of the group. */
  get threshold(): number {
    return this.publicKeyPackage.threshold;
  }

  /** The identifier as a scalar. */
  get participantScalar(): bigint {
    return participantScalar(this.participant);
  }

  /** False once moved, consumed or disposed. */
  get alive(): boolean {
    return this.cell.alive;
  }

  /** The secret scalar, borrowed for one computation. Error: `crypto.secret.consumed`. */
  secretScalar(): bigint {
    return decodeScalar(this.cell.read(), 'signing share');
  }

  /**
   * Calls `use` with a temporary copy of the 32 secret bytes (to seal or store them) and zeroes
   * the copy afterwards. The share stays alive.
   */
  withSecretBytes<T>(use: (secret: Uint8Array) => T): T {
    const copy = this.cell.read().slice();
    try {
      return use(copy);
    } finally {
      copy.fill(0);
    }
  }

  /** A new handle owning this share; this one is dead afterwards. */
  move(): KeyShare {
    return new KeyShare(this.participant, this.publicKeyPackage, this.cell.move());
  }

  /** Runs `use` with the secret scalar, then zeroes the share (its last use). */
  consume<T>(use: (scalar: bigint) => T): T {
    try {
      return use(this.secretScalar());
    } finally {
      this.dispose();
    }
  }

  /** Zeroes the secret bytes; any later use throws. Idempotent. */
  dispose(): void {
    this.cell.dispose();
  }
}

/** The version of the key-share encoding. */
export const KEY_SHARE_FORMAT_VERSION = 1;

/**
 * Calls `use` with the canonical DAG-CBOR encoding of `share`
 * (`{ v: 1, participant, secret: 32 bytes, package: PublicKeyPackage }`), to seal or store it,
 * and zeroes the encoding afterwards. The share stays alive.
 */
export function withEncodedKeyShare<T>(share: KeyShare, use: (encoded: Uint8Array) => T): T {
  return share.withSecretBytes((secret) => {
    const encoded = encodeCanonical({ v: KEY_SHARE_FORMAT_VERSION, participant: share.participant, secret, package: share.publicKeyPackage });
    try {
      return use(encoded);
    } finally {
      encoded.fill(0);
    }
  });
}

/**
 * The share encoded by {@link withEncodedKeyShare}, checked (package, identifier, and the secret
 * against its verifying share). Errors: `crypto.share.malformed` and the checks' errors.
 */
export function decodeKeyShare(bytes: Uint8Array): KeyShare {
  const value = decodeCanonical(bytes) as Partial<Record<'v' | 'participant' | 'secret' | 'package', unknown>> | null;
  const pkg = value?.package as PublicKeyPackage | undefined;
  if (
    typeof value !== 'object' || value === null || value.v !== KEY_SHARE_FORMAT_VERSION || typeof value.participant !== 'string' || !(value.secret instanceof Uint8Array) ||
    typeof pkg !== 'object' || typeof pkg.threshold !== 'number' || !(pkg.groupPublicKey instanceof Uint8Array) || typeof pkg.verifyingShares !== 'object' ||
    !Object.values(pkg.verifyingShares).every((v) => v instanceof Uint8Array)
  ) {
    throw permanentError('crypto.share.malformed', 'not an encoded key share (version 1)');
  }
  return KeyShare.fromSecret(parseParticipantId(value.participant), value.secret, checkPublicKeyPackage(pkg));
}
