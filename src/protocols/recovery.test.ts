import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytesEqual, toHex } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { deriveIdentifier, randomIdentifier, type DeviceId } from '../core/identifiers.ts';
import { generateHpkeKeyPair } from '../crypto/hpke.ts';
import { deviceParticipantId } from '../crypto/participant.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { ManualClock } from '../handlers/physical-time.ts';
import { SeededRandom } from '../handlers/random.ts';
import { attestationTranscript, deviceAttestation, staticSignerKeys, thresholdAttestation } from '../journal/attestation.ts';
import { sealFact, unsignedPart } from '../journal/fact.ts';
import { FactRegistry } from '../journal/fact-registry.ts';
import { admit, emptyJournal, type Journal } from '../journal/journal.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import { admitAuthorityFacts, attestMembershipChange, authorityView, establishAuthority } from './authority.ts';
import { setUpGuardians } from './guardian-setup.ts';
import { RECOVERY_FACT_TYPES, disputedDraft, journalDisputeWatch, recoveryContext, recoveryProtocol, runRecovery, type DisputeWatch, type RecoveryOutcome, type RecoveryParticipant, type RecoveryPlan } from './recovery.ts';
import { membershipLockName } from './lock-guard.ts';
import { DEFAULT_LOCK_POLICY, acquireLock, serveLockRequest } from './lock.ts';
import { membershipOps } from './reshare.ts';
import { sharesSign, testDevices, testGroup, testGuardians, testLocks } from './reshare-fixture.ts';
import { runSigningDevice } from './sign.ts';

const COOLDOWN = 60_000;
/** 2-of-5 over 3 devices and 2 guardians, every device lost. */
const SMALL = { n: 3, t: 2, k: 2, survivors: 0, approvals: 2 };

/** The shape of a recovery test: n devices, k guardians, threshold t over devices + guardians, the first `survivors` devices survive. */
interface Shape {
  readonly n: number;
  readonly t: number;
  readonly k: number;
  readonly survivors: number;
  readonly approvals: number;
}

/** A t-of-(n + k) authority (n devices, k guardians set up) that then loses all but `survivors` devices; a new device asks to recover. */
async function fixture(shape: Shape, seed: string) {
  const { n, t, k, survivors, approvals } = shape;
  const g = await testGroup(n, Math.min(t, n), seed);
  const crypto = new Ed25519CryptoEffects(g.random.fork('crypto'));
  const guardians = await testGuardians(k, g.random, crypto);
  const authority = deriveIdentifier('authority', { groupKey: g.group.publicKeyPackage.groupPublicKey });
  const plan = { authority, group: g.group, guardians: guardians.map((x) => x.guardian), threshold: t, session: randomIdentifier('session', g.random), epoch: 0 };
  const transport = new MemoryTransport();
  const clock = new ManualClock();
  const lock = testLocks(g.group.publicKeyPackage.groupPublicKey, g.random, clock);
  const setup = await Promise.all([
    ...g.devices.map((d) => setUpGuardians(plan, { device: d.device, keyShare: g.shares.get(d.device)!, hpkeSecretKey: d.hpkeSecretKey, random: d.random, crypto }, transport, { lock: lock(d.device) })), // every device has a share
    ...guardians.map((x) => setUpGuardians(plan, { device: x.guardian.device, hpkeSecretKey: x.hpkeSecretKey, random: x.random, crypto, guardianSecretKey: x.secretKey }, transport, { lock: lock(x.guardian.device) })),
  ]);
  const shares = setup.map((o) => o.keyShare!); // devices and guardians are new members of the setup
  const guardianShares = shares.slice(n);
  const survivorShares = shares.slice(0, survivors);
  const lostShares = shares.slice(survivors, n);
  const newKeys = { signing: crypto.generateSigningKey(), hpke: await generateHpkeKeyPair(g.random) };
  const newDevice = randomIdentifier('device', g.random);
  const recoveryPlan: RecoveryPlan = {
    publicKeyPackage: setup[0]!.publicKeyPackage,
    guardians: guardians.map((x) => x.guardian),
    devices: g.devices.slice(0, survivors),
    lost: g.devices.slice(survivors).map((d) => d.device),
    request: { authority, newDevice, deviceKey: newKeys.signing.publicKey, hpkeKey: newKeys.hpke.publicKey, nonce: g.random.randomBytes(16) },
    approvals,
    cooldownMs: COOLDOWN,
    session: randomIdentifier('session', g.random),
    epoch: 1,
  };
  const newParticipant: RecoveryParticipant = { device: newDevice, hpkeSecretKey: newKeys.hpke.secretKey, deviceSecretKey: newKeys.signing.secretKey, random: g.random.fork('new'), crypto, time: clock };
  const survivorParticipants: RecoveryParticipant[] = g.devices.slice(0, survivors).map((d, i) => ({ device: d.device, hpkeSecretKey: d.hpkeSecretKey, keyShare: survivorShares[i]!, random: g.random.fork(`survivor-${i}`), crypto, time: clock }));
  const guardianParticipant = (i: number, extra: Partial<RecoveryParticipant> = {}): RecoveryParticipant => {
    const x = guardians[i]!;
    return { device: x.guardian.device, hpkeSecretKey: x.hpkeSecretKey, keyShare: guardianShares[i]!, guardianSecretKey: x.secretKey, random: x.random.fork('recovery'), crypto, time: clock, ...extra };
  };
  /** Every participant, honest: the new device, the surviving devices, then the guardians. */
  const everyone = () => [newParticipant, ...survivorParticipants, ...guardians.map((_, i) => guardianParticipant(i))];
  return { ...g, crypto, guardians, authority, guardianShares, survivorShares, lostShares, recoveryPlan, clock, lock, newParticipant, survivorParticipants, guardianParticipant, everyone };
}

