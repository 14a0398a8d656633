import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../../core/errors.ts';
import { Ed25519CryptoEffects } from '../ed25519-crypto.ts';
import { SeededRandom } from '../random.ts';
import { deviceIdOfPeer, deviceIdOfPublicKey, libp2pKeyOfDevice, parsePeerId, peerIdOfDevice } from './peer-identity.ts';

test("a device key's peer id carries the same public key node:crypto derives (RFC 8032)", async () => {
  const seed = new SeededRandom('peer-identity').randomBytes(32);
  const publicKey = new Ed25519CryptoEffects(new SeededRandom(0)).publicKeyOf(seed);
  const peer = await peerIdOfDevice(seed);
  assert.equal(peer.type, 'Ed25519');
  assert.deepEqual(peer.publicKey.raw, publicKey);
  assert.match(peer.toString(), /^12D3KooW/);
  assert.equal(deviceIdOfPeer(peer), deviceIdOfPublicKey(publicKey));
  assert.ok(parsePeerId(peer.toString()).equals(peer));
});

test('the same key always gives the same peer id; different keys give different ones', async () => {
  const random = new SeededRandom('keys');
  const [k1, k2] = [random.randomBytes(32), random.randomBytes(32)];
  assert.equal((await peerIdOfDevice(k1)).toString(), (await peerIdOfDevice(k1.slice())).toString());
  assert.notEqual((await peerIdOfDevice(k1)).toString(), (await peerIdOfDevice(k2)).toString());
});

test('wrong-sized keys and bad peer ids are refused', async () => {
  await assert.rejects(libp2pKeyOfDevice(new Uint8Array(31)), (error: unknown) => isAuraError(error, 'network.bad-device-key'));
  assert.throws(() => deviceIdOfPublicKey(new Uint8Array(33)), (error: unknown) => isAuraError(error, 'network.bad-device-key'));
  assert.throws(() => parsePeerId('not-a-peer'), (error: unknown) => isAuraError(error, 'network.bad-peer-id'));
});
