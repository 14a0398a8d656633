import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesEqual, toHex } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import { generateHpkeKeyPair } from '../crypto/hpke.ts';
import { deviceParticipantId } from '../crypto/participant.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { deviceIdOfPublicKey } from '../handlers/network/peer-identity.ts';
import { SeededRandom } from '../handlers/random.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import { authorityView } from '../protocols/authority.ts';
import { setUpGuardians, type GuardianSetupPlan } from '../protocols/guardian-setup.ts';
import { sharesSign, testGuardians, testLocks } from '../protocols/reshare-fixture.ts';
import { loadJournal } from './authority-journal.ts';
import type { NewMember } from './agent-request.ts';
import type { OpenDevice } from './device-dir.ts';
import { changeOperation, changeRoles, checkChangeRequest, guardianshipAfterChange, proposeChange, runChangePart, runGuardianChangePart, type ChangeRequest } from './membership-change.ts';
import type { Guardianship } from './guardianship.ts';
import { sharedTestAuthority } from './testing.ts';

const random = new SeededRandom('membership-change-guardians');
const crypto = new Ed25519CryptoEffects(random.fork('crypto'));
const shared = sharedTestAuthority(3, 2, random.fork('authority'));

test('a device that is no guardian of the authority cannot take a guardian\'s part', async () => {
  const config = shared.devices[0]!.config;
  const guardians = await testGuardians(1, random.fork('other-guardians'), crypto);
  const request: ChangeRequest = { op: 'reshare', session: randomIdentifier('session', random), roles: config.members.map((m) => m.device), dealers: config.members.map((m) => m.device), add: [], remove: [], threshold: 2, epoch: 0, group: shared.devices[0]!.secrets.keyShare.publicKeyPackage };
  const stranger = guardians[0]!;
  await assert.rejects(
    runGuardianChangePart(request, { device: stranger.guardian.device, hpkeSecretKey: stranger.hpkeSecretKey, random: stranger.random, lock: testLocks(shared.authority.groupKey, random.fork('l'))(stranger.guardian.device) }, () => new Uint8Array(32), new MemoryTransport(), {}),
    (e) => isAuraError(e, 'agent.bad-change') && /is no guardian/.test(e.message),
  );
});

