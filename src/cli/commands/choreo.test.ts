// `aura choreo check|project|graph`, run through the real program with its output captured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { aura } from '../../../test/support/cli.ts';

const EXAMPLES = resolve(import.meta.dirname, '..', '..', '..', 'examples', 'choreo');

test('check exits 0 on well-formed files and says which sizes it checked', async () => {
  const result = await aura('choreo', 'check', `${EXAMPLES}/ping-pong.choreo`, `${EXAMPLES}/ring.choreo`);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /ok {3}.*ping-pong\.choreo: PingPong, dual/);
  assert.match(result.stdout, /Ring \(checked at N = 2, 3, 4\)/);
});

test('check exits 1 with every diagnostic, Elm-style', async () => {
  const result = await aura('choreo', 'check', `${EXAMPLES}/must-fail/E022-uninformed-role.choreo`, `${EXAMPLES}/must-fail/E013-self-send.choreo`);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /error\[E022\]: uninformed role in a choice -- .*E022-uninformed-role\.choreo:4:3/);
  assert.match(result.stderr, /error\[E013\]/);
  assert.match(result.stderr, /\^\^\^/);
  assert.match(result.stdout, /FAIL/);
});

test('check prints warnings and still exits 0', async () => {
  const result = await aura('choreo', 'check', `${EXAMPLES}/must-fail/E012-unused-role.choreo`);
  assert.equal(result.status, 0);
  assert.match(result.stderr, /warning\[E012\]/);
});

test('usage errors exit 2: a bad --param, an unreadable file, an unknown role', async () => {
  assert.equal((await aura('choreo', 'check', '--param', 'N=x', `${EXAMPLES}/ring.choreo`)).status, 2);
  assert.equal((await aura('choreo', 'check', `${EXAMPLES}/no-such.choreo`)).status, 2);
  assert.equal((await aura('choreo', 'project', `${EXAMPLES}/ping-pong.choreo`, '--role', 'Nobody')).status, 2);
});

test('project --json prints {"protocol","roles"} with family members named W[i]', async () => {
  const result = await aura('choreo', 'project', `${EXAMPLES}/map-reduce.choreo`, '--param', 'N=2', '--json', '--role', 'Worker[1]');
  assert.equal(result.status, 0, result.stderr);
  const json = JSON.parse(result.stdout) as { protocol: string; roles: Record<string, { kind: string; from: string }> };
  assert.equal(json.protocol, 'MapReduce');
  assert.deepEqual(Object.keys(json.roles), ['Worker[1]']);
  assert.equal(json.roles['Worker[1]']?.from, 'Master');
});

test('project needs values for symbolic sizes', async () => {
  const result = await aura('choreo', 'project', `${EXAMPLES}/ring.choreo`);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /--param N=/);
});

test('project prints readable local types and graph a Mermaid diagram', async () => {
  const project = await aura('choreo', 'project', `${EXAMPLES}/two-buyer.choreo`, '--role', 'Seller');
  assert.equal(project.status, 0, project.stderr);
  assert.match(project.stdout, /^protocol TwoBuyer\n\nSeller:\n {2}recv Buyer1: Title\(title: string\);/);
  const graph = await aura('choreo', 'graph', `${EXAMPLES}/two-buyer.choreo`);
  assert.equal(graph.status, 0, graph.stderr);
  assert.match(graph.stdout, /^sequenceDiagram\n/);
  assert.match(graph.stdout, /alt Buyer2 chooses accept when share_is_fair/);
});
