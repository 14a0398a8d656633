// Instantiation: families, indices, expansions, calls and their problems.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GNode } from './global-type.ts';
import { instantiate, protocolParams } from './instantiate.ts';
import { parseFile } from './parser.ts';

function instance(text: string, params: Record<string, number> = {}) {
  const { ast, diagnostics } = parseFile(text, 'i.choreo');
  assert.deepEqual(diagnostics, []);
  const protocols = new Map(ast.protocols.map((protocol) => [protocol.name, protocol]));
  const main = ast.protocols.at(-1);
  assert.ok(main);
  return instantiate(main, params, protocols, main.name);
}

function messages(nodes: readonly GNode[]): string[] {
  return nodes.flatMap((node) => (node.kind === 'msg' ? [`${node.from}->${node.to}:${node.label}`] : []));
}

test('families expand to members and index expressions are evaluated per for-iteration', () => {
  const { protocol, diagnostics } = instance('protocol R(N) { roles: W[N]; for i in W { W[i] -> W[(i + 1) % N]: T; } }', { N: 3 });
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(protocol?.roles, ['W[0]', 'W[1]', 'W[2]']);
  assert.deepEqual(messages(protocol.body), ['W[0]->W[1]:T', 'W[1]->W[2]:T', 'W[2]->W[0]:T']);
  assert.deepEqual(protocol.params, { N: 3 });
});

test('multicast, broadcast, scatter and gather become single messages', () => {
  const { protocol } = instance('protocol M { roles: A, B, W[2]; A -> B, W[1]: X; B ->* : Y; A -> W[*]: Z; W[*][quorum = 1] -> A: V; }');
  assert.deepEqual(messages(protocol?.body ?? []), ['A->B:X', 'A->W[1]:X', 'B->A:Y', 'B->W[0]:Y', 'B->W[1]:Y', 'A->W[0]:Z', 'A->W[1]:Z', 'W[0]->A:V', 'W[1]->A:V']);
  const gathered = protocol?.body.filter((node) => node.kind === 'msg' && node.gather !== null);
  assert.equal(gathered?.length, 2);
  assert.deepEqual(gathered.map((node) => (node.kind === 'msg' ? node.gather?.quorum : undefined)), [1, 1]);
});

test('a gather quorum may be a protocol parameter, given at instantiation', () => {
  const text = 'protocol Q(N, T) { roles: A, W[N]; A -> W[*]: Ask; W[*][quorum = T] -> A: V; }';
  const { protocol } = instance(text, { N: 4, T: 3 });
  const gathered = protocol?.body.filter((node) => node.kind === 'msg' && node.gather !== null) ?? [];
  assert.deepEqual(gathered.map((node) => (node.kind === 'msg' ? node.gather?.quorum : undefined)), [3, 3, 3, 3]);
  assert.match(JSON.stringify(instance(text, { N: 2, T: 3 }).diagnostics), /E021/, 'a quorum above the gather size is refused');
  assert.match(JSON.stringify(instance(text, { N: 2 }).diagnostics), /Parameter `T` has no value/);
});

test('loop (count) repeats, loop (decides) becomes rec and choice, call inlines with renaming', () => {
  const { protocol } = instance('protocol S { roles: X, Y; X -> Y: Sub; } protocol P { roles: A, B; loop (count: 2) { A -> B: T; } loop (decides: B) { B -> A: M; } call S(X as B, Y as A); }');
  const body = protocol?.body ?? [];
  assert.deepEqual(messages(body), ['A->B:T', 'A->B:T', 'B->A:Sub']);
  const loop = body[2];
  assert.ok(loop?.kind === 'rec');
  const choice = loop.body[0];
  assert.ok(choice?.kind === 'choice');
  assert.equal(choice.chooser, 'B');
  assert.deepEqual(choice.branches.map((branch) => branch.label), ['continue', 'done']);
  assert.equal(choice.branches[0]?.body.at(-1)?.kind, 'continue');
});

test('problems are diagnostics naming the statement, and the rest is still instantiated', () => {
  const { protocol, diagnostics } = instance('protocol P { roles: A, W[2]; A -> W[2]: Out; A -> Nobody: X; W -> A: Y; A -> A: Self; A -> W[0]: Fine; }');
  assert.deepEqual(diagnostics.map((diagnostic) => diagnostic.code), ['E027', 'E010', 'E028', 'E013']);
  assert.deepEqual(messages(protocol?.body ?? []), ['A->W[0]:Fine']);
});

test('the parameters of a protocol include family sizes and loop counts', () => {
  const { ast } = parseFile('protocol P(K) { roles: A, W[N]; loop (count: R) { A -> W[0]: T; } }', 'p.choreo');
  assert.deepEqual(protocolParams(ast.protocols[0]!).sort(), ['K', 'N', 'R']); // one protocol parsed
});

test('`parallel for` makes one concurrent part per member instead of a sequence', () => {
  const { protocol, diagnostics } = instance('protocol B(N) { roles: P[N]; parallel for i in P { P[i] ->* : C; } P[*]: Done; }', { N: 3 });
  assert.deepEqual(diagnostics, []);
  assert.ok(protocol);
  const [par, ...rest] = protocol.body;
  assert.ok(par?.kind === 'par');
  assert.deepEqual(par.branches.map(messages), [
    ['P[0]->P[1]:C', 'P[0]->P[2]:C'],
    ['P[1]->P[0]:C', 'P[1]->P[2]:C'],
    ['P[2]->P[0]:C', 'P[2]->P[1]:C'],
  ]);
  assert.equal(rest.length, 3);
});