type Fixture = Awaited<ReturnType<typeof fixture>>;

/** Runs every participant, moving the clock on while any sleeps; returns the settled outcomes and how far the clock moved. */
async function drive(f: Pick<Fixture, 'clock' | 'recoveryPlan' | 'lock'>, participants: readonly RecoveryParticipant[], options: { readonly roleImpl?: (honest: RoleImpl) => RoleImpl; readonly byzantine?: number } = {}) {
  const transport = new MemoryTransport();
  let settled = false;
  const run = Promise.allSettled(
    participants.map((p, k) => runRecovery(f.recoveryPlan, p, transport, { lock: f.lock(p.device), ...(k === options.byzantine && options.roleImpl !== undefined ? { roleImpl: options.roleImpl } : {}) })),
  ).finally(() => {
    settled = true;
  });
  let moved = 0;
  while (!settled) {
    await new Promise((resolve) => setImmediate(resolve));
    // Time moves only while someone waits on it (the cooldown): the crypto between takes real turns.
    if (f.clock.pendingSleepers === 0) continue;
    f.clock.advance(1000);
    moved += 1000;
    // Virtual time: a recovery that is still running long after its cooldown is stuck.
    if (moved > 50 * COOLDOWN) throw new Error(`the recovery is still running after ${moved} ms of virtual time`);
  }
  return { outcomes: await run, moved };
}

function fulfilled(outcomes: readonly PromiseSettledResult<RecoveryOutcome>[]): RecoveryOutcome[] {
  return outcomes.map((s, k) => {
    if (s.status === 'rejected') throw new Error(`participant ${k}: ${String(s.reason)}`);
    return s.value;
  });
}