test('adding a device to an authority with guardians reshares onto the devices and the guardians: same key, the newcomer signs, the guardians can still recover', async () => {
  const config = shared.devices[0]!.config; // three devices
  const view = authorityView(await loadJournal(shared.devices[0]!.journal, config.authority));
  const guardians = await testGuardians(2, random.fork('guardians'), crypto);
  const lock = testLocks(shared.authority.groupKey, random.fork('locks'));

  // Guardian setup (its tree change is not signed here: the change below starts from the devices' tree).
  const plan: GuardianSetupPlan = {
    authority: config.authority,
    group: { publicKeyPackage: shared.devices[0]!.secrets.keyShare.publicKeyPackage, members: config.members.map((m) => ({ device: m.device, hpkePublicKey: m.hpkePublicKey })), epoch: view.epoch },
    guardians: guardians.map((x) => x.guardian),
    threshold: 2,
    session: randomIdentifier('session', random),
    epoch: view.epoch,
  };
  const setupTransport = new MemoryTransport();
  const setUp = await Promise.all([
    ...shared.devices.map((d) => setUpGuardians(plan, { device: d.config.device, keyShare: d.secrets.keyShare, hpkeSecretKey: d.hpke.secretKey, random: random.fork(`setup-${d.config.device}`), crypto }, setupTransport, { lock: lock(d.config.device) })),
    ...guardians.map((x) => setUpGuardians(plan, { device: x.guardian.device, hpkeSecretKey: x.hpkeSecretKey, random: x.random, crypto, guardianSecretKey: x.secretKey }, setupTransport, { lock: lock(x.guardian.device) })),
  ]);
  const withGuardians = setUp[0]!.publicKeyPackage;

  // The change adds device-4; the guardians take part, vote for the lock and get fresh recovery shares.
  const signing = crypto.generateSigningKey();
  const hpke = await generateHpkeKeyPair(random);
  const member: NewMember = { name: 'device-4', device: deviceIdOfPublicKey(signing.publicKey), address: '/ip4/127.0.0.1/tcp/1', hpkePublicKey: hpke.publicKey, signingPublicKey: signing.publicKey };
  const { roles, body } = proposeChange(config, withGuardians, view.epoch, { add: [member] });
  const team = guardians.map((x) => x.guardian);
  const guardianship: Guardianship = {
    authority: config.authority,
    groupKey: toHex(shared.authority.groupKey),
    threshold: 2,
    epoch: view.epoch,
    cooldownMs: 0,
    owners: config.members.map((m) => ({ name: m.name, device: m.device, address: m.address, hpkeKey: toHex(m.hpkePublicKey) })),
    guardians: team.map((g, k) => ({ name: `guardian-${k + 1}`, authority: g.authority, device: g.device, signingKey: toHex(g.signingKey), hpkeKey: toHex(g.hpkeKey), address: '/ip4/127.0.0.1/tcp/2' })),
  };
  const request: ChangeRequest = { op: 'reshare', session: randomIdentifier('session', random), roles, ...body, guardianship };
  assert.deepEqual(changeOperation(request).electorate, team.map((g) => g.device));
  assert.deepEqual(changeOperation(request).participants, [...roles, ...team.map((g) => g.device)]);
  assert.equal(changeRoles(request).get('R[4]'), team[0]!.device);
  assert.equal(changeRoles(request).has('S[4]'), false, 'the guardians do not sign the devices\' tree change');
  // A member accepts the change only with the guardianship it records.
  assert.equal(checkChangeRequest(shared.devices[1]!.config, withGuardians, view.epoch, request, config.device, guardianship), undefined);
  assert.match(checkChangeRequest(shared.devices[1]!.config, withGuardians, view.epoch, request, config.device) ?? '', /other guardians/);
  assert.match(checkChangeRequest(shared.devices[1]!.config, withGuardians, view.epoch, { ...request, guardianship: { ...guardianship, guardians: guardianship.guardians.slice(1) } }, config.device, guardianship) ?? '', /other guardians/);
  const recorded = guardianshipAfterChange(request);
  assert.deepEqual([recorded?.owners.map((o) => o.name), recorded?.epoch, recorded?.guardians], [['device-1', 'device-2', 'device-3', 'device-4'], view.epoch + 1, guardianship.guardians]);

  const hpkeKeyOf = (device: string) => (config.members.find((m) => m.device === device) ?? member).hpkePublicKey;
  const transport = new MemoryTransport();
  const participant = (device: OpenDevice) => ({ device: device.config.device, keyShare: setUp[shared.devices.indexOf(device)]!.keyShare!, hpkeSecretKey: device.hpke.secretKey, random: random.fork(`change-${device.config.device}`), lock: lock(device.config.device) }); // every device got a share in the setup
  const [changed, guardianChanged] = await Promise.all([
    Promise.all([
      ...shared.devices.map((d) => runChangePart(request, participant(d), view, hpkeKeyOf, transport, {})),
      runChangePart(request, { device: member.device, hpkeSecretKey: hpke.secretKey, random: random.fork('change-device-4'), lock: lock(member.device) }, view, hpkeKeyOf, transport, {}),
    ]),
    Promise.all(guardians.map((x) => runGuardianChangePart(request, { device: x.guardian.device, hpkeSecretKey: x.hpkeSecretKey, random: x.random, lock: lock(x.guardian.device) }, hpkeKeyOf, transport, {}))),
  ]);

  const pkg = changed[0].publicKeyPackage;
  for (const outcome of [...changed, ...guardianChanged]) {
    assert.ok(bytesEqual(outcome.publicKeyPackage.groupPublicKey, shared.authority.groupKey), 'the group key is unchanged');
    assert.deepEqual(outcome.publicKeyPackage, pkg, 'every participant holds the same new group');
  }
  assert.deepEqual(Object.keys(pkg.verifyingShares).sort(), [...roles, ...team.map((g) => g.device)].map(deviceParticipantId).sort());
  // The devices all signed the same tree change (its last fact rotates the epoch).
  assert.ok(changed.every((o) => o.facts.length > 0 && toHex(o.facts.at(-1)!.bytes) === toHex(changed[0].facts.at(-1)!.bytes)));

  const newcomer = changed[3]!.keyShare;
  assert.ok(sharesSign(pkg, [newcomer, changed[1]!.keyShare], random), 'the new device signs with another device');
  const recoveryShares = guardianChanged.map((o) => o.keyShare);
  assert.ok(sharesSign(pkg, recoveryShares, random), 'the guardians\' new recovery shares sign under the group key: a recovery can still reshare');
  for (const x of team) {
    const id = deviceParticipantId(x.device);
    assert.ok(!bytesEqual(pkg.verifyingShares[id]!, withGuardians.verifyingShares[id]!), 'a guardian\'s old recovery share no longer fits');
  }
});
