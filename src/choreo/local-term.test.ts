// Local terms: structured terms are hash-consed; conversion keeps sharing and handles deep terms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
