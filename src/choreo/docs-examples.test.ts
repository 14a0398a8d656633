// Every ```choreo block of the language documentation is checked: blocks marked
// `must-fail E0xx` must fail with that code, the others must be well-formed without warnings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkChoreography, renderDiagnostics } from './check.ts';

const DOC = resolve(import.meta.dirname, '..', '..', 'docs', 'choreography-language.md');
const FENCE = /^```choreo([^\n]*)\n([\s\S]*?)^```/gm;
const text = readFileSync(DOC, 'utf8');
const blocks = [...text.matchAll(FENCE)];

test('the language documentation has choreo examples', () => {
  assert.ok(blocks.length >= 8);
});

for (const block of blocks) {
  const line = text.slice(0, block.index).split('\n').length;
  const expected = /must-fail (E\d{3})/.exec(block[1] ?? '')?.[1];
  test(`docs/choreography-language.md:${line} ${expected === undefined ? 'is well-formed' : `fails with ${expected}`}`, () => {
    const result = checkChoreography(block[2] ?? '', `docs:${line}`);
    if (expected === undefined) assert.deepEqual(result.diagnostics, [], renderDiagnostics(result));
    else assert.ok(result.diagnostics.some((diagnostic) => diagnostic.code === expected), renderDiagnostics(result));
  });
}
