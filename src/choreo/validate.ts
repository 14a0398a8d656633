/**
 * The checks of `LANGUAGE.md` ("Validation") that need only the syntax tree: file attributes,
 * duplicate protocols and roles, duplicate branch labels, empty choices, unbound and non-tail
 * `continue`, unguarded recursion, cyclic and unknown `call`s, and annotations (names and values).
 * The checks that need concrete roles (self-send, index range, parallel confusion, unused roles,
 * choice knowledge, merge) run on the instance (`check.ts`, `projection.ts`).
 *
 * @module
 */
import type { Annotation, ChoreoFile, ProtocolAst, Stmt, Value } from './ast.ts';
import { errorAt, type Diagnostic } from './diagnostic.ts';

/** A namespaced capability: two or more `:`-separated segments of `[a-z0-9_-]`. */
const CAPABILITY = /^[a-z0-9_-]+(?::[a-z0-9_-]+)+$/;

/** The annotations the runtime knows, each with a check of its value (a message, or null when fine). */
const KNOWN_ANNOTATIONS: Readonly<Record<string, (value: Value) => string | null>> = {
  guard_capability: (value) =>
    value.kind === 'string' && CAPABILITY.test(value.value) ? null : 'a namespaced capability string such as "recovery:approve" (two or more `:`-separated segments of a-z, 0-9, _ and -)',
  flow_cost: (value) => (value.kind === 'int' ? null : 'a non-negative integer'),
  journal_facts: (value) => (value.kind === 'string' ? null : 'a string naming the fact committed with the send'),
  leak: (value) => (isObserverClass(value) || (value.kind === 'tuple' && value.items.every(isObserverClass)) ? null : 'an observer class or a tuple of them'),
  timeout_ms: (value) => (value.kind === 'int' ? null : 'an integer number of milliseconds'),
  quorum: (value) => ((value.kind === 'int' && value.value >= 1) || value.kind === 'ident' ? null : 'a positive integer or a protocol parameter'),
};

function isObserverClass(value: Value): boolean {
  return value.kind === 'ident' || value.kind === 'string';
}

/** Syntax-level checks of a whole file. `callable` holds every protocol a `call` may name (this file's and imported ones). */
export function validateFile(file: ChoreoFile, callable: ReadonlyMap<string, ProtocolAst>): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const attribute of file.attributes) {
    if (attribute.name === 'namespace') {
      if (attribute.value.kind !== 'string') diagnostics.push(errorAt('E021', file.file, attribute.value.span, 'The namespace must be a string.', 'Write `#[namespace = "my_app"]`.'));
    } else if (!attribute.name.startsWith('x_')) {
      diagnostics.push(errorAt('E003', file.file, attribute.span, `Unknown file attribute \`${attribute.name}\`.`, 'The known attribute is `namespace`; custom ones start with `x_`.'));
    }
  }
  const seen = new Map<string, ProtocolAst>();
  for (const protocol of file.protocols) {
    const earlier = seen.get(protocol.name);
    if (earlier !== undefined) {
      diagnostics.push(errorAt('E004', file.file, protocol.span, `Protocol \`${protocol.name}\` is declared twice.`, 'Rename one of them.'));
    }
    seen.set(protocol.name, protocol);
    diagnostics.push(...validateProtocol(protocol, callable));
  }
  diagnostics.push(...callCycles(file.protocols, callable));
  return diagnostics;
}

/** Syntax-level checks of one protocol. */
export function validateProtocol(protocol: ProtocolAst, callable: ReadonlyMap<string, ProtocolAst>): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const file = protocol.file;
  const roles = new Set<string>();
  for (const role of protocol.roles) {
    if (roles.has(role.name)) diagnostics.push(errorAt('E011', file, role.span, `Role \`${role.name}\` is declared twice.`, 'Remove the second declaration, or give it another name.'));
    roles.add(role.name);
  }
  const visit = (statements: readonly Stmt[], labels: readonly string[], insideParallel: readonly string[]): void => {
    statements.forEach((statement, index) => {
      const last = index === statements.length - 1;
      switch (statement.kind) {
        case 'send':
          diagnostics.push(...annotationProblems(statement.annotations, file));
          return;
        case 'local':
          return;
        case 'choice': {
          diagnostics.push(...annotationProblems(statement.annotations, file));
          if (statement.branches.length === 0) diagnostics.push(errorAt('E015', file, statement.span, `This choice of \`${statement.chooser.name}\` has no branches.`, 'Add at least one branch `label: { … }`, or remove the choice.'));
          const branchLabels = new Set<string>();
          for (const branch of statement.branches) {
            if (branchLabels.has(branch.label)) diagnostics.push(errorAt('E014', file, branch.span, `Branch label \`${branch.label}\` appears twice in this choice.`, 'Give every branch of a choice its own label.'));
            branchLabels.add(branch.label);
            visit(branch.body, labels, insideParallel);
          }
          return;
        }
        case 'loop':
          visit(statement.body, labels, insideParallel);
          return;
        case 'for':
          visit(statement.body, labels, statement.parallel === true ? labels : insideParallel);
          return;
        case 'parallel':
          for (const branch of statement.branches) visit(branch, labels, labels);
          return;
        case 'rec':
          if (guardedness(statement.body, statement.label) === 'unguarded') {
            diagnostics.push(errorAt('E018', file, statement.span, `\`rec ${statement.label}\` can reach \`continue ${statement.label}\` without any message or step in between.`, 'Put a message or a local step before the `continue`.'));
          }
          visit(statement.body, [...labels, statement.label], insideParallel);
          return;
        case 'continue':
          if (!labels.includes(statement.label)) {
            diagnostics.push(errorAt('E016', file, statement.span, `\`continue ${statement.label}\` has no enclosing \`rec ${statement.label}\`.`, labels.length > 0 ? `The enclosing loops are ${labels.map((label) => `\`${label}\``).join(', ')}.` : 'Wrap the statements to repeat in `rec L { … }`.'));
          } else if (insideParallel.includes(statement.label)) {
            diagnostics.push(errorAt('E017', file, statement.span, `\`continue ${statement.label}\` jumps out of a \`parallel\`.`, 'Put the loop inside the parallel part, or the parallel inside the loop body.'));
          } else if (!last) {
            diagnostics.push(errorAt('E017', file, statement.span, `\`continue ${statement.label}\` is followed by statements that could never run.`, 'Make `continue` the last statement of its block.'));
          }
          return;
        case 'call':
          if (!callable.has(statement.protocol)) {
            const known = [...callable.keys()].map((name) => `\`${name}\``).join(', ');
            diagnostics.push(errorAt('E025', file, statement.span, `No protocol \`${statement.protocol}\` to call.`, known === '' ? 'Declare it in this file or import it.' : `Known protocols: ${known}.`));
          }
          return;
      }
    });
  };
  visit(protocol.body, [], []);
  return diagnostics;
}

