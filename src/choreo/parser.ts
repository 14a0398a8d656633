/**
 * Recursive-descent parser of the choreography language, following the grammar of `LANGUAGE.md`.
 *
 * Every node gets its exact source span. The parser recovers after an error (it skips to the end
 * of the statement, branch or protocol it was in), so that all problems of a file are reported in
 * one pass. Nesting is bounded ({@link MAX_NESTING}) so that hostile input cannot overflow the
 * stack: a block nested deeper is reported and skipped with an iterative scan. Never throws.
 *
 * @module
 */
import type { Annotation, BranchAst, ChoreoFile, CountExpr, Endpoint, ForStmt, ImportAst, IndexExpr, MessageAst, ProtocolAst, RoleDecl, Stmt, Value } from './ast.ts';
import { errorAt, type Diagnostic, type Span } from './diagnostic.ts';
import { lex, type Token } from './lexer.ts';
import type { Payload, PayloadField, TypeExpr } from './local-type.ts';

/** The deepest nesting of blocks, parentheses, generics and tuples the parser accepts. */
export const MAX_NESTING = 200;

/** The parser's result: the tree (possibly partial) and every problem found. */
export interface ParseResult {
  readonly ast: ChoreoFile;
  readonly diagnostics: readonly Diagnostic[];
}

/** Thrown inside the parser only, to unwind to the nearest recovery point. */
class SyntaxFailure extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

const STATEMENT_KEYWORDS = new Set(['choice', 'loop', 'for', 'parallel', 'rec', 'continue', 'call']);

/** Parses a whole `.choreo` source text. */
export function parseFile(text: string, file: string): ParseResult {
  const lexed = lex(text, file);
  const parser = new Parser(text, file, lexed.tokens);
  const ast = parser.file();
  return { ast, diagnostics: [...lexed.diagnostics, ...parser.diagnostics] };
}

class Parser {
  readonly diagnostics: Diagnostic[] = [];
  private position = 0;
  private depth = 0;
  private indexOperators = 0;

  constructor(
    private readonly text: string,
    private readonly fileName: string,
    private readonly tokens: readonly Token[],
  ) {}

  file(): ChoreoFile {
    const attributes: Annotation[] = [];
    const imports: ImportAst[] = [];
    const protocols: ProtocolAst[] = [];
    while (this.peek().kind !== 'eof') {
      try {
        if (this.isPunct('#[')) attributes.push(...this.attribute());
        else if (this.isIdent('import')) imports.push(this.importDecl());
        else if (this.isIdent('protocol') || this.isIdent('choreography')) protocols.push(this.protocol());
        else throw this.failure(this.peek(), 'Expected `protocol`, `choreography`, `import` or an attribute `#[…]` here.', 'A file holds attributes, imports and protocols.');
      } catch (error) {
        this.record(error);
        this.skipToTopLevel();
      }
    }
    return { file: this.fileName, attributes, imports, protocols };
  }

  // ---- top level ----

  private attribute(): Annotation[] {
    this.expectPunct('#[');
    const annotations = this.annotationList();
    this.expectPunct(']');
    return annotations;
  }

  private importDecl(): ImportAst {
    const start = this.next().start;
    const path = this.expectKind('string', 'a file name in quotes');
    const end = this.expectPunct(';').end;
    return { path: path.text, span: { start, end } };
  }

  private protocol(): ProtocolAst {
    const keywordToken = this.next();
    const keyword = keywordToken.text === 'choreography' ? 'choreography' : 'protocol';
    const name = this.expectIdent('a protocol name').text;
    const params: { name: string; span: Span }[] = [];
    if (this.acceptPunct('(')) {
      do {
        const param = this.expectIdent('a parameter name');
        params.push({ name: param.text, span: spanOf(param) });
      } while (this.acceptPunct(','));
      this.expectPunct(')');
    }
    this.expectPunct('{');
    let roles: RoleDecl[] = [];
    try {
      roles = this.roles();
    } catch (error) {
      this.record(error);
      this.skipStatement();
    }
    const body = this.statementsUntil(['}']);
    const end = this.expectPunct('}').end;
    return { keyword, name, params, roles, body, span: { start: keywordToken.start, end }, file: this.fileName };
  }

