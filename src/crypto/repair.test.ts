import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex, toHex, utf8 } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { SeededRandom } from '../handlers/random.ts';
import { trustedDealerKeygen } from './dealer.ts';
import { aggregate, commit, signShare, type SigningPackage } from './frost.ts';
import { baseMul, decodeScalar, encodePoint } from './group.ts';
import type { PublicKeyPackage } from './key-share.ts';
import { participantId, type ParticipantId } from './participant.ts';
import { repairDeltas, repairFinish, repairSigma, type RepairConfig, type RepairDelta } from './repair.ts';
import { verifyStrict } from './signature.ts';
import { complaintsOf, ok } from './fixtures/outcomes.ts';
import { vectorCopies } from './fixtures/vectors.ts';

const ids = (count: number): ParticipantId[] => Array.from({ length: count }, (_, i) => participantId(i + 1));

interface RepairVector {
  readonly scalar_generation: Readonly<Record<string, string>>;
  readonly sigma_generation: Readonly<Record<string, string>>;
}

for (const { source, data } of vectorCopies('repair-share.json')) {
  test(`repair vector ${source}: a helper sums its deltas, the lost participant sums the sigmas`, () => {
    const vector = data as RepairVector;
    // Step two: helper 1 receives deltas random_scalar_1..3 from helpers 1..3.
    const pkg3: PublicKeyPackage = { threshold: 3, groupPublicKey: encodePoint(baseMul(1n)), verifyingShares: Object.fromEntries(ids(4).map((id, i) => [id, encodePoint(baseMul(BigInt(i + 2)))])) };
    const deltas: RepairDelta[] = [1, 2, 3].map((i) => ({ from: participantId(i), to: participantId(1), delta: fromHex(vector.scalar_generation[`random_scalar_${i}`]!) }));
    const sigma = ok(repairSigma({ pkg: pkg3, helpers: ids(3), lost: participantId(4) }, participantId(1), deltas));
    assert.equal(toHex(sigma.sigma), vector.scalar_generation.random_scalar_sum);
    // Step three: the lost participant 5 receives sigma_1..4; its verifying share is sigma_sum·B.
    const expected = decodeScalar(fromHex(vector.sigma_generation.sigma_sum!));
    const pkg4: PublicKeyPackage = { ...pkg3, threshold: 4, verifyingShares: { ...pkg3.verifyingShares, [participantId(5)]: encodePoint(baseMul(expected)) } };
    const sigmas = [1, 2, 3, 4].map((i) => ({ from: participantId(i), sigma: fromHex(vector.sigma_generation[`sigma_${i}`]!) }));
    const share = ok(repairFinish({ pkg: pkg4, helpers: ids(4), lost: participantId(5) }, sigmas));
    share.withSecretBytes((secret) => {
      assert.equal(toHex(secret), vector.sigma_generation.sigma_sum);
    });
  });
}

/** Runs all three repair steps in memory. */
function repair(config: RepairConfig, shares: ReadonlyMap<ParticipantId, Parameters<typeof repairDeltas>[1]>, random: SeededRandom, tamper: (d: RepairDelta) => RepairDelta = (d) => d) {
  const deltas = config.helpers.flatMap((h) => repairDeltas(config, shares.get(h)!, random)).map(tamper);
  const sigmas = config.helpers.map((h) => ok(repairSigma(config, h, deltas)));
  return repairFinish(config, sigmas);
}

test('any t helpers rebuild a lost share that signs with the others', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.nat(), (t, extra, seed) => {
      const random = new SeededRandom(seed);
      const n = t + extra;
      const dealt = trustedDealerKeygen({ participants: ids(n), threshold: t }, random);
      const lost = dealt.shares[seed % n]!;
      const helpers = dealt.shares.filter((s) => s !== lost).slice(0, t);
      const config: RepairConfig = { pkg: dealt.publicKeyPackage, helpers: helpers.map((h) => h.participant), lost: lost.participant };
      const rebuilt = ok(repair(config, new Map(helpers.map((h) => [h.participant, h])), random));
      assert.equal(
        rebuilt.withSecretBytes((a) => lost.withSecretBytes((b) => toHex(a) === toHex(b))),
        true,
      );
      const signers = [rebuilt, ...helpers.slice(0, t - 1)];
      const rounds = signers.map((share) => ({ share, ...commit(share, random) }));
      const signing: SigningPackage = { message: utf8('repaired'), commitments: rounds.map((r) => r.commitment) };
      const signature = aggregate(dealt.publicKeyPackage, signing, rounds.map((r) => signShare(r.share, r.nonces, signing)));
      assert.equal(verifyStrict(dealt.publicKeyPackage.groupPublicKey, signing.message, signature), true);
    }),
    { numRuns: 10 },
  );
});

test('a wrong delta makes the repair fail with a typed error; bad configs are refused', () => {
  const random = new SeededRandom('repair-bad');
  const dealt = trustedDealerKeygen({ participants: ids(4), threshold: 2 }, random);
  const shares = new Map(dealt.shares.map((s) => [s.participant, s]));
  const config: RepairConfig = { pkg: dealt.publicKeyPackage, helpers: ids(2), lost: participantId(4) };
  const result = () => repair(config, shares, random, (d) => (d.from === participantId(2) ? { ...d, delta: new Uint8Array(32).fill(1) } : d));
  assert.throws(result, (e) => isAuraError(e, 'crypto.repair.mismatch'));
  assert.throws(() => repairDeltas({ ...config, helpers: ids(1) }, dealt.shares[0]!, random), (e) => isAuraError(e, 'crypto.repair.too-few-helpers'));
  assert.throws(() => repairDeltas({ ...config, lost: participantId(2) }, dealt.shares[0]!, random), (e) => isAuraError(e, 'crypto.repair.lost-is-helper'));
  assert.throws(() => repairDeltas(config, dealt.shares[2]!, random), (e) => isAuraError(e, 'crypto.repair.not-a-helper'));
  assert.deepEqual(complaintsOf(repairSigma(config, participantId(1), [])).map((c) => c.reason), ['missing-message', 'missing-message']);
});
