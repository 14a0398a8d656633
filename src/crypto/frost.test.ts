import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { fromHex, toHex, utf8 } from '../core/bytes.ts';
import { decodeCanonical, encodeCanonical } from '../core/canonical.ts';
import type { RandomEffects } from '../core/effects.ts';
import { isAuraError } from '../core/errors.ts';
import { SeededRandom } from '../handlers/random.ts';
import { trustedDealerKeygen } from './dealer.ts';
import { aggregate, cheatersOf, commit, signShare, verifySignatureShare, type SignatureShare, type SigningPackage } from './frost.ts';
import { KeyShare } from './key-share.ts';
import { participantId } from './participant.ts';
import { verifyStrict } from './signature.ts';
import { vectorCopies } from './fixtures/vectors.ts';

/** The shape of an RFC 9591 / frost-rs signing vector file (see fixtures/SOURCE.md). */
interface SigningVector {
  readonly config: { readonly MAX_PARTICIPANTS: string; readonly MIN_PARTICIPANTS: string };
  readonly inputs: {
    readonly participant_list: readonly number[];
    readonly group_secret_key: string;
    readonly group_public_key?: string;
    readonly verifying_key_key?: string;
    readonly message: string;
    readonly share_polynomial_coefficients: readonly string[];
    readonly participant_shares: readonly { readonly identifier: number; readonly participant_share: string }[];
  };
  readonly round_one_outputs: {
    readonly outputs: readonly {
      readonly identifier: number;
      readonly hiding_nonce_randomness: string;
      readonly binding_nonce_randomness: string;
      readonly hiding_nonce_commitment: string;
      readonly binding_nonce_commitment: string;
    }[];
  };
  readonly round_two_outputs: { readonly outputs: readonly { readonly identifier: number; readonly sig_share: string }[] };
  readonly final_output: { readonly sig: string };
}

/** A random source that plays back fixed byte strings: the vectors' nonce randomness. */
function playback(...chunks: string[]): RandomEffects {
  const queue = chunks.map(fromHex);
  return {
    randomBytes(length) {
      const next = queue.shift();
      assert.ok(next !== undefined && next.length === length, 'playback source exhausted or wrong length');
      return next;
    },
  };
}

function runSigningVector(vector: SigningVector): void {
  const { inputs } = vector;
  const ids = inputs.participant_shares.map((s) => participantId(s.identifier));
  const dealt = trustedDealerKeygen(
    { participants: ids, threshold: Number(vector.config.MIN_PARTICIPANTS), secret: fromHex(inputs.group_secret_key), coefficients: inputs.share_polynomial_coefficients.map(fromHex) },
    new SeededRandom('unused'),
  );
  assert.equal(toHex(dealt.publicKeyPackage.groupPublicKey), inputs.group_public_key ?? inputs.verifying_key_key);
  const byId = new Map(dealt.shares.map((s) => [s.participant, s]));
  for (const expected of inputs.participant_shares) {
    byId.get(participantId(expected.identifier))!.withSecretBytes((secret) => {
      assert.equal(toHex(secret), expected.participant_share);
    });
  }
  const message = fromHex(inputs.message);
  const rounds = vector.round_one_outputs.outputs.map((out) => {
    const share = byId.get(participantId(out.identifier))!;
    const { nonces, commitment } = commit(share, playback(out.hiding_nonce_randomness, out.binding_nonce_randomness));
    assert.equal(toHex(commitment.hiding), out.hiding_nonce_commitment);
    assert.equal(toHex(commitment.binding), out.binding_nonce_commitment);
    return { share, nonces, commitment };
  });
  const signing: SigningPackage = { message, commitments: rounds.map((r) => r.commitment) };
  const shares = rounds.map((r) => signShare(r.share, r.nonces, signing));
  assert.deepEqual(
    shares.map((s) => toHex(s.share)),
    vector.round_two_outputs.outputs.map((o) => o.sig_share),
  );
  for (const s of shares) assert.equal(verifySignatureShare(dealt.publicKeyPackage, signing, s), true);
  const signature = aggregate(dealt.publicKeyPackage, signing, shares);
  assert.equal(toHex(signature), vector.final_output.sig);
  assert.equal(ed25519.verify(signature, message, dealt.publicKeyPackage.groupPublicKey, { zip215: false }), true);
}

