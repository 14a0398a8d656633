// The parser fuzz property shared by the normal suite (a few thousand cases) and the long run
// (100k): random text and mutated examples never make the checker throw or hang, and every input
// gets either a tree without errors or at least one diagnostic.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { checkChoreography } from '../../src/choreo/check.ts';
import { hasErrors } from '../../src/choreo/diagnostic.ts';

const EXAMPLES = resolve(import.meta.dirname, '..', '..', 'examples', 'choreo');
const seeds = readdirSync(EXAMPLES)
  .filter((name) => name.endsWith('.choreo'))
  .map((name) => readFileSync(join(EXAMPLES, name), 'utf8'));

const TOKENS = ['protocol', 'P', '{', '}', 'roles', ':', ';', 'A', 'B', 'W', '[', ']', '*', '->', '->*', ',', 'choice', 'loop', '(', ')', 'count', 'decides', 'for', 'in', 'parallel', '|', 'rec', 'continue', 'call', 'as', 'when', '#[', '=', '"s"', '3', 'N', 'L', 'M', '/*', '*/', '//', '\n', ' '];

/** Random token soup. */
const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((tokens) => tokens.join(' '));

/** An example with a few random edits: deletions, insertions of tokens, duplications. */
const mutated = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.array(fc.tuple(fc.nat(), fc.nat(20), fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 4 }))), { minLength: 1, maxLength: 5 }),
  )
  .map(([text, edits]) =>
    edits.reduce((current, [at, length, insert]) => {
      const position = at % (current.length + 1);
      return current.slice(0, position) + insert + current.slice(position + length);
    }, text),
  );

/** Any input: soup, mutated examples, or arbitrary strings. */
export const fuzzInput = fc.oneof(soup, mutated, fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 }));

/** The fuzz property, run `numRuns` times. */
export function fuzzChecker(numRuns: number): void {
  fc.assert(
    fc.property(fuzzInput, (text) => {
      const result = checkChoreography(text, 'fuzz.choreo');
      const accepted = !hasErrors(result.diagnostics) && result.protocols.length > 0;
      const rejected = hasErrors(result.diagnostics);
      assert.ok(accepted || rejected || result.ast.protocols.length === 0, 'every input gets a verdict');
      for (const diagnostic of result.diagnostics) {
        assert.ok(diagnostic.span.start >= 0 && diagnostic.span.end <= text.length && diagnostic.span.start <= diagnostic.span.end, `span in range: ${JSON.stringify(diagnostic)}`);
      }
    }),
    { numRuns },
  );
}
