// Anti-entropy between three `aura node` processes on 127.0.0.1 (issue 10 item 6): each keeps a
// journal (--journal) holding facts its device signed while apart; they meet and converge; a fact
// appended afterwards reaches every node. Every wait is bounded; every process is stopped.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomIdentifier } from '../src/core/identifiers.ts';
import { SeededRandom } from '../src/handlers/random.ts';
import { runCli } from '../src/cli/program.ts';
import { Ed25519CryptoEffects } from '../src/handlers/ed25519-crypto.ts';
import { loadOrCreateDeviceKey } from '../src/handlers/network/device-key-file.ts';
import { deviceIdOfPublicKey } from '../src/handlers/network/peer-identity.ts';
import { SqliteFactStore } from '../src/handlers/sqlite-fact-store.ts';
import { deviceAttestation } from '../src/journal/attestation.ts';
import { sealFact, unsignedPart } from '../src/journal/fact.ts';
import { AuraNode, ready, stopAll } from './support/aura-node.ts';

const dataRoot = mkdtempSync(join(tmpdir(), 'aura-sync-nodes-'));
const namespace = randomIdentifier('authority', new SeededRandom('sync-nodes'));
const POLLS = 100;
const POLL_MS = 300;

after(async () => {
  await stopAll();
  rmSync(dataRoot, { recursive: true, force: true });
});

function journalOf(name: string): string {
  return join(dataRoot, `${name}.journal.db`);
}

/** A node keeping the journal of `namespace` in its data directory. */
function node(name: string, args: readonly string[] = []): AuraNode {
  return new AuraNode(name, dataRoot, ['--journal', journalOf(name), '--namespace', namespace, '--sync-interval-ms', '500', '--receive-timeout-ms', '5000', ...args]);
}

/** Appends `count` facts and waits until the node has stored them. */
async function append(node: AuraNode, count: number): Promise<void> {
  const before = node.events.filter((e) => e.event === 'appended').length;
  for (let i = 0; i < count; i++) node.command({ append: { counter: node.name, amount: i + 1 } });
  await node.waitFor(`${count} appended facts`, () => node.events.filter((e) => e.event === 'appended').length === before + count);
}

/** The node's fact set digest once it holds `count` facts (asked again until it does, bounded). */
async function digestAt(node: AuraNode, count: number): Promise<string> {
  for (let poll = 0; poll < POLLS; poll++) {
    const asked = node.events.length;
    node.command({ digest: {} });
    const answer = await node.waitFor('a digest', (e) => e.event === 'digest' && node.events.indexOf(e) >= asked);
    if (answer['count'] === count) return String(answer['digest']);
    await sleep(POLL_MS);
  }
  throw new Error(`${node.name} did not reach ${count} facts`);
}

test('three aura nodes with diverged journals converge by anti-entropy, and a new fact spreads to all', async (t) => {
  // Apart: each device's journal holds its own facts, signed with the key the node will load.
  const random = new SeededRandom('sync-nodes-keys');
  const crypto = new Ed25519CryptoEffects(random);
  for (const [k, name] of ['a', 'b', 'c'].entries()) {
    const { secretKey } = await loadOrCreateDeviceKey(join(dataRoot, name), random);
    const device = deviceIdOfPublicKey(crypto.publicKeyOf(secretKey));
    const store = SqliteFactStore.open(journalOf(name));
    await store.put(Array.from({ length: k + 2 }, (_, i) => { // 2 + 3 + 4 facts
      const draft = { typeId: 'counter.add', schemaVersion: 1, payload: { counter: name, amount: i + 1 }, metadata: { namespace, nonce: random.randomBytes(16) } };
      return sealFact(draft, deviceAttestation(crypto, device, secretKey, unsignedPart(draft)));
    }));
    await store.close();
  }

  // Together: they meet and converge on the 9 facts.
  const a = node('a');
  const aInfo = await ready(a);
  const b = node('b', ['--peer', aInfo.address]);
  const bInfo = await ready(b);
  const c = node('c', ['--peer', aInfo.address, '--peer', bInfo.address]);
  await ready(c);
  const started = Date.now();
  const together = await Promise.all([a, b, c].map((n) => digestAt(n, 9)));
  t.diagnostic(`converged ${Date.now() - started} ms after the last node was ready`);
  assert.equal(new Set(together).size, 1, 'every node holds the same fact set');
  const done = [a, b, c].flatMap((n) => n.events.filter((e) => e.event === 'sync-done'));
  assert.ok(done.length > 0);
  assert.ok(done.every((e) => Array.isArray(e['rejected']) && e['rejected'].length === 0), 'no honest fact was refused');

  // A fact appended now reaches every node (announced over gossipsub, or by the next round).
  await append(c, 1);
  const after = await Promise.all([a, b, c].map((n) => digestAt(n, 10)));
  assert.equal(new Set(after).size, 1);
  assert.deepEqual(await Promise.all([a, b, c].map((n) => n.stop('SIGTERM'))), [0, 0, 0]);
});

test('aura node refuses --journal without --namespace, and a malformed namespace, before it starts', async () => {
  const lone = join(dataRoot, 'lone');
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void errors.push(args.join(' '));
  try {
    assert.equal(await runCli(['node', '--data-dir', lone, '--journal', join(lone, 'j.db')]), 2);
    assert.match(errors.join('\n'), /error\[cli\.usage\]: --journal needs --namespace/);
    assert.equal(await runCli(['node', '--data-dir', lone, '--namespace', namespace]), 2);
    assert.match(errors.join('\n'), /error\[cli\.usage\]: --namespace needs --journal/);
    assert.equal(await runCli(['node', '--data-dir', lone, '--journal', join(lone, 'j.db'), '--namespace', 'authority-nope']), 1);
    assert.match(errors.join('\n'), /error\[id\./);
  } finally {
    console.error = original;
  }
});
