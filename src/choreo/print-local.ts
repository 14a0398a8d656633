/**
 * Printers of local types: a stable, readable text form (the same type always gives the same
 * bytes, so projections can be checked into golden files) and the JSON form of the issue:
 * `{"kind":"send","to":R,"label":L,"payload":T|null,"next":…}` and so on. Sends that carry branch
 * labels add `"choice":[…]`, receives of a gather add `"gather":{…}`, messages with annotations
 * add `"annotations":{…}` and local steps with arguments add `"args":[…]`.
 *
 * @module
 */
import type { AnnotationValue, Annotations, LocalType, ProjectedProtocol } from './local-type.ts';
import { permanentError } from '../core/errors.ts';
import { printMessage } from './print-ast.ts';

/** Shared subterms bigger than this many steps are printed once, under a name, and referred to. */
export const SHARED_PRINT_THRESHOLD = 24;

/**
 * Prints a local type as indented text, one step per line, ending each path with `end` or
 * `continue L`. A subterm shared by several paths (the continuation after a choice, for example)
 * and larger than {@link SHARED_PRINT_THRESHOLD} steps is printed once, after the main text, as
 * `K1: …`, and each path that reaches it ends with `then K1`; so the text stays linear in the size
 * of the type instead of repeating the continuation in every branch. Printing is iterative (no
 * recursion), so deep types cannot overflow the stack.
 */
export function printLocalType(type: LocalType, indent = 0): string {
  const shape = analyzeSharing(type);
  const names = new Map<LocalType, string>();
  const sections: LocalType[] = [];
  const nameOf = (shared: LocalType): string => {
    let name = names.get(shared);
    if (name === undefined) {
      name = `K${names.size + 1}`;
      names.set(shared, name);
      sections.push(shared);
    }
    return name;
  };
  const lines: string[] = [];
  printInto(type, indent, lines, shape, nameOf);
  for (let i = 0; i < sections.length; i++) {
    const section = sections[i]!; // i is within sections
    lines.push(`${'  '.repeat(indent)}${names.get(section) ?? ''}:`);
    printInto(section, indent + 1, lines, shape, nameOf);
  }
  return lines.join('\n');
}

/** Prints every role's local type of a projected protocol, one section per role. */
export function printProjectedProtocol(projected: ProjectedProtocol, roles: readonly string[] = projected.roles): string {
  const sections = roles.map((role) => {
    const local = projected.locals[role];
    return local === undefined ? `${role}: (no such role)` : `${role}:\n${printLocalType(local, 1)}`;
  });
  return `protocol ${projected.name}\n\n${sections.join('\n\n')}\n`;
}

/** The direct subterms of a local type. */
export function childrenOfLocalType(type: LocalType): readonly LocalType[] {
  switch (type.kind) {
    case 'send':
    case 'recv':
    case 'local':
      return [type.next];
    case 'select':
    case 'branch':
      return Object.values(type.branches);
    case 'rec':
      return [type.body];
    case 'par':
      return [...type.branches, type.next];
    case 'var':
    case 'end':
      return [];
  }
}

/** How a local type's graph is shared: which subterms have several parents, and each subterm's size as a tree. */
interface Sharing {
  readonly parents: ReadonlyMap<LocalType, number>;
  /** Steps of the subterm printed as a tree (saturating at 1e9), and how deeply it nests. */
  readonly size: ReadonlyMap<LocalType, { readonly steps: number; readonly depth: number }>;
}

/** Measures a local type without recursion: parents per subterm, tree size and nesting depth. */
export function analyzeSharing(root: LocalType): Sharing {
  const parents = new Map<LocalType, number>([[root, 0]]);
  const size = new Map<LocalType, { steps: number; depth: number }>();
  // Post-order walk with an explicit stack: an entry is visited, then (children done) measured.
  const stack: [LocalType, boolean][] = [[root, false]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [type, childrenDone] = entry;
    if (size.has(type)) continue;
    const children = childrenOfLocalType(type);
    if (!childrenDone) {
      stack.push([type, true]);
      for (const child of children) {
        if (!parents.has(child)) parents.set(child, 0);
        if (!size.has(child)) stack.push([child, false]);
      }
      continue;
    }
    let steps = 1;
    let depth = 0;
    for (const child of children) {
      parents.set(child, (parents.get(child) ?? 0) + 1);
      const measured = size.get(child);
      steps = Math.min(1e9, steps + (measured?.steps ?? 0));
      depth = Math.max(depth, measured?.depth ?? 0);
    }
    const nests = type.kind === 'select' || type.kind === 'branch' || type.kind === 'rec' || type.kind === 'par';
    size.set(type, { steps, depth: depth + (nests ? 1 : 0) });
  }
  return { parents, size };
}

function isShared(type: LocalType, sharing: Sharing): boolean {
  return (sharing.parents.get(type) ?? 0) > 1 && (sharing.size.get(type)?.steps ?? 0) > SHARED_PRINT_THRESHOLD;
}

type PrintItem = { readonly line: string } | { readonly type: LocalType; readonly indent: number; readonly root: boolean };

