// Global types: the canonical form has no source positions, so layout does not change the content id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalGlobal, StatementSignature } from './global-type.ts';
import { instantiate } from './instantiate.ts';
import { parseFile } from './parser.ts';

function canonical(text: string): string {
  const { ast } = parseFile(text, 'g.choreo');
  const protocol = ast.protocols[0];
  assert.ok(protocol);
  const global = instantiate(protocol, {}, new Map([[protocol.name, protocol]]), protocol.name).protocol;
  assert.ok(global);
  return JSON.stringify(canonicalGlobal(global));
}

test('the canonical form ignores layout and comments but not content', () => {
  const base = canonical('protocol P { roles: A, B; choice A { x when (ok): { A -> B: M(n: u64); } } }');
  assert.equal(canonical('protocol P {\n  roles: A, B; // comment\n  choice A {\n    x when (ok): {\n      A -> B: M(n: u64);\n    }\n  }\n}'), base);
  assert.notEqual(canonical('protocol P { roles: A, B; choice A { x when (ok): { A -> B: M(n: u32); } } }'), base);
  assert.doesNotMatch(base, /span|start/);
});

test('a statement signature computes its key from its content', () => {
  assert.equal(new StatementSignature('M', null, { flow_cost: 1 }, 0).key, new StatementSignature('M', null, { flow_cost: 1 }, 7).key);
  assert.notEqual(new StatementSignature('M', null, {}, 0).key, new StatementSignature('N', null, {}, 0).key);
});
