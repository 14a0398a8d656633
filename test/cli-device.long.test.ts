// `aura device add` and `aura device remove` driven as a user drives them: a 2-of-3 account made
// by `aura init`, the nodes of device-2 and device-3 running as separate processes on loopback,
// a 4th device added from device-1's directory (reshared onto four, same group key, epoch bumped;
// the running nodes switch to the new members without a restart), the new device signing in its
// own process with another one, then device-3 removed while its node runs: its node learns it from
// its journal and destroys its share, so signing from it is refused. The change's operation lock
// is in the journal (`aura journal --type coord.lock-grant`). Every process talks only to
// 127.0.0.1 and is stopped by the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runAura as run, spawnAura as spawnProcess } from '../src/cli/aura-process.ts';
import { aura } from './support/cli.ts';
import { CliAccount } from './support/cli-account.ts';
import { statusOf, type Changed } from './support/device-change.ts';

const runAura = (...args: string[]) => run(args);
const spawnAura = (...args: string[]) => spawnProcess(args);

const cli = CliAccount.forThisFile('aura-device-long-', 'a long passphrase for tests');

test('a 4th device is added by resharing (same group key, epoch bumped) and signs; a removed device destroys its share', async () => {
  const nodes = [1, 2].map((k) => spawnAura('node', '--dir', cli.dirOf(k), '--passphrase-file', cli.passFile, '--json'));
  cli.nodes.push(...nodes);
  await Promise.all(nodes.map((n) => n.waitFor((line) => line.event === 'ready')));
  await nodes[0]!.waitFor((line) => line.event === 'peer-online' && line.name === 'device-3');
  const epoch = (await statusOf(cli.dirOf(0))).epoch;

  const newDir = join(cli.root, 'device-4');
  const added = await aura('device', 'add', '--dir', cli.dirOf(0), '--new-dir', newDir, '--passphrase-file', cli.passFile, '--kdf-log-n', '10', '--json');
  assert.equal(added.status, 0, added.stderr);
  const change = JSON.parse(added.stdout) as Changed;
  assert.equal(change.groupKey, cli.groupKey);
  assert.equal(change.epoch, epoch + 1);
  assert.deepEqual(change.members, ['device-1', 'device-2', 'device-3', 'device-4']);
  assert.equal(change.added?.name, 'device-4');
  await Promise.all(nodes.map((n) => n.waitFor((line) => line.event === 'served' && line.op === 'reshare')));

  for (const dir of [cli.dirOf(0), newDir]) {
    const shown = await statusOf(dir);
    assert.equal(shown.groupKey, cli.groupKey);
    assert.equal(shown.epoch, epoch + 1);
    assert.deepEqual(shown.members.map((m) => m.name), ['device-1', 'device-2', 'device-3', 'device-4']);
  }
  // Through device-2's running node: it switched to the four members without a restart.
  assert.equal((await statusOf(cli.dirOf(1))).members.length, 4);

  // The change ran under the operation lock: device-1 (the first dealer) holds the grant and released it.
  const lockFacts = async (type: string) => {
    const listed = await aura('journal', '--dir', cli.dirOf(0), '--type', type, '--json', '--passphrase-file', cli.passFile);
    assert.equal(listed.status, 0, listed.stderr);
    return JSON.parse(listed.stdout) as { type: string; attestation: string; summary: string }[];
  };
  const grants = await lockFacts('coord.lock-grant');
  assert.equal(grants.length, 1);
  const [, holder, lease] = /^lock membership\/authority-\S+ granted to (\S+) \(lease ([0-9a-f]+),/.exec(grants[0]?.summary ?? '') ?? [];
  assert.ok(holder !== undefined && lease !== undefined, `a grant summary: ${grants[0]?.summary}`);
  assert.equal(grants[0]?.attestation, `device ${holder}`);
  assert.ok((await lockFacts('coord.lock-release')).some((r) => r.summary.includes(lease)), 'the grant was released');

  // The new device, in its own process, signs with the others (the nodes know it now).
  const signed = await runAura('sign', '--dir', newDir, '--message', 'from the new device', '--passphrase-file', cli.passFile, '--wait-ms', '5000', '--json');
  assert.equal(signed.status, 0, signed.stderr);
  const signature = JSON.parse(signed.stdout) as { signature: string; groupKey: string; signers: string[] };
  assert.equal(signature.groupKey, cli.groupKey);
  assert.ok(signature.signers.includes('device-4'));
  assert.equal((await aura('verify', '--key', cli.groupKey, '--message', 'from the new device', '--signature', signature.signature)).status, 0);

  // Remove device-3 from device-1 while device-3's node runs: it learns it and destroys its share.
  const fourth = spawnAura('node', '--dir', newDir, '--passphrase-file', cli.passFile, '--json');
  cli.nodes.push(fourth);
  await fourth.waitFor((line) => line.event === 'peer-online' && line.name === 'device-2');
  const removed = await aura('device', 'remove', '--dir', cli.dirOf(0), '--device', 'device-3', '--passphrase-file', cli.passFile, '--wait-ms', '5000', '--json');
  assert.equal(removed.status, 0, removed.stderr);
  const after = JSON.parse(removed.stdout) as Changed;
  assert.deepEqual(after.removed, ['device-3']);
  assert.deepEqual(after.members, ['device-1', 'device-2', 'device-4']);
  assert.equal(after.epoch, epoch + 2);
  assert.equal(after.groupKey, cli.groupKey);
  await nodes[1]!.waitFor((line) => line.event === 'removed');
  nodes[1]!.child.kill('SIGINT');
  assert.equal(await nodes[1]!.exited, 0);
  const refused = await aura('sign', '--dir', cli.dirOf(2), '--message', 'too late', '--passphrase-file', cli.passFile);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /error\[agent\.no-share\].*removed/);
});