  private roles(): RoleDecl[] {
    if (!this.isIdent('roles')) throw this.failure(this.peek(), 'A protocol starts with its roles.', 'Write `roles: A, B;` first.');
    this.next();
    this.expectPunct(':');
    const roles: RoleDecl[] = [];
    do {
      const name = this.expectIdent('a role name');
      let size: RoleDecl['size'] = null;
      let end = name.end;
      if (this.acceptPunct('[')) {
        const token = this.next();
        if (token.kind === 'int') size = { kind: 'int', value: this.integer(token), span: spanOf(token) };
        else if (token.kind === 'ident') size = { kind: 'param', name: token.text, span: spanOf(token) };
        else throw this.failure(token, 'A family size is a number or a parameter name.', 'Write `Worker[3]` or `Worker[N]`.');
        end = this.expectPunct(']').end;
      }
      roles.push({ name: name.text, size, span: { start: name.start, end } });
    } while (this.acceptPunct(','));
    this.expectPunct(';');
    return roles;
  }

  // ---- statements ----

  /** Statements up to (not including) one of the `closers` or the end of input, recovering after each bad one. */
  private statementsUntil(closers: readonly string[]): Stmt[] {
    const statements: Stmt[] = [];
    while (this.peek().kind !== 'eof' && !closers.some((closer) => this.isPunct(closer))) {
      const before = this.position;
      try {
        statements.push(this.statement());
      } catch (error) {
        this.record(error);
        this.skipStatement();
        if (this.position === before) this.position++;
      }
    }
    return statements;
  }

  /** `{ stmts }`, skipped (and reported) when nested too deeply. */
  private block(): { body: Stmt[]; end: number } {
    const open = this.expectPunct('{');
    if (this.depth >= MAX_NESTING) {
      this.diagnostics.push(this.tooDeep(open));
      return { body: [], end: this.skipBalanced() };
    }
    this.depth++;
    try {
      const body = this.statementsUntil(['}']);
      return { body, end: this.expectPunct('}').end };
    } finally {
      this.depth--;
    }
  }

  private statement(): Stmt {
    const token = this.peek();
    const after = this.peekAt(1);
    const keyword = token.kind === 'ident' && STATEMENT_KEYWORDS.has(token.text) && !(after.kind === 'punct' && ['->', '->*', ':', '['].includes(after.text));
    if (keyword) {
      switch (token.text) {
        case 'choice':
          return this.choice();
        case 'loop':
          return this.loop();
        case 'for':
          return this.forStatement();
        case 'parallel':
          return this.parallel();
        case 'rec': {
          this.next();
          const label = this.expectIdent('a recursion label').text;
          const { body, end } = this.block();
          return { kind: 'rec', label, body, span: { start: token.start, end } };
        }
        case 'continue': {
          this.next();
          const label = this.expectIdent('a recursion label').text;
          return { kind: 'continue', label, span: { start: token.start, end: this.expectPunct(';').end } };
        }
        default:
          return this.call();
      }
    }
    return this.sendOrLocal();
  }

  private sendOrLocal(): Stmt {
    const from = this.endpoint();
    const annotations = this.optionalAnnotations();
    if (this.acceptPunct('->*')) {
      this.expectPunct(':');
      const message = this.message();
      return { kind: 'send', from, annotations, to: 'broadcast', message, span: { start: from.span.start, end: this.expectPunct(';').end } };
    }
    if (this.acceptPunct('->')) {
      const to: Endpoint[] = [];
      do to.push(this.endpoint());
      while (this.acceptPunct(','));
      this.expectPunct(':');
      const message = this.message();
      return { kind: 'send', from, annotations, to, message, span: { start: from.span.start, end: this.expectPunct(';').end } };
    }
    if (annotations.length === 0 && this.acceptPunct(':')) {
      const action = this.expectIdent('an action name').text;
      const args = this.isPunct('(') ? this.rawArguments() : [];
      return { kind: 'local', role: from, action, args, span: { start: from.span.start, end: this.expectPunct(';').end } };
    }
    throw this.failure(this.peek(), 'Expected `->`, `->*` or `:` after the role.', 'A statement is a send `A -> B: Msg;` or a local step `A: Action;`.');
  }

