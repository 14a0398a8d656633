import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesEqual, utf8 } from '../core/bytes.ts';
import { isAuraError, permanentError } from '../core/errors.ts';
import { randomIdentifier, type DeviceId } from '../core/identifiers.ts';
import { generateHpkeKeyPair } from '../crypto/hpke.ts';
import { verifyStrict } from '../crypto/signature.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { deviceIdOfPublicKey } from '../handlers/network/peer-identity.ts';
import { SeededRandom } from '../handlers/random.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import { attemptSession } from '../protocols/attempts.ts';
import { authorityView, establishAuthority } from '../protocols/authority.ts';
import { epochSession } from '../protocols/epoch.ts';
import { reshareSession } from '../protocols/reshare.ts';
import { badDealingFirst, dealToDevices, testDevices, testLocks } from '../protocols/reshare-fixture.ts';
import { runSigningDevice } from '../protocols/sign.ts';
import { BackgroundClock } from './background-clock.ts';
import { changeRoles, changeSessions, runChangePart, type ChangeRequest } from './membership-change.ts';
import { exclusionSessions, familyRoles, reshareSessions, SessionGroups } from './session-groups.ts';
import { memoryChannels } from './testing.ts';

/** A signer whose signature share is wrong in the first attempt. */
function badShareFirst(honest: RoleImpl, attempt: number): RoleImpl {
  if (attempt > 0) return honest;
  return {
    ...honest,
    send: {
      ...honest.send,
      SigShare: async (to) => {
        const { share } = (await honest.send!['SigShare']!(to)) as { share: Uint8Array | null }; // the signing role sends SigShare
        return { share: share === null ? null : share.map((b, k) => (k === 0 ? (b + 1) % 256 : b)) };
      },
    },
  };
}

test('exclusion sessions map every attempt a retry can reach, with the signers left renumbered', () => {
  const random = new SeededRandom('exclusion-sessions');
  const [a, b, c] = [0, 1, 2].map(() => randomIdentifier('device', random)) as [DeviceId, DeviceId, DeviceId];
  const base = randomIdentifier('session', random);
  const sessions = exclusionSessions(base, [a, b, c], 2);
  assert.deepEqual([...(sessions.get(base) ?? [])], [['S[0]', a], ['S[1]', b], ['S[2]', c]]);
  assert.deepEqual([...(sessions.get(attemptSession(base, 1, [b, c])) ?? [])], [['S[0]', b], ['S[1]', c]]);
  assert.equal(sessions.has(attemptSession(base, 2, [b, c])), false); // two exclusions would leave one signer
  assert.equal(sessions.size, 4); // the first attempt, then one per pair
});

test('reshare sessions map every attempt exclusions of dealers can reach, the dealers renumbered and the rest of the roles kept', () => {
  const random = new SeededRandom('reshare-sessions');
  const [a, b, c, d] = [0, 1, 2, 3].map(() => randomIdentifier('device', random)) as [DeviceId, DeviceId, DeviceId, DeviceId];
  const { publicKeyPackage } = dealToDevices([a, b, c], 2, random);
  const setup = { old: publicKeyPackage, oldMembers: [a, b, c], recipients: [a, b, c, d].map((device) => ({ device })), threshold: 2, session: randomIdentifier('session', random), epoch: 3 };
  const roles = new Map([...familyRoles(['D'], [a, b]), ...familyRoles(['R'], [a, b, c, d])]);
  const sessions = reshareSessions(setup, roles);
  const recipients = familyRoles(['R'], [a, b, c, d]);
  assert.deepEqual(sessions.get(reshareSession(setup, [a, b], 0)), new Map([...recipients, ['D[0]', a], ['D[1]', b]]));
  // Excluding the first dealer: the second and third deal as D[0] and D[1] of attempt 1.
  assert.deepEqual(sessions.get(reshareSession(setup, [b, c], 1)), new Map([...recipients, ['D[0]', b], ['D[1]', c]]));
  assert.equal(sessions.has(reshareSession(setup, [b, c], 2)), false); // a second exclusion would leave one dealer
  assert.equal(sessions.size, 4); // the first attempt, then one per pair left (the pair [a, b] too, though only a dealer of attempt 0 can be named)
});

test('over session groups, a signing retry after excluding the first signer finishes among the others', async () => {
  const random = new SeededRandom('renumbered-retry');
  const devices = [0, 1, 2].map(() => randomIdentifier('device', random));
  const { publicKeyPackage, shares } = dealToDevices(devices, 2, random);
  const session = randomIdentifier('session', random);
  const message = utf8('retry among the honest');
  const known = exclusionSessions(epochSession(session, 0), devices, 2);
  const groups = memoryChannels(devices).map((channel) => new SessionGroups(channel).group(familyRoles(['S'], devices), known));
  const settled = await Promise.allSettled(
    devices.map((device, k) =>
      runSigningDevice(
        { signers: devices, publicKeyPackage, session, epoch: 0 },
        { device, keyShare: shares.get(device)!, message, random: random.fork(device) }, // dealToDevices made one share per device
        groups[k]!.transport, // one group per device
        k === 0 ? { roleImpl: badShareFirst } : {},
      ),
    ),
  );
  for (const group of groups) group.end();
  // The honest two named the first signer, and signed again as S[0] and S[1] of the retry.
  for (const outcome of settled.slice(1)) {
    if (outcome.status === 'rejected') throw outcome.reason;
    assert.ok(outcome.value.excluded.some((a) => a.device === devices[0] && a.reason === 'bad-share'));
    assert.ok(verifyStrict(publicKeyPackage.groupPublicKey, message, outcome.value.signature));
  }
});

