import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../core/errors.ts';
import { SeededRandom } from '../handlers/random.ts';
import { trustedDealerKeygen } from './dealer.ts';
import { checkPublicKeyPackage, decodeKeyShare, KeyShare, withEncodedKeyShare } from './key-share.ts';
import { participantId } from './participant.ts';
import { verifyStrict } from './signature.ts';

function dealt(seed: string) {
  return trustedDealerKeygen({ participants: [participantId(1), participantId(2), participantId(3)], threshold: 2 }, new SeededRandom(seed));
}

test('a moved share is dead; the new handle owns the same secret', () => {
  const { shares } = dealt('move');
  const original = shares[0]!;
  const before = original.withSecretBytes((s) => s.slice());
  const moved = original.move();
  assert.equal(original.alive, false);
  assert.throws(() => original.secretScalar(), (e) => isAuraError(e, 'crypto.secret.consumed'));
  assert.throws(() => original.move(), (e) => isAuraError(e, 'crypto.secret.consumed'));
  assert.deepEqual(moved.withSecretBytes((s) => s.slice()), before);
});

test('dispose and consume zero the bytes and end the share', () => {
  const { shares } = dealt('dispose');
  let held: Uint8Array | undefined;
  const share = shares[1]!;
  const scalar = share.consume((s) => s);
  assert.ok(scalar > 0n);
  assert.equal(share.alive, false);
  assert.throws(() => share.withSecretBytes((s) => (held = s)), (e) => isAuraError(e, 'crypto.secret.consumed'));
  assert.equal(held, undefined);
  shares[2]!.dispose();
  shares[2]!.dispose();
  assert.throws(() => withEncodedKeyShare(shares[2]!, () => 0), (e) => isAuraError(e, 'crypto.secret.consumed'));
});

test('the secret passed to fromSecret is owned and zeroed on dispose', () => {
  const { shares, publicKeyPackage } = dealt('owned');
  const bytes = shares[0]!.withSecretBytes((s) => s.slice());
  const share = KeyShare.fromSecret(participantId(1), bytes, publicKeyPackage);
  share.dispose();
  assert.deepEqual(bytes, new Uint8Array(32));
});

test('a share that does not match its verifying share is refused', () => {
  const { shares, publicKeyPackage } = dealt('mismatch');
  const secret = shares[0]!.withSecretBytes((s) => s.slice());
  assert.throws(() => KeyShare.fromSecret(participantId(2), secret, publicKeyPackage), (e) => isAuraError(e, 'crypto.share.mismatch'));
  assert.throws(() => KeyShare.fromSecret(participantId(9), new Uint8Array(32).fill(1), publicKeyPackage), (e) => isAuraError(e, 'crypto.package.unknown-participant'));
});

test('encoded shares round-trip; malformed encodings and packages are typed errors', () => {
  const { shares, publicKeyPackage } = dealt('encode');
  const again = decodeKeyShare(withEncodedKeyShare(shares[2]!, (e) => e.slice()));
  assert.equal(again.participant, participantId(3));
  assert.throws(() => decodeKeyShare(new Uint8Array([0xa0])), (e) => isAuraError(e, 'crypto.share.malformed'));
  assert.throws(() => checkPublicKeyPackage({ ...publicKeyPackage, threshold: 4 }), (e) => isAuraError(e, 'crypto.package.bad-threshold'));
  assert.throws(() => checkPublicKeyPackage({ ...publicKeyPackage, groupPublicKey: new Uint8Array(32) }), (e) => isAuraError(e, 'crypto.point.not-in-subgroup'));
  assert.equal(publicKeyPackage.groupPublicKey.length, 32);
});

test('strict verification rejects wrong-length signatures and keys with typed errors', () => {
  const { publicKeyPackage } = dealt('lengths');
  assert.throws(() => verifyStrict(publicKeyPackage.groupPublicKey, new Uint8Array(), new Uint8Array(63)), (e) => isAuraError(e, 'crypto.signature.bad-length'));
  assert.throws(() => verifyStrict(new Uint8Array(33), new Uint8Array(), new Uint8Array(64)), (e) => isAuraError(e, 'crypto.public-key.bad-length'));
  assert.equal(verifyStrict(publicKeyPackage.groupPublicKey, new Uint8Array(), new Uint8Array(64)), false);
});
