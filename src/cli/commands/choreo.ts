/**
 * `aura choreo check|project|graph`: check choreographies, print local types, draw diagrams.
 * `run`, `gen` and `sim` live in their own files (`choreo-run.ts`, `choreo-gen.ts`,
 * `choreo-sim.ts`), each a function that adds its subcommand to the group, registered here; they
 * share the helpers exported from this file.
 *
 * Exit codes: 0 every protocol well-formed (warnings printed), 1 diagnostics (printed Elm-style on
 * stderr), 2 usage errors (unknown option, unreadable file, bad `--param`).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { permanentError } from '../../core/errors.ts';
import { checkChoreography, renderDiagnostics, type CheckResult, type ImportResolver } from '../../choreo/check.ts';
import { protocolToMermaid } from '../../choreo/mermaid.ts';
import { printProjectedProtocol, projectedToJson } from '../../choreo/print-local.ts';
import { registerChoreoGen } from './choreo-gen.ts';
import { registerChoreoRun } from './choreo-run.ts';
import { registerChoreoSim } from './choreo-sim.ts';

/** Options shared by the subcommands that instantiate protocols. */
export interface ParamOptions {
  /** `--param K=V`, repeatable. */
  readonly param: readonly string[];
}

/** Adds the `choreo` command group with its subcommands to `program`, and returns the group. */
export function registerChoreoCommands(program: Command): Command {
  const group = program.command('choreo').description('check, project, draw and run choreographies (.choreo files); generate typed role APIs');
  registerCheck(group);
  registerProject(group);
  registerGraph(group);
  registerChoreoRun(group);
  registerChoreoGen(group);
  registerChoreoSim(group);
  return group;
}


/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Parses `--param K=V` values; a malformed one is a usage error of `command`. */
export function parseParams(command: Command, values: readonly string[]): Record<string, number> {
  const params: Record<string, number> = {};
  for (const value of values) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(\d+)$/.exec(value);
    if (match === null) command.error(`error: --param expects NAME=NUMBER, got "${value}"`, { exitCode: 2, code: 'aura.choreo.param' });
    params[match[1]!] = Number(match[2]); // both groups are present when the pattern matched
  }
  return params;
}

/** Reads a `.choreo` file; an unreadable file is a usage error of `command`. */
export function readChoreoFile(command: Command, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    return command.error(`error: cannot read ${path}: ${(error as Error).message}`, { exitCode: 2, code: 'aura.choreo.file' });
  }
}

/** Resolves `import "x.choreo"` relative to the importing file, on disk. */
export const fileImportResolver: ImportResolver = (path, fromFile) => {
  const file = resolve(dirname(fromFile), path);
  try {
    return { file, text: readFileSync(file, 'utf8') };
  } catch {
    return null;
  }
};

/** Prints a check's diagnostics on stderr and fails (exit 1) when any is an error. */
export function reportDiagnostics(result: CheckResult, file: string): void {
  if (result.diagnostics.length > 0) console.error(`${renderDiagnostics(result)}\n`);
  const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;
  if (errors > 0) throw permanentError('choreo.invalid', `${file}: ${errors} error(s)`);
}

function registerCheck(group: Command): void {
  group
    .command('check')
    .description('check that every protocol is well-formed and projectable')
    .argument('<files...>', '.choreo files')
    .option('--param <K=V>', 'value of a symbolic parameter (repeatable)', collect, [])
    .action(function (this: Command, files: string[], options: ParamOptions) {
      const params = parseParams(this, options.param);
      let errors = 0;
      for (const file of files) {
        const result = checkChoreography(readChoreoFile(this, file), file, { params, resolveImport: fileImportResolver });
        if (result.diagnostics.length > 0) console.error(`${renderDiagnostics(result)}\n`);
        errors += result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;
        for (const report of result.protocols) {
          const at = report.symbolic.length === 0 ? '' : ` (checked at ${report.symbolic.join(', ')} = 2, 3, 4)`;
          const dual = report.duality === undefined ? '' : report.duality === null ? ', dual' : `, NOT dual: ${report.duality}`;
          console.log(`${report.ok ? 'ok  ' : 'FAIL'} ${file}: ${report.name}${at}${report.ok ? dual : ''}`);
        }
      }
      if (errors > 0) throw permanentError('choreo.invalid', `${errors} error(s) in ${files.length} file(s)`);
    });
}

function registerProject(group: Command): void {
  group
    .command('project')
    .description('print the local type of each role')
    .argument('<file>', '.choreo file')
    .option('--protocol <name>', 'only this protocol')
    .option('--role <role>', 'only this role, e.g. Alice or Worker[2]')
    .option('--param <K=V>', 'value of a symbolic parameter (repeatable)', collect, [])
    .option('--json', 'print JSON: {"protocol":P,"roles":{R: localType}}')
    .action(function (this: Command, file: string, options: ParamOptions & { protocol?: string; role?: string; json?: boolean }) {
      const params = parseParams(this, options.param);
      const result = checkChoreography(readChoreoFile(this, file), file, { params, resolveImport: fileImportResolver, ...(options.protocol === undefined ? {} : { protocol: options.protocol }) });
      reportDiagnostics(result, file);
      for (const report of result.protocols) {
        if (report.symbolic.length > 0) throw permanentError('choreo.params', `${report.name} has symbolic sizes; give them values with ${report.symbolic.map((name) => `--param ${name}=…`).join(' ')}`);
        const projected = report.instances[0];
        if (projected === undefined) continue;
        const roles = options.role === undefined ? projected.roles : [options.role];
        if (options.role !== undefined && !projected.roles.includes(options.role)) {
          this.error(`error: ${report.name} has no role ${options.role}; its roles are ${projected.roles.join(', ')}`, { exitCode: 2, code: 'aura.choreo.role' });
        }
        console.log(options.json === true ? JSON.stringify(projectedToJson(projected, roles)) : printProjectedProtocol(projected, roles));
      }
    });
}

function registerGraph(group: Command): void {
  group
    .command('graph')
    .description('print a Mermaid sequence diagram of the global protocol')
    .argument('<file>', '.choreo file')
    .option('--protocol <name>', 'only this protocol')
    .action(function (this: Command, file: string, options: { protocol?: string }) {
      const result = checkChoreography(readChoreoFile(this, file), file, { resolveImport: fileImportResolver, ...(options.protocol === undefined ? {} : { protocol: options.protocol }) });
      reportDiagnostics(result, file);
      const protocols = result.ast.protocols.filter((protocol) => options.protocol === undefined || protocol.name === options.protocol);
      console.log(protocols.map(protocolToMermaid).join('\n'));
    });
}
