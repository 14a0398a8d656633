/**
 * The checker's pipeline and public entry points: parse, validate the syntax tree, instantiate
 * (with the given parameters, or at N = 2, 3 and 4 for every symbolic size left open), analyse
 * choice knowledge, check parallel confusion and unused roles, project every role with the full
 * merge, and cross-check duality for two-role protocols. Everything found is returned as
 * diagnostics; nothing here throws on bad input.
 *
 * - {@link checkChoreography}: every protocol of a file, for `aura choreo check`;
 * - {@link loadProtocol}: one protocol, instantiated and projected, for the runtime;
 * - {@link parseChoreography}: the syntax tree only;
 * - {@link choreography}: a tagged template that parses and checks inline text, throwing an
 *   `AuraError` (`choreo.invalid`) with the rendered diagnostics when it is not well-formed.
 *
 * @module
 */
import type { ChoreoFile, ProtocolAst } from './ast.ts';
import { contentId } from '../core/content-id.ts';
import { permanentError } from '../core/errors.ts';
import { errorAt, hasErrors, renderDiagnostic, warningAt, type Diagnostic } from './diagnostic.ts';
import { dualityMismatch } from './duality.ts';
import { canonicalGlobal, rolesOfSequence, type GlobalProtocol, type GNode } from './global-type.ts';
import { instantiate, protocolParams } from './instantiate.ts';
import { absorbInformingPrefix, analyzeKnowledge } from './knowledge.ts';
import type { ProjectedProtocol, RoleName } from './local-type.ts';
import { parseFile } from './parser.ts';
import { projectAll } from './projection.ts';
import { validateFile } from './validate.ts';

/** The values a symbolic size is checked at when none is given. */
export const DEFAULT_SIZES: readonly number[] = [2, 3, 4];

/** Finds the text of an imported file: `path` as written, relative to `fromFile`. */
export type ImportResolver = (path: string, fromFile: string) => { readonly file: string; readonly text: string } | null;

/** Options of {@link checkChoreography} and {@link loadProtocol}. */
export interface CheckOptions {
  /** Check only this protocol (by its name, without namespace). */
  readonly protocol?: string;
  /** Values of symbolic parameters, e.g. `{ N: 4 }`. */
  readonly params?: Readonly<Record<string, number>>;
  /** Reads imported files; without it, an `import` is reported as unresolved. */
  readonly resolveImport?: ImportResolver;
}

/** The verdict on one protocol. */
export interface ProtocolReport {
  /** Qualified name. */
  readonly name: string;
  /** Parameters left symbolic and checked at {@link DEFAULT_SIZES}. */
  readonly symbolic: readonly string[];
  /** One projection per instance checked (absent for an instance with errors). */
  readonly instances: readonly ProjectedProtocol[];
  /** For two-role protocols: `null` when the two projections are dual, else where they are not. */
  readonly duality?: string | null;
  /** True when no error was found in this protocol. */
  readonly ok: boolean;
}

/** Everything the checker found in one file. */
export interface CheckResult {
  readonly ast: ChoreoFile;
  /** Every problem, in file order, errors and warnings. */
  readonly diagnostics: readonly Diagnostic[];
  /** The text of each file a diagnostic may point into (the file and its imports), for rendering. */
  readonly sources: ReadonlyMap<string, string>;
  readonly protocols: readonly ProtocolReport[];
}

/** The syntax tree of `text` and the syntax errors in it. */
export function parseChoreography(text: string, fileName: string): { readonly ast: ChoreoFile; readonly diagnostics: readonly Diagnostic[] } {
  return parseFile(text, fileName);
}

