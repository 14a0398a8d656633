// The parser: exact spans, recovery, bounded nesting, long inputs, and fuzzing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzChecker } from '../../test/support/choreo-fuzz.ts';
import { checkChoreography } from './check.ts';
import { MAX_NESTING, parseFile } from './parser.ts';

test('every node carries the exact span of its text', () => {
  const text = 'protocol P {\n  roles: A, W[3];\n  A[flow_cost = 2] -> W[1]: Hello(n: u64);\n}\n';
  const { ast, diagnostics } = parseFile(text, 'p.choreo');
  assert.deepEqual(diagnostics, []);
  const [protocol] = ast.protocols;
  assert.ok(protocol);
  const slice = (span: { start: number; end: number }) => text.slice(span.start, span.end);
  assert.equal(slice(protocol.span), text.trimEnd());
  assert.equal(slice(protocol.roles[1]!.span), 'W[3]');
  const send = protocol.body[0];
  assert.ok(send?.kind === 'send' && send.to !== 'broadcast');
  assert.equal(slice(send.span), 'A[flow_cost = 2] -> W[1]: Hello(n: u64);');
  assert.equal(slice(send.from.span), 'A');
  assert.equal(slice(send.annotations[0]!.span), 'flow_cost = 2');
  assert.equal(slice(send.to[0]!.span), 'W[1]');
  assert.equal(slice(send.message.span), 'Hello(n: u64)');
});

test('the whole syntax parses: attributes, imports, params, families, multicast, broadcast, scatter, gather, actions, guards, loops, for, parallel, rec, call, comments', () => {
  const text = `#[namespace = "demo", x_owner = ("a", 1, true)]
import "lib.choreo";
/* block
   comment */
choreography Demo(N, Rounds) {
  roles: Leader, Worker[N], Auditor;
  Leader -> Worker[*]: Job(spec: crypto.Spec, data: [bytes], meta: Map<string, u64>); // scatter
  Worker[*][quorum = 2] -> Leader: Done(u64);
  Leader[guard_capability = "demo:run", leak = (peers, "relays")] -> Auditor, Worker[0]: Note;
  Leader ->* : Tick;
  Worker[(1 + 1) % N]: Compute(a, f(b, c));
  choice Leader [x_reason = "x"] {
    go when (ready && n > 2) => { Leader -> Auditor: Go; }
    stop: { Leader -> Auditor: Stop; }
  }
  loop (count: Rounds) { Leader -> Auditor: Round; }
  loop (decides: Auditor) { Auditor -> Leader: Again; }
  for i in Worker { Worker[i] -> Auditor: Report; }
  parallel { Leader -> Auditor: P; | Auditor -> Leader: Q; }
  rec R { choice Leader { more: { Leader -> Auditor: More; continue R; } end: { Leader -> Auditor: End; } } }
  call Audit(Checker as Auditor);
}`;
  const { ast, diagnostics } = parseFile(text, 'demo.choreo');
  assert.deepEqual(diagnostics, []);
  assert.equal(ast.attributes.length, 2);
  assert.equal(ast.imports[0]?.path, 'lib.choreo');
  assert.deepEqual(
    ast.protocols[0]?.body.map((statement) => statement.kind),
    ['send', 'send', 'send', 'send', 'local', 'choice', 'loop', 'loop', 'for', 'parallel', 'rec', 'call'],
  );
  const choice = ast.protocols[0].body[5];
  assert.ok(choice?.kind === 'choice');
  assert.equal(choice.branches[0]?.guard, 'ready && n > 2');
  const local = ast.protocols[0].body[4];
  assert.ok(local?.kind === 'local');
  assert.deepEqual(local.args, ['a', 'f(b, c)']);
});

test('a syntax error inside a branch does not hide the errors after it', () => {
  const text = 'protocol P { roles: A, B; choice A { x { A -> B: M; } y: { A => B; } } A -> B M; }';
  const { diagnostics } = parseFile(text, 'p.choreo');
  assert.equal(diagnostics.length, 3);
});

test('nesting deeper than the limit is reported, not a stack overflow', () => {
  const depth = MAX_NESTING + 50;
  const text = `protocol Deep { roles: A, B; ${'rec L { '.repeat(depth)}A -> B: M;${' }'.repeat(depth)} }`;
  const { diagnostics } = parseFile(text, 'deep.choreo');
  assert.ok(diagnostics.some((diagnostic) => diagnostic.code === 'E002' && /nested more than/.test(diagnostic.message)));
  const parens = `protocol P { roles: W[2]; W[${'('.repeat(100_000)}0${')'.repeat(100_000)}] -> W[1]: M; }`;
  assert.ok(parseFile(parens, 'p.choreo').diagnostics.length > 0);
  const unclosed = `protocol P { roles: A, B; ${'choice A { x: { '.repeat(50_000)}`;
  assert.ok(checkChoreography(unclosed, 'u.choreo').diagnostics.length > 0);
});

test('nesting up to the limit is accepted and projected', () => {
  const depth = 95; // each choice is two levels: its branch list and the branch body
  const text = `protocol Deep { roles: A, B; ${'choice A { x: { A -> B: M; '.repeat(depth)}${' } }'.repeat(depth)} }`;
  const result = checkChoreography(text, 'deep.choreo');
  assert.deepEqual(result.diagnostics, []);
});

test('a long file is handled without stack overflow', () => {
  const body = Array.from({ length: 50_000 }, (_, i) => (i % 2 === 0 ? 'A -> B: Ping;' : 'B -> A: Pong;')).join('\n');
  const result = checkChoreography(`protocol Long { roles: A, B; ${body} }`, 'long.choreo');
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.protocols[0]?.duality, null);
});

test('fuzz: random and mutated inputs never throw and always get a verdict (3000 cases)', () => {
  fuzzChecker(3000);
});

test('huge loop counts, families and index expressions are refused quickly instead of hanging', () => {
  const codes = (text: string) => checkChoreography(text, 'h.choreo').diagnostics.map((diagnostic) => diagnostic.code);
  assert.deepEqual(codes('protocol P { roles: A, B; loop (count: 999999999999) { } A -> B: M; }'), ['E026']);
  assert.deepEqual(codes('protocol P { roles: A, W[100000]; A -> W[*]: M; }'), ['E026']);
  assert.deepEqual(codes(`protocol P { roles: W[2]; W[${'1+'.repeat(5000)}0] -> W[1]: M; }`), ['E002']);
});

test('`parallel for` parses as a for loop marked parallel, spanning from `parallel`, and prints back', () => {
  const text = 'protocol B(N) { roles: P[N]; parallel for i in P { P[i] ->* : C; } }';
  const { ast, diagnostics } = parseFile(text, 'b.choreo');
  assert.deepEqual(diagnostics, []);
  const loop = ast.protocols[0]?.body[0];
  assert.ok(loop?.kind === 'for');
  assert.equal(loop.parallel, true);
  assert.equal(text.slice(loop.span.start, loop.span.end), 'parallel for i in P { P[i] ->* : C; }');
  const escape = checkChoreography('protocol B(N) { roles: P[N]; rec L { parallel for i in P { P[i] ->* : C; continue L; } } }', 'b.choreo', { params: { N: 2 } });
  assert.ok(escape.diagnostics.some((d) => d.code === 'E017'), 'a continue may not jump out of the parallel parts');
});
