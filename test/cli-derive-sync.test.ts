// `aura derive` and `aura sync` driven as a user drives them: a 2-of-3 account made by `aura
// init`, device nodes running as separate processes on loopback, DKD run from another device's
// directory (in that command's process) and through a running node's control socket; the
// `dkd.context-key` fact lands, threshold-attested, in the journal of every device that took
// part, and `aura sync` then brings it to the device that did not. Every process talks only to
// 127.0.0.1 and is stopped by the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAura as run, spawnAura as spawnProcess, type AuraProcess } from '../src/cli/aura-process.ts';
import { aura } from './support/cli.ts';
import { CliAccount } from './support/cli-account.ts';

const runAura = (...args: string[]) => run(args);

const cli = CliAccount.forThisFile('aura-derive-', 'a long passphrase for tests');

interface Derived {
  readonly context: string;
  readonly app: string;
  readonly publicKey: string;
  readonly epoch: number;
  readonly fact: string;
  readonly members: string[];
}

interface Entry {
  readonly cid: string;
  readonly attestation: string;
  readonly summary: string;
}

async function contextKeys(k: number): Promise<Entry[]> {
  const listed = await aura('journal', '--dir', cli.dirOf(k), '--type', 'dkd.context-key', '--json');
  assert.equal(listed.status, 0, listed.stderr);
  return JSON.parse(listed.stdout) as Entry[];
}

test('aura derive refuses bad arguments (exit 2) and too few devices online (naming them), recording nothing', async () => {
  const empty = await aura('derive', '--dir', cli.dirOf(0), '--context', '');
  assert.equal(empty.status, 2);
  assert.match(empty.stderr, /--context takes 1 to 256 characters/);
  const missing = await aura('derive', '--dir', cli.dirOf(0));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /required option '--context <name>'/);
  const alone = await aura('derive', '--dir', cli.dirOf(0), '--context', 'mail', '--passphrase-file', cli.passFile, '--wait-ms', '300');
  assert.equal(alone.status, 1);
  assert.match(alone.stderr, /error\[agent\.too-few-online\]: deriving needs 2 of 3 devices.*missing: device-2 \(device-.*device-3 \(device-/);
  assert.deepEqual(await contextKeys(0), []);
  const lonely = await aura('sync', '--dir', cli.dirOf(0), '--once', '--passphrase-file', cli.passFile, '--wait-ms', '300');
  assert.equal(lonely.status, 1);
  assert.match(lonely.stderr, /error\[agent\.too-few-online\]: syncing needs another device online; missing: device-2 \(device-.*device-3 \(device-/);
  const interval = await aura('sync', '--dir', cli.dirOf(0), '--interval-ms', 'soon');
  assert.equal(interval.status, 2);
  assert.match(interval.stderr, /--interval-ms takes a positive whole number/);
});

test('aura derive runs DKD with the online devices; the attested context-key fact lands in each of their journals', async () => {
  const node = spawnAura('node', '--dir', cli.dirOf(1), '--passphrase-file', cli.passFile, '--json');
  cli.nodes.push(node);
  await node.waitFor((line) => line.event === 'ready');

  // device-1 has no node: the command opens its directory and asks device-2's node.
  const first = await runAura('derive', '--dir', cli.dirOf(0), '--context', 'mail', '--app', 'chat', '--passphrase-file', cli.passFile, '--wait-ms', '3000', '--json');
  assert.equal(first.status, 0, first.stderr);
  const derived = JSON.parse(first.stdout) as Derived;
  assert.equal(derived.context, 'mail');
  assert.equal(derived.app, 'chat');
  assert.match(derived.publicKey, /^[0-9a-f]{64}$/);
  assert.deepEqual(derived.members, ['device-1', 'device-2']);
  await node.waitFor((line) => line.event === 'served');

  // device-2's node runs: this command goes through its control socket, the node initiates.
  const second = await runAura('derive', '--dir', cli.dirOf(1), '--context', 'photos', '--wait-ms', '3000');
  assert.equal(second.status, 1, 'device-1 has no node now: device-2 alone is below the threshold');
  assert.match(second.stderr, /error\[agent\.too-few-online\]/);

  for (const k of [0, 1]) {
    const keys = await contextKeys(k);
    assert.deepEqual(keys.map((e) => e.cid), [derived.fact]);
    assert.equal(keys[0]!.attestation, `threshold ${cli.authority}`);
    assert.match(keys[0]!.summary, new RegExp(`"mail" \\(app "chat", epoch ${derived.epoch}\\): ${derived.publicKey}`));
  }
  assert.deepEqual(await contextKeys(2), [], 'device-3 was offline and took no part');

  node.child.kill('SIGINT');
  assert.equal(await node.exited, 0);
});

async function cidsOf(k: number): Promise<string[]> {
  const listed = await aura('journal', '--dir', cli.dirOf(k), '--json');
  assert.equal(listed.status, 0, listed.stderr);
  return (JSON.parse(listed.stdout) as Entry[]).map((e) => e.cid).sort();
}

test('aura sync brings every online device to the union of their journals; the nodes report their last sync', async () => {
  const mail = (await contextKeys(0))[0]!.cid;
  assert.ok(!(await cidsOf(2)).includes(mail), 'device-3 took part in no derivation yet');
  const running = [1, 2].map((k) => spawnAura('node', '--dir', cli.dirOf(k), '--passphrase-file', cli.passFile, '--json'));
  cli.nodes.push(...running);
  await Promise.all(running.map((n) => n.waitFor((line) => line.event === 'ready')));

  const once = await runAura('sync', '--dir', cli.dirOf(0), '--once', '--passphrase-file', cli.passFile, '--wait-ms', '5000', '--json');
  assert.equal(once.status, 0, once.stderr);
  const report = JSON.parse(once.stdout) as { results: { name: string; outcome: string; sent: number; added: number }[]; sent: number; received: number };
  assert.deepEqual(report.results.map((r) => [r.name, r.outcome]).sort(), [['device-2', 'converged'], ['device-3', 'converged']]);
  assert.equal(report.sent, report.results.reduce((n, r) => n + r.sent, 0));

  const union = await cidsOf(0);
  assert.ok(union.includes(mail));
  // device-3 holds nothing the others lack (genesis only), so one round gives both nodes device-1's set.
  for (const k of [1, 2]) assert.deepEqual(await cidsOf(k), union, `device-${k + 1} converged`);
  const status = await aura('status', '--dir', cli.dirOf(2), '--json');
  assert.match((JSON.parse(status.stdout) as { lastSync: string | null }).lastSync ?? 'never', /^\d{4}-\d\d-\d\dT/);

  // Through device-2's running node, in text.
  const text = await runAura('sync', '--dir', cli.dirOf(1));
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^device-3 +converged +sent 0, received 0\nfacts sent 0, received 0 \(\d+ ms\)\n$/);
  for (const node of running) node.child.kill('SIGINT');
  assert.deepEqual(await Promise.all(running.map((n) => n.exited)), [0, 0]);
});

function spawnAura(...args: string[]): AuraProcess {
  return spawnProcess(args);
}
