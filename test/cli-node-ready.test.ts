// `aura node --dir`'s `ready` means everything is up: a command run the moment a script sees it
// reaches the node through its control socket. The command runs in this process with no
// passphrase at hand, so had it missed the socket it would have tried to open the directory
// itself and failed (no passphrase, and the node holds the lock). No retry, no sleep.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAura, spawnAura, type AuraProcess } from '../src/cli/aura-process.ts';
import { aura } from './support/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'aura-node-ready-'));
const passFile = join(root, 'passphrase');
const dir = join(root, 'account', 'device-1');
const nodes: AuraProcess[] = [];

before(async () => {
  writeFileSync(passFile, 'a long passphrase for node tests\n');
  const made = await runAura(['init', '--devices', '1', '--threshold', '1', '--dir', join(root, 'account'), '--passphrase-file', passFile, '--kdf-log-n', '10', '--json']);
  assert.equal(made.status, 0, made.stderr);
});

after(async () => {
  for (const node of nodes) node.child.kill('SIGKILL');
  await Promise.all(nodes.map((n) => n.exited));
  rmSync(root, { recursive: true, force: true });
});

test('a command run as soon as aura node prints "ready" reaches the node over its control socket', async () => {
  const node = spawnAura(['node', '--dir', dir, '--passphrase-file', passFile, '--json']);
  nodes.push(node);
  await node.waitFor((line) => line.event === 'ready');
  const saved = process.env.AURA_PASSPHRASE;
  delete process.env.AURA_PASSPHRASE; // the command has no passphrase of its own
  const signed = await aura('sign', '--dir', dir, '--message', 'right after ready', '--json').finally(() => {
    if (saved !== undefined) process.env.AURA_PASSPHRASE = saved;
  });
  assert.equal(signed.status, 0, signed.stderr);
  const result = JSON.parse(signed.stdout) as { signature: string; signers: string[] };
  assert.match(result.signature, /^[0-9a-f]{128}$/);
  assert.deepEqual(result.signers, ['device-1']);
  node.child.kill('SIGTERM');
  assert.equal(await node.exited, 0);
  assert.ok(node.lines.some((line) => line.event === 'stopped'));
});
