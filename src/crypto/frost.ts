/**
 * FROST(Ed25519, SHA-512) two-round threshold signing, RFC 9591 sections 4 and 5:
 * round one ({@link commit}), round two ({@link signShare}), share verification
 * ({@link verifySignatureShare}) and aggregation ({@link aggregate}) into a plain 64-byte RFC 8032
 * signature, verified strictly before it is returned.
 *
 * Every step is a pure function of its inputs; messages ({@link SigningCommitment},
 * {@link SigningPackage}, {@link SignatureShare}) are plain data that `encodeCanonical` accepts.
 * Nonces are a linear resource ({@link SigningNonces}): zeroed by the one `signShare` that uses
 * them; a second use throws `crypto.frost.nonce-reused`.
 *
 * Transcript (RFC 9591 section 4.3-4.5), with signers sorted by identifier value:
 * - `encoded_commitments = ‖_i (SerializeScalar(id_i) ‖ D_i ‖ E_i)`
 * - `ρ_i = H1(PK ‖ H4(msg) ‖ H5(encoded_commitments) ‖ SerializeScalar(id_i))`
 * - `R = Σ_i (D_i + ρ_i·E_i)`, `c = H2(R ‖ PK ‖ msg)`
 * - `z_i = d_i + e_i·ρ_i + λ_i·s_i·c`; signature `R ‖ Σ z_i`.
 *
 * The derived values of one session (R, ρ_i, c, λ_i and the decoded commitments) are computed
 * once and cached by `PK ‖ H4(msg) ‖ H5(encoded_commitments)`, so that every signer and the
 * aggregator in one process share them.
 *
 * @module
 */