  private choice(): Stmt {
    const start = this.next().start;
    const chooser = this.endpoint();
    const annotations = this.optionalAnnotations();
    const open = this.expectPunct('{');
    if (this.depth >= MAX_NESTING) {
      this.diagnostics.push(this.tooDeep(open));
      return { kind: 'choice', chooser, annotations, branches: [], span: { start, end: this.skipBalanced() } };
    }
    this.depth++;
    const branches: BranchAst[] = [];
    try {
      while (this.peek().kind !== 'eof' && !this.isPunct('}')) {
        try {
          branches.push(this.branch());
        } catch (error) {
          this.record(error);
          this.skipBranch();
        }
      }
    } finally {
      this.depth--;
    }
    return { kind: 'choice', chooser, annotations, branches, span: { start, end: this.expectPunct('}').end } };
  }

  private branch(): BranchAst {
    const label = this.expectIdent('a branch label');
    let guard: string | null = null;
    if (this.isIdent('when') && this.peekAt(1).text === '(') {
      this.next();
      guard = this.balancedText();
    }
    if (!this.acceptPunct(':')) this.expectPunct('=>');
    const { body, end } = this.block();
    return { label: label.text, guard, body, span: { start: label.start, end } };
  }

  private loop(): Stmt {
    const start = this.next().start;
    this.expectPunct('(');
    const kind = this.expectIdent('`count` or `decides`');
    this.expectPunct(':');
    let mode: Extract<Stmt, { kind: 'loop' }>['mode'];
    if (kind.text === 'count') {
      const token = this.next();
      let count: CountExpr;
      if (token.kind === 'int') count = { kind: 'int', value: this.integer(token), span: spanOf(token) };
      else if (token.kind === 'ident') count = { kind: 'param', name: token.text, span: spanOf(token) };
      else throw this.failure(token, 'A loop count is a number or a parameter.', 'Write `loop (count: 3)` or `loop (count: N)`.');
      mode = { kind: 'count', count };
    } else if (kind.text === 'decides') {
      mode = { kind: 'decides', role: this.endpoint() };
    } else {
      throw this.failure(kind, `A loop is \`count\` or \`decides\`, not \`${kind.text}\`.`, 'Write `loop (count: n)` or `loop (decides: A)`.');
    }
    this.expectPunct(')');
    const { body, end } = this.block();
    return { kind: 'loop', mode, body, span: { start, end } };
  }

  /** `for i in W { … }`; after `parallel` (which began at `parallelStart`), `parallel for`. */
  private forStatement(parallelStart?: number): ForStmt {
    const forStart = this.next().start;
    const variable = this.expectIdent('a loop variable').text;
    if (!this.isIdent('in')) throw this.failure(this.peek(), 'Expected `in` after the loop variable.', 'Write `for i in Worker { … }`.');
    this.next();
    const family = this.expectIdent('a role family').text;
    const { body, end } = this.block();
    if (parallelStart === undefined) return { kind: 'for', variable, family, body, span: { start: forStart, end } };
    return { kind: 'for', variable, family, body, span: { start: parallelStart, end }, parallel: true };
  }

  private parallel(): Stmt {
    const start = this.next().start;
    if (this.isIdent('for')) return this.forStatement(start);
    const open = this.expectPunct('{');
    if (this.depth >= MAX_NESTING) {
      this.diagnostics.push(this.tooDeep(open));
      return { kind: 'parallel', branches: [], span: { start, end: this.skipBalanced() } };
    }
    this.depth++;
    const branches: Stmt[][] = [];
    try {
      branches.push(this.statementsUntil(['|', '}']));
      while (this.acceptPunct('|')) branches.push(this.statementsUntil(['|', '}']));
    } finally {
      this.depth--;
    }
    const end = this.expectPunct('}').end;
    if (branches.length < 2) {
      this.diagnostics.push(errorAt('E002', this.fileName, { start, end }, 'A `parallel` needs at least two parts separated by `|`.', 'Write `parallel { P | Q }`, or drop `parallel`.'));
    }
    return { kind: 'parallel', branches, span: { start, end } };
  }