test('over session groups, a membership change whose first dealer cheats reshares again with the next dealers', async () => {
  const random = new SeededRandom('renumbered-reshare');
  const crypto = new Ed25519CryptoEffects(random.fork('crypto'));
  // Three founders, their authority established in memory (that is not what is tested), and a device that joins.
  const founders = await testDevices(3, random);
  const members = founders.map((d) => ({ device: d.device, hpkePublicKey: d.hpkePublicKey, signingPublicKey: crypto.generateSigningKey().publicKey }));
  const genesis = { members, threshold: 2, session: randomIdentifier('session', random) };
  const genesisTransport = new MemoryTransport();
  const established = await Promise.all(founders.map((d) => establishAuthority(genesis, { device: d.device, hpkeSecretKey: d.hpkeSecretKey, random: d.random, crypto }, genesisTransport)));
  const { publicKeyPackage, journal } = established[0]!; // three founders
  const view = authorityView(journal);
  const joinerKey = crypto.generateSigningKey();
  const joinerHpke = await generateHpkeKeyPair(random);
  const joiner = { name: 'device-4', device: deviceIdOfPublicKey(joinerKey.publicKey), address: '/ip4/127.0.0.1/tcp/1', hpkePublicKey: joinerHpke.publicKey, signingPublicKey: joinerKey.publicKey };
  const dealers = founders.map((d) => d.device);
  const request: ChangeRequest = { op: 'reshare', session: randomIdentifier('session', random), roles: [...dealers, joiner.device], dealers, add: [joiner], remove: [], threshold: 2, epoch: view.epoch, group: publicKeyPackage };

  // Each device routes the change's sessions as its agent does: its own session group with the change's roles and sessions.
  const devices = [...founders.map((d, k) => ({ device: d.device, hpkeSecretKey: d.hpkeSecretKey, keyShare: established[k]!.keyShare })), { device: joiner.device, hpkeSecretKey: joinerHpke.secretKey }];
  const groups = memoryChannels(devices.map((d) => d.device)).map((channel) => new SessionGroups(channel).group(changeRoles(request), changeSessions(request)));
  const hpkeKeyOf = (device: DeviceId) => (members.find((m) => m.device === device) ?? joiner).hpkePublicKey;
  const time = new BackgroundClock(); // the lock and the resharing bound their receives: a lost message ends the run instead of hanging it
  const lock = testLocks(view.groupKey, random.fork('locks'), time);
  const settled = await Promise.allSettled(
    devices.map((d, k) =>
      runChangePart(request, { ...d, random: random.fork(`change-${k}`), lock: lock(d.device) }, view, hpkeKeyOf, groups[k]!.transport, { time, receiveTimeoutMs: 10_000, ...(k === 0 ? { roleImpl: badDealingFirst } : {}) }), // one group per device
    ),
  );
  for (const group of groups) group.end();
  // The second and third founders dealt in the retry, as D[0] and D[1] of its session; the joiner got its share.
  for (const outcome of settled.slice(1)) {
    if (outcome.status === 'rejected') throw outcome.reason;
    assert.ok(bytesEqual(outcome.value.publicKeyPackage.groupPublicKey, publicKeyPackage.groupPublicKey));
    assert.equal(Object.keys(outcome.value.publicKeyPackage.verifyingShares).length, 4);
  }
});

test('a group called off stops the roles waiting in it and any opened later, with its error', async () => {
  const random = new SeededRandom('called-off');
  const devices = [0, 1].map(() => randomIdentifier('device', random));
  const { publicKeyPackage, shares } = dealToDevices(devices, 2, random);
  const [channel] = memoryChannels(devices);
  const group = new SessionGroups(channel!).group(familyRoles(['S'], devices)); // the first device's; the second never answers
  const sign = (session: string) => runSigningDevice({ signers: devices, publicKeyPackage, session: randomIdentifier('session', new SeededRandom(session)), epoch: 0 }, { device: devices[0]!, keyShare: shares.get(devices[0]!)!, message: utf8(session), random }, group.transport, {}); // one share per device
  const waiting = sign('waiting');
  const error = permanentError('agent.called-off', 'the initiator called the session off');
  assert.equal(group.aborted, undefined);
  group.abort(error);
  group.abort(permanentError('agent.other', 'a second call changes nothing'));
  assert.equal(group.aborted, error);
  const stoppedBy = (e: unknown): boolean => isAuraError(e) && /the initiator called the session off/.test(e.message);
  await assert.rejects(waiting, stoppedBy);
  await assert.rejects(sign('later'), stoppedBy);
  group.end();
});
