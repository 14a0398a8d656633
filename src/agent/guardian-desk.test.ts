import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deriveIdentifier, type DeviceId } from '../core/identifiers.ts';
import type { PublicKeyPackage } from '../crypto/key-share.ts';
import type { RecoveryRequest } from '../protocols/recovery.ts';
import { afterTreeChange, guardianSetupTreeChange, recoveryPlan, recoveryTreeChange } from './guardian-desk.ts';
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
