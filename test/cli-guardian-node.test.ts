// A guardian's `aura node` as a person reads it (text, not --json), and a guardian that declines a
// change of the devices after the members accepted it, driven as a user drives them: a 1-of-3
// account and a guardian (its own one-device authority) made by `aura init`, their nodes separate
// processes on loopback. The members' receives are bounded by ten minutes (`--receive-timeout-ms`),
// so a member that waited for the lock notice (the old behaviour) would report only then, and
// another error than the one awaited. Every process talks only to 127.0.0.1 and is stopped here.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runAura, spawnAura, type AuraProcess } from '../src/cli/aura-process.ts';
import { aura } from './support/cli.ts';
import { statusOf } from './support/device-change.ts';

const root = mkdtempSync(join(tmpdir(), 'aura-guardian-node-'));
const passFile = join(root, 'passphrase');
const account = join(root, 'account');
const guardian = join(root, 'guardian-1');
const deviceDir = (k: number) => join(account, `device-${k}`);
const nodes: AuraProcess[] = [];

before(async () => {
  writeFileSync(passFile, 'a long passphrase for guardian node tests\n');
  const init = (devices: string, dir: string) => runAura(['init', '--devices', devices, '--threshold', '1', '--dir', dir, '--passphrase-file', passFile, '--kdf-log-n', '10', '--json']);
  const made = await Promise.all([init('3', account), init('1', join(root, 'g'))]);
  for (const run of made) assert.equal(run.status, 0, run.stderr);
  renameSync(join(root, 'g', 'device-1'), guardian); // a guardian is named for its directory
});

after(async () => {
  for (const node of nodes) node.child.kill('SIGKILL');
  await Promise.all(nodes.map((n) => n.exited));
  rmSync(root, { recursive: true, force: true });
});

/** A node printing text, and the lines it printed. */
interface TextNode {
  readonly process: AuraProcess;
  readonly lines: string[];
  /** Resolves with the first line matching `pattern` (rejects if the node exits first). */
  line(pattern: RegExp): Promise<string>;
}

/** Starts the guardian's node in text mode under the approval `policy`, once it printed that it is up. */
async function startGuardian(policy: 'auto' | 'prompt'): Promise<TextNode> {
  const configPath = join(guardian, 'aura.json');
  writeFileSync(configPath, JSON.stringify({ ...(JSON.parse(readFileSync(configPath, 'utf8')) as object), policy }, null, 2));
  const started = spawnAura(['node', '--dir', guardian, '--passphrase-file', passFile]);
  nodes.push(started);
  const lines: string[] = [];
  const wakes = new Set<() => void>();
  createInterface({ input: started.child.stdout! }).on('line', (text) => { // spawnAura pipes stdout
    lines.push(text);
    for (const wake of wakes) wake();
  });
  const line = async (pattern: RegExp): Promise<string> => {
    for (;;) {
      const found = lines.find((text) => pattern.test(text));
      if (found !== undefined) return found;
      await Promise.race([new Promise<void>((wake) => wakes.add(wake)), started.exited.then((code) => { throw new Error(`the guardian's node exited (${code}) before a line matching ${pattern}`); })]);
    }
  };
  const node = { process: started, lines, line };
  await line(/is up; Ctrl-C stops it$/);
  return node;
}

async function stop(node: AuraProcess): Promise<void> {
  node.child.kill('SIGTERM');
  assert.equal(await node.exited, 0);
}

test('a guardian declining a device change stops the waiting members at once with its reason; its node prints human lines', async () => {
  const members = [1, 2, 3].map((k) => {
    const node = spawnAura(['node', '--dir', deviceDir(k), '--passphrase-file', passFile, '--receive-timeout-ms', '600000', '--json']);
    nodes.push(node);
    return node;
  });
  const [first, second] = members as [AuraProcess, AuraProcess];
  let guardianNode = await startGuardian('auto');
  await Promise.all(['device-2', 'device-3'].map((name) => first.waitFor((line) => line.event === 'peer-online' && line.name === name)));
  const added = await aura('guardian', 'add', '--dir', deviceDir(1), '--guardian-dir', guardian, '--cooldown', '1s', '--json');
  assert.equal(added.status, 0, added.stderr);
  await guardianNode.line(/^now a guardian of authority-\S+ \(with 0 other guardians\)$/);
  const epoch = (await statusOf(deviceDir(1))).epoch;

  // The guardian's policy is now to ask its person, and there is no terminal: it declines.
  await stop(guardianNode.process);
  guardianNode = await startGuardian('prompt');
  const declined = await aura('device', 'remove', '--dir', deviceDir(1), '--device', 'device-3', '--json');
  assert.equal(declined.status, 1);
  assert.match(declined.stderr, /error\[agent\.guardian-declined\]: .*declined: guardian-1 \(device-\S+\): .*there is no terminal to ask on.*Nothing changed/);
  const failed = await second.waitFor((line) => line.event === 'failed');
  assert.equal(failed.code, 'agent.called-off');
  assert.match(String(failed.message), /^device-1 called the session off: .*guardian-1 \(device-\S+\): .*there is no terminal to ask on/);
  assert.equal((await statusOf(deviceDir(2))).epoch, epoch, 'nothing changed');

  // With its person's approval the change goes through, and the guardian's node says so in words.
  await stop(guardianNode.process);
  guardianNode = await startGuardian('auto');
  const removed = await aura('device', 'remove', '--dir', deviceDir(1), '--device', 'device-3', '--json');
  assert.equal(removed.status, 0, removed.stderr);
  const changed = await guardianNode.line(/^the devices of /);
  assert.match(changed, new RegExp(`^the devices of authority-\\S+ changed: this guardian holds a fresh recovery share \\(2 devices, epoch ${epoch + 1}\\)$`));
  await stop(guardianNode.process);
  assert.deepEqual(guardianNode.lines.filter((text) => text.trimStart().startsWith('{')), [], 'no raw JSON in the text output');
});
