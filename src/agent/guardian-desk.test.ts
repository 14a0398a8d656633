import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytesEqual } from '../core/bytes.ts';
import { deriveIdentifier, randomIdentifier, type DeviceId } from '../core/identifiers.ts';
import { generateHpkeKeyPair } from '../crypto/hpke.ts';
import type { PublicKeyPackage } from '../crypto/key-share.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { WallClock } from '../handlers/physical-time.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import type { Transport } from '../runtime/transport.ts';
import { authorityIdOf } from '../protocols/authority.ts';
import { setUpGuardians, type GuardianSetupParticipant, type GuardianSetupPlan } from '../protocols/guardian-setup.ts';
import { runRecovery, type RecoveryParticipant, type RecoveryPlan, type RecoveryRequest } from '../protocols/recovery.ts';
import type { ReshareOutcome } from '../protocols/reshare.ts';
import { badDealingFirst, testGroup, testGuardians, testLocks } from '../protocols/reshare-fixture.ts';
import { BackgroundClock } from './background-clock.ts';
import { afterTreeChange, ownAtJournalEpoch, guardianSetupRoles, guardianSetupSessions, guardianSetupTreeChange, recoveryPlan, recoveryRoles, recoverySessions, recoveryTreeChange } from './guardian-desk.ts';
import { SessionGroups } from './session-groups.ts';
import { memoryChannels, testAuthority } from './testing.ts';
import { loadJournal } from './authority-journal.ts';
import { withDeviceJournal } from './device-dir.ts';
import { toHex } from '../core/bytes.ts';
import { authorityView } from '../protocols/authority.ts';
import type { Guardianship } from './guardianship.ts';
import { treeChangeSessions } from './tree-change.ts';

const key = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
const address = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWMn7r2bsdgLAArSfCoZKxxW7Tk1VkrvGBpXPknCcWfVa5';
const device = (k: number): DeviceId => deriveIdentifier('device', { k });

/** A 2-of-3 authority in epoch 4 with two guardians. */
const guardianship: Guardianship = {
  authority: deriveIdentifier('authority', { seed: 'desk' }),
  groupKey: key(1),
  threshold: 2,
  epoch: 4,
  cooldownMs: 2000,
  owners: [1, 2, 3].map((k) => ({ name: `device-${k}`, device: device(k), address, hpkeKey: key(k + 1) })),
  guardians: [1, 2].map((k) => ({ name: `guardian-${k}`, authority: deriveIdentifier('authority', { g: k }), device: device(10 + k), signingKey: key(10 + k), hpkeKey: key(20 + k), address })),
};
const pkg: PublicKeyPackage = { threshold: 2, groupPublicKey: new Uint8Array(32), verifyingShares: {} };
const request: RecoveryRequest = { authority: guardianship.authority, newDevice: device(9), deviceKey: new Uint8Array(32).fill(9), hpkeKey: new Uint8Array(32), nonce: new Uint8Array(16) };
const session = deriveIdentifier('session', { seed: 'desk' });

describe('the tree changes of guardian setup and recovery', () => {
  it('guardian setup adds each guardian as a guardian leaf, signed by the owner devices, from the guardianship epoch', () => {
    const change = guardianSetupTreeChange(guardianship, session);
    assert.deepEqual(change.signers, [device(1), device(2), device(3)]);
    assert.equal(change.epoch, 4);
    assert.deepEqual(
      change.ops.map((op) => (op.kind === 'addLeaf' ? `${op.kind} ${op.leaf.role} ${op.leaf.id}` : op.kind)),
      [...guardianship.guardians.map((g) => `addLeaf guardian ${g.authority}`), 'changePolicy'],
    );
    assert.equal(afterTreeChange(guardianship, change).epoch, 5, 'the guardianship takes the epoch after the change');
  });

  it('a recovery adds the new device and removes the lost ones, signed by the survivors and the new device', () => {
    const change = recoveryTreeChange(recoveryPlan(guardianship, pkg, request, session, [device(2)]));
    assert.ok(change !== undefined);
    assert.deepEqual(change.signers, [device(2), device(9)]);
    assert.deepEqual(
      change.ops.map((op) => (op.kind === 'addLeaf' ? `add ${op.leaf.id}` : op.kind === 'removeLeaf' ? `remove ${op.leaf}` : op.kind)),
      [`add ${device(9)}`, `remove ${device(1)}`, `remove ${device(3)}`, 'changePolicy'],
    );
    // One session per fact (four operations, then the epoch rotation): two signers of a 2-of-n group have no exclusion attempt.
    assert.equal(treeChangeSessions(change).size, 5);
  });

  it('a recovery with no survivor, or too few signers for the threshold, leaves the tree as it was', () => {
    assert.equal(recoveryTreeChange(recoveryPlan(guardianship, pkg, request, session, [])), undefined);
    const threeOfThree = { ...pkg, threshold: 3 };
    assert.equal(recoveryTreeChange(recoveryPlan(guardianship, threeOfThree, request, session, [device(1)])), undefined);
    assert.equal(afterTreeChange(guardianship, undefined).epoch, 4);
  });
});

