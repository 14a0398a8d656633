// `aura guardian add` and `aura recovery …` driven as a user drives them: a 1-of-2 account and a
// guardian (its own one-device authority) made by `aura init`, their nodes running as separate
// processes on loopback; guardian setup; a new device asks to recover, the guardian approves,
// and the owner disputes during the cooldown: the recovery is cancelled everywhere and no device
// directory is written; then device-2 is lost and a second request completes after the cooldown:
// the new device signs under the same group key and the tree and epoch follow; a device added
// afterwards reshares the guardian's recovery share too, and with the guardian offline a change is
// refused naming it. Bad arguments and
// directories are refused first. Every process talks only to 127.0.0.1 and is stopped by the
// test. (The 2-of-3 recovery with three guardians is in cli-recovery.long.test.ts.)
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAura, spawnAura, verifiesWithNodeCrypto, type AuraProcess } from '../src/cli/aura-process.ts';
import { aura } from './support/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'aura-recovery-'));
const passFile = join(root, 'passphrase');
const nodes: AuraProcess[] = [];
/** The node of each directory started. */
const running = new Map<string, AuraProcess>();
const account = join(root, 'account');
const guardian = join(root, 'guardian-1');
const owner = join(account, 'device-1');
let authority = '';
let groupKey = '';

before(async () => {
  writeFileSync(passFile, 'a long passphrase for recovery tests\n');
  const init = (devices: string, dir: string) => runAura(['init', '--devices', devices, '--threshold', '1', '--dir', dir, '--passphrase-file', passFile, '--kdf-log-n', '10', '--json']);
  const [made, guarded] = await Promise.all([init('2', account), init('1', join(root, 'g'))]);
  assert.equal(made.status, 0, made.stderr);
  assert.equal(guarded.status, 0, guarded.stderr);
  ({ authority, groupKey } = JSON.parse(made.stdout) as { authority: string; groupKey: string });
  // A guardian's directory, named for its person (a guardian's name is its directory's).
  renameSync(join(root, 'g', 'device-1'), guardian);
});

after(async () => {
  for (const node of nodes) node.child.kill('SIGKILL');
  await Promise.all(nodes.map((n) => n.exited));
  rmSync(root, { recursive: true, force: true });
});

function startNode(dir: string): AuraProcess {
  const node = spawnAura(['node', '--dir', dir, '--passphrase-file', passFile, '--json']);
  nodes.push(node);
  running.set(dir, node);
  return node;
}

test('aura guardian and aura recovery refuse bad arguments (exit 2) and unfit directories (exit 1), changing nothing', async () => {
  const none = await aura('guardian', 'add', '--dir', owner);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /give at least one --guardian-dir/);
  const cooldown = await aura('guardian', 'add', '--dir', owner, '--guardian-dir', guardian, '--cooldown', 'soon');
  assert.equal(cooldown.status, 2);
  assert.match(cooldown.stderr, /--cooldown takes a duration such as 500ms, 2s, 10m, 24h or 7d, got "soon"/);
  const notSole = await aura('guardian', 'add', '--dir', owner, '--guardian-dir', join(account, 'device-2'));
  assert.equal(notSole.status, 1);
  assert.match(notSole.stderr, /error\[agent\.not-a-guardian\]: .*1-of-2 authority; a guardian is a one-device authority/);
  const noGuardian = await aura('recovery', 'start', '--dir', join(root, 'new'), '--authority', authority);
  assert.equal(noGuardian.status, 2);
  assert.match(noGuardian.stderr, /give exactly one of --guardian ADDR and --guardian-dir DIR/);
  const badAuthority = await aura('recovery', 'start', '--dir', join(root, 'new'), '--authority', 'me', '--guardian-dir', guardian);
  assert.equal(badAuthority.status, 2);
  assert.match(badAuthority.stderr, /--authority: /);
  const badRequest = await aura('recovery', 'approve', '--dir', guardian, '--request', 'zz');
  assert.equal(badRequest.status, 2);
  assert.match(badRequest.stderr, /--request takes a request id \(8 to 64 hex digits\), got "zz"/);
  const unknown = await aura('recovery', 'approve', '--dir', guardian, '--request', '0123456789abcdef', '--passphrase-file', passFile);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /error\[agent\.unknown-request\]: no recovery request 0123456789abcdef is known to this device/);
  const noGuardians = await aura('recovery', 'dispute', '--dir', owner, '--request', '00'.repeat(32), '--passphrase-file', passFile);
  assert.equal(noGuardians.status, 1);
  assert.match(noGuardians.stderr, /error\[agent\.no-guardians\]: .* has no guardians here \(run "aura guardian add" first\)/);
  const status = await aura('recovery', 'status', '--dir', owner);
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /no recovery requests known here/);
  assert.equal(existsSync(join(root, 'new')), false);
});

