import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytesEqual } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { deriveIdentifier, randomIdentifier } from '../core/identifiers.ts';
import { generateHpkeKeyPair } from '../crypto/hpke.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { ManualClock } from '../handlers/physical-time.ts';
import { attestationTranscript, deviceAttestation, staticSignerKeys, thresholdAttestation } from '../journal/attestation.ts';
import { sealFact, unsignedPart } from '../journal/fact.ts';
import { FactRegistry } from '../journal/fact-registry.ts';
import { admit, emptyJournal, type Journal } from '../journal/journal.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import { setUpGuardians } from './guardian-setup.ts';
import { RECOVERY_FACT_TYPES, disputedDraft, journalDisputeWatch, recoveryContext, recoveryProtocol, runRecovery, type DisputeWatch, type RecoveryOutcome, type RecoveryParticipant, type RecoveryPlan } from './recovery.ts';
import { sharesSign, testGroup, testGuardians } from './reshare-fixture.ts';
import { runSigningDevice } from './sign.ts';

const COOLDOWN = 60_000;

/** A t-of-n authority with k guardians set up, that then loses t devices; a new device asks to recover. */
async function fixture(n: number, t: number, k: number, seed: string) {
  const g = await testGroup(n, t, seed);
  const crypto = new Ed25519CryptoEffects(g.random.fork('crypto'));
  const guardians = await testGuardians(k, g.random, crypto);
  const authority = deriveIdentifier('authority', { groupKey: g.group.publicKeyPackage.groupPublicKey });
  const plan = { authority, group: g.group, guardians: guardians.map((x) => x.guardian), threshold: t, session: randomIdentifier('session', g.random), epoch: 0 };
  const transport = new MemoryTransport();
  const setup = await Promise.all([
    ...g.devices.map((d) => setUpGuardians(plan, { device: d.device, keyShare: g.shares.get(d.device)!, hpkeSecretKey: d.hpkeSecretKey, random: d.random, crypto }, transport)), // every device has a share
    ...guardians.map((x) => setUpGuardians(plan, { device: x.guardian.device, hpkeSecretKey: x.hpkeSecretKey, random: x.random, crypto, guardianSecretKey: x.secretKey }, transport)),
  ]);
  const guardianShares = setup.slice(n).map((o) => o.keyShare!); // guardians are new members of the setup
  const surviving = setup.slice(t, n).map((o) => o.keyShare!); // the first t devices are lost
  const newKeys = { signing: crypto.generateSigningKey(), hpke: await generateHpkeKeyPair(g.random) };
  const newDevice = randomIdentifier('device', g.random);
  const recoveryPlan: RecoveryPlan = {
    publicKeyPackage: setup[0]!.publicKeyPackage,
    guardians: guardians.map((x) => x.guardian),
    request: { authority, newDevice, deviceKey: newKeys.signing.publicKey, hpkeKey: newKeys.hpke.publicKey, nonce: g.random.randomBytes(16) },
    approvals: t,
    cooldownMs: COOLDOWN,
    session: randomIdentifier('session', g.random),
    epoch: 1,
  };
  const clock = new ManualClock();
  const newParticipant: RecoveryParticipant = { device: newDevice, hpkeSecretKey: newKeys.hpke.secretKey, deviceSecretKey: newKeys.signing.secretKey, random: g.random.fork('new'), crypto, time: clock };
  const guardianParticipant = (i: number, extra: Partial<RecoveryParticipant> = {}): RecoveryParticipant => {
    const x = guardians[i]!;
    return { device: x.guardian.device, hpkeSecretKey: x.hpkeSecretKey, keyShare: guardianShares[i]!, guardianSecretKey: x.secretKey, random: x.random.fork('recovery'), crypto, time: clock, ...extra };
  };
  return { ...g, crypto, guardians, authority, guardianShares, surviving, recoveryPlan, clock, newParticipant, guardianParticipant };
}

type Fixture = Awaited<ReturnType<typeof fixture>>;

