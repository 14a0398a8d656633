// Diagnostics render Elm-style: headline with code and location, the line, a caret, the message, notes, a hint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorAt, lineColumn, renderDiagnostic } from './diagnostic.ts';

test('a diagnostic renders with the source line and a caret under the span', () => {
  const text = 'protocol P {\n  roles: A;\n  A -> Zed: M;\n}';
  const start = text.indexOf('Zed');
  const diagnostic = errorAt('E010', 'p.choreo', { start, end: start + 3 }, 'Role `Zed` is not declared.', 'Add it to `roles:`.', ['a note']);
  assert.equal(
    renderDiagnostic(diagnostic, text),
    ['error[E010]: undeclared role -- p.choreo:3:8', '', '3 |   A -> Zed: M;', '  |        ^^^', '', 'Role `Zed` is not declared.', '', 'a note', '', 'hint: Add it to `roles:`.'].join('\n'),
  );
});

test('line and column are 1-based', () => {
  assert.deepEqual(lineColumn('ab\ncd', 4), { line: 2, column: 2 });
  assert.deepEqual(lineColumn('', 0), { line: 1, column: 1 });
});