for (const file of ['rfc9591-ed25519-sha512.json', 'vectors.json', 'vectors-big-identifier.json']) {
  for (const { source, data } of vectorCopies(file)) {
    test(`signing vector ${source}: commitments, shares and signature match byte for byte`, () => {
      runSigningVector(data as SigningVector);
    });
  }
}

/** A dealt t-of-n group and a helper that runs both rounds for a chosen signer set. */
function group(t: number, n: number, seed: string) {
  const random = new SeededRandom(seed);
  const dealt = trustedDealerKeygen({ participants: Array.from({ length: n }, (_, i) => participantId(i + 1)), threshold: t }, random);
  function roundOne(signers: readonly KeyShare[], message: Uint8Array) {
    const rounds = signers.map((share) => ({ share, ...commit(share, random) }));
    const signing: SigningPackage = { message, commitments: rounds.map((r) => r.commitment) };
    return { rounds, signing };
  }
  return { dealt, random, roundOne };
}

test('any t of n signers produce a signature that verifies under the group key; t-1 are refused', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 3 }), fc.nat(), fc.uint8Array({ maxLength: 64 }), (t, extra, seed, message) => {
      const n = t + extra;
      const { dealt, roundOne } = group(t, n, `any-t-${seed}`);
      const pick = dealt.shares.filter((_, i) => (i + seed) % n < t);
      assert.equal(pick.length, t);
      const { rounds, signing } = roundOne(pick, message);
      const signature = aggregate(
        dealt.publicKeyPackage,
        signing,
        rounds.map((r) => signShare(r.share, r.nonces, signing)),
      );
      assert.equal(verifyStrict(dealt.publicKeyPackage.groupPublicKey, message, signature), true);
      if (t > 1) {
        const few = roundOne(pick.slice(1), message);
        assert.throws(() => signShare(few.rounds[0]!.share, few.rounds[0]!.nonces, few.signing), (e) => isAuraError(e, 'crypto.frost.too-few-signers'));
      }
    }),
    { numRuns: 15 },
  );
});

test('t-1 shares cannot sign, even when they claim the threshold is t-1', () => {
  const { dealt, random } = group(3, 4, 'forge');
  const fakePackage = { ...dealt.publicKeyPackage, threshold: 2 };
  const liars = dealt.shares.slice(0, 2).map((share) => share.withSecretBytes((secret) => KeyShare.fromSecret(share.participant, secret.slice(), fakePackage)));
  const rounds = liars.map((share) => ({ share, ...commit(share, random) }));
  const signing: SigningPackage = { message: utf8('forged'), commitments: rounds.map((r) => r.commitment) };
  const shares = rounds.map((r) => signShare(r.share, r.nonces, signing));
  assert.throws(() => aggregate(fakePackage, signing, shares), (e) => isAuraError(e, 'crypto.frost.invalid-signature'));
});

test('nonces are single use: a second signShare with the same nonces throws', () => {
  const { dealt, roundOne } = group(2, 3, 'reuse');
  const { rounds, signing } = roundOne(dealt.shares.slice(0, 2), utf8('m'));
  const first = rounds[0]!;
  signShare(first.share, first.nonces, signing);
  assert.equal(first.nonces.alive, false);
  assert.throws(() => signShare(first.share, first.nonces, signing), (e) => isAuraError(e, 'crypto.frost.nonce-reused'));
});

test('nonces must match the commitment listed for the signer', () => {
  const { dealt, roundOne } = group(2, 3, 'mismatch');
  const one = roundOne(dealt.shares.slice(0, 2), utf8('m'));
  const two = roundOne(dealt.shares.slice(0, 2), utf8('m'));
  assert.throws(() => signShare(one.rounds[0]!.share, two.rounds[0]!.nonces, one.signing), (e) => isAuraError(e, 'crypto.frost.commitment-mismatch'));
});