import { bytesEqual, concat, toHex } from '../core/bytes.ts';
import type { RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { baseMul, decodePoint, decodeScalar, encodePoint, encodeScalar, Fn, h1, h2, h3, h4, h5, multiScalarMul, Point } from './group.ts';
import { verifyingShareOf, type KeyShare, type PublicKeyPackage } from './key-share.ts';
import { participantScalar, participantSet, type ParticipantId } from './participant.ts';
import { lagrangeCoefficient } from './polynomial.ts';
import { SecretCell } from './secret-cell.ts';
import { verifyStrict } from './signature.ts';
import { BoundedMap } from '../core/bounded-memo.ts';

/** A signer's round-one output, sent to the coordinator: the nonce commitments `D = d·B`, `E = e·B`. */
export interface SigningCommitment {
  /** The signer. */
  readonly participant: ParticipantId;
  /** Hiding nonce commitment `D` (32-byte point). */
  readonly hiding: Uint8Array;
  /** Binding nonce commitment `E` (32-byte point). */
  readonly binding: Uint8Array;
}

/** What the coordinator sends every chosen signer: the message and all signers' commitments. */
export interface SigningPackage {
  /** The message to sign. */
  readonly message: Uint8Array;
  /** One commitment per signer; the signer set is exactly their participants. */
  readonly commitments: readonly SigningCommitment[];
}

/** A signer's round-two output: `z_i` (32-byte scalar). */
export interface SignatureShare {
  /** The signer. */
  readonly participant: ParticipantId;
  /** The share `z_i`, 32 bytes little-endian. */
  readonly share: Uint8Array;
}

/** One signer's secret nonces for one session: single use, zeroed when used or disposed. */
export class SigningNonces {
  /** @internal Use {@link commit}. */
  constructor(
    /** The commitment these nonces belong to. */
    readonly commitment: SigningCommitment,
    private readonly cell: SecretCell,
  ) {}

  /** False once used or disposed. */
  get alive(): boolean {
    return this.cell.alive;
  }

  /** @internal The nonces `(d, e)`, ending their life. Error: `crypto.frost.nonce-reused`. */
  take(): [bigint, bigint] {
    if (!this.cell.alive) throw permanentError('crypto.frost.nonce-reused', `signing nonces of ${this.commitment.participant} were already used or disposed`, { context: { participant: this.commitment.participant } });
    const bytes = this.cell.read();
    const nonces: [bigint, bigint] = [decodeScalar(bytes.subarray(0, 32)), decodeScalar(bytes.subarray(32))];
    this.cell.dispose();
    return nonces;
  }

  /** Zeroes the nonces without signing (an abandoned session). */
  dispose(): void {
    this.cell.dispose();
  }
}

/** The values every party derives from a signing package (RFC 9591 sections 4.4-4.6). */
interface SessionValues {
  /** Group commitment `R`, encoded. */
  readonly groupCommitment: Uint8Array;
  /** Challenge `c`. */
  readonly challenge: bigint;
  /** Per signer: decoded `D`, `E`, binding factor `ρ`, Lagrange coefficient `λ`. */
  readonly signers: ReadonlyMap<ParticipantId, { readonly hiding: Point; readonly binding: Point; readonly rho: bigint; readonly lambda: bigint }>;
}

const SESSION_CACHE_LIMIT = 256;
const sessionCache = new BoundedMap<string, SessionValues>(SESSION_CACHE_LIMIT);

/**
 * `nonce_generate` (RFC 9591 section 4.1): `H3(random_bytes(32) ‖ SerializeScalar(secret))`,
 * so that a weak random source alone does not expose the nonce.
 */
function generateNonce(secret: Uint8Array, random: RandomEffects): bigint {
  return h3(concat(random.randomBytes(32), secret));
}

/**
 * Round one (RFC 9591 section 5.1): fresh hiding and binding nonces (in that order from `random`)
 * and their commitments. Send the commitment to the coordinator; keep the nonces for round two.
 */
export function commit(share: KeyShare, random: RandomEffects): { readonly nonces: SigningNonces; readonly commitment: SigningCommitment } {
  const [hiding, binding] = share.withSecretBytes((secret): [bigint, bigint] => [generateNonce(secret, random), generateNonce(secret, random)]);
  const commitment: SigningCommitment = { participant: share.participant, hiding: encodePoint(baseMul(hiding)), binding: encodePoint(baseMul(binding)) };
  return { nonces: new SigningNonces(commitment, new SecretCell(concat(encodeScalar(hiding), encodeScalar(binding)), `signing nonces of ${share.participant}`)), commitment };
}

/** The session values of `signing` under `pkg`, checked and cached. */
function sessionValues(pkg: PublicKeyPackage, signing: SigningPackage): SessionValues {
  const signers = participantSet(signing.commitments.map((c) => c.participant));
  if (signers.length < pkg.threshold) {
    throw permanentError('crypto.frost.too-few-signers', `${signers.length} signers, but the threshold is ${pkg.threshold}`, { context: { signers: signers.length, threshold: pkg.threshold } });
  }
  for (const id of signers) verifyingShareOf(pkg, id);
  const byId = new Map(signing.commitments.map((c) => [c.participant, c]));
  const encoded = concat(...signers.flatMap((id) => [encodeScalar(participantScalar(id)), byId.get(id)!.hiding, byId.get(id)!.binding])); // ids come from the commitments
  const prefix = concat(pkg.groupPublicKey, h4(signing.message), h5(encoded));
  const key = toHex(prefix);
  const cached = sessionCache.get(key);
  if (cached !== undefined) return cached;
  const scalars = signers.map(participantScalar);
  const values = new Map<ParticipantId, { hiding: Point; binding: Point; rho: bigint; lambda: bigint }>();
  for (const id of signers) {
    const commitment = byId.get(id)!; // id comes from the commitments
    const x = participantScalar(id);
    values.set(id, {
      hiding: decodePoint(commitment.hiding, `hiding commitment of ${id}`),
      binding: decodePoint(commitment.binding, `binding commitment of ${id}`),
      rho: h1(concat(prefix, encodeScalar(x))),
      lambda: lagrangeCoefficient(scalars, x),
    });
  }
  const entries = [...values.values()];
  const R = entries.reduce((sum, v) => sum.add(v.hiding), Point.ZERO).add(multiScalarMul(entries.map((v) => v.binding), entries.map((v) => v.rho)));
  const groupCommitment = encodePoint(R);
  const session: SessionValues = { groupCommitment, challenge: h2(concat(groupCommitment, pkg.groupPublicKey, signing.message)), signers: values };
  sessionCache.set(key, session);
  return session;
}

/**
 * Round two (RFC 9591 section 5.2): this signer's share `z_i`. Uses up `nonces`, whose commitment
 * must be the one listed for this signer in `signing`.
 * Errors: `crypto.frost.nonce-reused`, `crypto.frost.commitment-mismatch`, `crypto.frost.too-few-signers`.
 */
export function signShare(share: KeyShare, nonces: SigningNonces, signing: SigningPackage): SignatureShare {
  const listed = signing.commitments.find((c) => c.participant === share.participant);
  if (listed === undefined || nonces.commitment.participant !== share.participant || !bytesEqual(listed.hiding, nonces.commitment.hiding) || !bytesEqual(listed.binding, nonces.commitment.binding)) {
    throw permanentError('crypto.frost.commitment-mismatch', `the signing package does not list the commitment of these nonces for ${share.participant}`, { context: { participant: share.participant } });
  }
  const session = sessionValues(share.publicKeyPackage, signing);
  const own = session.signers.get(share.participant)!; // listed above
  const [d, e] = nonces.take();
  const z = Fn.add(Fn.add(d, Fn.mul(e, own.rho)), Fn.mul(Fn.mul(own.lambda, share.secretScalar()), session.challenge));
  return { participant: share.participant, share: encodeScalar(z) };
}

/**
 * Checks one share (RFC 9591 section 5.4): `z_i·B == D_i + ρ_i·E_i + c·λ_i·Y_i`. A malformed
 * share, or one from a participant outside the session, is simply invalid (`false`).
 */
export function verifySignatureShare(pkg: PublicKeyPackage, signing: SigningPackage, share: SignatureShare): boolean {
  const session = sessionValues(pkg, signing);
  const signer = session.signers.get(share.participant);
  const z = scalarOrUndefined(share.share);
  if (signer === undefined || z === undefined) return false;
  const verifying = decodePoint(verifyingShareOf(pkg, share.participant), `verifying share of ${share.participant}`);
  const expected = multiScalarMul([signer.hiding, signer.binding, verifying], [1n, signer.rho, Fn.mul(session.challenge, signer.lambda)]);
  return Point.BASE.multiplyUnsafe(z).equals(expected);
}

/** The signers whose shares do not verify (RFC 9591 section 5.4), sorted by identifier. */
export function findCheaters(pkg: PublicKeyPackage, signing: SigningPackage, shares: readonly SignatureShare[]): ParticipantId[] {
  return shares.filter((s) => !verifySignatureShare(pkg, signing, s)).map((s) => s.participant);
}

/**
 * Aggregation (RFC 9591 section 5.3): `R ‖ Σ z_i`, returned only after strict RFC 8032
 * verification under the group key. When it does not verify, every share is checked and the
 * error names each cheater.
 * Errors: `crypto.frost.share-set-mismatch` (shares not exactly one per signer),
 * `crypto.frost.cheating-signers` (`context.cheaters`: comma-separated identifiers),
 * `crypto.frost.invalid-signature` (no share is at fault: the package is inconsistent).
 */
export function aggregate(pkg: PublicKeyPackage, signing: SigningPackage, shares: readonly SignatureShare[]): Uint8Array {
  const session = sessionValues(pkg, signing);
  const given = new Set(shares.map((s) => s.participant));
  if (given.size !== shares.length || given.size !== session.signers.size || ![...given].every((id) => session.signers.has(id))) {
    throw permanentError('crypto.frost.share-set-mismatch', `expected one signature share from each of the ${session.signers.size} signers, got ${shares.length}`);
  }
  let z = 0n;
  let wellFormed = true;
  for (const s of shares) {
    const value = scalarOrUndefined(s.share);
    if (value === undefined) wellFormed = false;
    else z = Fn.add(z, value);
  }
  const signature = concat(session.groupCommitment, encodeScalar(z));
  if (wellFormed && verifyStrict(pkg.groupPublicKey, signing.message, signature)) return signature;
  const cheaters = findCheaters(pkg, signing, shares);
  if (cheaters.length === 0) {
    // Every share fits its verifying share, yet the sum does not verify: the package itself is
    // inconsistent (wrong threshold, or verifying shares not from one polynomial of the group key).
    throw permanentError('crypto.frost.invalid-signature', 'every share is valid but the aggregate signature does not verify under the group key: the key package is inconsistent');
  }
  throw permanentError('crypto.frost.cheating-signers', `the aggregate signature does not verify; invalid shares from: ${cheaters.join(', ')}`, {
    context: { cheaters: cheaters.join(',') },
  });
}

/** The identifiers named in a `crypto.frost.cheating-signers` error. */
export function cheatersOf(error: { readonly context: Readonly<Record<string, unknown>> }): ParticipantId[] {
  const list = error.context.cheaters;
  return typeof list === 'string' && list !== '' ? (list.split(',') as ParticipantId[]) : [];
}

/** The scalar in `bytes`, or `undefined` when they are not a canonical scalar (a cheater's share). */
function scalarOrUndefined(bytes: Uint8Array): bigint | undefined {
  try {
    return decodeScalar(bytes);
  } catch {
    return undefined;
  }
}
