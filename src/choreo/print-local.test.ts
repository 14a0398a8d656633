// Local types print as stable text and as the JSON shapes of the issue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../core/errors.ts';
import { loadProtocol } from './check.ts';
import { localTypeToJson, printProjectedProtocol, projectedToJson } from './print-local.ts';

const text = `protocol J {
  roles: A, B, W[2];
  A[flow_cost = 3] -> B: Hello(n: u64);
  choice A { go: { A -> B: Go; A -> W[*]: Work(bytes); W[*] -> A: Done; } stop: { A -> B: Stop; A -> W[*]: Rest; } }
  rec L { choice B { more: { B -> A: More; continue L; } end: { B -> A: End; } } }
  parallel { A -> B: X; | B -> A: Y; }
  B: Log(x);
}`;

function projected() {
  const loaded = loadProtocol(text, 'j.choreo');
  assert.ok(loaded.projected, JSON.stringify(loaded.diagnostics));
  return loaded.projected;
}

test('the JSON form follows the issue\'s shapes', () => {
  const json = projectedToJson(projected(), ['A']) as { protocol: string; roles: Record<string, Record<string, unknown>> };
  assert.equal(json.protocol, 'J');
  const a = json.roles['A'];
  assert.ok(a);
  assert.deepEqual(Object.keys(a), ['kind', 'to', 'label', 'payload', 'annotations', 'next']);
  assert.deepEqual(a['payload'], { kind: 'fields', fields: [{ name: 'n', type: { kind: 'name', name: 'u64', args: [] } }] });
  const select = a['next'] as { kind: string; branches: Record<string, { kind: string; choice?: string[] }> };
  assert.equal(select.kind, 'select');
  assert.deepEqual(Object.keys(select.branches), ['go', 'stop']);
  assert.deepEqual(select.branches['go']?.choice, ['go']);
  assert.deepEqual(localTypeToJson({ kind: 'end' }), { kind: 'end' });
  assert.deepEqual(localTypeToJson({ kind: 'var', label: 'L' }), { kind: 'var', label: 'L' });
  const serialized = JSON.stringify(projectedToJson(projected()));
  for (const kind of ['send', 'recv', 'select', 'branch', 'local', 'rec', 'var', 'par', 'end']) assert.match(serialized, new RegExp(`"kind":"${kind}"`));
  assert.match(serialized, /"W\[0\]":/);
  assert.match(serialized, /"gather":\{"id":"gather1","quorum":2,"members":\["W\[0\]","W\[1\]"\]\}/);
});

test('printing is stable: the same input gives byte-identical text', () => {
  const first = printProjectedProtocol(projected());
  assert.equal(printProjectedProtocol(projected()), first);
  assert.match(first, /^protocol J\n\nA:\n {2}send B: Hello\(n: u64\) \[flow_cost = 3\];/);
  assert.match(first, /par \{\n[\s\S]*\|\n/);
});

test('thousands of choices in sequence: checked without stack overflow, printed once per shared part, refused as tree JSON', () => {
  const body = Array.from({ length: 5000 }, () => 'choice A { x: { A -> B: X; } y: { A -> B: Y; } }').join('\n');
  const loaded = loadProtocol(`protocol S { roles: A, B; ${body} }`, 's.choreo');
  assert.ok(loaded.projected, JSON.stringify(loaded.diagnostics));
  const text = printProjectedProtocol(loaded.projected);
  assert.ok(text.split('\n').length < 200_000, 'the text grows linearly, not exponentially');
  assert.match(text, /send B: X with choice x;\n\s+then K1\n/);
  assert.throws(() => projectedToJson(loaded.projected!), (error: unknown) => isAuraError(error, 'choreo.too-large')); // projected checked above
});
