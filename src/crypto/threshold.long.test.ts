// Long sweeps (AURA_LONG=1): larger groups through DKG, signing, resharing and refresh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesEqual, utf8 } from '../core/bytes.ts';
import { SeededRandom } from '../handlers/random.ts';
import { dkgFinish, dkgRound1, dkgRound2, type DkgResult } from './dkg.ts';
import { aggregate, commit, signShare, type SigningPackage } from './frost.ts';
import type { KeyShare, PublicKeyPackage } from './key-share.ts';
import { participantId } from './participant.ts';
import { refreshConfig, reshareDeal, reshareReceive } from './reshare.ts';
import { verifyStrict } from './signature.ts';
import { ok } from './fixtures/outcomes.ts';

function dkg(n: number, t: number, random: SeededRandom): DkgResult[] {
  const participants = Array.from({ length: n }, (_, i) => participantId(1000 + i * 7919));
  const firsts = participants.map((self) => dkgRound1({ self, participants, threshold: t }, random));
  const seconds = firsts.map((f) => ok(dkgRound2(f.state, firsts.map((x) => x.broadcast))));
  return seconds.map((s) => ok(dkgFinish(s.state, seconds.flatMap((x) => x.send))));
}

function signs(pkg: PublicKeyPackage, shares: readonly KeyShare[], random: SeededRandom): boolean {
  const rounds = shares.map((share) => ({ share, ...commit(share, random) }));
  const signing: SigningPackage = { message: utf8('long'), commitments: rounds.map((r) => r.commitment) };
  return verifyStrict(pkg.groupPublicKey, signing.message, aggregate(pkg, signing, rounds.map((r) => signShare(r.share, r.nonces, signing))));
}

test('DKG up to 10 parties, then refresh twice: the key stays and any t sign', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 4 }), fc.nat(), (t, extra, seed) => {
      const random = new SeededRandom(seed);
      const n = Math.min(10, t + extra);
      let results = dkg(n, Math.min(t, n), random);
      const key = results[0]!.publicKeyPackage.groupPublicKey;
      for (let round = 0; round < 2; round++) {
        const pkg = results[0]!.publicKeyPackage;
        const config = refreshConfig(pkg, results.slice(0, pkg.threshold).map((r) => r.keyShare.participant));
        const deals = results.slice(0, pkg.threshold).map((r) => reshareDeal(config, r.keyShare, random));
        results = config.recipients.map((self) => ok(reshareReceive(config, self, deals.map((d) => d.broadcast), deals.flatMap((d) => d.send))));
      }
      const pkg = results[0]!.publicKeyPackage;
      assert.ok(bytesEqual(pkg.groupPublicKey, key));
      assert.ok(signs(pkg, results.slice(n - pkg.threshold).map((r) => r.keyShare), random));
    }),
    { numRuns: 25 },
  );
});