test('guardian setup, then a recovery the guardian approves is disputed by the owner during the cooldown: cancelled everywhere, nothing written', async () => {
  const devices = [startNode(owner), startNode(join(account, 'device-2'))];
  const guardianNode = startNode(guardian);
  await Promise.all([...devices, guardianNode].map((n) => n.waitFor((line) => line.event === 'ready')));
  const added = await runAura(['guardian', 'add', '--dir', owner, '--guardian-dir', guardian, '--cooldown', '12s', '--json']);
  assert.equal(added.status, 0, added.stderr);
  const setup = JSON.parse(added.stdout) as { guardians: string[]; devices: string[]; cooldownMs: number };
  assert.deepEqual([setup.guardians, setup.devices, setup.cooldownMs], [['guardian-1'], ['device-1', 'device-2'], 12_000]);
  await guardianNode.waitFor((line) => line.event === 'guardian-joined' && line.authority === authority);
  const records = JSON.parse(readFileSync(join(guardian, 'recovery.json'), 'utf8')) as { guarding: { authority: string }[] };
  assert.deepEqual(records.guarding.map((g) => g.authority), [authority], 'the guardian records whose guardian it is');

  const newDir = join(root, 'device-new');
  const start = spawnAura(['recovery', 'start', '--dir', newDir, '--authority', authority, '--guardian-dir', guardian, '--passphrase-file', passFile, '--kdf-log-n', '10', '--json']);
  nodes.push(start);
  const request = String((await start.waitFor((line) => line.event === 'requested')).request);
  assert.match(request, /^[0-9a-f]{64}$/);
  // Through the nodes' control sockets, in this process: quick enough to act within the cooldown even under load.
  const approved = await aura('recovery', 'approve', '--dir', guardian, '--request', request.slice(0, 12), '--json');
  assert.equal(approved.status, 0, approved.stderr);
  assert.equal((JSON.parse(approved.stdout) as { phase: string }).phase, 'approved');
  await start.waitFor((line) => line.event === 'cooldown');

  const during = await aura('recovery', 'status', '--dir', guardian, '--request', request, '--json');
  assert.equal(during.status, 0, during.stderr);
  const [cooling] = JSON.parse(during.stdout) as { phase: string; cooldownLeftMs?: number; approvedBy: string[] }[];
  assert.equal(cooling?.phase, 'cooldown');
  assert.ok((cooling.cooldownLeftMs ?? 0) > 0, 'the cooldown has time left');
  assert.deepEqual(cooling.approvedBy, ['guardian-1']);

  const disputed = await aura('recovery', 'dispute', '--dir', owner, '--request', request, '--json');
  assert.equal(disputed.status, 0, disputed.stderr);
  assert.deepEqual((JSON.parse(disputed.stdout) as { deliveries: unknown[] }).deliveries, [{ guardian: 'guardian-1', delivered: true }]);

  assert.equal(await start.exited, 1, 'the recovery ends with an error');
  const failed = await guardianNode.waitFor((line) => line.event === 'recovery-failed' && line.request === request);
  assert.equal(failed.code, 'protocols.recovery.disputed');
  assert.equal(existsSync(newDir), false, 'no device directory was written');
  const afterwards = await runAura(['recovery', 'status', '--dir', guardian, '--request', request, '--json']);
  const [status] = JSON.parse(afterwards.stdout) as { phase: string; disputed: boolean }[];
  assert.deepEqual([status?.phase, status?.disputed], ['disputed', true]);
  const signed = await runAura(['sign', '--dir', owner, '--message', 'still mine', '--json']);
  assert.equal(signed.status, 0, `the owner's devices still sign after a disputed recovery: ${signed.stderr}`);
});

