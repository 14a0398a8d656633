import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHex, utf8 } from '../core/bytes.ts';
import { aggregate, signShare, type SigningPackage } from '../crypto/frost.ts';
import { participantId } from '../crypto/participant.ts';
import { deterministicEffects, productionEffects } from './effects.ts';
import { MemoryStorage } from './memory-storage.ts';
import { deterministicThresholdCrypto, type FrostCryptoEffects } from './threshold-crypto.ts';

/** Deals a 2-of-3 key and signs one message; returns every byte that randomness influenced. */
function run(crypto: FrostCryptoEffects): string[] {
  const dealt = crypto.trustedDealer({ participants: [participantId(1), participantId(2), participantId(3)], threshold: 2 });
  const signers = dealt.shares.slice(0, 2);
  const rounds = signers.map((share) => ({ share, ...crypto.commit(share) }));
  const signing: SigningPackage = { message: utf8('same seed, same run'), commitments: rounds.map((r) => r.commitment) };
  const signature = aggregate(dealt.publicKeyPackage, signing, rounds.map((r) => signShare(r.share, r.nonces, signing)));
  assert.equal(crypto.verify(dealt.publicKeyPackage.groupPublicKey, signing.message, signature), true);
  return [toHex(dealt.publicKeyPackage.groupPublicKey), ...rounds.map((r) => toHex(r.commitment.hiding)), toHex(signature), toHex(crypto.generateSigningKey().publicKey)];
}

test('the deterministic handler: the same seed gives the same keys, nonces and signatures', () => {
  assert.deepEqual(run(deterministicThresholdCrypto(7)), run(deterministicThresholdCrypto(7)));
  assert.notDeepEqual(run(deterministicThresholdCrypto(7)), run(deterministicThresholdCrypto(8)));
  assert.deepEqual(run(deterministicEffects('sim').crypto), run(deterministicEffects('sim').crypto));
});

test('the production handler draws fresh randomness each run', () => {
  const crypto = productionEffects('device', new MemoryStorage()).crypto;
  assert.notDeepEqual(run(crypto), run(crypto));
});
