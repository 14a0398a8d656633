// The text form of global protocols: printing then re-parsing gives the same tree, and printing
// is stable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { anyFile, withoutSpans } from '../../test/support/choreo-arbitraries.ts';
import { parseFile } from './parser.ts';
import { printChoreoFile } from './print-ast.ts';

test('printing any syntax tree and parsing the text gives the same tree', () => {
  fc.assert(
    fc.property(anyFile, (file) => {
      const text = printChoreoFile(file);
      const parsed = parseFile(text, 'gen.choreo');
      assert.deepEqual(parsed.diagnostics, [], text);
      assert.deepEqual(withoutSpans(parsed.ast), withoutSpans(file));
    }),
    { numRuns: 300 },
  );
});

test('the examples print in the canonical layout, and printing that again changes nothing', () => {
  const dir = resolve(import.meta.dirname, '..', '..', 'examples', 'choreo');
  for (const name of readdirSync(dir).filter((entry) => entry.endsWith('.choreo'))) {
    const first = printChoreoFile(parseFile(readFileSync(join(dir, name), 'utf8'), name).ast);
    const second = printChoreoFile(parseFile(first, name).ast);
    assert.equal(second, first, name);
  }
});

test('index expressions keep their grouping', () => {
  const text = 'protocol R { roles: W[4]; W[(1 + 2) % 4] -> W[1 + 2 * 1]: M; }';
  const printed = printChoreoFile(parseFile(text, 'r.choreo').ast);
  assert.match(printed, /W\[\(1 \+ 2\) % 4\] -> W\[1 \+ \(2 \* 1\)\]: M;/);
});