/** Whether a path from the start of `statements` reaches `continue label` with no message or step first. */
type Guardedness = 'guarded' | 'unguarded' | 'falls-through';

function guardedness(statements: readonly Stmt[], label: string): Guardedness {
  for (const statement of statements) {
    const result = statementGuardedness(statement, label);
    if (result !== 'falls-through') return result;
  }
  return 'falls-through';
}

function statementGuardedness(statement: Stmt, label: string): Guardedness {
  switch (statement.kind) {
    case 'send':
    case 'local':
    case 'call':
      return 'guarded';
    case 'continue':
      return statement.label === label ? 'unguarded' : 'guarded';
    case 'choice': {
      const results = statement.branches.map((branch) => guardedness(branch.body, label));
      if (results.includes('unguarded')) return 'unguarded';
      return results.length > 0 && results.every((result) => result === 'guarded') ? 'guarded' : 'falls-through';
    }
    case 'loop': {
      const body = guardedness(statement.body, label);
      return statement.mode.kind === 'decides' && body === 'guarded' ? 'falls-through' : body;
    }
    case 'for':
    case 'rec':
      return statement.kind === 'rec' && statement.label === label ? 'guarded' : guardedness(statement.body, label);
    case 'parallel': {
      const results = statement.branches.map((branch) => guardedness(branch, label));
      return results.includes('guarded') ? 'guarded' : 'falls-through';
    }
  }
}

function annotationProblems(annotations: readonly Annotation[], file: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const names = new Set<string>();
  for (const annotation of annotations) {
    if (names.has(annotation.name)) diagnostics.push(errorAt('E021', file, annotation.span, `Annotation \`${annotation.name}\` is given twice.`, 'Keep one value.'));
    names.add(annotation.name);
    if (annotation.name.startsWith('x_')) continue;
    const check = KNOWN_ANNOTATIONS[annotation.name];
    if (check === undefined) {
      diagnostics.push(errorAt('E020', file, annotation.span, `Unknown annotation \`${annotation.name}\`.`, `Known annotations: ${Object.keys(KNOWN_ANNOTATIONS).join(', ')}; custom ones start with \`x_\`.`));
      continue;
    }
    const expected = check(annotation.value);
    if (expected !== null) diagnostics.push(errorAt('E021', file, annotation.value.span, `\`${annotation.name}\` must be ${expected}.`, `Change the value of \`${annotation.name}\`.`));
  }
  return diagnostics;
}

/** Every `call` that closes a cycle of calls, reported once per cycle at the call that closes it. */
function callCycles(protocols: readonly ProtocolAst[], callable: ReadonlyMap<string, ProtocolAst>): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const state = new Map<string, 'active' | 'done'>();
  const visit = (protocol: ProtocolAst, path: readonly string[]): void => {
    state.set(protocol.name, 'active');
    for (const call of callsOf(protocol.body)) {
      const callee = callable.get(call.protocol);
      if (callee === undefined) continue;
      const calleeState = state.get(callee.name);
      if (calleeState === 'active') {
        const cycle = [...path.slice(path.indexOf(callee.name)), callee.name].join(' -> ');
        diagnostics.push(errorAt('E019', protocol.file, call.span, `This call closes a cycle: ${cycle}.`, 'Calls are inlined, so they cannot recurse; use `rec`/`continue` for repetition.'));
      } else if (calleeState === undefined) {
        visit(callee, [...path, callee.name]);
      }
    }
    state.set(protocol.name, 'done');
  };
  for (const protocol of protocols) if (!state.has(protocol.name)) visit(protocol, [protocol.name]);
  return diagnostics;
}

function callsOf(statements: readonly Stmt[]): Extract<Stmt, { kind: 'call' }>[] {
  return statements.flatMap((statement): Extract<Stmt, { kind: 'call' }>[] => {
    switch (statement.kind) {
      case 'call':
        return [statement];
      case 'choice':
        return statement.branches.flatMap((branch) => callsOf(branch.body));
      case 'parallel':
        return statement.branches.flatMap(callsOf);
      case 'loop':
      case 'for':
      case 'rec':
        return callsOf(statement.body);
      default:
        return [];
    }
  });
}
