/**
 * Loading one runnable protocol from a `.choreo` file for the `aura choreo` subcommands that run
 * or generate code (`run`, `gen`): check the file, pick the protocol, instantiate its symbolic
 * sizes from `--param`, and return its projection, or fail the way `check` does.
 *
 * @module
 */
import type { Command } from 'commander';
import type { ProjectedProtocol } from '../../choreo/local-type.ts';
import { checkChoreography } from '../../choreo/check.ts';
import { permanentError } from '../../core/errors.ts';
import { fileImportResolver, parseParams, readChoreoFile, reportDiagnostics, type ParamOptions } from './choreo.ts';

/** Options of a subcommand that loads one protocol. */
export interface LoadOptions extends ParamOptions {
  /** `--protocol P`: the protocol to load; optional when the file declares only one. */
  readonly protocol?: string;
}

/**
 * The projection of the one protocol of `file` that `options` name. Diagnostics are printed and
 * fail the command (exit 1), as do symbolic sizes without values; a file with several protocols
 * and no `--protocol` is a usage error (exit 2).
 */
export function loadRunnableProtocol(command: Command, file: string, options: LoadOptions): ProjectedProtocol {
  const params = parseParams(command, options.param);
  const text = readChoreoFile(command, file);
  const result = checkChoreography(text, file, { params, resolveImport: fileImportResolver, ...(options.protocol === undefined ? {} : { protocol: options.protocol }) });
  reportDiagnostics(result, file);
  const names = result.protocols.map((report) => report.name);
  if (options.protocol === undefined && names.length > 1) {
    command.error(`error: ${file} declares ${names.join(', ')}; choose one with --protocol`, { exitCode: 2, code: 'aura.choreo.protocol' });
  }
  const report = result.protocols[0];
  if (report === undefined) throw permanentError('choreo.no-protocol', `${file} declares no protocol${options.protocol === undefined ? '' : ` named ${options.protocol}`}`);
  if (report.symbolic.length > 0) {
    throw permanentError('choreo.params', `${report.name} has symbolic sizes; give them values with ${report.symbolic.map((name) => `--param ${name}=…`).join(' ')}`);
  }
  const projected = report.instances[0];
  if (projected === undefined) throw permanentError('choreo.invalid', `${file}: ${report.name} could not be projected`);
  return projected;
}
