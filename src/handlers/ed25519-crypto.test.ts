import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519 } from '@noble/curves/ed25519.js';
import { fromHex, utf8 } from '../core/bytes.ts';
import { Ed25519CryptoEffects } from './ed25519-crypto.ts';
import { SeededRandom } from './random.ts';

// RFC 8032 section 7.1, TEST 1 (empty message).
const RFC8032_SECRET = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const RFC8032_PUBLIC = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const RFC8032_SIGNATURE = fromHex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');

const crypto = new Ed25519CryptoEffects(new SeededRandom('crypto-test'));

test('RFC 8032 test 1: public key and signature match the published figures', () => {
  assert.deepEqual(crypto.publicKeyOf(RFC8032_SECRET), RFC8032_PUBLIC);
  assert.deepEqual(crypto.sign(RFC8032_SECRET, new Uint8Array()), RFC8032_SIGNATURE);
  assert.equal(crypto.verify(RFC8032_PUBLIC, new Uint8Array(), RFC8032_SIGNATURE), true);
});

test('signatures verify, and agree with noble in strict mode', () => {
  const { secretKey, publicKey } = crypto.generateSigningKey();
  const message = utf8('attest this fact');
  const signature = crypto.sign(secretKey, message);
  assert.equal(crypto.verify(publicKey, message, signature), true);
  assert.equal(ed25519.verify(signature, message, publicKey, { zip215: false }), true);
});

test('a changed message, key or signature does not verify', () => {
  const { secretKey, publicKey } = crypto.generateSigningKey();
  const message = utf8('m');
  const signature = crypto.sign(secretKey, message);
  assert.equal(crypto.verify(publicKey, utf8('n'), signature), false);
  assert.equal(crypto.verify(crypto.generateSigningKey().publicKey, message, signature), false);
  const flipped = signature.slice();
  flipped[0]! ^= 1;
  assert.equal(crypto.verify(publicKey, message, flipped), false);
});

test('malformed keys and signatures fail verification instead of throwing', () => {
  const { secretKey, publicKey } = crypto.generateSigningKey();
  const signature = crypto.sign(secretKey, utf8('m'));
  assert.equal(crypto.verify(publicKey.subarray(0, 31), utf8('m'), signature), false);
  assert.equal(crypto.verify(publicKey, utf8('m'), signature.subarray(0, 63)), false);
  assert.equal(crypto.verify(new Uint8Array(32).fill(0xff), utf8('m'), signature), false);
});

test('a non-canonical S (S + L) is rejected, as strict RFC 8032 requires', () => {
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const s = RFC8032_SIGNATURE.slice(32).reduceRight((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
  const malleated = RFC8032_SIGNATURE.slice();
  let value = s + L;
  for (let i = 32; i < 64; i++) {
    malleated[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  assert.equal(crypto.verify(RFC8032_PUBLIC, new Uint8Array(), malleated), false);
});

test('seeded key generation is reproducible', () => {
  const a = new Ed25519CryptoEffects(new SeededRandom(5)).generateSigningKey();
  const b = new Ed25519CryptoEffects(new SeededRandom(5)).generateSigningKey();
  assert.deepEqual(a, b);
});
