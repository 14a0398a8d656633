// Several `aura node` processes on 127.0.0.1, run as a user runs them: frames exchanged in order,
// a peer killed mid-stream and reported gone within the liveness bound, a restart with the same
// key that works again, and a clean exit on SIGTERM. Every wait is bounded; every process is killed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../src/cli/program.ts';
import { AuraNode, ready, stopAll } from './support/aura-node.ts';

const ROOT = resolve(import.meta.dirname, '..');
const LIVENESS_MS = 1500;
/** Ticks, scheduling and a loaded 2-core machine: allowance on top of the configured timeout. */
const DETECTION_SLACK_MS = 3000;
const dataRoot = mkdtempSync(join(tmpdir(), 'aura-nodes-'));

/** A node of this file: its data under `dataRoot`, peers declared gone after {@link LIVENESS_MS}. */
function node(name: string, args: readonly string[]): AuraNode {
  return new AuraNode(name, dataRoot, ['--liveness-ms', String(LIVENESS_MS), ...args]);
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

after(async () => {
  await stopAll();
  rmSync(dataRoot, { recursive: true, force: true });
});

test('three aura nodes exchange frames; a killed peer is reported gone in time; after a restart it works again', async (t) => {
  const a = node('a', []);
  const aInfo = await ready(a);
  const b = node('b', ['--peer', aInfo.address]);
  const c = node('c', ['--peer', aInfo.address]);
  const [bInfo, cInfo] = await Promise.all([ready(b), ready(c)]);
  await a.waitFor('B to connect', (e) => e.event === 'peer-connected' && e['device'] === bInfo.device);
  await a.waitFor('C to connect', (e) => e.event === 'peer-connected' && e['device'] === cInfo.device);

  // Frames both ways, in order.
  for (let i = 0; i < 200; i++) {
    a.send(bInfo.device, 'session-1', hex(i));
    c.send(aInfo.device, 'session-2', hex(i));
  }
  b.send(aInfo.device, 'session-1', 'ff');
  await b.waitFor('200 messages from A', () => b.messages('session-1').length === 200);
  await a.waitFor('200 messages from C', () => a.messages('session-2').length === 200);
  await a.waitFor('the reply from B', (e) => e.event === 'message' && e['from'] === bInfo.device);
  const expected = Array.from({ length: 200 }, (_, i) => hex(i));
  assert.deepEqual(b.messages('session-1'), expected);
  assert.deepEqual(a.messages('session-2'), expected);

  // C is killed in the middle of a stream from A.
  for (let i = 0; i < 20_000; i++) a.send(cInfo.device, 'session-3', hex(i));
  await c.waitFor('the stream to C to be under way', () => c.messages('session-3').length > 100);
  const killedAt = Date.now();
  assert.ok(c.messages('session-3').length < 20_000, 'C is killed mid-stream');
  await c.stop('SIGKILL');
  const gone = await a.waitFor('C to be reported gone', (e) => e.event === 'peer-gone' && e['device'] === cInfo.device);
  const detectedAfter = Date.now() - killedAt;
  t.diagnostic(`C reported gone ${detectedAfter} ms after the kill (timeout ${LIVENESS_MS} ms)`);
  assert.match(String(gone['reason']), /liveness timeout 1500 ms/);
  assert.ok(detectedAfter <= LIVENESS_MS + DETECTION_SLACK_MS, `detected after ${detectedAfter} ms, bound ${LIVENESS_MS} + ${DETECTION_SLACK_MS} ms`);
  assert.ok(Number(gone['undelivered']) >= 0);

  // B was never disturbed.
  a.send(bInfo.device, 'session-4', '01');
  await b.waitFor('a message after C died', () => b.messages('session-4').length === 1);

  // C restarts from its data directory on its old port: same key, same device; a new session works.
  const port = /\/tcp\/(\d+)\//.exec(cInfo.address)?.[1] ?? '0';
  const c2 = node('c', ['--listen', `/ip4/127.0.0.1/tcp/${port}`, '--peer', aInfo.address]);
  const c2Info = await ready(c2);
  assert.equal(c2Info.device, cInfo.device);
  assert.equal(c2Info.peerId, cInfo.peerId);
  await a.waitFor('C to reconnect', (e) => e.event === 'peer-connected' && e['device'] === cInfo.device && a.events.indexOf(e) > a.events.indexOf(gone));
  for (let i = 0; i < 50; i++) a.send(cInfo.device, 'session-5', hex(i));
  await c2.waitFor('the new session', () => c2.messages('session-5').length === 50);
  assert.deepEqual(c2.messages('session-5'), Array.from({ length: 50 }, (_, i) => hex(i)));

  // A clean shutdown on SIGTERM and SIGINT.
  assert.deepEqual(await Promise.all([b.stop('SIGTERM'), c2.stop('SIGINT'), a.stop('SIGTERM')]), [0, 0, 0]);
  assert.ok(a.events.some((e) => e.event === 'stopped'));
});

test('three aura nodes run a choreography to the end; a node killed mid-session fails it on the others in time; after a restart a new session ends', async (t) => {
  const a = node('ring-a', []);
  const aInfo = await ready(a);
  const b = node('ring-b', ['--peer', aInfo.address]);
  const bInfo = await ready(b);
  const c = node('ring-c', ['--peer', aInfo.address, '--peer', bInfo.address]);
  const cInfo = await ready(c);
  await a.waitFor('C to connect', (e) => e.event === 'peer-connected' && e['device'] === cInfo.device);
  await b.waitFor('C to connect', (e) => e.event === 'peer-connected' && e['device'] === cInfo.device);
  const roles = { 'Node[0]': aInfo.device, 'Node[1]': bInfo.device, 'Node[2]': cInfo.device };

  // A whole ring from examples/choreo/, started by A's invitation.
  a.run('ring.choreo', { N: 3 }, roles);
  const first = (await a.waitFor('the first session to end', (e) => e.event === 'session-ended' || e.event === 'session-failed'))['session'];
  for (const node of [a, b, c]) {
    const ended = await node.waitFor(`${node.name} to end the first session`, (e) => e.event === 'session-ended' && e['session'] === first);
    assert.equal((ended['roles'] as { status: string }[])[0]?.status, 'ended');
  }

  // C is killed in the middle of a slow ring: A and B fail that session with the liveness diagnosis.
  a.run('ring.choreo', { N: 3 }, roles, 1000);
  const started = await c.waitFor('C to start the second session', (e) => e.event === 'session-started' && e['session'] !== first);
  const second = started['session'];
  await c.stop('SIGKILL');
  const killedAt = Date.now();
  for (const node of [a, b]) {
    const failed = await node.waitFor(`${node.name} to fail the second session`, (e) => e.event === 'session-failed' && e['session'] === second);
    const after = Date.now() - killedAt;
    t.diagnostic(`${node.name}: ${String(failed['code'])} ${after} ms after the kill: ${String(failed['message'])}`);
    assert.match(String(failed['message']), new RegExp(`${cInfo.device}.*liveness timeout ${LIVENESS_MS} ms`));
    assert.ok(after <= LIVENESS_MS + DETECTION_SLACK_MS, `${node.name} failed the session ${after} ms after the kill, bound ${LIVENESS_MS} + ${DETECTION_SLACK_MS} ms`);
    assert.equal(node.sessionEvents(second).filter((e) => e.event === 'session-ended').length, 0);
  }

  // C restarts from its data directory; a new session runs to the end.
  const c2 = node('ring-c', ['--peer', aInfo.address, '--peer', bInfo.address]);
  assert.equal((await ready(c2)).device, cInfo.device);
  const gone = await a.waitFor('C to be gone', (e) => e.event === 'peer-gone' && e['device'] === cInfo.device);
  await a.waitFor('C to reconnect', (e) => e.event === 'peer-connected' && e['device'] === cInfo.device && a.events.indexOf(e) > a.events.indexOf(gone));
  await b.waitFor('C to reconnect to B', (e) => e.event === 'peer-connected' && e['device'] === cInfo.device && b.events.filter((x) => x.event === 'peer-connected' && x['device'] === cInfo.device).length === 2);
  a.run('ring.choreo', { N: 3 }, roles);
  const third = (await a.waitFor('the third session to end', (e) => (e.event === 'session-ended' || e.event === 'session-failed') && e['session'] !== first && e['session'] !== second))['session'];
  for (const node of [a, b, c2]) await node.waitFor(`${node.name} to end the third session`, (e) => e.event === 'session-ended' && e['session'] === third);
  assert.deepEqual(await Promise.all([a.stop('SIGTERM'), b.stop('SIGTERM'), c2.stop('SIGTERM')]), [0, 0, 0]);
});

test('aura node refuses bad arguments: a missing data dir or a bad number is a usage error, a peer without /p2p/ a failure', async () => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void errors.push(args.join(' '));
  try {
    assert.equal(await runCli(['node', '--data-dir', join(dataRoot, 'bad'), '--peer', '/ip4/127.0.0.1/tcp/1']), 1);
    assert.match(errors.join('\n'), /error\[network\.bad-peer-address\].*\/p2p\//);
    assert.equal(await runCli(['node', '--data-dir', join(dataRoot, 'bad'), '--liveness-ms', 'soon']), 2);
    assert.match(errors.join('\n'), /error\[cli\.usage\]: --liveness-ms/);
  } finally {
    console.error = original;
  }
  const missing = spawnSync(process.execPath, [resolve(ROOT, 'bin/aura.js'), 'node'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--data-dir/);
});
