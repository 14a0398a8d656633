/**
 * Diagnostics of the choreography checker: values (never exceptions) with a stable code, a
 * severity, a source span, a message, a hint and optional notes, rendered Elm-style with the
 * offending source line and a caret under the span (see `STYLE.md`, "errors people can act on").
 *
 * The codes are stable: tests and programs match on them; messages may change.
 *
 * @module
 */

/** A half-open range of character offsets `[start, end)` in one source text. */
export interface Span {
  /** Offset of the first character. */
  readonly start: number;
  /** Offset just after the last character. */
  readonly end: number;
}

/** How bad a diagnostic is: an error makes the protocol rejected, a warning does not. */
export type Severity = 'error' | 'warning';

/** Every diagnostic code with its one-line title, in code order. */
export const DIAGNOSTIC_CODES = {
  E001: 'invalid token',
  E002: 'syntax error',
  E003: 'unknown file attribute',
  E004: 'duplicate protocol',
  E005: 'unresolved import',
  E010: 'undeclared role',
  E011: 'duplicate role',
  E012: 'unused role',
  E013: 'self-send',
  E014: 'duplicate branch label',
  E015: 'empty choice',
  E016: 'unbound continue',
  E017: 'continue not in tail position',
  E018: 'unguarded recursion',
  E019: 'cyclic call',
  E020: 'unknown annotation',
  E021: 'bad annotation value',
  E022: 'uninformed role in a choice',
  E023: 'unprojectable merge',
  E024: 'parallel confusion',
  E025: 'unknown protocol',
  E026: 'missing or bad parameter',
  E027: 'index out of range',
  E028: 'bad role reference',
  E029: 'bad role renaming',
  E030: 'unknown protocol requested',
} as const;

/** A stable diagnostic code such as `E022`. */
export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** One problem found in a choreography. */
export interface Diagnostic {
  /** Stable code, e.g. `E022`. */
  readonly code: DiagnosticCode;
  /** Whether it rejects the protocol. */
  readonly severity: Severity;
  /** Name of the source file the span points into. */
  readonly file: string;
  /** Where the problem is. */
  readonly span: Span;
  /** One sentence saying what is wrong. */
  readonly message: string;
  /** One sentence saying how to fix it. */
  readonly hint: string;
  /** Extra lines shown after the source excerpt (e.g. the two behaviours that differ). */
  readonly notes: readonly string[];
}

/** Builds an error diagnostic. */
export function errorAt(code: DiagnosticCode, file: string, span: Span, message: string, hint: string, notes: readonly string[] = []): Diagnostic {
  return { code, severity: 'error', file, span, message, hint, notes };
}

/** Builds a warning diagnostic. */
export function warningAt(code: DiagnosticCode, file: string, span: Span, message: string, hint: string): Diagnostic {
  return { code, severity: 'warning', file, span, message, hint, notes: [] };
}

/** True when any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((diagnostic) => diagnostic.severity === 'error');
}

/** Line (1-based) and column (1-based) of an offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const limit = Math.min(offset, text.length);
  for (let i = 0; i < limit; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: limit - lineStart + 1 };
}

/** `file:line:col` of a diagnostic. */
export function diagnosticLocation(diagnostic: Diagnostic, text: string): string {
  const { line, column } = lineColumn(text, diagnostic.span.start);
  return `${diagnostic.file}:${line}:${column}`;
}

/**
 * Renders a diagnostic Elm-style: a headline with the code, title and location; the source line
 * with a caret under the span; the message; the notes; the hint. `text` is the source the span
 * points into.
 */
export function renderDiagnostic(diagnostic: Diagnostic, text: string): string {
  const { line, column } = lineColumn(text, diagnostic.span.start);
  const lineStart = text.lastIndexOf('\n', Math.max(0, diagnostic.span.start - 1)) + 1;
  const lineEndIndex = text.indexOf('\n', lineStart);
  const sourceLine = text.slice(lineStart, lineEndIndex === -1 ? text.length : lineEndIndex).replaceAll('\t', ' ');
  const width = Math.max(1, Math.min(diagnostic.span.end, lineEndIndex === -1 ? text.length : lineEndIndex) - diagnostic.span.start);
  const gutter = String(line);
  const title = DIAGNOSTIC_CODES[diagnostic.code];
  return [
    `${diagnostic.severity}[${diagnostic.code}]: ${title} -- ${diagnostic.file}:${line}:${column}`,
    '',
    `${gutter} | ${sourceLine}`,
    `${' '.repeat(gutter.length)} | ${' '.repeat(column - 1)}${'^'.repeat(width)}`,
    '',
    diagnostic.message,
    ...(diagnostic.notes.length > 0 ? ['', ...diagnostic.notes] : []),
    '',
    `hint: ${diagnostic.hint}`,
  ].join('\n');
}
