/**
 * Prints a choreography AST back to source text in one canonical layout (two-space indents, one
 * statement per line). Parsing the printed text gives the same tree (spans aside), and the same
 * tree always prints byte-identically: this is the stable text form of global protocols.
 *
 * @module
 */
import type { Annotation, ChoreoFile, Endpoint, IndexExpr, MessageAst, ProtocolAst, Stmt, Value } from './ast.ts';
import type { Payload, TypeExpr } from './local-type.ts';

/** Prints a whole file: attributes, imports, then protocols separated by blank lines. */
export function printChoreoFile(file: ChoreoFile): string {
  const head = [
    ...(file.attributes.length > 0 ? [`#[${file.attributes.map(printAnnotation).join(', ')}]`] : []),
    ...file.imports.map((item) => `import ${quote(item.path)};`),
  ];
  const parts = [...(head.length > 0 ? [head.join('\n')] : []), ...file.protocols.map(printProtocol)];
  return `${parts.join('\n\n')}\n`;
}

/** Prints one protocol. */
export function printProtocol(protocol: ProtocolAst): string {
  const params = protocol.params.length > 0 ? `(${protocol.params.map((param) => param.name).join(', ')})` : '';
  const roles = protocol.roles.map((role) => (role.size === null ? role.name : `${role.name}[${role.size.kind === 'int' ? role.size.value : role.size.name}]`));
  const lines = [`${protocol.keyword} ${protocol.name}${params} {`, `  roles: ${roles.join(', ')};`, ...printStatements(protocol.body, 1), '}'];
  return lines.join('\n');
}

function printStatements(statements: readonly Stmt[], level: number): string[] {
  return statements.flatMap((statement) => printStatement(statement, level));
}

function printStatement(statement: Stmt, level: number): string[] {
  const pad = '  '.repeat(level);
  switch (statement.kind) {
    case 'send': {
      const from = `${printEndpoint(statement.from)}${printAnnotations(statement.annotations)}`;
      const arrow = statement.to === 'broadcast' ? ' ->* ' : ` -> ${statement.to.map(printEndpoint).join(', ')}`;
      return [`${pad}${from}${arrow}: ${printMessage(statement.message)};`];
    }
    case 'local':
      return [`${pad}${printEndpoint(statement.role)}: ${statement.action}${statement.args.length > 0 ? `(${statement.args.join(', ')})` : ''};`];
    case 'choice':
      return [
        `${pad}choice ${printEndpoint(statement.chooser)}${printAnnotations(statement.annotations)} {`,
        ...statement.branches.flatMap((branch) => [
          `${pad}  ${branch.label}${branch.guard === null ? '' : ` when (${branch.guard})`}: {`,
          ...printStatements(branch.body, level + 2),
          `${pad}  }`,
        ]),
        `${pad}}`,
      ];
    case 'loop': {
      const mode =
        statement.mode.kind === 'decides'
          ? `decides: ${printEndpoint(statement.mode.role)}`
          : `count: ${statement.mode.count.kind === 'int' ? statement.mode.count.value : statement.mode.count.name}`;
      return block(`${pad}loop (${mode})`, statement.body, level);
    }
    case 'for':
      return block(`${pad}${statement.parallel === true ? 'parallel ' : ''}for ${statement.variable} in ${statement.family}`, statement.body, level);
    case 'parallel':
      return [`${pad}parallel {`, ...statement.branches.flatMap((branch, index) => [...(index > 0 ? [`${pad}|`] : []), ...printStatements(branch, level + 1)]), `${pad}}`];
    case 'rec':
      return block(`${pad}rec ${statement.label}`, statement.body, level);
    case 'continue':
      return [`${pad}continue ${statement.label};`];
    case 'call': {
      const renames = statement.renames.length > 0 ? `(${statement.renames.map((rename) => `${rename.from} as ${rename.to}`).join(', ')})` : '';
      return [`${pad}call ${statement.protocol}${renames};`];
    }
  }
}

function block(header: string, body: readonly Stmt[], level: number): string[] {
  return [`${header} {`, ...printStatements(body, level + 1), `${'  '.repeat(level)}}`];
}

/** Prints a role reference: `A`, `W[i + 1]`, `W[*]`. */
export function printEndpoint(endpoint: Endpoint): string {
  if (endpoint.index === null) return endpoint.name;
  return `${endpoint.name}[${endpoint.index === 'all' ? '*' : printIndex(endpoint.index)}]`;
}

/** Prints an index expression; nested operations are parenthesized so re-parsing gives the same tree. */
export function printIndex(index: IndexExpr): string {
  if (index.kind === 'int') return String(index.value);
  if (index.kind === 'var') return index.name;
  const side = (operand: IndexExpr): string => (operand.kind === 'binary' ? `(${printIndex(operand)})` : printIndex(operand));
  return `${side(index.left)} ${index.op} ${side(index.right)}`;
}

function printAnnotations(annotations: readonly Annotation[]): string {
  return annotations.length > 0 ? `[${annotations.map(printAnnotation).join(', ')}]` : '';
}

function printAnnotation(annotation: Annotation): string {
  return `${annotation.name} = ${printValue(annotation.value)}`;
}

function printValue(value: Value): string {
  switch (value.kind) {
    case 'string':
      return quote(value.value);
    case 'tuple':
      return `(${value.items.map(printValue).join(', ')})`;
    default:
      return String(value.value);
  }
}

/** Prints a message `Label`, `Label(type)` or `Label(name: type, …)`. */
export function printMessage(message: Pick<MessageAst, 'label' | 'payload'>): string {
  return `${message.label}${printPayload(message.payload)}`;
}

/** Prints a payload with its parentheses, or nothing for a bare label. */
export function printPayload(payload: Payload | null): string {
  if (payload === null) return '';
  if (payload.kind === 'type') return `(${printType(payload.type)})`;
  return `(${payload.fields.map((field) => `${field.name}: ${printType(field.type)}`).join(', ')})`;
}

/** Prints a type: `u64`, `crypto.Share`, `Map<K, V>`, `[bytes]`. */
export function printType(type: TypeExpr): string {
  if (type.kind === 'list') return `[${printType(type.element)}]`;
  return type.args.length > 0 ? `${type.name}<${type.args.map(printType).join(', ')}>` : type.name;
}

function quote(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
