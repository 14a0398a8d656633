// fast-check generators of choreography syntax trees, for the round-trip and soundness
// properties of src/choreo/. Spans are dummies: the properties compare trees without spans.
import fc from 'fast-check';
import type { Annotation, BranchAst, ChoreoFile, Endpoint, IndexExpr, ProtocolAst, Stmt, Value } from '../../src/choreo/ast.ts';
import type { Payload, TypeExpr } from '../../src/choreo/local-type.ts';

const SPAN = { start: 0, end: 0 };
const ident = fc.constantFrom('a', 'b', 'x_1', 'data', 'vote', 'epoch', 'share');
const label = fc.constantFrom('Ping', 'Pong', 'Data', 'Vote', 'Commit', 'Abort', 'M');

const typeExpr: fc.Arbitrary<TypeExpr> = fc.letrec<{ type: TypeExpr }>((tie) => ({
  type: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constant('name' as const), name: fc.constantFrom('u64', 'bool', 'bytes', 'crypto.Share', 'string'), args: fc.constant([] as TypeExpr[]) }),
    fc.record({ kind: fc.constant('name' as const), name: fc.constantFrom('Map', 'Option'), args: fc.array(tie('type'), { minLength: 1, maxLength: 2 }) }),
    fc.record({ kind: fc.constant('list' as const), element: tie('type') }),
  ),
})).type;

const payload: fc.Arbitrary<Payload | null> = fc.oneof(
  fc.constant(null),
  fc.record({ kind: fc.constant('type' as const), type: typeExpr }),
  fc.record({ kind: fc.constant('fields' as const), fields: fc.uniqueArray(fc.record({ name: ident, type: typeExpr }), { maxLength: 3, selector: (field) => field.name }) }),
);

const value: fc.Arbitrary<Value> = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constant('string' as const), value: fc.string({ maxLength: 8 }).filter((text) => !text.includes('\n')), span: fc.constant(SPAN) }),
    fc.record({ kind: fc.constant('int' as const), value: fc.nat(1000), span: fc.constant(SPAN) }),
    fc.record({ kind: fc.constant('bool' as const), value: fc.boolean(), span: fc.constant(SPAN) }),
    fc.record({ kind: fc.constant('ident' as const), value: ident, span: fc.constant(SPAN) }),
    fc.record({ kind: fc.constant('tuple' as const), items: fc.array(tie('value'), { minLength: 1, maxLength: 3 }), span: fc.constant(SPAN) }),
  ),
})).value;

const annotations: fc.Arbitrary<Annotation[]> = fc.array(fc.record({ name: fc.constantFrom('x_tag', 'flow_cost', 'x_note'), value, span: fc.constant(SPAN) }), { maxLength: 2 });

const indexExpr: fc.Arbitrary<IndexExpr> = fc.letrec<{ index: IndexExpr }>((tie) => ({
  index: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constant('int' as const), value: fc.nat(9), span: fc.constant(SPAN) }),
    fc.record({ kind: fc.constant('var' as const), name: fc.constantFrom('i', 'N'), span: fc.constant(SPAN) }),
    fc.record({ kind: fc.constant('binary' as const), op: fc.constantFrom('+' as const, '-' as const, '*' as const, '/' as const, '%' as const), left: tie('index'), right: tie('index'), span: fc.constant(SPAN) }),
  ),
})).index;

const endpoint: fc.Arbitrary<Endpoint> = fc.record({
  name: fc.constantFrom('A', 'B', 'W'),
  index: fc.oneof(fc.constant(null), fc.constant('all' as const), indexExpr),
  span: fc.constant(SPAN),
});

/** Any syntactically valid statement list (not necessarily well-formed). */
export const anyStatements: fc.Arbitrary<Stmt[]> = fc.letrec<{ stmts: Stmt[]; stmt: Stmt }>((tie) => ({
  stmts: fc.array(tie('stmt'), { maxLength: 4 }),
  stmt: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      kind: fc.constant('send' as const),
      from: endpoint,
      annotations,
      to: fc.oneof(fc.constant('broadcast' as const), fc.array(endpoint, { minLength: 1, maxLength: 2 })),
      message: fc.record({ label, payload, span: fc.constant(SPAN) }),
      span: fc.constant(SPAN),
    }),
    fc.record({ kind: fc.constant('local' as const), role: endpoint, action: fc.constantFrom('Verify', 'Store'), args: fc.array(fc.constantFrom('share', 'x.y', 'f(a, b)'), { maxLength: 2 }), span: fc.constant(SPAN) }),
    fc.record({
      kind: fc.constant('choice' as const),
      chooser: endpoint,
      annotations,
      branches: fc.array(
        fc.record({ label: fc.constantFrom('yes', 'no', 'commit', 'abort'), guard: fc.oneof(fc.constant(null), fc.constantFrom('ok', 'n > 2', 'a && !b')), body: tie('stmts'), span: fc.constant(SPAN) }) as fc.Arbitrary<BranchAst>,
        { maxLength: 3 },
      ),
      span: fc.constant(SPAN),
    }),
    fc.record({
      kind: fc.constant('loop' as const),
      mode: fc.oneof(
        fc.record({ kind: fc.constant('count' as const), count: fc.oneof(fc.record({ kind: fc.constant('int' as const), value: fc.nat(5), span: fc.constant(SPAN) }), fc.record({ kind: fc.constant('param' as const), name: fc.constant('N'), span: fc.constant(SPAN) })) }),
        fc.record({ kind: fc.constant('decides' as const), role: endpoint }),
      ),
      body: tie('stmts'),
      span: fc.constant(SPAN),
    }),
    fc.record({ kind: fc.constant('for' as const), variable: fc.constant('i'), family: fc.constant('W'), body: tie('stmts'), span: fc.constant(SPAN) }),
    fc.record({ kind: fc.constant('parallel' as const), branches: fc.array(tie('stmts'), { minLength: 2, maxLength: 3 }), span: fc.constant(SPAN) }),
    fc.record({ kind: fc.constant('rec' as const), label: fc.constantFrom('L', 'Loop'), body: tie('stmts'), span: fc.constant(SPAN) }),
    fc.record({ kind: fc.constant('continue' as const), label: fc.constantFrom('L', 'Loop'), span: fc.constant(SPAN) }),
    fc.record({ kind: fc.constant('call' as const), protocol: fc.constantFrom('P', 'Q'), renames: fc.array(fc.record({ from: fc.constantFrom('A', 'B'), to: fc.constantFrom('A', 'B'), span: fc.constant(SPAN) }), { maxLength: 2 }), span: fc.constant(SPAN) }),
  ),
})).stmts;

