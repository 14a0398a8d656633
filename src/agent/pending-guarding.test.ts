// A guardian's commit of a new recovery share with its guardianship, over real device
// directories: a guardian (a one-device authority) guarding a two-device authority whose two
// shares stand for the recovery shares of two epochs. A crash is injected right after the key
// store took the share, before `recovery.json`; the next open finishes the commit.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesEqual, toHex, utf8 } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { withEncodedKeyShare, type KeyShare } from '../crypto/key-share.ts';
import { NodeRandom } from '../handlers/random.ts';
import { keyShareEntry, type UnlockedKeyStore } from '../protocols/authority-key-store.ts';
import { openDeviceDir, type OpenDevice } from './device-dir.ts';
import { readGuardianships, type Guardianship } from './guardianship.ts';
import { commitGuarding, pendingGuardingEntry } from './pending-guarding.ts';
import { openTestAuthority, TEST_PASSPHRASE, testAuthority, type OpenedTestAuthority } from './testing.ts';

const random = new NodeRandom();
let guardian: Awaited<ReturnType<typeof testAuthority>>;
let guarded: OpenedTestAuthority;

before(async () => {
  [guardian, guarded] = await Promise.all([testAuthority(1, 1), openTestAuthority(2, 1, random)]);
});
after(async () => {
  guardian.remove();
  await guarded.close();
});

/** The guardianship of the guarded authority in `epoch`, with the guardian's device as its guardian. */
function guardianshipIn(epoch: number, device: OpenDevice): Guardianship {
  const owner = guarded.devices[0]!.config; // the authority has two devices
  const self = device.config.members.find((m) => m.device === device.config.device)!; // a device is among its members
  return {
    authority: owner.authority,
    groupKey: toHex(owner.groupKey),
    threshold: 1,
    epoch,
    cooldownMs: 1000,
    owners: owner.members.map((m) => ({ name: m.name, device: m.device, address: m.address, hpkeKey: toHex(m.hpkePublicKey) })),
    guardians: [{ name: 'guardian-1', authority: device.config.authority, device: device.config.device, signingKey: toHex(device.config.groupKey), hpkeKey: toHex(device.hpke.publicKey), address: self.address }],
  };
}

/** `keys` with the process dying right after its first save: the commit stops once the key store took the share. */
function dyingAfterFirstSave(keys: UnlockedKeyStore): UnlockedKeyStore {
  let saves = 0;
  return {
    passphrase: keys.passphrase,
    store: {
      load: (passphrase) => keys.store.load(passphrase),
      update: async (passphrase, change) => {
        const entries = await keys.store.update(passphrase, change);
        if (++saves === 1) throw new Error('injected crash');
        return entries;
      },
    },
  };
}

function holdsShare(stored: Uint8Array | undefined, share: KeyShare): boolean {
  return stored !== undefined && withEncodedKeyShare(share, (bytes) => bytesEqual(bytes, stored));
}

const openGuardian = () => openDeviceDir(guardian.devices[0]!.dir, TEST_PASSPHRASE, random); // a one-device authority

test('a crash after a guardian\'s key store took its new recovery share, before recovery.json: the next open brings recovery.json to the share', async () => {
  const [old, fresh] = guarded.devices.map((d) => d.secrets.keyShare) as [KeyShare, KeyShare];
  const device = await openGuardian();
  const authority = guarded.devices[0]!.config.authority;
  try {
    const records = await commitGuarding(device, guardianshipIn(3, device), old);
    assert.deepEqual(await readGuardianships(device.dir), records);
    assert.deepEqual(records.guarding, [guardianshipIn(3, device)]);

    await assert.rejects(commitGuarding({ dir: device.dir, keys: dyingAfterFirstSave(device.keys) }, guardianshipIn(4, device), fresh), /injected crash/);
    // As the crash left it: the new share is in the key store, recovery.json one epoch behind it.
    const entries = await device.keys.store.load(TEST_PASSPHRASE);
    assert.ok(holdsShare(entries[keyShareEntry(authority)], fresh));
    assert.ok(entries[pendingGuardingEntry(authority)] !== undefined);
    assert.equal((await readGuardianships(device.dir)).guarding[0]?.epoch, 3);
  } finally {
    await device.close();
  }

  const reopened = await openGuardian();
  try {
    assert.deepEqual((await readGuardianships(reopened.dir)).guarding, [guardianshipIn(4, reopened)]);
    const entries = await reopened.keys.store.load(TEST_PASSPHRASE);
    assert.equal(entries[pendingGuardingEntry(authority)], undefined);
    assert.ok(holdsShare(entries[keyShareEntry(authority)], fresh));
    assert.ok(holdsShare(entries[keyShareEntry(reopened.config.authority)], reopened.secrets.keyShare), 'the guardian keeps its own share');
  } finally {
    await reopened.close();
  }
});

test('a pending guardianship that does not decode is refused on open, naming it', async () => {
  const device = await openGuardian();
  const authority = guarded.devices[0]!.config.authority;
  try {
    await device.keys.store.update(TEST_PASSPHRASE, (entries) => ({ ...entries, [pendingGuardingEntry(authority)]: utf8('{"authority":') }));
  } finally {
    await device.close();
  }
  await assert.rejects(openGuardian(), (e) => isAuraError(e, 'agent.bad-pending-guarding') && e.message.includes(authority));
});