  private call(): Stmt {
    const start = this.next().start;
    const protocol = this.expectIdent('a protocol name').text;
    const renames: { from: string; to: string; span: Span }[] = [];
    if (this.acceptPunct('(')) {
      do {
        const from = this.expectIdent('a role of the called protocol');
        if (!this.isIdent('as')) throw this.failure(this.peek(), 'Expected `as` in the role renaming.', 'Write `call P(Client as Alice);`.');
        this.next();
        const to = this.expectIdent('a role of this protocol');
        renames.push({ from: from.text, to: to.text, span: { start: from.start, end: to.end } });
      } while (this.acceptPunct(','));
      this.expectPunct(')');
    }
    return { kind: 'call', protocol, renames, span: { start, end: this.expectPunct(';').end } };
  }

  // ---- endpoints, annotations, messages, types ----

  private endpoint(): Endpoint {
    this.indexOperators = 0;
    const name = this.expectIdent('a role');
    if (!this.isPunct('[') || this.annotationsFollow()) return { name: name.text, index: null, span: spanOf(name) };
    this.next();
    if (this.acceptPunct('*')) return { name: name.text, index: 'all', span: { start: name.start, end: this.expectPunct(']').end } };
    const index = this.indexExpr();
    return { name: name.text, index, span: { start: name.start, end: this.expectPunct(']').end } };
  }

  /** At `[`: true when an annotation list (`ident =`) follows rather than an index. */
  private annotationsFollow(): boolean {
    return this.peekAt(1).kind === 'ident' && this.peekAt(2).text === '=' && this.peekAt(2).kind === 'punct';
  }

  private optionalAnnotations(): Annotation[] {
    if (!this.isPunct('[') || !this.annotationsFollow()) return [];
    this.next();
    const annotations = this.annotationList();
    this.expectPunct(']');
    return annotations;
  }

  private annotationList(): Annotation[] {
    const annotations: Annotation[] = [];
    do {
      const name = this.expectIdent('an annotation name');
      this.expectPunct('=');
      const value = this.value();
      annotations.push({ name: name.text, value, span: { start: name.start, end: value.span.end } });
    } while (this.acceptPunct(','));
    return annotations;
  }

  private value(): Value {
    const token = this.next();
    if (token.kind === 'string') return { kind: 'string', value: token.text, span: spanOf(token) };
    if (token.kind === 'int') return { kind: 'int', value: this.integer(token), span: spanOf(token) };
    if (token.kind === 'ident') {
      if (token.text === 'true' || token.text === 'false') return { kind: 'bool', value: token.text === 'true', span: spanOf(token) };
      return { kind: 'ident', value: token.text, span: spanOf(token) };
    }
    if (token.kind === 'punct' && token.text === '(') {
      return this.nested(token, () => {
        const items: Value[] = [];
        do items.push(this.value());
        while (this.acceptPunct(','));
        return { kind: 'tuple', items, span: { start: token.start, end: this.expectPunct(')').end } };
      });
    }
    throw this.failure(token, 'Expected a value: a string, a number, `true`, `false`, a name or a tuple.', 'For example `flow_cost = 10` or `guard_capability = "recovery:approve"`.');
  }

  private message(): MessageAst {
    const label = this.expectIdent('a message label');
    if (!this.isPunct('(')) return { label: label.text, payload: null, span: spanOf(label) };
    this.next();
    let payload: Payload;
    if (this.isPunct(')')) payload = { kind: 'fields', fields: [] };
    else if (this.peek().kind === 'ident' && this.peekAt(1).text === ':' && this.peekAt(1).kind === 'punct') {
      const fields: PayloadField[] = [];
      do {
        const name = this.expectIdent('a field name').text;
        this.expectPunct(':');
        fields.push({ name, type: this.type() });
      } while (this.acceptPunct(','));
      payload = { kind: 'fields', fields };
    } else {
      payload = { kind: 'type', type: this.type() };
    }
    return { label: label.text, payload, span: { start: label.start, end: this.expectPunct(')').end } };
  }

