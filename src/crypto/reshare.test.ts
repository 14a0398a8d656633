import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesEqual, utf8 } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { SeededRandom } from '../handlers/random.ts';
import type { StepOutcome } from './complaint.ts';
import { complaintsOf, ok } from './fixtures/outcomes.ts';
import { trustedDealerKeygen } from './dealer.ts';
import { shareComplaintIsJustified, type DkgResult } from './dkg.ts';
import { aggregate, cheatersOf, commit, signShare, type SigningPackage } from './frost.ts';
import { KeyShare, type PublicKeyPackage } from './key-share.ts';
import { participantId, type ParticipantId } from './participant.ts';
import { refreshConfig, reshareDeal, reshareReceive, type ReshareConfig, type ReshareSubShare } from './reshare.ts';
import { verifyStrict } from './signature.ts';

const ids = (from: number, count: number): ParticipantId[] => Array.from({ length: count }, (_, i) => participantId(from + i));

/** Runs a whole resharing in memory; `tamper` may alter sub-shares in flight. */
function reshare(config: ReshareConfig, oldShares: readonly KeyShare[], random: SeededRandom, tamper: (s: ReshareSubShare) => ReshareSubShare = (s) => s): StepOutcome<DkgResult>[] {
  const dealt = oldShares.filter((s) => config.dealers.includes(s.participant)).map((s) => reshareDeal(config, s, random));
  const dealings = dealt.map((d) => d.broadcast);
  const subShares = dealt.flatMap((d) => d.send).map(tamper);
  return config.recipients.map((self) => reshareReceive(config, self, dealings, subShares));
}

/** Signs with `shares` (bound to whatever packages they carry) and aggregates under `pkg`. */
function sign(pkg: PublicKeyPackage, shares: readonly KeyShare[], message: Uint8Array, random: SeededRandom): Uint8Array {
  const rounds = shares.map((share) => ({ share, ...commit(share, random) }));
  const signing: SigningPackage = { message, commitments: rounds.map((r) => r.commitment) };
  return aggregate(pkg, signing, rounds.map((r) => signShare(r.share, r.nonces, signing)));
}

test('resharing (t, n) -> (t\', n\') keeps the group key; any t\' new shares sign, t\'-1 cannot', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 8 }), fc.nat(), (t, extra, t2, extra2, offset, seed) => {
      const random = new SeededRandom(seed);
      const old = trustedDealerKeygen({ participants: ids(1, t + extra), threshold: t }, random);
      const config: ReshareConfig = { old: old.publicKeyPackage, dealers: ids(1 + extra, t), recipients: ids(offset, t2 + extra2), threshold: t2 };
      const results = reshare(config, old.shares, random).map(ok);
      const pkg = results[0]!.publicKeyPackage;
      assert.ok(bytesEqual(pkg.groupPublicKey, old.publicKeyPackage.groupPublicKey));
      const message = utf8(`after reshare ${seed}`);
      const signers = results.slice(extra2).map((r) => r.keyShare);
      assert.equal(verifyStrict(pkg.groupPublicKey, message, sign(pkg, signers, message, random)), true);
      if (t2 > 1) {
        // t'-1 shares, even told the threshold is t'-1, produce no valid signature.
        const fake = { ...pkg, threshold: t2 - 1 };
        const liars = results.slice(0, t2 - 1).map((r) => r.keyShare.withSecretBytes((secret) => KeyShare.fromSecret(r.keyShare.participant, secret.slice(), fake)));
        assert.throws(() => sign(fake, liars, message, random), (e) => isAuraError(e, 'crypto.frost.invalid-signature'));
      }
    }),
    { numRuns: 12 },
  );
});