test('device-2 lost, a recovery the guardian approves completes after the cooldown: the new device signs under the same group key, the tree and epoch follow', async () => {
  const guardianNode = running.get(guardian);
  const lost = running.get(join(account, 'device-2'));
  assert.ok(guardianNode !== undefined && lost !== undefined, 'the nodes of the previous test run');
  const epoch = (JSON.parse((await aura('status', '--dir', owner, '--json')).stdout) as { epoch: number }).epoch;
  lost.child.kill('SIGKILL');
  await lost.exited;
  rmSync(join(account, 'device-2'), { recursive: true, force: true });

  const newDir = join(root, 'device-3');
  const start = spawnAura(['recovery', 'start', '--dir', newDir, '--authority', authority, '--guardian-dir', guardian, '--passphrase-file', passFile, '--kdf-log-n', '10', '--json']);
  nodes.push(start);
  const request = String((await start.waitFor((line) => line.event === 'requested')).request);
  const approved = await aura('recovery', 'approve', '--dir', guardian, '--request', request, '--json');
  assert.equal(approved.status, 0, approved.stderr);
  const recovered = await start.waitFor((line) => line.event === 'recovered');
  assert.equal(await start.exited, 0);
  assert.deepEqual([recovered.groupKey, recovered.members], [groupKey, ['device-1', 'device-3']]);
  await guardianNode.waitFor((line) => line.event === 'recovery-completed' && line.request === request);

  const fresh = startNode(newDir);
  // Connected to device-1: the node's control socket is up by then (it opens after "ready").
  await fresh.waitFor((line) => line.event === 'peer-online' && line.name === 'device-1');
  const message = 'recovered with one guardian';
  const signed = await aura('sign', '--dir', newDir, '--message', message, '--json');
  assert.equal(signed.status, 0, signed.stderr);
  const { signature } = JSON.parse(signed.stdout) as { signature: string };
  assert.equal(verifiesWithNodeCrypto(groupKey, message, signature), true, 'node:crypto verifies it under the unchanged group key');
  const shown = await aura('status', '--dir', newDir, '--json');
  assert.equal(shown.status, 0, shown.stderr);
  const status = JSON.parse(shown.stdout) as { epoch: number; members: { name: string; inTree: boolean }[]; guardians: string[] };
  assert.equal(status.epoch, epoch + 1, 'the recovery bumped the epoch');
  assert.deepEqual(status.members.map((m) => [m.name, m.inTree]), [['device-1', true], ['device-3', true]]);
  assert.equal(status.guardians.length, 1);

  // The devices change with the guardian taking part: it gets a fresh recovery share and every record follows.
  const added = await aura('device', 'add', '--dir', owner, '--new-dir', join(root, 'device-4'), '--passphrase-file', passFile, '--kdf-log-n', '10', '--json');
  assert.equal(added.status, 0, added.stderr);
  assert.deepEqual((JSON.parse(added.stdout) as { members: string[] }).members, ['device-1', 'device-3', 'device-4']);
  await guardianNode.waitFor((line) => line.event === 'guardianship-changed' && line.epoch === epoch + 2);
  const guarded = JSON.parse(readFileSync(join(guardian, 'recovery.json'), 'utf8')) as { guarding: { epoch: number; owners: { name: string }[] }[] };
  assert.deepEqual(guarded.guarding.map((g) => [g.epoch, g.owners.map((o) => o.name)]), [[epoch + 2, ['device-1', 'device-3', 'device-4']]]);
  const joined = JSON.parse(readFileSync(join(root, 'device-4', 'recovery.json'), 'utf8')) as { own: { epoch: number; guardians: { name: string }[] } };
  assert.deepEqual([joined.own.epoch, joined.own.guardians.map((g) => g.name)], [epoch + 2, ['guardian-1']]);
  const grown = JSON.parse((await aura('status', '--dir', owner, '--json')).stdout) as { epoch: number; groupKey: string; guardians: string[] };
  assert.deepEqual([grown.epoch, grown.groupKey, grown.guardians.length], [epoch + 2, groupKey, 1]);

  // With the guardian offline the change is refused naming it, and nothing changes (device-4 has no node: the members that stay are online).
  guardianNode.child.kill('SIGKILL');
  await guardianNode.exited;
  const removal = await aura('device', 'remove', '--dir', owner, '--device', 'device-4', '--passphrase-file', passFile);
  assert.equal(removal.status, 1);
  assert.match(removal.stderr, /error\[agent\.guardians-unreachable\]: .*every guardian must take part; not joined: guardian-1 \(device-/);
  const unchanged = JSON.parse((await aura('status', '--dir', owner, '--json')).stdout) as { epoch: number; members: unknown[] };
  assert.deepEqual([unchanged.epoch, unchanged.members.length], [epoch + 2, 3], 'nothing changed');
});