/** Any syntactically valid file. */
export const anyFile: fc.Arbitrary<ChoreoFile> = fc.record({
  file: fc.constant('gen.choreo'),
  attributes: fc.array(fc.record({ name: fc.constantFrom('namespace', 'x_owner'), value, span: fc.constant(SPAN) }), { maxLength: 2 }),
  imports: fc.array(fc.record({ path: fc.constantFrom('lib.choreo', 'a "b".choreo'), span: fc.constant(SPAN) }), { maxLength: 1 }),
  protocols: fc.array(
    fc.record({
      keyword: fc.constantFrom('protocol' as const, 'choreography' as const),
      name: fc.constantFrom('P', 'Q', 'Ring'),
      params: fc.array(fc.record({ name: fc.constant('N'), span: fc.constant(SPAN) }), { maxLength: 1 }),
      roles: fc.array(
        fc.record({
          name: fc.constantFrom('A', 'B', 'W'),
          size: fc.oneof(fc.constant(null), fc.record({ kind: fc.constant('int' as const), value: fc.nat(4), span: fc.constant(SPAN) }), fc.record({ kind: fc.constant('param' as const), name: fc.constant('N'), span: fc.constant(SPAN) })),
          span: fc.constant(SPAN),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      body: anyStatements,
      span: fc.constant(SPAN),
      file: fc.constant('gen.choreo'),
    }) as fc.Arbitrary<ProtocolAst>,
    { minLength: 1, maxLength: 2 },
  ),
});

/** Removes spans and file names, so that trees parsed from different texts compare equal. */
export function withoutSpans(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, inner: unknown) => (key === 'span' || key === 'file' ? undefined : inner)));
}

// ---- well-formed-ish protocols over three roles and a family, for the soundness property ----

const ROLES = ['A', 'B', 'C', 'W[0]', 'W[1]'] as const;
const role = fc.constantFrom(...ROLES);

/** Random protocol bodies as text, over roles A, B, C and a family W[2]; many are rejected by the checker, the accepted ones must run. */
export const protocolText: fc.Arbitrary<string> = fc
  .letrec<{ block: string[]; stmt: string[] }>((tie) => ({
    block: fc.array(tie('stmt'), { minLength: 1, maxLength: 4 }).map((parts) => parts.flat()),
    stmt: fc.oneof(
      { depthSize: 'small', withCrossShrink: true, maxDepth: 3 },
      fc.tuple(role, role, label).filter(([from, to]) => from !== to).map(([from, to, message]) => [`${from} -> ${to}: ${message};`]),
      fc.tuple(role, role, role, label).filter(([from, to, also]) => from !== to && from !== also && to !== also).map(([from, to, also, message]) => [`${from} -> ${to}, ${also}: ${message};`]),
      role.map((who) => [`${who}: Work;`]),
      fc.tuple(role, fc.uniqueArray(fc.constantFrom('l1', 'l2', 'l3'), { minLength: 1, maxLength: 3 }), fc.array(tie('block'), { minLength: 3, maxLength: 3 })).map(([chooser, labels, bodies]) => [
        `choice ${chooser} {`,
        ...labels.flatMap((branch, index) => [`${branch}: {`, ...(bodies[index] ?? []), '}']),
        '}',
      ]),
      fc.tuple(role, tie('block')).map(([decider, body]) => [`loop (decides: ${decider}) {`, ...body, '}']),
      fc.tuple(fc.integer({ min: 1, max: 2 }), tie('block')).map(([count, body]) => [`loop (count: ${count}) {`, ...body, '}']),
      fc.tuple(tie('block'), tie('block')).map(([left, right]) => ['parallel {', ...left, '|', ...right, '}']),
      tie('block').map((body) => ['for i in W {', 'W[i] -> A: Item;', ...body, '}']),
    ),
  }))
  .block.map((lines) => `protocol Gen {\n  roles: A, B, C, W[2];\n${lines.map((line) => `  ${line}`).join('\n')}\n}\n`);