test('refresh keeps the key and changes every share; an old share no longer combines with new ones', () => {
  const random = new SeededRandom('refresh');
  const old = trustedDealerKeygen({ participants: ids(1, 3), threshold: 2 }, random);
  const fresh = reshare(refreshConfig(old.publicKeyPackage, ids(2, 2)), old.shares, random).map(ok);
  const pkg = fresh[0]!.publicKeyPackage;
  assert.ok(bytesEqual(pkg.groupPublicKey, old.publicKeyPackage.groupPublicKey));
  for (const [i, r] of fresh.entries()) {
    assert.equal(bytesEqual(pkg.verifyingShares[r.keyShare.participant]!, old.publicKeyPackage.verifyingShares[r.keyShare.participant]!), false, `share ${i} unchanged`);
  }
  const message = utf8('mixed');
  assert.equal(verifyStrict(pkg.groupPublicKey, message, sign(pkg, [fresh[0]!.keyShare, fresh[2]!.keyShare], message, random)), true);
  // Participant 1 signs with its old share, participant 3 with its new one.
  assert.throws(
    () => sign(pkg, [old.shares[0]!, fresh[2]!.keyShare], message, random),
    (e) => isAuraError(e, 'crypto.frost.cheating-signers') && cheatersOf(e).join() === participantId(1),
  );
});

test('a bad sub-share is detected and attributed to its dealer, with checkable evidence', () => {
  const random = new SeededRandom('bad-sub-share');
  const old = trustedDealerKeygen({ participants: ids(1, 3), threshold: 2 }, random);
  const config: ReshareConfig = { old: old.publicKeyPackage, dealers: ids(1, 2), recipients: ids(4, 3), threshold: 2 };
  const dealt = old.shares.slice(0, 2).map((s) => reshareDeal(config, s, random));
  const subShares = dealt.flatMap((d) => d.send).map((s) => (s.from === participantId(2) && s.to === participantId(5) ? { ...s, share: s.share.map((b, i) => (i === 0 ? b ^ 1 : b)) } : s));
  const dealings = dealt.map((d) => d.broadcast);
  const complaints = complaintsOf(reshareReceive(config, participantId(5), dealings, subShares));
  assert.deepEqual(complaints.map((c) => [c.accused, c.reason]), [[participantId(2), 'bad-share']]);
  assert.equal(shareComplaintIsJustified(dealings[1]!, participantId(5), complaints[0]!, 2), true);
  ok(reshareReceive(config, participantId(4), dealings, subShares));
});

test('a dealer that does not reshare its own share is caught by its commitment', () => {
  const random = new SeededRandom('wrong-secret');
  const old = trustedDealerKeygen({ participants: ids(1, 3), threshold: 2 }, random);
  const other = trustedDealerKeygen({ participants: ids(1, 3), threshold: 2 }, random);
  const config: ReshareConfig = { old: old.publicKeyPackage, dealers: ids(1, 2), recipients: ids(1, 3), threshold: 2 };
  // Dealer 2 deals from a share of a different key: its dealing is consistent with itself only.
  const honest = reshareDeal(config, old.shares[0]!, random);
  const impostorShare = other.shares[1]!.withSecretBytes((secret) => KeyShare.fromSecret(participantId(2), secret.slice(), { ...other.publicKeyPackage, groupPublicKey: old.publicKeyPackage.groupPublicKey }));
  const impostor = reshareDeal(config, impostorShare, random);
  const complaints = complaintsOf(reshareReceive(config, participantId(3), [honest.broadcast, impostor.broadcast], [...honest.send, ...impostor.send]));
  assert.deepEqual(complaints.map((c) => [c.accused, c.reason]), [[participantId(2), 'bad-commitment']]);
});

test('resharing configs are checked', () => {
  const random = new SeededRandom('configs');
  const old = trustedDealerKeygen({ participants: ids(1, 3), threshold: 2 }, random);
  const base: ReshareConfig = { old: old.publicKeyPackage, dealers: ids(1, 2), recipients: ids(4, 3), threshold: 2 };
  assert.throws(() => reshareDeal({ ...base, dealers: ids(1, 3) }, old.shares[0]!, random), (e) => isAuraError(e, 'crypto.reshare.bad-dealers'));
  assert.throws(() => reshareDeal(base, old.shares[2]!, random), (e) => isAuraError(e, 'crypto.reshare.not-a-dealer'));
  assert.throws(() => reshareDeal({ ...base, threshold: 4 }, old.shares[0]!, random), (e) => isAuraError(e, 'crypto.bad-threshold'));
  assert.throws(() => reshareReceive(base, participantId(1), [], []), (e) => isAuraError(e, 'crypto.reshare.not-a-recipient'));
  assert.deepEqual(complaintsOf(reshareReceive(base, participantId(4), [], [])).map((c) => c.reason), ['missing-message', 'missing-message', 'missing-message', 'missing-message']);
});
