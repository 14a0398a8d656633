import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytesEqual, toHex } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { deriveIdentifier, randomIdentifier } from '../core/identifiers.ts';
import { deviceParticipantId } from '../crypto/participant.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import { guardianSetupProtocol, setUpGuardians, type GuardianSetupParticipant, type GuardianSetupPlan } from './guardian-setup.ts';
import { sharesSign, testGroup, testGuardians, testLocks, type TestGuardian } from './reshare-fixture.ts';

async function fixture(n: number, t: number, k: number, seed: string) {
  const g = await testGroup(n, t, seed);
  const crypto = new Ed25519CryptoEffects(g.random.fork('crypto'));
  const guardians = await testGuardians(k, g.random, crypto);
  const plan: GuardianSetupPlan = {
    authority: deriveIdentifier('authority', { groupKey: g.group.publicKeyPackage.groupPublicKey }),
    group: g.group,
    guardians: guardians.map((x) => x.guardian),
    threshold: t,
    session: randomIdentifier('session', g.random),
    epoch: 0,
  };
  const participants: GuardianSetupParticipant[] = [
    ...g.devices.map((d) => ({ device: d.device, keyShare: g.shares.get(d.device)!, hpkeSecretKey: d.hpkeSecretKey, random: d.random, crypto })), // every device has a share
    ...guardians.map((x) => guardianParticipant(x, crypto)),
  ];
  const lock = testLocks(g.group.publicKeyPackage.groupPublicKey, g.random);
  /** Runs `participant`'s setup, with its part in the operation lock. */
  const run = (participant: GuardianSetupParticipant, transport: MemoryTransport) => setUpGuardians(plan, participant, transport, { lock: lock(participant.device) });
  return { ...g, crypto, guardians, plan, participants, lock, run };
}

function guardianParticipant(x: TestGuardian, crypto: Ed25519CryptoEffects, accept?: GuardianSetupParticipant['accept']): GuardianSetupParticipant {
  return { device: x.guardian.device, hpkeSecretKey: x.hpkeSecretKey, random: x.random, crypto, guardianSecretKey: x.secretKey, ...(accept === undefined ? {} : { accept }) };
}

describe('guardian setup', () => {
  it('checks and projects', () => {
    assert.deepEqual(guardianSetupProtocol(3, 2).roles, ['P[0]', 'P[1]', 'P[2]', 'Guardian[0]', 'Guardian[1]']);
  });

  for (const [n, t, k] of [[3, 2, 2], [5, 3, 3]] as const) {
    it(`${t}-of-${n} devices + ${k} guardians: every guardian gets a recovery share of the same group key and a guardian leaf`, async () => {
      const f = await fixture(n, t, k, `guardians-${n}`);
      const transport = new MemoryTransport();
      const outcomes = await Promise.all(f.participants.map((p) => f.run(p, transport)));
      assert.equal(new Set(outcomes.map((o) => toHex(o.publicKeyPackage.groupPublicKey))).size, 1);
      assert.ok(bytesEqual(outcomes[0]!.publicKeyPackage.groupPublicKey, f.group.publicKeyPackage.groupPublicKey));
      const verifying = Object.keys(outcomes[0]!.publicKeyPackage.verifyingShares);
      for (const x of f.guardians) assert.ok(verifying.includes(deviceParticipantId(x.guardian.device)));
      assert.deepEqual(outcomes[0]!.leaves.map((l) => [l.id, l.role]), f.guardians.map((x) => [x.guardian.authority, 'guardian']));
      const guardianShares = outcomes.slice(n).map((o) => o.keyShare!); // guardians are new members
      const deviceShares = outcomes.slice(0, n).map((o) => o.keyShare!);
      // Guardians together with the devices, and (with enough of them) on their own, sign under the same key.
      assert.ok(sharesSign(outcomes[0]!.publicKeyPackage, [...guardianShares.slice(0, 1), ...deviceShares], f.random));
      assert.ok(sharesSign(outcomes[0]!.publicKeyPackage, guardianShares, f.random));
      for (const share of f.shares.values()) assert.equal(share.alive, false, 'the old device shares are destroyed');
    });
  }

  it('a guardian that declines stops the setup everywhere; no share changes', async () => {
    const f = await fixture(3, 2, 2, 'guardian-declines');
    const participants = [...f.participants.slice(0, 3), guardianParticipant(f.guardians[0]!, f.crypto), guardianParticipant(f.guardians[1]!, f.crypto, () => false)];
    const transport = new MemoryTransport();
    const settled = await Promise.allSettled(participants.map((p) => f.run(p, transport)));
    for (const s of settled) {
      assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.guardian-setup.rejected'), s.status === 'rejected' ? String(s.reason) : 'accepted');
      assert.ok(String(s.reason.context.accused).includes(`${f.guardians[1]!.guardian.device}:disagreement`));
    }
    for (const share of f.shares.values()) assert.ok(share.alive);
  });

  it('a guardian signing with another key is named bad-proof', async () => {
    const f = await fixture(3, 2, 2, 'guardian-bad-signature');
    const impostor = { ...guardianParticipant(f.guardians[0]!, f.crypto), guardianSecretKey: f.crypto.generateSigningKey().secretKey };
    const participants = [...f.participants.slice(0, 3), impostor, guardianParticipant(f.guardians[1]!, f.crypto)];
    const transport = new MemoryTransport();
    const settled = await Promise.allSettled(participants.map((p) => f.run(p, transport)));
    for (const s of settled) {
      assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.guardian-setup.rejected') && String(s.reason.context.accused).includes(`${f.guardians[0]!.guardian.device}:bad-proof`), s.status === 'rejected' ? String(s.reason) : 'accepted');
    }
  });
});
