/**
 * The `aura` command line: one commander program; each command group lives in its own file under
 * `commands/` and registers itself here.
 *
 * Exit codes: 0 success, 1 the operation failed (diagnostics printed), 2 usage error.
 *
 * @module
 */
import { Command, CommanderError } from 'commander';
import { isAuraError } from '../core/errors.ts';
import { registerChoreoCommands } from './commands/choreo.ts';
import { registerIdCommands } from './commands/id.ts';
import { registerInitCommand } from './commands/init.ts';
import { registerJournalCommand } from './commands/journal.ts';
import { registerNodeCommand } from './commands/node.ts';
import { registerSignCommand } from './commands/sign.ts';
import { registerDeriveCommand } from './commands/derive.ts';
import { registerDeviceCommands } from './commands/device.ts';
import { registerSyncCommand } from './commands/sync.ts';
import { registerSimCommands } from './commands/sim.ts';
import { registerStatusCommand } from './commands/status.ts';
import { registerVerifyCommand } from './commands/verify.ts';
import { registerGuardianCommands } from './commands/guardian.ts';
import { registerRecoveryCommands } from './commands/recovery.ts';

/** The code of an {@link AuraError} that means the command line itself is wrong (exit code 2). */
export const USAGE_ERROR = 'cli.usage';

/** The version printed by `aura --version`. */
export const AURA_VERSION = '0.1.0';

/** Builds the `aura` program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('aura')
    .description('Aura: peer-to-peer threshold identity, choreographic protocols and CRDT journals')
    .version(AURA_VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerInitCommand(program);
  registerNodeCommand(program);
  registerStatusCommand(program);
  registerSignCommand(program);
  registerDeriveCommand(program);
  registerSyncCommand(program);
  registerGuardianCommands(program);
  registerRecoveryCommands(program);
  registerDeviceCommands(program);
  registerVerifyCommand(program);
  registerJournalCommand(program);
  registerIdCommands(program);
  registerChoreoCommands(program);
  registerSimCommands(program);
  return program;
}

/** Runs the program on `argv` (without the node and script paths) and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version "fail" with exit code 0; usage errors were already printed by commander.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isAuraError(error)) {
      console.error(`error[${error.code}]: ${error.message}`);
      if (error.code === USAGE_ERROR) {
        console.error(`(run "aura ${argv.filter((arg) => !arg.startsWith('-')).slice(0, 2).join(' ')} --help" for usage)`);
        return 2;
      }
      return 1;
    }
    throw error;
  }
}