describe('guardian recovery', () => {
  it('checks and projects: the new device and the surviving devices are one family, never empty', () => {
    assert.deepEqual(recoveryProtocol(3).roles, ['Device[0]', 'Guardian[0]', 'Guardian[1]', 'Guardian[2]']);
    assert.deepEqual(recoveryProtocol(2, 3).roles, ['Device[0]', 'Device[1]', 'Device[2]', 'Guardian[0]', 'Guardian[1]']);
  });

  const shapes: readonly (Shape & { readonly name: string })[] = [
    { name: '2-of-5 (3 devices, 2 guardians), every device lost', n: 3, t: 2, k: 2, survivors: 0, approvals: 2 },
    { name: '3-of-8 (5 devices, 3 guardians), every device lost', n: 5, t: 3, k: 3, survivors: 0, approvals: 3 },
    { name: '3-of-7 (4 devices, 3 guardians), 3 lost, 1 survives', n: 4, t: 3, k: 3, survivors: 1, approvals: 2 },
    { name: '3-of-7 (4 devices, 3 guardians), 2 lost, 2 survive', n: 4, t: 3, k: 3, survivors: 2, approvals: 2 },
  ];
  for (const shape of shapes) {
    it(`${shape.name}: ${shape.approvals} approvals, the survivors and a new device sign under the same group key after the cooldown; the lost drop out`, async () => {
      const f = await fixture(shape, `recovery-${shape.n}-${shape.survivors}`);
      const { outcomes, moved } = await drive(f, f.everyone());
      const results = fulfilled(outcomes);
      assert.ok(moved >= COOLDOWN, `the recovery waited the cooldown (${moved} ms)`);
      const pkg = results[0]!.publicKeyPackage;
      assert.equal(new Set(results.map((r) => toHex(r.publicKeyPackage.groupPublicKey))).size, 1, 'every participant ends with the same group');
      assert.ok(bytesEqual(pkg.groupPublicKey, f.group.publicKeyPackage.groupPublicKey), 'the group key survives');
      const members = [f.recoveryPlan.request.newDevice, ...f.devices.slice(0, shape.survivors).map((d) => d.device), ...f.guardians.map((x) => x.guardian.device)];
      assert.deepEqual(new Set(Object.keys(pkg.verifyingShares)), new Set(members.map(deviceParticipantId)), 'the group is the survivors, the new device and the guardians');
      // The devices of the owner (the new one first) sign, with guardians only where too few devices remain.
      const newShares = results.map((r) => r.keyShare!); // every participant is a new member
      assert.ok(sharesSign(pkg, newShares, f.random));
      for (const lost of f.lostShares) {
        assert.ok(lost.alive, 'a lost device took no part: its old share is untouched');
        assert.ok(!(lost.participant in pkg.verifyingShares), 'a lost device has no share of the new group');
        assert.throws(() => sharesSign(pkg, [lost, ...newShares.slice(1)], f.random), 'a lost device\u2019s old share no longer signs with the new ones');
      }
      for (const share of [...f.guardianShares, ...f.survivorShares]) assert.equal(share.alive, false, 'the participants\u2019 old shares are destroyed');
      assert.deepEqual(results[0]!.change, { add: [results[0]!.leaf], remove: f.devices.slice(shape.survivors).map((d) => d.device), threshold: shape.t });
    });
  }

  it('the demo: 4 devices and 3 guardians, 2 devices lost, 2 approvals: the tree drops the lost, adds the new device, moves to the next epoch, and the group key is unchanged', async () => {
    const random = new SeededRandom('recovery-demo');
    const crypto = new Ed25519CryptoEffects(random.fork('crypto'));
    const transport = new MemoryTransport();
    const devices = await testDevices(4, random);
    const signing = devices.map(() => crypto.generateSigningKey());
    const members = devices.map((d, k) => ({ device: d.device, hpkePublicKey: d.hpkePublicKey, signingPublicKey: signing[k]!.publicKey }));
    const genesisSetup = { members, threshold: 3, session: randomIdentifier('session', random) };
    const created = await Promise.all(devices.map((d) => establishAuthority(genesisSetup, { device: d.device, hpkeSecretKey: d.hpkeSecretKey, random: d.random, crypto }, transport)));
    const genesis = authorityView(created[0]!.journal);
    const guardians = await testGuardians(3, random, crypto);
    const clock = new ManualClock();
    const lock = testLocks(genesis.groupKey, random, clock);
    /** Signs `ops` with `signers` of `pkg` at the epoch of `journal`, and admits the facts to it. */
    const change = async (journal: Journal, pkg: RecoveryOutcome['publicKeyPackage'], signers: readonly { device: DeviceId; keyShare: RecoveryOutcome['keyShare'] }[], ops: Parameters<typeof attestMembershipChange>[3]) => {
      const view = authorityView(journal);
      const group = { authority: view.authority, publicKeyPackage: pkg, signers: signers.map((s) => s.device), session: randomIdentifier('session', random), epoch: view.epoch };
      const signed = await Promise.all(signers.map((s) => attestMembershipChange(group, { device: s.device, keyShare: s.keyShare!, random: random.fork(s.device) }, view.tree.tree, ops, transport)));
      return admitAuthorityFacts(journal, signed[0]!.map((a) => a.record), view.groupKey, crypto);
    };
    // Guardian setup: devices + guardians, 3 of 7; the tree gets the guardians (epoch 1).
    const setupPlan = { authority: genesis.authority, group: { publicKeyPackage: created[0]!.publicKeyPackage, members: devices, epoch: genesis.epoch }, guardians: guardians.map((x) => x.guardian), threshold: 3, session: randomIdentifier('session', random), epoch: genesis.epoch };
    const setup = await Promise.all([
      ...devices.map((d, k) => setUpGuardians(setupPlan, { device: d.device, keyShare: created[k]!.keyShare, hpkeSecretKey: d.hpkeSecretKey, random: d.random, crypto }, transport, { lock: lock(d.device) })),
      ...guardians.map((x) => setUpGuardians(setupPlan, { device: x.guardian.device, hpkeSecretKey: x.hpkeSecretKey, random: x.random, crypto, guardianSecretKey: x.secretKey }, transport, { lock: lock(x.guardian.device) })),
    ]);
    const guarded = await change(created[0]!.journal, setup[0]!.publicKeyPackage, devices.slice(0, 3).map((d, k) => ({ device: d.device, keyShare: setup[k]!.keyShare })), membershipOps({ add: setup[0]!.leaves, threshold: 3 }));
    const before = authorityView(guarded);
    assert.equal(before.members.length, 7);
    // Devices 2 and 3 are lost; a new device recovers with devices 0 and 1 and two of the three guardians.
    const newKeys = { signing: crypto.generateSigningKey(), hpke: await generateHpkeKeyPair(random) };
    const newDevice = randomIdentifier('device', random);
    const recoveryPlan: RecoveryPlan = {
      publicKeyPackage: setup[0]!.publicKeyPackage,
      guardians: guardians.map((x) => x.guardian),
      devices: devices.slice(0, 2),
      lost: devices.slice(2).map((d) => d.device),
      request: { authority: before.authority, newDevice, deviceKey: newKeys.signing.publicKey, hpkeKey: newKeys.hpke.publicKey, nonce: random.randomBytes(16) },
      approvals: 2,
      cooldownMs: COOLDOWN,
      session: randomIdentifier('session', random),
      epoch: before.epoch,
    };
    const participants: RecoveryParticipant[] = [
      { device: newDevice, hpkeSecretKey: newKeys.hpke.secretKey, deviceSecretKey: newKeys.signing.secretKey, random: random.fork('new'), crypto, time: clock },
      ...devices.slice(0, 2).map((d, k) => ({ device: d.device, hpkeSecretKey: d.hpkeSecretKey, keyShare: setup[k]!.keyShare!, random: random.fork(`survivor-${k}`), crypto, time: clock })),
      ...guardians.map((x, k) => ({ device: x.guardian.device, hpkeSecretKey: x.hpkeSecretKey, keyShare: setup[4 + k]!.keyShare!, guardianSecretKey: x.secretKey, random: random.fork(`guardian-${k}`), crypto, time: clock, approve: () => k < 2 })),
    ];
    const recovered = fulfilled((await drive({ clock, recoveryPlan, lock }, participants)).outcomes);
    assert.equal(recovered[0]!.approved.length, 2);
    // The new device and the two survivors sign the change: the lost leave, the new device joins, the epoch moves on.
    const after = authorityView(await change(guarded, recovered[0]!.publicKeyPackage, recovered.slice(0, 3).map((r, k) => ({ device: participants[k]!.device, keyShare: r.keyShare })), membershipOps(recovered[0]!.change)));
    assert.ok(bytesEqual(after.groupKey, genesis.groupKey), 'the group key is unchanged');
    assert.equal(after.epoch, before.epoch + 1);
    assert.deepEqual(after.members.map((m) => m.id).sort(), [newDevice, devices[0]!.device, devices[1]!.device, ...guardians.map((x) => x.guardian.authority)].sort());
    for (const lost of setup.slice(2, 4)) assert.throws(() => sharesSign(recovered[0]!.publicKeyPackage, [lost.keyShare!, ...recovered.slice(1, 3).map((r) => r.keyShare!)], random), 'a lost device\u2019s share is of the old epoch');
  });

  it('writes the requested, approved and completed facts, each attested and admitted to the recovery context', async () => {
    const f = await fixture(SMALL, 'recovery-facts');
    const results = fulfilled((await drive(f, [f.newParticipant, f.guardianParticipant(0), f.guardianParticipant(1)])).outcomes);
    const outcome = results[0]!;
    const pkg = outcome.publicKeyPackage;
    // The recovered authority attests completion with the new device and a guardian.
    const transcript = attestationTranscript('threshold', f.authority, unsignedPart(outcome.completed));
    const transport = new MemoryTransport();
    const session = randomIdentifier('session', f.random);
    const signers = [f.recoveryPlan.request.newDevice, f.guardians[0]!.guardian.device];
    const signed = await Promise.all(signers.map((device, i) => runSigningDevice({ signers, publicKeyPackage: pkg, session }, { device, keyShare: results[i]!.keyShare!, message: transcript, random: f.random.fork(device) }, transport)));
    const completed = sealFact(outcome.completed, thresholdAttestation(f.authority, signed[0]!.signature));
    const keys = staticSignerKeys(new Map([[f.authority, pkg.groupPublicKey], ...f.guardians.map((x) => [x.guardian.authority, x.guardian.signingKey] as const)]), new Map([[f.recoveryPlan.request.newDevice, f.recoveryPlan.request.deviceKey]]));
    const journal = admit(emptyJournal(recoveryContext(f.authority)), [outcome.requested, ...outcome.approved, completed], { registry: new FactRegistry([...RECOVERY_FACT_TYPES]), crypto: f.crypto, keys });
    assert.deepEqual([...journal.facts.values()].map((r) => r.fact.typeId).sort(), ['recovery.approved', 'recovery.approved', 'recovery.completed', 'recovery.requested']);
    assert.deepEqual(outcome.leaf, { id: f.recoveryPlan.request.newDevice, role: 'device', publicKey: f.recoveryPlan.request.deviceKey });
  });

  it('the owner disputes during the cooldown: the recovery is cancelled everywhere and nothing changes', async () => {
    const f = await fixture({ n: 4, t: 3, k: 3, survivors: 1, approvals: 2 }, 'recovery-disputed');
    const owner = { device: f.devices[0]!.device, key: f.crypto.generateSigningKey() };
    const context = { registry: new FactRegistry([...RECOVERY_FACT_TYPES]), crypto: f.crypto, keys: staticSignerKeys(new Map(), new Map([[owner.device, owner.key.publicKey]])) };
    let journal: Journal = emptyJournal(recoveryContext(f.authority));
    const disputes: DisputeWatch = journalDisputeWatch(() => journal);
    const dispute = () => {
      const draft = disputedDraft(f.recoveryPlan.request);
      journal = admit(journal, [sealFact(draft, deviceAttestation(f.crypto, owner.device, owner.key.secretKey, unsignedPart(draft)))], context);
    };
    // The owner sees the request (the guardians are told of it) and disputes before the cooldown ends.
    setImmediate(dispute);
    const { outcomes } = await drive(f, [f.newParticipant, ...f.survivorParticipants, ...f.guardians.map((_, i) => f.guardianParticipant(i, { disputes }))]);
    for (const s of outcomes) assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.recovery.disputed'), s.status === 'rejected' ? String(s.reason) : 'completed');
    for (const share of [...f.guardianShares, ...f.survivorShares, ...f.lostShares]) assert.ok(share.alive, 'a disputed recovery reshares nothing');
  });

  it('recovery takes the membership lock, voted by the guardians: the first guardian holds it, the others promise, all release after', async () => {
    const f = await fixture(SMALL, 'recovery-lock');
    fulfilled((await drive(f, f.everyone())).outcomes);
    const facts = (device: DeviceId) => [...f.lock(device).journal.facts()].map((r) => r.fact.typeId);
    const [first, ...rest] = f.guardians.map((x) => x.guardian.device);
    assert.deepEqual(facts(first!).filter((t) => t.startsWith('coord.lock')), ['coord.lock-promise', 'coord.lock-grant', 'coord.lock-release']);
    for (const g of rest) assert.deepEqual(facts(g).filter((t) => t.startsWith('coord.lock')), ['coord.lock-promise', 'coord.lock-release']);
    assert.deepEqual(facts(f.recoveryPlan.request.newDevice), [], 'the new device does not vote');
  });

  it('while another membership change holds the lock, an approved recovery is refused everywhere after the cooldown and changes nothing', async () => {
    const f = await fixture(SMALL, 'recovery-lock-held');
    const guardianDevices = f.guardians.map((x) => x.guardian.device);
    const setup = { lock: membershipLockName(f.authority), members: guardianDevices, session: randomIdentifier('session', f.random) };
    const policy = { ...DEFAULT_LOCK_POLICY, leaseMs: 10 * COOLDOWN };
    const as = (device: DeviceId) => ({ device, journal: f.lock(device).journal, time: f.clock, random: f.random.fork(device) });
    const transport = new MemoryTransport();
    // Guardian 1 holds the lock for another change (its lease outlasts the cooldown), with guardian 0's vote.
    const [grant] = await Promise.all([acquireLock(setup, as(guardianDevices[1]!), transport, { policy }), serveLockRequest(setup, as(guardianDevices[0]!), guardianDevices[1]!, transport, { policy })]);
    assert.equal(grant.holder, guardianDevices[1]);
    const { outcomes } = await drive(f, f.everyone());
    for (const o of outcomes) assert.ok(o.status === 'rejected' && isAuraError(o.reason, 'protocols.lock.refused'), o.status === 'rejected' ? String(o.reason) : 'completed');
    for (const share of f.guardianShares) assert.ok(share.alive, 'a refused recovery reshares nothing');
  });

  it('too few guardians approve: not approved everywhere', async () => {
    const f = await fixture(SMALL, 'recovery-declined');
    const { outcomes } = await drive(f, [f.newParticipant, f.guardianParticipant(0), f.guardianParticipant(1, { approve: () => false })]);
    for (const s of outcomes) assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.recovery.not-approved'), s.status === 'rejected' ? String(s.reason) : 'completed');
    for (const share of f.guardianShares) assert.ok(share.alive);
  });

  it('an approval signed with another key does not count', async () => {
    const f = await fixture(SMALL, 'recovery-forged');
    const forger = f.guardianParticipant(1, { guardianSecretKey: f.crypto.generateSigningKey().secretKey });
    const { outcomes } = await drive(f, [f.newParticipant, f.guardianParticipant(0), forger]);
    for (const s of outcomes) assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.recovery.not-approved'), s.status === 'rejected' ? String(s.reason) : 'completed');
  });

  it('a request not signed by the new device key is approved by no guardian', async () => {
    const f = await fixture(SMALL, 'recovery-unsigned');
    const impostor = { ...f.newParticipant, deviceSecretKey: f.crypto.generateSigningKey().secretKey };
    const { outcomes } = await drive(f, [impostor, f.guardianParticipant(0), f.guardianParticipant(1)]);
    for (const s of outcomes) assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.recovery.not-approved'), s.status === 'rejected' ? String(s.reason) : 'completed');
  });

  it('a guardian crashing before it approves aborts the recovery everywhere', async () => {
    const f = await fixture(SMALL, 'recovery-crash');
    const crash = (honest: RoleImpl): RoleImpl => ({ ...honest, send: { ...honest.send, Approve: () => { throw new Error('power lost'); } } });
    const { outcomes } = await drive(f, [f.newParticipant, f.guardianParticipant(0), f.guardianParticipant(1)], { roleImpl: crash, byzantine: 2 });
    for (const s of outcomes) assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.recovery.aborted'), s.status === 'rejected' ? String(s.reason) : 'completed');
  });

  it('a plan whose approvals and surviving devices are fewer than the threshold, that asks no approval, or where a lost device takes part is refused', async () => {
    const f = await fixture({ n: 4, t: 3, k: 3, survivors: 1, approvals: 2 }, 'recovery-bad-plan');
    const plans = [{ ...f.recoveryPlan, approvals: 1 }, { ...f.recoveryPlan, devices: [], approvals: 2 }, { ...f.recoveryPlan, approvals: 0 }, { ...f.recoveryPlan, lost: [f.devices[0]!.device] }];
    for (const plan of plans) await assert.rejects(runRecovery(plan, f.newParticipant, new MemoryTransport(), { lock: f.lock(f.newParticipant.device) }), (e) => isAuraError(e, 'protocols.recovery.bad-plan'));
  });
});
