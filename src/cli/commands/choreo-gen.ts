/**
 * `aura choreo gen FILE [--protocol P] [--param K=V]... --out FILE.ts [--runtime-import SPEC]`:
 * writes the typed role API of one protocol (`generateRoleApi`, issue 4 item 1): per role, state
 * types in which a wrong-state call does not compile, a `start<Role>` function and a
 * `<Role>Handlers` type for the driven runner.
 *
 * The generated module imports the runtime; by default through a relative path from the output
 * file to this installation's `src/runtime/index.ts`, so it type-checks and runs in place.
 *
 * Exit codes: 0 written; 1 diagnostics, or the file could not be written; 2 usage errors.
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { permanentError } from '../../core/errors.ts';
import { generateRoleApi } from '../../runtime/generate.ts';
import { loadRunnableProtocol, type LoadOptions } from './choreo-load.ts';
import { collect } from './choreo.ts';

/** The runtime's entry point in this installation. */
const RUNTIME_INDEX = resolve(import.meta.dirname, '..', '..', 'runtime', 'index.ts');

interface GenCommandOptions extends LoadOptions {
  readonly out: string;
  readonly runtimeImport?: string;
}

/** Adds `gen` to the `choreo` group of `program`. */
export function registerChoreoGen(group: Command): void {
  group
    .command('gen')
    .description('write the typed role API of a protocol (state types, start functions, handler types)')
    .argument('<file>', '.choreo file')
    .requiredOption('--out <file.ts>', 'the TypeScript file to write')
    .option('--protocol <name>', 'the protocol (needed when the file declares several)')
    .option('--param <K=V>', 'value of a symbolic parameter (repeatable)', collect, [])
    .option('--runtime-import <specifier>', 'module the generated file imports the runtime from (default: a relative path to this installation)')
    .action(function (this: Command, file: string, options: GenCommandOptions) {
      const protocol = loadRunnableProtocol(this, file, options);
      const out = resolve(options.out);
      const source = generateRoleApi(protocol, { runtimeImport: options.runtimeImport ?? relativeImport(dirname(out), RUNTIME_INDEX) });
      try {
        writeFileSync(out, source);
      } catch (error) {
        throw permanentError('choreo.write', `cannot write ${options.out}: ${(error as Error).message}`);
      }
      console.log(`wrote ${options.out}: typed API of ${protocol.name} for ${protocol.roles.join(', ')}`);
    });
}

/** An import specifier for `target` from a module in `fromDir`: relative, `/`-separated, starting with `.`. */
export function relativeImport(fromDir: string, target: string): string {
  const path = relative(fromDir, target).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
}
