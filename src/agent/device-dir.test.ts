import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAuraError } from '../core/errors.ts';
import { NodeRandom } from '../handlers/random.ts';
import { CONFIG_FILE } from './device-config.ts';
import { createDeviceDir, JOURNAL_FILE, KEY_STORE_FILE, openDeviceDir, withDeviceJournal } from './device-dir.ts';
import { deviceStatus } from './device-report.ts';
import { snapshotDir, TEST_PASSPHRASE, testAuthority } from './testing.ts';

let mine: Awaited<ReturnType<typeof testAuthority>>;
let theirs: Awaited<ReturnType<typeof testAuthority>>;
const random = new NodeRandom();

before(async () => {
  [mine, theirs] = await Promise.all([testAuthority(3, 2), testAuthority(2, 1)]);
});
after(() => {
  mine.remove();
  theirs.remove();
});

test('a created device directory opens with its passphrase and holds the genesis journal', async () => {
  const dir = mine.devices[0]!.dir;
  const device = await openDeviceDir(dir, TEST_PASSPHRASE, random);
  try {
    assert.equal(device.config.authority, mine.authority);
    assert.deepEqual(device.secrets.keyShare.publicKeyPackage.groupPublicKey, mine.groupKey);
    const status = await deviceStatus(device.config, device.journal);
    assert.equal(status.threshold, 2);
    assert.equal(status.journalFacts, 5); // four tree operations and authority.created
    assert.deepEqual(status.members.map((m) => m.inTree), [true, true, true]);
    await assert.rejects(openDeviceDir(dir, TEST_PASSPHRASE, random), (e) => isAuraError(e, 'agent.locked'));
  } finally {
    await device.close();
  }
});

test('a wrong passphrase is refused and the directory is left as it was', async () => {
  const dir = mine.devices[1]!.dir;
  const before = snapshotDir(dir);
  await assert.rejects(openDeviceDir(dir, 'wrong', random), (e) => isAuraError(e, 'keystore.wrong-passphrase'));
  assert.deepEqual(snapshotDir(dir), before);
});

test('a directory of another authority, or mixing files of two, is refused and left as it was', async () => {
  const dir = mine.devices[2]!.dir;
  const before = snapshotDir(dir);
  await assert.rejects(openDeviceDir(dir, TEST_PASSPHRASE, random, { authority: theirs.authority }), (e) => isAuraError(e, 'agent.foreign-dir') && e.message.includes(mine.authority));
  await assert.rejects(withDeviceJournal(dir, { authority: theirs.authority }, () => Promise.resolve()), (e) => isAuraError(e, 'agent.foreign-dir'));
  assert.deepEqual(snapshotDir(dir), before);

  const mixed = join(mine.root, 'mixed');
  cpSync(dir, mixed, { recursive: true });
  copyFileSync(join(theirs.devices[0]!.dir, KEY_STORE_FILE), join(mixed, KEY_STORE_FILE));
  const mixedBefore = snapshotDir(mixed);
  await assert.rejects(openDeviceDir(mixed, TEST_PASSPHRASE, random), (e) => isAuraError(e, 'agent.foreign-dir') && /another authority/.test(e.message));
  assert.deepEqual(snapshotDir(mixed), mixedBefore);

  const otherJournal = join(mine.root, 'other-journal');
  cpSync(dir, otherJournal, { recursive: true });
  copyFileSync(join(theirs.devices[0]!.dir, JOURNAL_FILE), join(otherJournal, JOURNAL_FILE));
  await assert.rejects(openDeviceDir(otherJournal, TEST_PASSPHRASE, random), (e) => isAuraError(e, 'agent.foreign-dir') && /facts of another authority/.test(e.message));
});

test('a directory whose creation did not finish, or with no config, is refused with the reason', async () => {
  const incomplete = join(mine.root, 'incomplete');
  cpSync(mine.devices[0]!.dir, incomplete, { recursive: true });
  rmSync(join(incomplete, CONFIG_FILE));
  await assert.rejects(openDeviceDir(incomplete, TEST_PASSPHRASE, random), (e) => isAuraError(e, 'agent.dir-incomplete'));
  await assert.rejects(openDeviceDir(mine.root, TEST_PASSPHRASE, random), (e) => isAuraError(e, 'agent.not-a-device-dir'));
});

test('a creation that stops while writing the other files (a recovered device\'s) leaves no config, so opening refuses it; once they are written the config follows', async () => {
  const opened = await openDeviceDir(mine.devices[0]!.dir, TEST_PASSPHRASE, random);
  await opened.close();
  const spec = { config: opened.config, secrets: opened.secrets, facts: [], passphrase: TEST_PASSPHRASE, random, scrypt: { logN: 10, r: 8, p: 1 } };
  const stopped = join(mine.root, 'stopped');
  const crash = createDeviceDir(stopped, {
    ...spec,
    otherFiles: (dir) => {
      writeFileSync(join(dir, 'first-of-others'), 'written');
      return Promise.reject(new Error('injected crash'));
    },
  });
  await assert.rejects(crash, /injected crash/);
  assert.ok(existsSync(join(stopped, 'first-of-others')) && !existsSync(join(stopped, CONFIG_FILE)));
  await assert.rejects(openDeviceDir(stopped, TEST_PASSPHRASE, random), (e) => isAuraError(e, 'agent.dir-incomplete'));

  const finished = join(mine.root, 'finished');
  await createDeviceDir(finished, {
    ...spec,
    otherFiles: (dir) => {
      writeFileSync(join(dir, 'first-of-others'), 'written');
      return Promise.resolve();
    },
  });
  const reopened = await openDeviceDir(finished, TEST_PASSPHRASE, random);
  await reopened.close();
  assert.equal(reopened.config.device, opened.config.device);
  assert.ok(existsSync(join(finished, 'first-of-others')));
});
