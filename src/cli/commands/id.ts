/**
 * `aura id new KIND` and `aura id parse TEXT`: make and check Aura identifiers.
 *
 * @module
 */
import type { Command } from 'commander';
import { toHex } from '../../core/bytes.ts';
import { permanentError } from '../../core/errors.ts';
import { identifierBytes, parseIdentifier, randomIdentifier, type IdentifierKind } from '../../core/identifiers.ts';
import { NodeRandom, SeededRandom } from '../../handlers/random.ts';

const KINDS: readonly IdentifierKind[] = ['authority', 'device', 'context', 'session', 'account'];

function identifierKindArgument(text: string): IdentifierKind {
  if (!(KINDS as readonly string[]).includes(text)) throw permanentError('cli.usage', `unknown identifier kind "${text}"; expected one of ${KINDS.join(', ')}`);
  return text as IdentifierKind;
}

/** Adds the `id` command group to `program`. */
export function registerIdCommands(program: Command): void {
  const id = program.command('id').description('make and check identifiers');
  id.command('new')
    .description('print a new random identifier')
    .argument('<kind>', `one of ${KINDS.join(', ')}`)
    .option('--seed <seed>', 'draw from a seeded generator (reproducible)')
    .action((kind: string, options: { seed?: string }) => {
      const random = options.seed === undefined ? new NodeRandom() : new SeededRandom(options.seed);
      console.log(randomIdentifier(identifierKindArgument(kind), random));
    });
  id.command('parse')
    .description('check an identifier and print its kind and bytes')
    .argument('<text>', 'the identifier, e.g. authority-…')
    .option('--json', 'print JSON')
    .action((text: string, options: { json?: boolean }) => {
      const kind = identifierKindArgument(text.slice(0, Math.max(0, text.indexOf('-'))) || 'missing');
      const bytes = toHex(identifierBytes(parseIdentifier(kind, text)));
      console.log(options.json ? JSON.stringify({ kind, bytes }) : `${kind} ${bytes}`);
    });
}