  private type(): TypeExpr {
    const token = this.peek();
    if (this.acceptPunct('[')) {
      return this.nested(token, () => {
        const element = this.type();
        this.expectPunct(']');
        return { kind: 'list', element };
      });
    }
    let name = this.expectIdent('a type').text;
    while (this.acceptPunct('.')) name += `.${this.expectIdent('a type name after `.`').text}`;
    const args: TypeExpr[] = [];
    const open = this.peek();
    if (this.acceptPunct('<')) {
      this.nested(open, () => {
        do args.push(this.type());
        while (this.acceptPunct(','));
        this.expectPunct('>');
      });
    }
    return { kind: 'name', name, args };
  }

  private indexExpr(): IndexExpr {
    let left = this.indexTerm();
    while (this.isPunct('+') || this.isPunct('-')) {
      this.countOperator();
      const op = this.next().text as '+' | '-';
      const right = this.indexTerm();
      left = { kind: 'binary', op, left, right, span: { start: left.span.start, end: right.span.end } };
    }
    return left;
  }

  private indexTerm(): IndexExpr {
    let left = this.indexPrimary();
    while (this.isPunct('*') || this.isPunct('/') || this.isPunct('%')) {
      this.countOperator();
      const op = this.next().text as '*' | '/' | '%';
      const right = this.indexPrimary();
      left = { kind: 'binary', op, left, right, span: { start: left.span.start, end: right.span.end } };
    }
    return left;
  }

  private indexPrimary(): IndexExpr {
    const token = this.next();
    if (token.kind === 'int') return { kind: 'int', value: this.integer(token), span: spanOf(token) };
    if (token.kind === 'ident') return { kind: 'var', name: token.text, span: spanOf(token) };
    if (token.kind === 'punct' && token.text === '(') {
      return this.nested(token, () => {
        const inner = this.indexExpr();
        this.expectPunct(')');
        return inner;
      });
    }
    throw this.failure(token, 'Expected an index: a number, a variable or `(…)`.', 'For example `W[0]`, `W[i]` or `W[(i + 1) % N]`.');
  }

  /** Index expressions are evaluated and printed recursively, so their length is bounded too. */
  private countOperator(): void {
    if (++this.indexOperators > MAX_NESTING) throw this.failure(this.peek(), `This index has more than ${MAX_NESTING} operators.`, 'Simplify the index expression.');
  }

  /** The source text inside balanced parentheses starting at the current `(`, trimmed. */
  private balancedText(): string {
    const open = this.expectPunct('(');
    let level = 1;
    while (this.peek().kind !== 'eof') {
      const token = this.next();
      if (token.kind !== 'punct') continue;
      if (token.text === '(') level++;
      else if (token.text === ')' && --level === 0) return this.text.slice(open.end, token.start).trim();
    }
    throw this.failure(open, 'This `(` is never closed.', 'Add the matching `)`.');
  }

  /** The comma-separated argument texts of `(a, f(b, c))`. */
  private rawArguments(): string[] {
    const open = this.expectPunct('(');
    const args: string[] = [];
    let level = 1;
    let argStart = open.end;
    while (this.peek().kind !== 'eof') {
      const token = this.next();
      if (token.kind !== 'punct') continue;
      if (token.text === '(') level++;
      else if (token.text === ',' && level === 1) {
        args.push(this.text.slice(argStart, token.start).trim());
        argStart = token.end;
      } else if (token.text === ')' && --level === 0) {
        const last = this.text.slice(argStart, token.start).trim();
        if (args.length > 0 || last !== '') args.push(last);
        return args;
      }
    }
    throw this.failure(open, 'This `(` is never closed.', 'Add the matching `)`.');
  }

  // ---- token helpers ----

  private peek(): Token {
    return this.peekAt(0);
  }

  private peekAt(offset: number): Token {
    const index = Math.min(this.position + offset, this.tokens.length - 1);
    return this.tokens[index]!; // the token list always ends with eof, and index is clamped to it
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.position++;
    return token;
  }

  private isPunct(text: string): boolean {
    const token = this.peek();
    return token.kind === 'punct' && token.text === text;
  }

  private isIdent(text: string): boolean {
    const token = this.peek();
    return token.kind === 'ident' && token.text === text;
  }

  private acceptPunct(text: string): boolean {
    if (!this.isPunct(text)) return false;
    this.position++;
    return true;
  }