/** Parses and checks every protocol in `text` (or only `options.protocol`). */
export function checkChoreography(text: string, fileName: string, options: CheckOptions = {}): CheckResult {
  const parsed = parseFile(text, fileName);
  const sources = new Map([[fileName, text]]);
  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  const callable = callableProtocols(parsed.ast, sources, diagnostics, options.resolveImport);
  diagnostics.push(...validateFile(parsed.ast, callable));
  const syntaxOk = !hasErrors(diagnostics);
  const selected = options.protocol === undefined ? parsed.ast.protocols : parsed.ast.protocols.filter((protocol) => protocol.name === options.protocol);
  if (options.protocol !== undefined && selected.length === 0) {
    const known = parsed.ast.protocols.map((protocol) => `\`${protocol.name}\``).join(', ');
    diagnostics.push(errorAt('E030', fileName, { start: 0, end: 0 }, `There is no protocol \`${options.protocol}\` in ${fileName}.`, known === '' ? 'The file declares no protocol.' : `It declares ${known}.`));
  }
  const namespace = namespaceOf(parsed.ast);
  const reports = selected.map((protocol) => checkProtocol(protocol, namespace, callable, options.params ?? {}, diagnostics, syntaxOk));
  return { ast: parsed.ast, diagnostics: sortDiagnostics(dedupe(diagnostics)), sources, protocols: reports };
}

/**
 * Loads one protocol for running: parses `text`, checks it, instantiates it with `params` and
 * projects it. `projected` is present only when there is no error. When the file holds several
 * protocols, `protocol` names the one to load (the first is taken otherwise).
 */
export function loadProtocol(text: string, fileName: string, options: CheckOptions = {}): { readonly diagnostics: readonly Diagnostic[]; readonly projected?: ProjectedProtocol } {
  const parsed = parseFile(text, fileName);
  const name = options.protocol ?? parsed.ast.protocols[0]?.name;
  if (name === undefined) {
    return { diagnostics: [...parsed.diagnostics, errorAt('E030', fileName, { start: 0, end: 0 }, `${fileName} declares no protocol.`, 'Add `protocol Name { roles: …; … }`.')] };
  }
  const result = checkChoreography(text, fileName, { ...options, protocol: name });
  const report = result.protocols[0];
  const projected = report !== undefined && report.ok && report.symbolic.length === 0 ? report.instances[0] : undefined;
  if (report !== undefined && report.ok && report.symbolic.length > 0) {
    const missing = report.symbolic.join(', ');
    const withMissing = [...result.diagnostics, errorAt('E026', fileName, { start: 0, end: 0 }, `Protocol \`${name}\` needs values for ${missing} to run.`, `Pass them, e.g. \`params: { ${report.symbolic[0] ?? 'N'}: 4 }\`.`)];
    return { diagnostics: withMissing };
  }
  return projected === undefined ? { diagnostics: result.diagnostics } : { diagnostics: result.diagnostics, projected };
}

/** The renderings of a check result's diagnostics, Elm-style, separated by blank lines. */
export function renderDiagnostics(result: Pick<CheckResult, 'diagnostics' | 'sources'>): string {
  return result.diagnostics.map((diagnostic) => renderDiagnostic(diagnostic, result.sources.get(diagnostic.file) ?? '')).join('\n\n');
}

/** A checked choreography from a tagged template: its syntax tree, and its protocols ready to run. */
export interface Choreography {
  readonly ast: ChoreoFile;
  /** Instantiates and projects one protocol (the first by default). Throws `choreo.invalid` on error. */
  project(protocol?: string, params?: Readonly<Record<string, number>>): ProjectedProtocol;
}

/**
 * Tagged template for inline choreographies: ``choreography`protocol P { roles: A, B; A -> B: M; }` ``.
 * Interpolated values are inserted as text. Throws an `AuraError` (`choreo.invalid`) listing the
 * diagnostics when the text is not well-formed.
 */
export function choreography(strings: TemplateStringsArray, ...values: readonly (string | number)[]): Choreography {
  const text = strings.reduce((all, part, index) => all + part + (index < values.length ? String(values[index]) : ''), '');
  const fileName = '<choreography>';
  const checked = checkChoreography(text, fileName);
  if (hasErrors(checked.diagnostics)) throw invalid(checked);
  return {
    ast: checked.ast,
    project(protocol, params) {
      const loaded = loadProtocol(text, fileName, { ...(protocol === undefined ? {} : { protocol }), ...(params === undefined ? {} : { params }) });
      if (loaded.projected === undefined) throw invalid({ diagnostics: loaded.diagnostics, sources: checked.sources });
      return loaded.projected;
    },
  };
}

function invalid(result: Pick<CheckResult, 'diagnostics' | 'sources'>): Error {
  const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  return permanentError('choreo.invalid', `the choreography has ${errors.length} error(s):\n\n${renderDiagnostics(result)}`, {
    context: { codes: errors.map((diagnostic) => diagnostic.code).join(',') },
  });
}