function printInto(start: LocalType, indent: number, lines: string[], sharing: Sharing, nameOf: (type: LocalType) => string): void {
  const work: PrintItem[] = [{ type: start, indent, root: true }];
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    if ('line' in item) {
      lines.push(item.line);
      continue;
    }
    const pad = '  '.repeat(item.indent);
    let type = item.type;
    let first = item.root;
    for (;;) {
      if (!first && isShared(type, sharing)) {
        lines.push(`${pad}then ${nameOf(type)}`);
        break;
      }
      first = false;
      if (type.kind === 'send') {
        const choice = type.choice === undefined ? '' : ` with choice ${type.choice.join('.')}`;
        lines.push(`${pad}send ${type.to}: ${printMessage(type)}${printAnnotations(type.annotations)}${choice};`);
        type = type.next;
      } else if (type.kind === 'recv') {
        const gather = type.gather === undefined ? '' : ` in ${type.gather.id} (quorum ${type.gather.quorum} of ${type.gather.members.length})`;
        lines.push(`${pad}recv ${type.from}: ${printMessage(type)}${printAnnotations(type.annotations)}${gather};`);
        type = type.next;
      } else if (type.kind === 'local') {
        lines.push(`${pad}do ${type.action}${type.args.length > 0 ? `(${type.args.join(', ')})` : ''};`);
        type = type.next;
      } else {
        printStructure(type, item.indent, lines, work);
        break;
      }
    }
  }
}

/** Prints the head of a structured type and schedules its parts (the work list is a stack: pushed in reverse). */
function printStructure(type: Exclude<LocalType, { kind: 'send' | 'recv' | 'local' }>, indent: number, lines: string[], work: PrintItem[]): void {
  const pad = '  '.repeat(indent);
  const later: PrintItem[] = [];
  switch (type.kind) {
    case 'par':
      lines.push(`${pad}par {`);
      type.branches.forEach((branch, index) => {
        if (index > 0) later.push({ line: `${pad}|` });
        later.push({ type: branch, indent: indent + 1, root: false });
      });
      later.push({ line: `${pad}}` }, { type: type.next, indent, root: false });
      break;
    case 'select':
    case 'branch':
      lines.push(`${pad}${type.kind === 'select' ? 'select' : `branch from ${type.from}`} {`);
      for (const [label, branch] of Object.entries(type.branches)) later.push({ line: `${pad}  ${label}: {` }, { type: branch, indent: indent + 2, root: false }, { line: `${pad}  }` });
      later.push({ line: `${pad}}` });
      break;
    case 'rec':
      lines.push(`${pad}rec ${type.label} {`);
      later.push({ type: type.body, indent: indent + 1, root: false }, { line: `${pad}}` });
      break;
    case 'var':
      lines.push(`${pad}continue ${type.label}`);
      break;
    case 'end':
      lines.push(`${pad}end`);
      break;
  }
  for (let i = later.length - 1; i >= 0; i--) work.push(later[i]!); // i is within later
}

function printAnnotations(annotations: Annotations): string {
  const entries = Object.entries(annotations);
  return entries.length === 0 ? '' : ` [${entries.map(([name, value]) => `${name} = ${printAnnotationValue(value)}`).join(', ')}]`;
}

/** Prints an annotation value: strings quoted, tuples in parentheses. */
export function printAnnotationValue(value: AnnotationValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `(${value.map(printAnnotationValue).join(', ')})`;
}

/** A JSON value. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** The largest local type (as a tree) and the deepest nesting the JSON form is produced for. */
export const JSON_LIMITS = { steps: 200_000, depth: 1_000 } as const;

/**
 * The JSON form of a local type (see the module comment for the shapes). The JSON form is a tree,
 * so a type whose shared continuations would expand past {@link JSON_LIMITS} is refused with
 * `choreo.too-large` (the text form prints shared parts once).
 */
export function localTypeToJson(type: LocalType): Json {
  const measured = analyzeSharing(type).size.get(type);
  if (measured !== undefined && (measured.steps > JSON_LIMITS.steps || measured.depth > JSON_LIMITS.depth)) {
    throw permanentError('choreo.too-large', `this local type has ${measured.steps >= 1e9 ? 'over a billion' : measured.steps} steps as a tree and nests ${measured.depth} deep; its JSON form would be too large (limits: ${JSON_LIMITS.steps} steps, ${JSON_LIMITS.depth} levels)`);
  }
  return toJson(type);
}

function toJson(type: LocalType): Json {
  switch (type.kind) {
    case 'send':
      return {
        kind: 'send',
        to: type.to,
        label: type.label,
        payload: type.payload as Json,
        ...(type.choice === undefined ? {} : { choice: type.choice }),
        ...annotationsJson(type.annotations),
        next: toJson(type.next),
      };
    case 'recv':
      return {
        kind: 'recv',
        from: type.from,
        label: type.label,
        payload: type.payload as Json,
        ...(type.gather === undefined ? {} : { gather: type.gather as unknown as Json }),
        ...annotationsJson(type.annotations),
        next: toJson(type.next),
      };
    case 'select':
      return { kind: 'select', branches: branchesJson(type.branches) };
    case 'branch':
      return { kind: 'branch', from: type.from, branches: branchesJson(type.branches) };
    case 'local':
      return { kind: 'local', action: type.action, ...(type.args.length > 0 ? { args: type.args } : {}), next: toJson(type.next) };
    case 'rec':
      return { kind: 'rec', label: type.label, body: toJson(type.body) };
    case 'var':
      return { kind: 'var', label: type.label };
    case 'par':
      return { kind: 'par', branches: type.branches.map(toJson), next: toJson(type.next) };
    case 'end':
      return { kind: 'end' };
  }
}

/** `{"protocol":P,"roles":{R: localType}}` for the given roles. */
export function projectedToJson(projected: ProjectedProtocol, roles: readonly string[] = projected.roles): Json {
  const out: Record<string, Json> = {};
  for (const role of roles) {
    const local = projected.locals[role];
    if (local !== undefined) out[role] = localTypeToJson(local);
  }
  return { protocol: projected.name, roles: out };
}

function annotationsJson(annotations: Annotations): Record<string, Json> {
  return Object.keys(annotations).length === 0 ? {} : { annotations };
}

function branchesJson(branches: Readonly<Record<string, LocalType>>): Json {
  const out: Record<string, Json> = {};
  for (const [label, branch] of Object.entries(branches)) out[label] = toJson(branch);
  return out;
}
