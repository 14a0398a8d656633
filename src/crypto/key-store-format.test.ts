import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utf8 } from '../core/bytes.ts';
import { decodeCanonical, encodeCanonical } from '../core/canonical.ts';
import { isAuraError } from '../core/errors.ts';
import { SeededRandom } from '../handlers/random.ts';
import { trustedDealerKeygen } from './dealer.ts';
import { decodeKeyShare, withEncodedKeyShare } from './key-share.ts';
import { openKeyStore, sealKeyStore, type ScryptParams } from './key-store-format.ts';
import { participantId } from './participant.ts';

/** Cheap scrypt for tests; the format records the parameters, so reading needs no hint. */
const FAST: ScryptParams = { logN: 10, r: 8, p: 1 };

test('entries round-trip, including an encoded key share', async () => {
  const random = new SeededRandom('keystore');
  const dealt = trustedDealerKeygen({ participants: [participantId(1), participantId(2)], threshold: 2 }, random);
  const entries = { 'device-key': random.randomBytes(32), 'share/1': withEncodedKeyShare(dealt.shares[0]!, (e) => e.slice()) };
  const file = await sealKeyStore(entries, 'correct horse', random, FAST);
  const opened = await openKeyStore(file, 'correct horse');
  assert.deepEqual(opened, entries);
  assert.equal(decodeKeyShare(opened['share/1']).participant, participantId(1));
});

test('a wrong passphrase, a corrupted file and an unknown version are typed errors', async () => {
  const random = new SeededRandom('keystore-bad');
  const file = await sealKeyStore({ a: utf8('secret') }, 'right', random, FAST);
  await assert.rejects(openKeyStore(file, 'wrong'), (e) => isAuraError(e, 'keystore.wrong-passphrase'));
  const flipped = file.slice();
  flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 1;
  await assert.rejects(openKeyStore(flipped, 'right'), (e) => isAuraError(e, 'keystore.corrupt'));
  await assert.rejects(openKeyStore(file.subarray(0, 20), 'right'), (e) => isAuraError(e, 'keystore.corrupt'));
  const header = decodeCanonical(file) as Record<string, unknown>;
  await assert.rejects(openKeyStore(encodeCanonical({ ...header, version: 2 }), 'right'), (e) => isAuraError(e, 'keystore.unsupported-version'));
  // Tampering with the authenticated header (here the nonce) is caught, not decrypted to garbage.
  await assert.rejects(openKeyStore(encodeCanonical({ ...header, nonce: new Uint8Array(24) }), 'right'), (e) => isAuraError(e, 'keystore.corrupt'));
  await assert.rejects(openKeyStore(encodeCanonical({ ...header, kdf: { ...(header.kdf as object), logN: 40 } }), 'right'), (e) => isAuraError(e, 'keystore.bad-kdf-params'));
});
