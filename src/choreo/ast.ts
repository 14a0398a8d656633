/**
 * The abstract syntax tree of a `.choreo` file (`LANGUAGE.md`). Every node carries the exact
 * source span it was parsed from, so every later phase can point at the text.
 *
 * @module
 */
import type { Span } from './diagnostic.ts';
import type { Payload } from './local-type.ts';

/** An annotation or attribute value as written. */
export type Value =
  | { readonly kind: 'string'; readonly value: string; readonly span: Span }
  | { readonly kind: 'int'; readonly value: number; readonly span: Span }
  | { readonly kind: 'bool'; readonly value: boolean; readonly span: Span }
  | { readonly kind: 'ident'; readonly value: string; readonly span: Span }
  | { readonly kind: 'tuple'; readonly items: readonly Value[]; readonly span: Span };

/** `name = value` in an attribute `#[…]` or an annotation `[…]`. */
export interface Annotation {
  readonly name: string;
  readonly value: Value;
  readonly span: Span;
}

/** An index expression inside `W[…]`. */
export type IndexExpr =
  | { readonly kind: 'int'; readonly value: number; readonly span: Span }
  | { readonly kind: 'var'; readonly name: string; readonly span: Span }
  | { readonly kind: 'binary'; readonly op: '+' | '-' | '*' | '/' | '%'; readonly left: IndexExpr; readonly right: IndexExpr; readonly span: Span };

/** A role reference: `A`, `W[i+1]`, or every member `W[*]`. */
export interface Endpoint {
  readonly name: string;
  /** `null` for a plain role, `'all'` for `[*]`, otherwise the index expression. */
  readonly index: IndexExpr | 'all' | null;
  readonly span: Span;
}

/** A message `Label(…)`. */
export interface MessageAst {
  readonly label: string;
  readonly payload: Payload | null;
  readonly span: Span;
}

/** `A -> B, C: M;`, `A ->* : M;`, scatter `A -> W[*]: M;` or gather `W[*] -> A: M;`. */
export interface SendStmt {
  readonly kind: 'send';
  readonly from: Endpoint;
  readonly annotations: readonly Annotation[];
  /** The receivers, or `'broadcast'` for `->*`. */
  readonly to: readonly Endpoint[] | 'broadcast';
  readonly message: MessageAst;
  readonly span: Span;
}

/** `A: Action(args);`: a local step. */
export interface LocalStmt {
  readonly kind: 'local';
  readonly role: Endpoint;
  readonly action: string;
  /** Argument text as written, one entry per argument. */
  readonly args: readonly string[];
  readonly span: Span;
}

/** One branch of a choice. */
export interface BranchAst {
  readonly label: string;
  /** The guard text inside `when (…)`, or `null`. */
  readonly guard: string | null;
  readonly body: readonly Stmt[];
  readonly span: Span;
}

/** `choice A { … }`. */
export interface ChoiceStmt {
  readonly kind: 'choice';
  readonly chooser: Endpoint;
  readonly annotations: readonly Annotation[];
  readonly branches: readonly BranchAst[];
  readonly span: Span;
}

/** The count of a `loop (count: …)`: a number or a parameter. */
export type CountExpr = { readonly kind: 'int'; readonly value: number; readonly span: Span } | { readonly kind: 'param'; readonly name: string; readonly span: Span };

/** `loop (count: n) { … }` or `loop (decides: A) { … }`. */
export interface LoopStmt {
  readonly kind: 'loop';
  readonly mode: { readonly kind: 'count'; readonly count: CountExpr } | { readonly kind: 'decides'; readonly role: Endpoint };
  readonly body: readonly Stmt[];
  readonly span: Span;
}

/** `for i in W { … }`, or `parallel for i in W { … }` (one concurrent part per member). */
export interface ForStmt {
  readonly kind: 'for';
  readonly variable: string;
  readonly family: string;
  readonly body: readonly Stmt[];
  readonly span: Span;
  /** True for `parallel for`: the bodies run as the parts of one `parallel`, not one after another. */
  readonly parallel?: boolean;
}

/** `parallel { P | Q }`. */
export interface ParallelStmt {
  readonly kind: 'parallel';
  readonly branches: readonly (readonly Stmt[])[];
  readonly span: Span;
}

/** `rec L { … }`. */
export interface RecStmt {
  readonly kind: 'rec';
  readonly label: string;
  readonly body: readonly Stmt[];
  readonly span: Span;
}

/** `continue L;`. */
export interface ContinueStmt {
  readonly kind: 'continue';
  readonly label: string;
  readonly span: Span;
}

/** `X as A` in a call: the callee's role `X` is played by the caller's role `A`. */
export interface Rename {
  readonly from: string;
  readonly to: string;
  readonly span: Span;
}

/** `call P(X as A, …);`. */
export interface CallStmt {
  readonly kind: 'call';
  readonly protocol: string;
  readonly renames: readonly Rename[];
  readonly span: Span;
}

/** Any statement. */
export type Stmt = SendStmt | LocalStmt | ChoiceStmt | LoopStmt | ForStmt | ParallelStmt | RecStmt | ContinueStmt | CallStmt;

/** The size of a role family: a number or a symbolic parameter. */
export type SizeExpr = { readonly kind: 'int'; readonly value: number; readonly span: Span } | { readonly kind: 'param'; readonly name: string; readonly span: Span };

/** One entry of `roles:`: a role, or a family `W[N]`. */
export interface RoleDecl {
  readonly name: string;
  readonly size: SizeExpr | null;
  readonly span: Span;
}

/** `protocol Name(params) { roles: …; stmts }`. */
export interface ProtocolAst {
  readonly keyword: 'protocol' | 'choreography';
  readonly name: string;
  readonly params: readonly { readonly name: string; readonly span: Span }[];
  readonly roles: readonly RoleDecl[];
  readonly body: readonly Stmt[];
  readonly span: Span;
  /** The file the protocol was parsed from (protocols may come from imports). */
  readonly file: string;
}

/** `import "path";`. */
export interface ImportAst {
  readonly path: string;
  readonly span: Span;
}

/** A parsed `.choreo` file. */
export interface ChoreoFile {
  readonly file: string;
  readonly attributes: readonly Annotation[];
  readonly imports: readonly ImportAst[];
  readonly protocols: readonly ProtocolAst[];
}