test('aggregation names every cheating signer', () => {
  const { dealt, roundOne } = group(3, 5, 'cheaters');
  const { rounds, signing } = roundOne(dealt.shares.slice(0, 4), utf8('pay 10'));
  const shares: SignatureShare[] = rounds.map((r) => signShare(r.share, r.nonces, signing));
  const tampered = shares.map((s, i) => (i === 1 || i === 3 ? { ...s, share: flipFirstBit(s.share) } : s));
  assert.equal(verifySignatureShare(dealt.publicKeyPackage, signing, tampered[1]!), false);
  assert.throws(
    () => aggregate(dealt.publicKeyPackage, signing, tampered),
    (e) => isAuraError(e, 'crypto.frost.cheating-signers') && cheatersOf(e).join() === [shares[1]!.participant, shares[3]!.participant].join(),
  );
  assert.throws(() => aggregate(dealt.publicKeyPackage, signing, shares.slice(1)), (e) => isAuraError(e, 'crypto.frost.share-set-mismatch'));
});

test('an out-of-range share is attributed to its sender, not a crash', () => {
  const { dealt, roundOne } = group(2, 2, 'range');
  const { rounds, signing } = roundOne(dealt.shares, utf8('m'));
  const shares = rounds.map((r) => signShare(r.share, r.nonces, signing));
  const bad = [shares[0]!, { ...shares[1]!, share: new Uint8Array(32).fill(0xff) }];
  assert.throws(() => aggregate(dealt.publicKeyPackage, signing, bad), (e) => isAuraError(e, 'crypto.frost.cheating-signers') && cheatersOf(e).join() === shares[1]!.participant);
});

test('signing messages are plain data that round-trip through canonical encoding', () => {
  const { dealt, roundOne } = group(2, 3, 'canonical');
  const { rounds, signing } = roundOne(dealt.shares.slice(1), utf8('m'));
  const decoded = decodeCanonical(encodeCanonical(signing)) as SigningPackage;
  const shares = rounds.map((r) => signShare(r.share, r.nonces, decoded));
  const again = decodeCanonical(encodeCanonical(shares)) as SignatureShare[];
  assert.equal(verifyStrict(dealt.publicKeyPackage.groupPublicKey, signing.message, aggregate(dealt.publicKeyPackage, decoded, again)), true);
});

test('a commitment outside the prime-order subgroup is rejected with a typed error', () => {
  const data = vectorCopies('elements.json')[0]!.data as { elements: { invalid_element: string } };
  const { dealt, roundOne } = group(2, 3, 'torsion');
  const { rounds, signing } = roundOne(dealt.shares.slice(0, 2), utf8('m'));
  const bad: SigningPackage = { ...signing, commitments: [{ ...signing.commitments[0]!, hiding: fromHex(data.elements.invalid_element) }, signing.commitments[1]!] };
  assert.throws(() => signShare(rounds[1]!.share, rounds[1]!.nonces, bad), (e) => isAuraError(e, 'crypto.point.not-in-subgroup'));
});

test('duplicate signers and unknown signers are refused', () => {
  const { dealt, roundOne } = group(2, 3, 'dups');
  const { rounds, signing } = roundOne(dealt.shares.slice(0, 2), utf8('m'));
  const duplicated: SigningPackage = { ...signing, commitments: [signing.commitments[0]!, signing.commitments[0]!, signing.commitments[1]!] };
  assert.throws(() => signShare(rounds[0]!.share, rounds[0]!.nonces, duplicated), (e) => isAuraError(e, 'crypto.participant.duplicate'));
  const stranger: SigningPackage = { ...signing, commitments: [...signing.commitments, { ...signing.commitments[0]!, participant: participantId(99) }] };
  assert.throws(() => signShare(rounds[0]!.share, rounds[0]!.nonces, stranger), (e) => isAuraError(e, 'crypto.package.unknown-participant'));
});

function flipFirstBit(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy[0] = copy[0]! ^ 1;
  return copy;
}
