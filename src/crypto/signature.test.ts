/**
 * Tests of Ed25519 signing through cached private keys (`signature.ts`): signatures stay RFC 8032
 * (deterministic, verifiable, distinct per key) whether the key is cached or was evicted, and the
 * cache stays bounded.
 *
 * @module
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cachedPrivateKeyCount, ed25519PublicKey, ed25519Sign, PRIVATE_KEY_CACHE_LIMIT, verifyStrict } from './signature.ts';
import { digest } from '../core/hash.ts';
import { AuraError } from '../core/errors.ts';

let seeds = 0;
/** A distinct, reproducible 32-byte secret seed. */
const nextSecret = (): Uint8Array => digest(new TextEncoder().encode(`signature-test ${seeds++}`));
const message = new TextEncoder().encode('sign me');

test('a cached key signs exactly as a fresh one: same signature, and it verifies', () => {
  const secret = nextSecret();
  const first = ed25519Sign(secret, message);
  const second = ed25519Sign(secret, message);
  assert.deepEqual(second, first);
  assert.equal(verifyStrict(ed25519PublicKey(secret), message, first), true);
});

test('the private key cache holds at most its limit and evicted keys still sign correctly', () => {
  const secrets = Array.from({ length: PRIVATE_KEY_CACHE_LIMIT * 2 }, () => nextSecret());
  const signatures = secrets.map((secret) => ed25519Sign(secret, message));
  assert.ok(cachedPrivateKeyCount() <= PRIVATE_KEY_CACHE_LIMIT);
  assert.equal(new Set(signatures.map((signature) => Buffer.from(signature).toString('hex'))).size, secrets.length);
  // The first secrets were evicted: signing again rebuilds their keys and gives the same signatures.
  secrets.slice(0, 4).forEach((secret, i) => {
    assert.deepEqual(ed25519Sign(secret, message), signatures[i]);
    assert.equal(verifyStrict(ed25519PublicKey(secret), message, signatures[i] as Uint8Array), true);
  });
});

test('a secret of the wrong length is crypto.bad-key, cached or not', () => {
  for (const length of [0, 31, 33]) {
    assert.throws(() => ed25519Sign(new Uint8Array(length), message), (error: unknown) => error instanceof AuraError && error.code === 'crypto.bad-key');
    assert.throws(() => ed25519PublicKey(new Uint8Array(length)), (error: unknown) => error instanceof AuraError && error.code === 'crypto.bad-key');
  }
});

test('the public key of a seed is the one OpenSSL derives from it', () => {
  for (let i = 0; i < 16; i++) {
    const secret = nextSecret();
    const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), secret]), format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    assert.deepEqual(ed25519PublicKey(secret), new Uint8Array(spki.subarray(12)));
  }
});
