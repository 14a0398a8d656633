/**
 * Lexer of the choreography language (`LANGUAGE.md`): identifiers, integers, strings with `\"` and
 * `\\` escapes, punctuation, `//` and `/* … *\/` comments. Keywords are contextual, so they are
 * lexed as identifiers and recognised by the parser. Never throws: a bad character or an
 * unterminated string or comment becomes an `E001` diagnostic and lexing goes on.
 *
 * @module
 */
import { errorAt, type Diagnostic } from './diagnostic.ts';

/** What kind of token. `punct` covers every operator and bracket. */
export type TokenKind = 'ident' | 'int' | 'string' | 'punct' | 'eof';

/** One token with its exact source range. */
export interface Token {
  /** What kind of token. */
  readonly kind: TokenKind;
  /** The token's text; for strings, the unescaped value. */
  readonly text: string;
  /** Offset of the first character. */
  readonly start: number;
  /** Offset after the last character. */
  readonly end: number;
}

/** The lexer's result: every token (ending with `eof`) and the problems met. */
export interface LexResult {
  readonly tokens: readonly Token[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Multi-character punctuation, longest first. */
const MULTI = ['->*', '#[', '->', '=>'] as const;
/** Single-character punctuation. */
const SINGLE = new Set('[](){},;:=|*+-/%.<>&!?^~@$'.split(''));

function isIdentStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/**
 * The names and numbers of one text, each kept once: a long protocol repeats a few role names and
 * labels thousands of times, and every token stays alive until parsing ends, so one string per
 * distinct name instead of one per occurrence spares the garbage collector most of the copying.
 */
class Names {
  /** By the hash of their characters; a collision just keeps the first name of that hash. */
  private readonly byHash = new Map<number, string>();

  /** The text of `source` from `start` to `end`, whose characters hash to `hash`. */
  intern(source: string, start: number, end: number, hash: number): string {
    const known = this.byHash.get(hash);
    if (known !== undefined && known.length === end - start && source.startsWith(known, start)) return known;
    const name = source.slice(start, end);
    if (known === undefined) this.byHash.set(hash, name);
    return name;
  }
}

/**
 * The multi-character operator at `offset`, if any. A plain function rather than a closure in
 * {@link lex}: a closure there would move `lex`'s position into a heap context, making every step of
 * the scan slower and allocating a closure per punctuation token.
 */
function multiAt(text: string, offset: number): (typeof MULTI)[number] | undefined {
  for (const operator of MULTI) if (text.startsWith(operator, offset)) return operator;
  return undefined;
}

/** Splits `text` into tokens. */
export function lex(text: string, file: string): LexResult {
  const tokens: Token[] = [];
  const diagnostics: Diagnostic[] = [];
  const names = new Names();
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (isSpace(code)) {
      i++;
      continue;
    }
    if (text.startsWith('//', i)) {
      const newline = text.indexOf('\n', i);
      i = newline === -1 ? text.length : newline + 1;
      continue;
    }
    if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      if (close === -1) {
        diagnostics.push(errorAt('E001', file, { start: i, end: i + 2 }, 'This comment is never closed.', 'Close it with `*/`.'));
        i = text.length;
      } else {
        i = close + 2;
      }
      continue;
    }
    const start = i;
    if (isIdentStart(code) || isDigit(code)) {
      const ident = isIdentStart(code);
      let hash = 0;
      for (let c = code; i < text.length && (isDigit(c) || (ident && isIdentStart(c))); c = text.charCodeAt(++i)) hash = (Math.imul(hash, 31) + c) | 0;
      tokens.push({ kind: ident ? 'ident' : 'int', text: names.intern(text, start, i, hash), start, end: i });
      continue;
    }
    if (code === 34) {
      const string = lexString(text, i);
      if (string.closed) tokens.push({ kind: 'string', text: string.value, start, end: string.end });
      else diagnostics.push(errorAt('E001', file, { start, end: start + 1 }, 'This string is never closed.', 'End the string with `"` on the same line.'));
      i = string.end;
      continue;
    }
    const multi = multiAt(text, i);
    if (multi !== undefined) {
      tokens.push({ kind: 'punct', text: multi, start, end: i + multi.length });
      i += multi.length;
      continue;
    }
    const char = text.charAt(i);
    if (SINGLE.has(char)) {
      tokens.push({ kind: 'punct', text: char, start, end: i + 1 });
      i++;
      continue;
    }
    const width = code >= 0xd800 && code <= 0xdbff ? 2 : 1;
    diagnostics.push(errorAt('E001', file, { start, end: start + width }, `The character ${JSON.stringify(text.slice(start, start + width))} cannot appear here.`, 'Remove it; names use letters, digits and `_`.'));
    i += width;
  }
  tokens.push({ kind: 'eof', text: '', start: text.length, end: text.length });
  return { tokens, diagnostics };
}

/** Reads a string literal starting at the quote at `start`; it may not span lines. */
function lexString(text: string, start: number): { value: string; end: number; closed: boolean } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const char = text.charAt(i);
    if (char === '"') return { value, end: i + 1, closed: true };
    if (char === '\n') return { value, end: i, closed: false };
    if (char === '\\' && (text.charAt(i + 1) === '"' || text.charAt(i + 1) === '\\')) {
      value += text.charAt(i + 1);
      i += 2;
      continue;
    }
    value += char;
    i++;
  }
  return { value, end: i, closed: false };
}
