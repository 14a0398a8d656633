import { test } from 'node:test';
import assert from 'node:assert/strict';
import { multiaddr } from '@multiformats/multiaddr';
import { isAuraError } from '../../core/errors.ts';
import { randomIdentifier } from '../../core/identifiers.ts';
import { SeededRandom } from '../random.ts';
import { PeerDirectory } from './peer-directory.ts';
import { deviceIdOfPeer, peerIdOfDevice } from './peer-identity.ts';

const random = new SeededRandom('directory');
const [alice, bob] = await Promise.all([peerIdOfDevice(random.randomBytes(32)), peerIdOfDevice(random.randomBytes(32))]);
const authority = randomIdentifier('authority', random);

test('registered devices are found by device, by peer and by authority; addresses accumulate', () => {
  const directory = new PeerDirectory();
  const device = randomIdentifier('device', random);
  directory.register({ device, authority, peer: alice, addresses: [multiaddr('/ip4/127.0.0.1/tcp/1')] });
  directory.register({ device, peer: alice, addresses: [multiaddr('/ip4/127.0.0.1/tcp/2'), multiaddr('/ip4/127.0.0.1/tcp/1')] });
  assert.equal(directory.peer(alice)?.device, device);
  assert.deepEqual(directory.device(device)?.addresses.map(String), ['/ip4/127.0.0.1/tcp/1', '/ip4/127.0.0.1/tcp/2']);
  assert.deepEqual(directory.devicesOf(authority), [device]);
});

test('a device cannot be rebound to another peer, nor a peer to another device', () => {
  const directory = new PeerDirectory();
  const device = randomIdentifier('device', random);
  directory.register({ device, peer: alice, addresses: [] });
  assert.throws(() => directory.register({ device, peer: bob, addresses: [] }), (error: unknown) => isAuraError(error, 'network.binding-conflict'));
  assert.throws(() => directory.register({ device: randomIdentifier('device', random), peer: alice, addresses: [] }), (error: unknown) => isAuraError(error, 'network.binding-conflict'));
});

test('authenticate accepts the bound device and learns key-derived ones', () => {
  const directory = new PeerDirectory();
  const assigned = randomIdentifier('device', random);
  directory.register({ device: assigned, peer: alice, addresses: [] });
  assert.equal(directory.authenticate(assigned, alice), assigned);
  const derived = deviceIdOfPeer(bob)!; // bob has an Ed25519 key
  assert.equal(directory.authenticate(derived, bob), derived);
  assert.equal(directory.peer(bob)?.device, derived);
});

test('authenticate refuses every spoofed claim', () => {
  const directory = new PeerDirectory();
  const assigned = randomIdentifier('device', random);
  directory.register({ device: assigned, peer: alice, addresses: [] });
  const spoofed = (run: () => unknown): void => { assert.throws(run, (error: unknown) => isAuraError(error, 'network.sender-spoofed')); };
  spoofed(() => directory.authenticate(assigned, bob)); // bob claims alice's device
  spoofed(() => directory.authenticate(deviceIdOfPeer(bob)!, alice)); // alice claims bob's derived id; both keys are Ed25519
  spoofed(() => directory.authenticate(randomIdentifier('device', random), bob)); // an unknown id not derived from bob's key
});
