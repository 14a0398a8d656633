/**
 * Mermaid sequence diagram of a global protocol (https://mermaid.js.org/syntax/sequenceDiagram.html),
 * drawn from the syntax tree so that symbolic sizes stay symbolic: a family `W[N]` is one
 * participant, and the indices of a message are written next to its label. Choices become `alt`
 * blocks, loops `loop`, parallels `par`, local steps notes.
 *
 * @module
 */
import type { Endpoint, ProtocolAst, Stmt } from './ast.ts';
import { printEndpoint, printMessage } from './print-ast.ts';

/** The Mermaid `sequenceDiagram` text of one protocol. */
export function protocolToMermaid(protocol: ProtocolAst): string {
  const lines = ['sequenceDiagram', `  title ${clean(protocol.name)}`];
  for (const role of protocol.roles) {
    const size = role.size === null ? '' : `[${role.size.kind === 'int' ? role.size.value : role.size.name}]`;
    lines.push(size === '' ? `  participant ${role.name}` : `  participant ${role.name} as ${role.name}${size}`);
  }
  const participants = protocol.roles.map((role) => role.name);
  emit(protocol.body, 1, participants, lines);
  return `${lines.join('\n')}\n`;
}

function emit(statements: readonly Stmt[], level: number, participants: readonly string[], lines: string[]): void {
  const pad = '  '.repeat(level);
  for (const statement of statements) {
    switch (statement.kind) {
      case 'send': {
        const targets = statement.to === 'broadcast' ? participants.filter((name) => name !== statement.from.name).map((name) => ({ name, index: null, span: statement.span })) : statement.to;
        for (const target of targets) {
          const indices = endpointNote(statement.from, target);
          lines.push(`${pad}${statement.from.name}->>${target.name}: ${clean(printMessage(statement.message))}${indices}`);
        }
        break;
      }
      case 'local':
        lines.push(`${pad}Note over ${statement.role.name}: ${clean(`${printEndpoint(statement.role)}: ${statement.action}${statement.args.length > 0 ? `(${statement.args.join(', ')})` : ''}`)}`);
        break;
      case 'choice':
        statement.branches.forEach((branch, index) => {
          const guard = branch.guard === null ? '' : ` when ${branch.guard}`;
          lines.push(`${pad}${index === 0 ? 'alt' : 'else'} ${clean(`${printEndpoint(statement.chooser)} chooses ${branch.label}${guard}`)}`);
          emit(branch.body, level + 1, participants, lines);
        });
        if (statement.branches.length > 0) lines.push(`${pad}end`);
        break;
      case 'loop': {
        const title = statement.mode.kind === 'decides' ? `${printEndpoint(statement.mode.role)} decides` : `${statement.mode.count.kind === 'int' ? statement.mode.count.value : statement.mode.count.name} times`;
        block(`loop ${clean(title)}`, statement.body, level, participants, lines);
        break;
      }
      case 'for':
        block(`loop ${clean(`${statement.parallel === true ? 'parallel ' : ''}for ${statement.variable} in ${statement.family}`)}`, statement.body, level, participants, lines);
        break;
      case 'rec':
        block(`loop ${clean(`rec ${statement.label}`)}`, statement.body, level, participants, lines);
        break;
      case 'continue':
        lines.push(`${pad}Note over ${participants[0] ?? 'nobody'}: continue ${clean(statement.label)}`);
        break;
      case 'parallel':
        statement.branches.forEach((branch, index) => {
          lines.push(`${pad}${index === 0 ? 'par' : 'and'}`);
          emit(branch, level + 1, participants, lines);
        });
        if (statement.branches.length > 0) lines.push(`${pad}end`);
        break;
      case 'call': {
        const renames = statement.renames.map((rename) => `${rename.from} as ${rename.to}`).join(', ');
        lines.push(`${pad}Note over ${participants[0] ?? 'nobody'}: ${clean(`call ${statement.protocol}${renames === '' ? '' : `(${renames})`}`)}`);
        break;
      }
    }
  }
}

function block(title: string, body: readonly Stmt[], level: number, participants: readonly string[], lines: string[]): void {
  const pad = '  '.repeat(level);
  lines.push(`${pad}${title}`);
  emit(body, level + 1, participants, lines);
  lines.push(`${pad}end`);
}

/** ` (W[i] to W[(i + 1) % N])` when either end is indexed, else nothing. */
function endpointNote(from: Endpoint, to: Endpoint): string {
  return from.index === null && to.index === null ? '' : ` (${clean(printEndpoint(from))} to ${clean(printEndpoint(to))})`;
}

/** Mermaid reads `;` as a statement end and `#` as an entity; replace them. */
function clean(text: string): string {
  return text.replaceAll(';', ',').replaceAll('#', '#35;').replaceAll('\n', ' ');
}
