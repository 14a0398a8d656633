import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAuraError, permanentError } from '../core/errors.ts';
import { callControl, controlSocketPath, serveControl } from './control-socket.ts';

test('a request reaches the node, its events stream back, then its result or its error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aura-control-'));
  t.after(() => { rmSync(dir, { recursive: true, force: true }); });
  const server = await serveControl(dir, async (request, event) => {
    if (request.op === 'fail') throw permanentError('agent.test-failure', 'asked to fail');
    event({ event: 'step', n: 1 });
    return { echoed: request.value };
  });
  try {
    const events: unknown[] = [];
    assert.deepEqual(await callControl(dir, { op: 'echo', value: 7 }, (e) => events.push(e)), { echoed: 7 });
    assert.deepEqual(events, [{ event: 'step', n: 1 }]);
    await assert.rejects(callControl(dir, { op: 'fail' }), (e) => isAuraError(e, 'agent.test-failure') && e.kind === 'permanent');
  } finally {
    await server.close();
  }
  assert.equal(await callControl(dir, { op: 'echo' }), undefined);
});

test('a socket file with nobody listening (a crashed node) means no node', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aura-control-'));
  t.after(() => { rmSync(dir, { recursive: true, force: true }); });
  writeFileSync(controlSocketPath(dir), '');
  assert.equal(await callControl(dir, { op: 'status' }), undefined);
  const server = await serveControl(dir, () => Promise.resolve({ ok: true }));
  assert.deepEqual(await callControl(dir, { op: 'status' }), { ok: true });
  await server.close();
});