/** A 2-of-3 authority and two guardians, each with its own randomness, and the plan to set them up. */
async function guardedAuthority(seed: string) {
  const g = await testGroup(3, 2, seed);
  const crypto = new Ed25519CryptoEffects(g.random.fork('crypto'));
  const guardians = await testGuardians(2, g.random, crypto);
  const plan: GuardianSetupPlan = { authority: authorityIdOf(g.group.publicKeyPackage.groupPublicKey), group: g.group, guardians: guardians.map((x) => x.guardian), threshold: 2, session: randomIdentifier('session', g.random), epoch: 0 };
  const participants: GuardianSetupParticipant[] = [
    ...g.devices.map((d) => ({ device: d.device, keyShare: g.shares.get(d.device)!, hpkeSecretKey: d.hpkeSecretKey, random: d.random, crypto })), // testGroup dealt every device a share
    ...guardians.map((x) => ({ device: x.guardian.device, hpkeSecretKey: x.hpkeSecretKey, random: x.random, crypto, guardianSecretKey: x.secretKey })),
  ];
  const time = new BackgroundClock(); // the lock and the resharing bound their receives: a lost message ends the run instead of hanging it
  return { ...g, crypto, guardians, plan, participants, time, lock: testLocks(g.group.publicKeyPackage.groupPublicKey, g.random.fork('locks'), time) };
}

/**
 * Runs `run` at every one of `devices` over its own session group (its own device channel, as an
 * agent has), each group made of `roles` and the sessions `known` maps; the first device deals
 * wrong sub-shares in the first attempt of a resharing.
 */
async function overSessionGroups<T>(devices: readonly DeviceId[], roles: ReadonlyMap<string, DeviceId>, known: ReturnType<typeof guardianSetupSessions>, run: (k: number, transport: Transport, cheat: { readonly roleImpl?: typeof badDealingFirst }) => Promise<T>): Promise<T[]> {
  const groups = memoryChannels(devices).map((channel) => new SessionGroups(channel).group(roles, known));
  const settled = await Promise.allSettled(devices.map((_, k) => run(k, groups[k]!.transport, k === 0 ? { roleImpl: badDealingFirst } : {}))); // one group per device
  for (const group of groups) group.end();
  return settled.map((outcome, k) => {
    if (outcome.status === 'rejected') throw new Error(`participant ${k}: ${String(outcome.reason)}`);
    return outcome.value;
  });
}

/** The first dealer was named for its dealing, and the accepted attempt was dealt by `dealers`. */
function assertRetried(outcomes: readonly ReshareOutcome[], cheat: DeviceId, dealers: readonly DeviceId[], groupKey: Uint8Array): void {
  for (const outcome of outcomes) {
    assert.ok(outcome.excluded.some((a) => a.device === cheat), 'the cheating dealer is named');
    assert.deepEqual(outcome.dealers, dealers);
    assert.ok(bytesEqual(outcome.publicKeyPackage.groupPublicKey, groupKey));
  }
}

