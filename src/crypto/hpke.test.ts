import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex, utf8 } from '../core/bytes.ts';
import type { RandomEffects } from '../core/effects.ts';
import { isAuraError } from '../core/errors.ts';
import { SeededRandom } from '../handlers/random.ts';
import { trustedDealerKeygen } from './dealer.ts';
import { generateHpkeKeyPair, HPKE_INFO, hpkeKeyPairFromSeed, hpkeOpen, hpkeOpenValue, hpkeSeal, hpkeSealValue, openKeyShare, sealKeyShare } from './hpke.ts';
import { participantId } from './participant.ts';

interface HpkeVector {
  readonly info: string;
  readonly ikmE: string;
  readonly ikmR: string;
  readonly pkRm: string;
  readonly skRm: string;
  readonly pkEm: string;
  readonly enc: string;
  readonly encryptions: readonly { readonly pt: string; readonly aad: string; readonly ct: string }[];
}

const vector = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'hpke-rfc9180-a21.json'), 'utf8')) as HpkeVector;

/** A source that yields exactly the vector's ephemeral input keying material. */
function ephemeral(ikm: string): RandomEffects {
  return {
    randomBytes(length) {
      assert.equal(length, 32);
      return fromHex(ikm);
    },
  };
}

test('RFC 9180 A.2.1: key derivation, enc and the first ciphertext match the published figures', async () => {
  const recipient = await hpkeKeyPairFromSeed(fromHex(vector.ikmR));
  assert.equal(toHex(recipient.publicKey), vector.pkRm);
  assert.equal(toHex(recipient.secretKey), vector.skRm);
  assert.equal(toHex((await hpkeKeyPairFromSeed(fromHex(vector.ikmE))).publicKey), vector.pkEm);
  const first = vector.encryptions[0]!;
  const options = { info: fromHex(vector.info), aad: fromHex(first.aad) };
  const box = await hpkeSeal(recipient.publicKey, fromHex(first.pt), options, ephemeral(vector.ikmE));
  assert.equal(toHex(box.enc), vector.enc);
  assert.equal(toHex(box.ciphertext), first.ct);
  assert.equal(toHex(await hpkeOpen(fromHex(vector.skRm), { enc: fromHex(vector.enc), ciphertext: fromHex(first.ct) }, options)), first.pt);
});

test('a box opens only with the right key, info and aad, and unaltered', async () => {
  const random = new SeededRandom('hpke');
  const alice = await generateHpkeKeyPair(random);
  const mallory = await generateHpkeKeyPair(random);
  const options = { info: utf8('aura.test'), aad: utf8('header') };
  const box = await hpkeSeal(alice.publicKey, utf8('secret'), options, random);
  assert.deepEqual(await hpkeOpen(alice.secretKey, box, options), utf8('secret'));
  // Each attempt starts only when awaited, so no rejection is left unobserved.
  const failures = [
    () => hpkeOpen(mallory.secretKey, box, options),
    () => hpkeOpen(alice.secretKey, box, { ...options, info: utf8('other') }),
    () => hpkeOpen(alice.secretKey, box, { ...options, aad: utf8('other') }),
    () => hpkeOpen(alice.secretKey, { ...box, ciphertext: box.ciphertext.map((b, i) => (i === 0 ? b ^ 1 : b)) }, options),
  ];
  for (const failure of failures) await assert.rejects(failure, (e) => isAuraError(e, 'crypto.hpke.open-failed'));
  await assert.rejects(hpkeSeal(new Uint8Array(31), utf8('x'), options, random), (e) => isAuraError(e, 'crypto.hpke.bad-key'));
});

test('a key share sealed to a new device opens as the same, checked share', async () => {
  const random = new SeededRandom('seal-share');
  const dealt = trustedDealerKeygen({ participants: [participantId(1), participantId(2)], threshold: 2 }, random);
  const device = await generateHpkeKeyPair(random);
  const box = await sealKeyShare(dealt.shares[1]!, device.publicKey, random);
  const opened = await openKeyShare(device.secretKey, box);
  assert.equal(opened.participant, dealt.shares[1]!.participant);
  assert.equal(
    opened.withSecretBytes((a) => dealt.shares[1]!.withSecretBytes((b) => toHex(a) === toHex(b))),
    true,
  );
});

test('a protocol message sealed as a value opens as the same value, only under its own info', async () => {
  const random = new SeededRandom('seal-value');
  const recipient = await generateHpkeKeyPair(random);
  const message = { from: participantId(1), to: participantId(2), share: random.randomBytes(32) };
  const box = await hpkeSealValue(recipient.publicKey, message, HPKE_INFO.dkgShare, random);
  assert.deepEqual(await hpkeOpenValue(recipient.secretKey, box, HPKE_INFO.dkgShare), message);
  await assert.rejects(hpkeOpenValue(recipient.secretKey, box, HPKE_INFO.reshareSubShare), (e) => isAuraError(e, 'crypto.hpke.open-failed'));
});