// ---- one protocol ----

function checkProtocol(
  protocol: ProtocolAst,
  namespace: string | null,
  callable: ReadonlyMap<string, ProtocolAst>,
  given: Readonly<Record<string, number>>,
  diagnostics: Diagnostic[],
  syntaxOk: boolean,
): ProtocolReport {
  const name = namespace === null ? protocol.name : `${namespace}.${protocol.name}`;
  const symbolic = allParams(protocol, callable).filter((param) => given[param] === undefined);
  const assignments = symbolic.length === 0 ? [given] : DEFAULT_SIZES.map((size) => ({ ...given, ...Object.fromEntries(symbolic.map((param) => [param, size])) }));
  const instances: ProjectedProtocol[] = [];
  let ok = syntaxOk;
  let duality: string | null | undefined;
  let twoRoles = true;
  for (const params of assignments) {
    const found: Diagnostic[] = [];
    const projected = checkInstance(protocol, name, params, callable, found, syntaxOk);
    if (projected !== null) {
      instances.push(projected);
      twoRoles &&= projected.roles.length === 2;
      if (projected.roles.length === 2) {
        const [left, right] = projected.roles.map((role) => projected.locals[role]);
        if (left !== undefined && right !== undefined) duality ??= dualityMismatch(left, right);
      }
    }
    if (hasErrors(found)) ok = false;
    const note = symbolic.length === 0 ? [] : [`(found with ${symbolic.map((param) => `${param} = ${params[param] ?? '?'}`).join(', ')})`];
    diagnostics.push(...found.map((diagnostic) => (note.length === 0 || diagnostic.severity === 'warning' ? diagnostic : { ...diagnostic, notes: [...diagnostic.notes, ...note] })));
  }
  return { name, symbolic, instances, ok, ...(duality === undefined || !twoRoles ? {} : { duality }) };
}

function checkInstance(
  protocol: ProtocolAst,
  name: string,
  params: Readonly<Record<string, number>>,
  callable: ReadonlyMap<string, ProtocolAst>,
  diagnostics: Diagnostic[],
  syntaxOk: boolean,
): ProjectedProtocol | null {
  const instance = instantiate(protocol, params, callable, name);
  diagnostics.push(...instance.diagnostics);
  const global = instance.protocol;
  if (global === null) return null;
  diagnostics.push(...parallelConfusion(global.body));
  if (hasErrors(diagnostics) || !syntaxOk) return null;
  diagnostics.push(...unusedRoles(protocol, global));
  const informed = { ...global, body: absorbInformingPrefix(global.body) };
  const knowledge = analyzeKnowledge(informed.body, informed.choiceCount);
  const projection = projectAll(informed, knowledge);
  diagnostics.push(...projection.diagnostics);
  if (hasErrors(projection.diagnostics)) return null;
  // The content id hashes the whole instance; it is computed when first read, so that checking
  // alone does not pay for it.
  let id: string | undefined;
  return {
    name: global.name,
    get contentId(): string {
      return (id ??= contentId(canonicalGlobal(global)).toString());
    },
    roles: global.roles,
    params: global.params,
    locals: projection.locals,
  };
}

