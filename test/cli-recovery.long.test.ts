// A completed recovery driven as a user drives it: a 2-of-3 account made by `aura init`, three
// guardians (each its own one-device authority), every node a separate process on loopback;
// `aura guardian add` (the guardians' leaves in the tree, the epoch bumped); device-2 and
// device-3 lost (nodes killed, directories deleted); `aura recovery start` into a new device,
// approved by two guardians, completing after the cooldown with device-1 taking part; then the new
// device signs with device-1 under the unchanged group key (checked with node:crypto), and
// `aura status` and `aura journal` show the tree: the new device added, the lost devices removed,
// the epoch bumped again. Every process talks only to 127.0.0.1 and is stopped by the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runAura, spawnAura, verifiesWithNodeCrypto } from '../src/cli/aura-process.ts';
import { aura } from './support/cli.ts';
import { CliAccount } from './support/cli-account.ts';

const cli = CliAccount.forThisFile('aura-recovery-long-', 'a long passphrase for recovery tests');

interface Shown {
  readonly epoch: number;
  readonly groupKey: string;
  readonly members: { readonly name: string; readonly device: string; readonly inTree: boolean }[];
  readonly guardians: string[];
}

async function statusOf(dir: string): Promise<Shown> {
  const shown = await aura('status', '--dir', dir, '--json');
  assert.equal(shown.status, 0, shown.stderr);
  return JSON.parse(shown.stdout) as Shown;
}

function nodeOf(dir: string) {
  const node = spawnAura(['node', '--dir', dir, '--passphrase-file', cli.passFile, '--json']);
  cli.nodes.push(node);
  return node;
}

test('2-of-3 with three guardians: two devices lost, two approvals, the new device signs with the survivor under the same group key, the tree and epoch follow', async () => {
  const guardianNames = ['guardian-1', 'guardian-2', 'guardian-3'];
  const guardianDir = (name: string) => join(cli.root, name);
  const made = await Promise.all(guardianNames.map((name) => runAura(['init', '--devices', '1', '--threshold', '1', '--dir', `${guardianDir(name)}-account`, '--passphrase-file', cli.passFile, '--kdf-log-n', '10', '--json'])));
  for (const run of made) assert.equal(run.status, 0, run.stderr);
  for (const name of guardianNames) renameSync(join(`${guardianDir(name)}-account`, 'device-1'), guardianDir(name));
  const devices = [0, 1, 2].map((k) => nodeOf(cli.dirOf(k)));
  const guardians = guardianNames.map((name) => nodeOf(guardianDir(name)));
  await Promise.all([...devices, ...guardians].map((n) => n.waitFor((line) => line.event === 'ready')));
  await Promise.all(['device-2', 'device-3'].map((name) => devices[0]!.waitFor((line) => line.event === 'peer-online' && line.name === name))); // three devices
  const before = await statusOf(cli.dirOf(0));

  const added = await aura('guardian', 'add', '--dir', cli.dirOf(0), ...guardianNames.flatMap((name) => ['--guardian-dir', guardianDir(name)]), '--cooldown', '2s', '--json');
  assert.equal(added.status, 0, added.stderr);
  await Promise.all(guardians.map((n) => n.waitFor((line) => line.event === 'guardian-joined' && line.authority === cli.authority)));
  const guarded = await statusOf(cli.dirOf(0));
  assert.equal(guarded.epoch, before.epoch + 1, 'guardian setup bumps the epoch');
  assert.equal(guarded.guardians.length, 3, 'the guardians are leaves of the tree');

  for (const k of [1, 2]) {
    devices[k]!.child.kill('SIGKILL'); // index in range
    await devices[k]!.exited;
    rmSync(cli.dirOf(k), { recursive: true, force: true });
  }
  const newDir = join(cli.root, 'device-new');
  const recovering = spawnAura(['recovery', 'start', '--dir', newDir, '--authority', cli.authority, '--guardian-dir', guardianDir('guardian-1'), '--passphrase-file', cli.passFile, '--kdf-log-n', '10', '--json']);
  cli.nodes.push(recovering);
  const request = String((await recovering.waitFor((line) => line.event === 'requested')).request);
  for (const [k, name] of ['guardian-1', 'guardian-2'].entries()) {
    // Each guardian's person approves the request its node shows.
    await guardians[k]!.waitFor((line) => line.event === 'recovery-requested' && line.request === request); // k < 3
    const approved = await aura('recovery', 'approve', '--dir', guardianDir(name), '--request', request, '--json');
    assert.equal(approved.status, 0, approved.stderr);
  }
  const survivors = await recovering.waitFor((line) => line.event === 'survivors');
  assert.deepEqual(survivors.devices, ['device-1']);
  const recovered = await recovering.waitFor((line) => line.event === 'recovered');
  assert.equal(await recovering.exited, 0);
  assert.deepEqual([recovered.groupKey, recovered.members, recovered.approvers], [cli.groupKey, ['device-1', 'device-new'], ['guardian-1', 'guardian-2']]);

  const fresh = nodeOf(newDir);
  await fresh.waitFor((line) => line.event === 'peer-online' && line.name === 'device-1');
  const message = 'recovered: pay 3 to Dan';
  const signed = await aura('sign', '--dir', newDir, '--message', message, '--json');
  assert.equal(signed.status, 0, signed.stderr);
  const { signature, signers } = JSON.parse(signed.stdout) as { signature: string; signers: string[] };
  assert.deepEqual([...signers].sort(), ['device-1', 'device-new']);
  assert.equal(verifiesWithNodeCrypto(cli.groupKey, message, signature), true, 'node:crypto verifies it under the unchanged group key');

  for (const dir of [newDir, cli.dirOf(0)]) {
    const shown = await statusOf(dir);
    assert.equal(shown.epoch, before.epoch + 2, `${dir}: guardian setup and the recovery each bumped the epoch`);
    assert.deepEqual(shown.members.map((m) => [m.name, m.inTree]), [['device-1', true], ['device-new', true]]);
    assert.equal(shown.guardians.length, 3);
  }
  const ops = await aura('journal', '--dir', newDir, '--type', 'tree.op', '--json', '--passphrase-file', cli.passFile);
  assert.equal(ops.status, 0, ops.stderr);
  const summaries = (JSON.parse(ops.stdout) as { summary: string }[]).map((e) => e.summary);
  for (const k of [1, 2]) assert.ok(summaries.some((s) => s.startsWith(`removeLeaf ${cli.devices[k]!.device}`)), `${cli.devices[k]!.name} was removed from the tree`); // devices of init
});
