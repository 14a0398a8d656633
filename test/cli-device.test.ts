// `aura device add` and `aura device remove` refusing what they must refuse, as a user meets it:
// bad arguments (exit 2), a new directory already in use, too few devices online (naming them),
// each leaving the device's config and key store as they were and creating no new directory.
// The full add and remove, with nodes in separate processes, is in `cli-device.long.test.ts`;
// the same protocols run in-process in `src/agent/membership-change.test.ts`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { snapshotDir } from '../src/agent/testing.ts';
import { aura } from './support/cli.ts';
import { CliAccount } from './support/cli-account.ts';
import { statusOf } from './support/device-change.ts';

const cli = CliAccount.forThisFile('aura-device-', 'a long passphrase for tests');

test('aura device refuses bad arguments, a used directory and too few devices online, changing nothing', async () => {
  const epoch = (await statusOf(cli.dirOf(0))).epoch;
  const before = snapshotDir(cli.dirOf(0));
  const used = join(cli.root, 'used');
  mkdirSync(used);
  writeFileSync(join(used, 'x'), 'x');
  const taken = await aura('device', 'add', '--dir', cli.dirOf(0), '--new-dir', used, '--passphrase-file', cli.passFile);
  assert.equal(taken.status, 1);
  assert.match(taken.stderr, /error\[agent\.dir-not-empty\]/);
  assert.deepEqual(snapshotDir(cli.dirOf(0)), before);
  const unknown = await aura('device', 'remove', '--dir', cli.dirOf(0), '--device', 'device-9');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--device device-9: no member .* \(members: device-1, device-2, device-3\)/);
  const missing = await aura('device', 'add', '--dir', cli.dirOf(0));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /required option '--new-dir <dir>'/);

  const lonely = join(cli.root, 'lonely');
  const offline = await aura('device', 'add', '--dir', cli.dirOf(0), '--new-dir', lonely, '--passphrase-file', cli.passFile, '--kdf-log-n', '10', '--wait-ms', '300');
  assert.equal(offline.status, 1);
  assert.match(offline.stderr, /error\[agent\.too-few-online\].*missing: device-2 \(device-.*device-3 \(device-/);
  assert.equal(existsSync(lonely), false);
  assert.deepEqual(readdirSync(cli.root).filter((name) => name.includes('joining')), []); // no staging left behind
  // The device was opened (its journal too), but its config and key store are untouched and nothing was added.
  const { 'journal.sqlite': _journal, ...untouched } = before;
  assert.deepEqual({ ...snapshotDir(cli.dirOf(0)), 'journal.sqlite': undefined }, { ...untouched, 'journal.sqlite': undefined });
  assert.equal((await statusOf(cli.dirOf(0))).epoch, epoch);
});