describe('the resharing retries of guardian setup and recovery, over session groups', () => {
  it('guardian setup whose first dealer cheats reshares again with the next owners, at owners and guardians alike', async () => {
    const f = await guardedAuthority('setup-retry');
    const owners = f.devices.map((d) => d.device);
    const roles = guardianSetupRoles(owners, f.guardians.map((x) => x.guardian.device), 2);
    const outcomes = await overSessionGroups(f.participants.map((p) => p.device), roles, guardianSetupSessions(f.plan, roles), (k, transport, cheat) =>
      setUpGuardians(f.plan, f.participants[k]!, transport, { lock: f.lock(f.participants[k]!.device), time: f.time, receiveTimeoutMs: 10_000, ...cheat }), // one participant per device
    );
    assertRetried(outcomes, owners[0]!, owners.slice(1), f.group.publicKeyPackage.groupPublicKey);
    for (const outcome of outcomes) assert.ok(outcome.keyShare !== undefined, 'owners and guardians get a share');
  });

  it('a recovery whose surviving dealer cheats reshares again with the approving guardians, at every participant', async () => {
    const f = await guardedAuthority('recovery-retry');
    const transport = new MemoryTransport();
    const setUp = await Promise.all(f.participants.map((p) => setUpGuardians(f.plan, p, transport, { lock: f.lock(p.device) })));
    const [survivor, ...lost] = f.devices.map((d) => d.device);
    const guardianDevices = f.guardians.map((x) => x.guardian.device);
    const newKeys = { signing: f.crypto.generateSigningKey(), hpke: await generateHpkeKeyPair(f.random) };
    const newDevice = randomIdentifier('device', f.random);
    const plan: RecoveryPlan = {
      publicKeyPackage: setUp[0]!.publicKeyPackage,
      guardians: f.plan.guardians,
      devices: f.devices.slice(0, 1),
      lost,
      request: { authority: f.plan.authority, newDevice, deviceKey: newKeys.signing.publicKey, hpkeKey: newKeys.hpke.publicKey, nonce: f.random.randomBytes(16) },
      approvals: 2,
      cooldownMs: 0,
      session: randomIdentifier('session', f.random),
      epoch: 1,
    };
    const base = { crypto: f.crypto, time: new WallClock() }; // the cooldown (none) is slept on a timer that keeps the test alive
    // The survivor first (it deals first, and cheats), then the new device and the guardians, each with the share the setup gave it.
    const participants: RecoveryParticipant[] = [
      { ...base, device: survivor!, hpkeSecretKey: f.devices[0]!.hpkeSecretKey, keyShare: setUp[0]!.keyShare!, random: f.random.fork('survivor') }, // testGroup made three devices; the setup gave each a share
      { ...base, device: newDevice, hpkeSecretKey: newKeys.hpke.secretKey, deviceSecretKey: newKeys.signing.secretKey, random: f.random.fork('new') },
      ...f.guardians.map((x, i) => ({ ...base, device: x.guardian.device, hpkeSecretKey: x.hpkeSecretKey, keyShare: setUp[3 + i]!.keyShare!, guardianSecretKey: x.secretKey, random: x.random.fork('recovery') })), // guardians follow the three devices
    ];
    const roles = recoveryRoles(newDevice, [survivor!], guardianDevices, guardianDevices, plan.publicKeyPackage.threshold);
    const outcomes = await overSessionGroups(participants.map((p) => p.device), roles, recoverySessions(plan, guardianDevices, roles), (k, transport, cheat) =>
      runRecovery(plan, participants[k]!, transport, { lock: f.lock(participants[k]!.device), time: f.time, receiveTimeoutMs: 10_000, ...cheat }), // one participant per device
    );
    assertRetried(outcomes, survivor!, guardianDevices, f.group.publicKeyPackage.groupPublicKey);
    assert.ok(outcomes.every((o) => o.keyShare !== undefined), 'the survivor, the new device and the guardians get a share');
  });
});

describe('ownAtJournalEpoch', () => {
  it('brings the own guardianship to a journal that moved past it with exactly its owners, and to no other', async () => {
    const created = await testAuthority(2, 1);
    try {
      const { config, view } = await withDeviceJournal(created.devices[0]!.dir, {}, async (config, journal) => ({ config, view: authorityView(await loadJournal(journal, config.authority)) })); // two devices
      const own: Guardianship = {
        authority: config.authority,
        groupKey: toHex(config.groupKey),
        threshold: 1,
        epoch: view.epoch,
        cooldownMs: 1000,
        owners: config.members.map((m) => ({ name: m.name, device: m.device, address: m.address, hpkeKey: toHex(m.hpkePublicKey) })),
        guardians: [],
      };
      const moved = { ...view, epoch: view.epoch + 2 };
      assert.deepEqual(ownAtJournalEpoch(own, moved), { ...own, epoch: view.epoch + 2 });
      assert.equal(ownAtJournalEpoch(own, view), own);
      assert.equal(ownAtJournalEpoch({ ...own, epoch: view.epoch + 3 }, moved).epoch, view.epoch + 3);
      assert.equal(ownAtJournalEpoch({ ...own, owners: own.owners.slice(1) }, moved).epoch, view.epoch);
      assert.equal(ownAtJournalEpoch(own, { ...moved, members: moved.members.slice(1) }).epoch, view.epoch);
      assert.equal(ownAtJournalEpoch({ ...own, authority: authorityIdOf(new Uint8Array(32).fill(7)) }, moved).epoch, view.epoch);
    } finally {
      created.remove();
    }
  });
});
