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
import { printMessage } from './print-ast.ts';

/** Prints a local type as indented text, one step per line, ending each path with `end` or `continue L`. */
export function printLocalType(type: LocalType, indent = 0): string {
  const lines: string[] = [];
  printInto(type, indent, lines);
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

function printInto(start: LocalType, indent: number, lines: string[]): void {
  const pad = '  '.repeat(indent);
  let type = start;
  for (;;) {
    switch (type.kind) {
      case 'send': {
        const choice = type.choice === undefined ? '' : ` with choice ${type.choice.join('.')}`;
        lines.push(`${pad}send ${type.to}: ${printMessage(type)}${printAnnotations(type.annotations)}${choice};`);
        type = type.next;
        continue;
      }
      case 'recv': {
        const gather = type.gather === undefined ? '' : ` in ${type.gather.id} (quorum ${type.gather.quorum} of ${type.gather.members.length})`;
        lines.push(`${pad}recv ${type.from}: ${printMessage(type)}${printAnnotations(type.annotations)}${gather};`);
        type = type.next;
        continue;
      }
      case 'local':
        lines.push(`${pad}do ${type.action}${type.args.length > 0 ? `(${type.args.join(', ')})` : ''};`);
        type = type.next;
        continue;
      case 'par':
        lines.push(`${pad}par {`);
        type.branches.forEach((branch, index) => {
          if (index > 0) lines.push(`${pad}|`);
          printInto(branch, indent + 1, lines);
        });
        lines.push(`${pad}}`);
        type = type.next;
        continue;
      case 'select':
      case 'branch':
        lines.push(`${pad}${type.kind === 'select' ? 'select' : `branch from ${type.from}`} {`);
        for (const [label, branch] of Object.entries(type.branches)) {
          lines.push(`${pad}  ${label}: {`);
          printInto(branch, indent + 2, lines);
          lines.push(`${pad}  }`);
        }
        lines.push(`${pad}}`);
        return;
      case 'rec':
        lines.push(`${pad}rec ${type.label} {`);
        printInto(type.body, indent + 1, lines);
        lines.push(`${pad}}`);
        return;
      case 'var':
        lines.push(`${pad}continue ${type.label}`);
        return;
      case 'end':
        lines.push(`${pad}end`);
        return;
    }
  }
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

/** The JSON form of a local type (see the module comment for the shapes). */
export function localTypeToJson(type: LocalType): Json {
  switch (type.kind) {
    case 'send':
      return {
        kind: 'send',
        to: type.to,
        label: type.label,
        payload: type.payload as Json,
        ...(type.choice === undefined ? {} : { choice: type.choice }),
        ...annotationsJson(type.annotations),
        next: localTypeToJson(type.next),
      };
    case 'recv':
      return {
        kind: 'recv',
        from: type.from,
        label: type.label,
        payload: type.payload as Json,
        ...(type.gather === undefined ? {} : { gather: type.gather as unknown as Json }),
        ...annotationsJson(type.annotations),
        next: localTypeToJson(type.next),
      };
    case 'select':
      return { kind: 'select', branches: branchesJson(type.branches) };
    case 'branch':
      return { kind: 'branch', from: type.from, branches: branchesJson(type.branches) };
    case 'local':
      return { kind: 'local', action: type.action, ...(type.args.length > 0 ? { args: type.args } : {}), next: localTypeToJson(type.next) };
    case 'rec':
      return { kind: 'rec', label: type.label, body: localTypeToJson(type.body) };
    case 'var':
      return { kind: 'var', label: type.label };
    case 'par':
      return { kind: 'par', branches: type.branches.map(localTypeToJson), next: localTypeToJson(type.next) };
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
  for (const [label, branch] of Object.entries(branches)) out[label] = localTypeToJson(branch);
  return out;
}
