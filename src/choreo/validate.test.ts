// Syntax-level validation: each check on a small input (the must-fail files cover every code end to end).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFile } from './parser.ts';
import { validateFile } from './validate.ts';

function codes(text: string): string[] {
  const { ast } = parseFile(text, 'v.choreo');
  return validateFile(ast, new Map(ast.protocols.map((protocol) => [protocol.name, protocol]))).map((diagnostic) => diagnostic.code);
}

test('annotations: known names with good values pass, x_ names are free, others are errors', () => {
  assert.deepEqual(codes('protocol P { roles: A, B; A[guard_capability = "a:b", flow_cost = 1, journal_facts = "f", leak = (peers, "x"), timeout_ms = 5, x_any = (1, 2)] -> B: M; }'), []);
  assert.deepEqual(codes('protocol P { roles: A, B; A[flow_cost = "1", guard_capability = "one", bogus = 1, flow_cost = 2] -> B: M; }'), ['E021', 'E021', 'E020', 'E021']);
});

test('continue: unbound, not last, or leaving a parallel', () => {
  assert.deepEqual(codes('protocol P { roles: A, B; rec L { A -> B: M; continue X; } }'), ['E016']);
  assert.deepEqual(codes('protocol P { roles: A, B; rec L { A -> B: M; continue L; A -> B: N; } }'), ['E017']);
  assert.deepEqual(codes('protocol P { roles: A, B; rec L { A -> B: M; parallel { continue L; | B -> A: N; } } }'), ['E017']);
});

test('recursion must be guarded on every path', () => {
  assert.deepEqual(codes('protocol P { roles: A, B; rec L { choice A { x: { A -> B: M; continue L; } y: { continue L; } } } }'), ['E018']);
  assert.deepEqual(codes('protocol P { roles: A, B; rec L { choice A { x: { A -> B: M; continue L; } y: { } } } }'), []);
});

test('duplicate roles, labels and protocols, empty choices, unknown and cyclic calls, unknown attributes', () => {
  assert.deepEqual(codes('#[color = "red"] protocol P { roles: A, A; choice A { x: {} x: {} } choice A { } call Q; call P; } protocol P { roles: A; }'), ['E003', 'E011', 'E014', 'E015', 'E025', 'E004', 'E019']);
});
