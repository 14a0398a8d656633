// The lexer: tokens with exact offsets, comments skipped, errors as diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { lex } from './lexer.ts';

test('tokens carry their text and exact offsets; comments are skipped', () => {
  const { tokens, diagnostics } = lex('A ->* : M; // note\n/* x */ W[*] -> "a\\"b"', 'f');
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(
    tokens.map((token) => [token.kind, token.text, token.start, token.end]),
    [
      ['ident', 'A', 0, 1],
      ['punct', '->*', 2, 5],
      ['punct', ':', 6, 7],
      ['ident', 'M', 8, 9],
      ['punct', ';', 9, 10],
      ['ident', 'W', 27, 28],
      ['punct', '[', 28, 29],
      ['punct', '*', 29, 30],
      ['punct', ']', 30, 31],
      ['punct', '->', 32, 34],
      ['string', 'a"b', 35, 41],
      ['eof', '', 41, 41],
    ],
  );
});

test('bad characters and unclosed strings and comments are E001 diagnostics, and lexing goes on', () => {
  const { tokens, diagnostics } = lex('A € B "open\nC /* never', 'f');
  assert.deepEqual(diagnostics.map((diagnostic) => diagnostic.code), ['E001', 'E001', 'E001']);
  assert.deepEqual(tokens.filter((token) => token.kind === 'ident').map((token) => token.text), ['A', 'B', 'C']);
});

test('names and numbers are the exact source text, however often a name (or a name of the same hash) repeats', () => {
  const word = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$|^[0-9]{1,4}$/);
  // "Aa" and "BB" hash alike; so do "AaAa", "AaBB", "BBAa" and "BBBB".
  const colliding = fc.constantFrom('Aa', 'BB', 'AaAa', 'AaBB', 'BBAa', 'BBBB');
  fc.assert(
    fc.property(fc.array(fc.oneof(word, colliding), { maxLength: 60 }), fc.constantFrom(' ', '\n', ' -> ', '; '), (words, separator) => {
      const text = words.join(separator);
      const tokens = lex(text, 't.choreo').tokens.filter((token) => token.kind === 'ident' || token.kind === 'int');
      assert.deepEqual(tokens.map((token) => token.text), words);
      for (const token of tokens) assert.equal(token.text, text.slice(token.start, token.end));
    }),
  );
});