/** `E024`: two parts of a `parallel` in which one role could confuse messages (same peer, label and direction). */
function parallelConfusion(body: readonly GNode[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const visit = (nodes: readonly GNode[]): void => {
    for (const node of nodes) {
      if (node.kind === 'choice') for (const branch of node.branches) visit(branch.body);
      else if (node.kind === 'rec') visit(node.body);
      else if (node.kind === 'par') {
        node.branches.forEach(visit);
        const owners = new Map<string, number>();
        node.branches.forEach((branch, index) => {
          for (const key of messageKeys(branch)) {
            const owner = owners.get(key);
            if (owner !== undefined && owner !== index) {
              const [from, to, label] = key.split('\u0000');
              diagnostics.push(
                errorAt('E024', node.file, node.span, `Parts ${owner + 1} and ${index + 1} of this parallel both send \`${label ?? ''}\` from \`${from ?? ''}\` to \`${to ?? ''}\`, so \`${to ?? ''}\` cannot tell which part a message belongs to.`, 'Give the messages of different parts different labels, or sequence the parts.'),
              );
              return;
            }
            owners.set(key, index);
          }
        });
      }
    }
  };
  visit(body);
  return diagnostics;
}

function messageKeys(nodes: readonly GNode[]): Set<string> {
  const keys = new Set<string>();
  const visit = (list: readonly GNode[]): void => {
    for (const node of list) {
      if (node.kind === 'msg') keys.add([node.from, node.to, node.label].join('\u0000'));
      else if (node.kind === 'choice') for (const branch of node.branches) visit(branch.body);
      else if (node.kind === 'rec') visit(node.body);
      else if (node.kind === 'par') node.branches.forEach(visit);
    }
  };
  visit(nodes);
  return keys;
}

/** `E012` (warning): declared roles that never occur. */
function unusedRoles(protocol: ProtocolAst, global: GlobalProtocol): Diagnostic[] {
  const used = rolesOfSequence(global.body);
  const diagnostics: Diagnostic[] = [];
  for (const role of protocol.roles) {
    const members = role.size === null ? [role.name] : global.roles.filter((concrete) => concrete.startsWith(`${role.name}[`));
    if (members.length > 0 && !members.some((member: RoleName) => used.has(member))) {
      diagnostics.push(warningAt('E012', protocol.file, role.span, `Role \`${role.name}\` is declared but takes no part in \`${protocol.name}\`.`, 'Remove it from `roles:`, or give it something to do.'));
    }
  }
  return diagnostics;
}

// ---- files, imports, parameters ----

function callableProtocols(file: ChoreoFile, sources: Map<string, string>, diagnostics: Diagnostic[], resolve: ImportResolver | undefined): Map<string, ProtocolAst> {
  const callable = new Map<string, ProtocolAst>();
  const visited = new Set<string>([file.file]);
  const load = (current: ChoreoFile): void => {
    for (const item of current.imports) {
      const found = resolve?.(item.path, current.file) ?? null;
      if (found === null) {
        diagnostics.push(errorAt('E005', current.file, item.span, `Cannot read the imported file "${item.path}".`, 'Check the path; it is relative to the importing file.'));
        continue;
      }
      if (visited.has(found.file)) continue;
      visited.add(found.file);
      sources.set(found.file, found.text);
      const parsed = parseFile(found.text, found.file);
      diagnostics.push(...parsed.diagnostics);
      for (const protocol of parsed.ast.protocols) if (!callable.has(protocol.name)) callable.set(protocol.name, protocol);
      load(parsed.ast);
    }
  };
  load(file);
  for (const protocol of file.protocols) if (!callable.has(protocol.name) || callable.get(protocol.name)?.file !== file.file) callable.set(protocol.name, protocol);
  return callable;
}

/** The symbolic parameters of a protocol and of every protocol it calls. */
function allParams(protocol: ProtocolAst, callable: ReadonlyMap<string, ProtocolAst>): string[] {
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (current: ProtocolAst): void => {
    if (seen.has(current.name)) return;
    seen.add(current.name);
    for (const param of protocolParams(current)) names.add(param);
    for (const callee of calledNames(current.body)) {
      const target = callable.get(callee);
      if (target !== undefined) visit(target);
    }
  };
  visit(protocol);
  return [...names].sort();
}

function calledNames(statements: ProtocolAst['body']): string[] {
  return statements.flatMap((statement): string[] => {
    if (statement.kind === 'call') return [statement.protocol];
    if (statement.kind === 'choice') return statement.branches.flatMap((branch) => calledNames(branch.body));
    if (statement.kind === 'parallel') return statement.branches.flatMap(calledNames);
    if ('body' in statement) return calledNames(statement.body);
    return [];
  });
}

function namespaceOf(file: ChoreoFile): string | null {
  const attribute = file.attributes.find((item) => item.name === 'namespace');
  return attribute?.value.kind === 'string' ? attribute.value.value : null;
}

function dedupe(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((diagnostic) => {
    const key = `${diagnostic.code}|${diagnostic.file}|${diagnostic.span.start}|${diagnostic.span.end}|${diagnostic.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort((a, b) => (a.file === b.file ? a.span.start - b.span.start : a.file < b.file ? -1 : 1));
}