/** Runs every participant, moving the clock on while any sleeps; returns the settled outcomes and how far the clock moved. */
async function drive(f: Fixture, participants: readonly RecoveryParticipant[], options: { readonly roleImpl?: (honest: RoleImpl) => RoleImpl; readonly byzantine?: number } = {}) {
  const transport = new MemoryTransport();
  let settled = false;
  const run = Promise.allSettled(
    participants.map((p, k) => runRecovery(f.recoveryPlan, p, transport, k === options.byzantine && options.roleImpl !== undefined ? { roleImpl: options.roleImpl } : {})),
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
  it('checks and projects', () => {
    assert.deepEqual(recoveryProtocol(3).roles, ['New', 'Guardian[0]', 'Guardian[1]', 'Guardian[2]']);
  });

  for (const [n, t, k] of [[3, 2, 2], [5, 3, 3]] as const) {
    it(`${t}-of-${n} with ${k} guardians: t devices lost, a new device recovers after the cooldown and signs under the same group key`, async () => {
      const f = await fixture(n, t, k, `recovery-${n}`);
      const { outcomes, moved } = await drive(f, [f.newParticipant, ...f.guardians.map((_, i) => f.guardianParticipant(i))]);
      const results = fulfilled(outcomes);
      assert.ok(moved >= COOLDOWN, `the recovery waited the cooldown (${moved} ms)`);
      const pkg = results[0]!.publicKeyPackage;
      assert.ok(bytesEqual(pkg.groupPublicKey, f.group.publicKeyPackage.groupPublicKey), 'the group key survives');
      const newShare = results[0]!.keyShare!; // the new device is a new member
      assert.ok(sharesSign(pkg, [newShare, ...results.slice(1).map((r) => r.keyShare!)], f.random));
      // The surviving devices' shares are of the old polynomial: they no longer sign with the new ones.
      assert.throws(() => sharesSign(pkg, [newShare, ...f.surviving], f.random));
      for (const share of f.guardianShares) assert.equal(share.alive, false, 'the guardians\u2019 old recovery shares are destroyed');
    });
  }

  it('writes the requested, approved and completed facts, each attested and admitted to the recovery context', async () => {
    const f = await fixture(3, 2, 2, 'recovery-facts');
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
    const f = await fixture(3, 2, 2, 'recovery-disputed');
    const owner = { device: f.devices[2]!.device, key: f.crypto.generateSigningKey() };
    const context = { registry: new FactRegistry([...RECOVERY_FACT_TYPES]), crypto: f.crypto, keys: staticSignerKeys(new Map(), new Map([[owner.device, owner.key.publicKey]])) };
    let journal: Journal = emptyJournal(recoveryContext(f.authority));
    const disputes: DisputeWatch = journalDisputeWatch(() => journal);
    const dispute = () => {
      const draft = disputedDraft(f.recoveryPlan.request);
      journal = admit(journal, [sealFact(draft, deviceAttestation(f.crypto, owner.device, owner.key.secretKey, unsignedPart(draft)))], context);
    };
    // The owner sees the request (the guardians are told of it) and disputes before the cooldown ends.
    setImmediate(dispute);
    const { outcomes } = await drive(f, [f.newParticipant, f.guardianParticipant(0, { disputes }), f.guardianParticipant(1, { disputes })]);
    for (const s of outcomes) assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.recovery.disputed'), s.status === 'rejected' ? String(s.reason) : 'completed');
    for (const share of f.guardianShares) assert.ok(share.alive, 'a disputed recovery reshares nothing');
  });

  it('too few guardians approve: not approved everywhere', async () => {
    const f = await fixture(3, 2, 2, 'recovery-declined');
    const { outcomes } = await drive(f, [f.newParticipant, f.guardianParticipant(0), f.guardianParticipant(1, { approve: () => false })]);
    for (const s of outcomes) assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.recovery.not-approved'), s.status === 'rejected' ? String(s.reason) : 'completed');
    for (const share of f.guardianShares) assert.ok(share.alive);
  });

  it('an approval signed with another key does not count', async () => {
    const f = await fixture(3, 2, 2, 'recovery-forged');
    const forger = f.guardianParticipant(1, { guardianSecretKey: f.crypto.generateSigningKey().secretKey });
    const { outcomes } = await drive(f, [f.newParticipant, f.guardianParticipant(0), forger]);
    for (const s of outcomes) assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.recovery.not-approved'), s.status === 'rejected' ? String(s.reason) : 'completed');
  });

  it('a request not signed by the new device key is approved by no guardian', async () => {
    const f = await fixture(3, 2, 2, 'recovery-unsigned');
    const impostor = { ...f.newParticipant, deviceSecretKey: f.crypto.generateSigningKey().secretKey };
    const { outcomes } = await drive(f, [impostor, f.guardianParticipant(0), f.guardianParticipant(1)]);
    for (const s of outcomes) assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.recovery.not-approved'), s.status === 'rejected' ? String(s.reason) : 'completed');
  });

  it('a guardian crashing before it approves aborts the recovery everywhere', async () => {
    const f = await fixture(3, 2, 2, 'recovery-crash');
    const crash = (honest: RoleImpl): RoleImpl => ({ ...honest, send: { ...honest.send, Approve: () => { throw new Error('power lost'); } } });
    const { outcomes } = await drive(f, [f.newParticipant, f.guardianParticipant(0), f.guardianParticipant(1)], { roleImpl: crash, byzantine: 2 });
    for (const s of outcomes) assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.recovery.aborted'), s.status === 'rejected' ? String(s.reason) : 'completed');
  });

  it('a plan asking fewer approvals than the threshold is refused', async () => {
    const f = await fixture(3, 2, 2, 'recovery-bad-plan');
    await assert.rejects(runRecovery({ ...f.recoveryPlan, approvals: 1 }, f.newParticipant, new MemoryTransport()), (e) => isAuraError(e, 'protocols.recovery.bad-plan'));
  });
});