  private expectPunct(text: string): Token {
    if (this.isPunct(text)) return this.next();
    throw this.failure(this.peek(), `Expected \`${text}\` here, found ${describe(this.peek())}.`, `Add \`${text}\`.`);
  }

  private expectIdent(what: string): Token {
    if (this.peek().kind === 'ident') return this.next();
    throw this.failure(this.peek(), `Expected ${what} here, found ${describe(this.peek())}.`, `Write ${what}; names start with a letter or \`_\`.`);
  }

  private expectKind(kind: Token['kind'], what: string): Token {
    if (this.peek().kind === kind) return this.next();
    throw this.failure(this.peek(), `Expected ${what} here, found ${describe(this.peek())}.`, `Write ${what}.`);
  }

  private integer(token: Token): number {
    const value = Number(token.text);
    if (!Number.isSafeInteger(value)) throw this.failure(token, `The number ${token.text} is too large.`, `Use a number below ${Number.MAX_SAFE_INTEGER}.`);
    return value;
  }

  /** Runs `parse` one nesting level deeper, refusing past {@link MAX_NESTING}. */
  private nested<T>(at: Token, parse: () => T): T {
    if (this.depth >= MAX_NESTING) throw new SyntaxFailure(this.tooDeep(at));
    this.depth++;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private tooDeep(at: Token): Diagnostic {
    return errorAt('E002', this.fileName, spanOf(at), `This is nested more than ${MAX_NESTING} levels deep.`, 'Split the protocol into smaller ones joined with `call`.');
  }

  private failure(at: Token, message: string, hint: string): SyntaxFailure {
    return new SyntaxFailure(errorAt('E002', this.fileName, spanOf(at), message, hint));
  }

  private record(error: unknown): void {
    if (!(error instanceof SyntaxFailure)) throw error;
    this.diagnostics.push(error.diagnostic);
  }

  // ---- recovery (iterative, so that it cannot overflow the stack) ----

  /** Skips the rest of a bad statement: up to its `;` (consumed) or the `}` / `|` that closes the enclosing block. */
  private skipStatement(): void {
    let level = 0;
    while (this.peek().kind !== 'eof') {
      const token = this.peek();
      if (token.kind === 'punct') {
        if (token.text === '{') level++;
        else if (token.text === '}') {
          if (level === 0) return;
          level--;
          if (level === 0) {
            this.next();
            return;
          }
        } else if (level === 0 && (token.text === ';' || token.text === '|')) {
          if (token.text === ';') this.next();
          return;
        }
      }
      this.next();
    }
  }

  /** Skips the rest of a bad branch, through its closing `}`. */
  private skipBranch(): void {
    let level = 0;
    while (this.peek().kind !== 'eof') {
      const token = this.next();
      if (token.kind !== 'punct') continue;
      if (token.text === '{') level++;
      else if (token.text === '}') {
        if (level <= 1) {
          if (level === 0) this.position--;
          return;
        }
        level--;
      }
    }
  }

  /** Having consumed a `{`, skips to just after its matching `}` and returns that offset. */
  private skipBalanced(): number {
    let level = 1;
    while (this.peek().kind !== 'eof') {
      const token = this.next();
      if (token.kind !== 'punct') continue;
      if (token.text === '{') level++;
      else if (token.text === '}' && --level === 0) return token.end;
    }
    return this.peek().start;
  }

  /** After a bad top-level item: skips to the next `protocol`, `choreography`, `import` or `#[` outside braces. */
  private skipToTopLevel(): void {
    let level = 0;
    const start = this.position;
    while (this.peek().kind !== 'eof') {
      const token = this.peek();
      const topLevel = level === 0 && this.position > start && (this.isPunct('#[') || this.isIdent('import') || this.isIdent('protocol') || this.isIdent('choreography'));
      if (topLevel) return;
      if (token.kind === 'punct' && token.text === '{') level++;
      else if (token.kind === 'punct' && token.text === '}') level = Math.max(0, level - 1);
      this.next();
    }
  }
}

function spanOf(token: Token): Span {
  return { start: token.start, end: Math.max(token.end, token.start + (token.kind === 'eof' ? 0 : 1)) };
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'the end of the file';
    case 'string':
      return `the string ${JSON.stringify(token.text)}`;
    default:
      return `\`${token.text}\``;
  }
}
