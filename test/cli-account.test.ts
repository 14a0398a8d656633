// The account commands driven as a user drives them: `aura init`, `aura node --dir` as separate
// processes on loopback, `aura sign`, `aura verify`, `aura status`, `aura journal`, and their
// refusals (wrong passphrase, a directory of another authority, too few devices online, bad
// arguments). Every process talks only to 127.0.0.1 and is stopped by the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAuraError } from '../src/core/errors.ts';
import { NodeRandom } from '../src/handlers/random.ts';
import { openDeviceDir } from '../src/agent/device-dir.ts';
import { snapshotDir } from '../src/agent/testing.ts';
import { runAura as run, spawnAura as spawnProcess, verifiesWithNodeCrypto } from '../src/cli/aura-process.ts';
import { aura } from './support/cli.ts';
import { CliAccount } from './support/cli-account.ts';

const runAura = (...args: string[]) => run(args);
const spawnAura = (...args: string[]) => spawnProcess(args);

const PASSPHRASE = 'a long passphrase for tests';

const cli = CliAccount.forThisFile('aura-cli-', PASSPHRASE);

test('aura init made three device directories of one authority; status and journal show its genesis', async () => {
  assert.match(cli.authority, /^authority-/);
  assert.equal(cli.devices.length, 3);
  const status = await aura('status', '--dir', cli.dirOf(0), '--json');
  assert.equal(status.status, 0, status.stderr);
  const parsed = JSON.parse(status.stdout) as { authority: string; groupKey: string; threshold: number; journalFacts: number; members: unknown[] };
  assert.equal(parsed.authority, cli.authority);
  assert.equal(parsed.groupKey, cli.groupKey);
  assert.equal(parsed.threshold, 2);
  assert.equal(parsed.members.length, 3);
  const journal = await aura('journal', '--dir', cli.dirOf(0), '--type', 'tree.op', '--json');
  assert.equal(journal.status, 0, journal.stderr);
  assert.equal((JSON.parse(journal.stdout) as unknown[]).length, 4);
});

test('signing with too few devices online fails naming who is missing', async () => {
  const result = await aura('sign', '--dir', cli.dirOf(0), '--message', 'hello', '--passphrase-file', cli.passFile, '--wait-ms', '300');
  assert.equal(result.status, 1);
  assert.match(result.stderr, /error\[agent\.too-few-online\].*missing: device-2 \(device-.*device-3 \(device-/);
});

test('a wrong passphrase is refused and leaves the directory as it was', async () => {
  const wrong = join(cli.root, 'wrong');
  writeFileSync(wrong, 'not it\n');
  const before = snapshotDir(cli.dirOf(1));
  const result = await aura('sign', '--dir', cli.dirOf(1), '--message', 'hello', '--passphrase-file', wrong);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /error\[keystore\.wrong-passphrase\]/);
  assert.deepEqual(snapshotDir(cli.dirOf(1)), before);
});

test('a device directory of another authority is refused with the reason and left as it was', async () => {
  const other = 'authority-' + 'a'.repeat(52);
  const before = snapshotDir(cli.dirOf(2));
  const result = await aura('status', '--dir', cli.dirOf(2), '--authority', other);
  assert.equal(result.status, 1);
  assert.match(result.stderr, new RegExp(`error\\[agent\\.foreign-dir\\]: .* belongs to authority ${cli.authority}, not to ${other}`));
  assert.deepEqual(snapshotDir(cli.dirOf(2)), before);
});

test('bad arguments are a one-line error with the usage and exit 2', async () => {
  const both = await aura('sign', '--dir', cli.dirOf(0), '--message', 'a', '--message-file', 'b');
  assert.equal(both.status, 2);
  assert.match(both.stderr, /exactly one of --message TEXT and --message-file FILE/);
  const missing = await aura('init', '--devices', '3');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /required option/);
  const threshold = await aura('init', '--devices', '2', '--threshold', '3', '--dir', join(cli.root, 'x'));
  assert.equal(threshold.status, 2);
  assert.match(threshold.stderr, /--threshold 3 is more than --devices 2/);
  const key = await aura('verify', '--key', 'zz', '--message', 'm', '--signature', '00');
  assert.equal(key.status, 2);
});

test('nodes in separate processes serve signing; the signature verifies with node:crypto; Ctrl-C leaves every store consistent', async () => {
  for (const k of [1, 2, 0]) cli.nodes.push(spawnAura('node', '--dir', cli.dirOf(k), '--passphrase-file', cli.passFile, '--json'));
  await Promise.all(cli.nodes.map((n) => n.waitFor((line) => line.event === 'ready')));
  await Promise.all(cli.nodes.map((n) => n.waitFor((line) => line.event === 'peer-online')));

  // device-1's node runs, so this command reaches it through its control socket.
  const message = 'transfer 10 to bob';
  const signed = await runAura('sign', '--dir', cli.dirOf(0), '--message', message, '--wait-ms', '10000', '--json');
  assert.equal(signed.status, 0, signed.stderr);
  const { signature, groupKey } = JSON.parse(signed.stdout) as { signature: string; groupKey: string };
  assert.equal(groupKey, cli.groupKey);
  assert.ok(verifiesWithNodeCrypto(groupKey, message, signature));
  assert.equal((await aura('verify', '--key', groupKey, '--message', message, '--signature', signature)).status, 0);
  const forged = await aura('verify', '--key', groupKey, '--message', 'transfer 99 to bob', '--signature', signature);
  assert.equal(forged.status, 1);
  assert.match(forged.stderr, /error\[verify\.invalid\]/);

  const status = await aura('status', '--dir', cli.dirOf(1), '--json');
  assert.equal(status.status, 0, status.stderr);
  assert.deepEqual((JSON.parse(status.stdout) as { members: { online: boolean }[] }).members.map((m) => m.online), [true, true, true]);

  // Ctrl-C on device-2 while it serves a second signing session.
  await cli.nodes[0]!.waitFor((l) => l.event === 'served');
  const second = spawnAura('sign', '--dir', cli.dirOf(0), '--message', 'second', '--json');
  // The first session's rounds are already in; wait for a round after it was served.
  const served = cli.nodes[0]!.lines.findIndex((l) => l.event === 'served');
  await cli.nodes[0]!.waitFor((line) => line.event === 'round' && cli.nodes[0]!.lines.indexOf(line) > served);
  cli.nodes[0]!.child.kill('SIGINT');
  assert.equal(await cli.nodes[0]!.exited, 0);
  await second.exited;
  for (const node of cli.nodes.slice(1)) node.child.kill('SIGINT');
  assert.deepEqual(await Promise.all(cli.nodes.slice(1).map((n) => n.exited)), [0, 0]);
  for (const k of [0, 1, 2]) {
    const device = await openDeviceDir(cli.dirOf(k), PASSPHRASE, new NodeRandom());
    try {
      const report = await device.journal.checkIntegrity({ deep: true });
      assert.ok(report.ok, report.problems.join('; '));
      assert.ok((await device.journal.count()) >= 5);
    } finally {
      await device.close();
    }
  }
  await assert.rejects(openDeviceDir(cli.dirOf(0), 'wrong', new NodeRandom()), (e) => isAuraError(e, 'keystore.wrong-passphrase'));
});
