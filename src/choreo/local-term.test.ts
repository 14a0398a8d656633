// Local terms: structured terms are hash-consed; conversion keeps sharing and handles deep terms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StatementSignature } from './global-type.ts';
import { TermTable } from './local-term.ts';

const signature = new StatementSignature('M', null, {}, 0);

test('equal structured terms are the same object', () => {
  const table = new TermTable();
  const body = table.send('B', signature, [], table.end);
  assert.equal(table.make({ kind: 'select', entries: [['a', body]] }), table.make({ kind: 'select', entries: [['a', body]] }));
  assert.notEqual(table.make({ kind: 'select', entries: [['a', body]] }), table.make({ kind: 'select', entries: [['b', body]] }));
});

test('conversion keeps a shared continuation shared and works on very deep terms', () => {
  const table = new TermTable();
  const shared = table.recv('A', signature, [], null, table.end);
  const select = table.make({ kind: 'select', entries: [['x', table.send('B', signature, [{ choice: 0, label: 'x' }], shared)], ['y', table.send('B', signature, [], shared)]] });
  const local = table.toLocalType(select);
  assert.ok(local.kind === 'select');
  const [x, y] = [local.branches['x'], local.branches['y']];
  assert.ok(x?.kind === 'send' && y?.kind === 'send');
  assert.equal(x.next, y.next);
  assert.deepEqual(x.choice, ['x']);
  let deep = table.end;
  for (let i = 0; i < 100_000; i++) deep = table.make({ kind: 'select', entries: [['k', deep]] });
  assert.equal(table.toLocalType(deep).kind, 'select');
});

test('hash-consing: two shapes give the same term exactly when their fields and subterms are equal', () => {
  const signatures = [signature, new StatementSignature('N', null, {}, 1)];
  const tagLists = [[], [{ choice: 0, label: 'x' }], [{ choice: 0, label: 'y' }], [{ choice: 1, label: 'x' }]];
  // A shape from small choices over every field, and a reference key spelling out all of them.
  const shapeArbitrary = fc.record({ kind: fc.constantFrom('send', 'recv', 'select', 'branch', 'local', 'rec', 'var', 'par'), role: fc.constantFrom('A', 'B'), sig: fc.nat(1), tags: fc.nat(3), next: fc.nat(3), label: fc.constantFrom('a', 'b'), args: fc.constantFrom([], ['x'], ['x', 'y']), gather: fc.boolean() });
  type Choice = typeof shapeArbitrary extends fc.Arbitrary<infer T> ? T : never;
  fc.assert(
    fc.property(fc.array(shapeArbitrary, { minLength: 2, maxLength: 30 }), (choices) => {
      const table = new TermTable();
      const base = [table.end, table.send('B', signature, [], table.end), table.recv('A', signature, [], null, table.end), table.make({ kind: 'var', label: 'L' })];
      const gather = { id: 'gather1', quorum: 1, members: ['A'] };
      const shapeOf = (c: Choice): Parameters<TermTable['make']>[0] => {
        const next = base[c.next] ?? table.end;
        const tags = tagLists[c.tags] ?? [];
        const sig = signatures[c.sig] ?? signature;
        switch (c.kind) {
          case 'send':
            return { kind: 'send', to: c.role, sig, tags, next };
          case 'recv':
            return { kind: 'recv', from: c.role, sig, tags, gather: c.gather ? gather : null, next };
          case 'select':
            return { kind: 'select', entries: [[c.label, next]] };
          case 'branch':
            return { kind: 'branch', from: c.role, choice: c.sig, tags, entries: [[c.label, next]] };
          case 'local':
            return { kind: 'local', action: c.label, args: c.args, next };
          case 'rec':
            return { kind: 'rec', label: c.label, body: next };
          case 'var':
            return { kind: 'var', label: c.label };
          default:
            return { kind: 'par', branches: c.gather ? [next] : [next, table.end], next };
        }
      };
      const referenceKey = (c: Choice): string => {
        const fields = { send: ['role', 'sig', 'tags', 'next'], recv: ['role', 'sig', 'tags', 'gather', 'next'], select: ['label', 'next'], branch: ['role', 'sig', 'tags', 'label', 'next'], local: ['label', 'args', 'next'], rec: ['label', 'next'], var: ['label'], par: ['gather', 'next'] }[c.kind] as (keyof Choice)[];
        return JSON.stringify([c.kind, ...fields.map((field) => c[field])]);
      };
      const terms = choices.map((c) => table.make(shapeOf(c)));
      for (const [i, a] of choices.entries()) {
        for (const [j, b] of choices.entries()) assert.equal(terms[i] === terms[j], referenceKey(a) === referenceKey(b));
      }
    }),
  );
});
