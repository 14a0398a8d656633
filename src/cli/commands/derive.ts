/**
 * `aura derive --dir DEVICE_DIR --context NAME [--app NAME]`: deterministic key derivation (DKD,
 * `src/protocols/dkd.ts`) with the devices of the authority that are online, through the
 * device's running node or in this process. Prints the context key's public half; the
 * `dkd.context-key` fact recording it, attested with the group key, lands in the journal of
 * every device that took part.
 *
 * Source: issue 11 item 2 (`aura derive`).
 *
 * @module
 */
import type { Command } from 'commander';
import { toHex } from '../../core/bytes.ts';
import { MAX_CONTEXT_CHARS } from '../../agent/agent-request.ts';
import type { DeriveOutcome } from '../../agent/device-agent.ts';
import { runDeviceCommand, withWaitOption, type WaitingCommandOptions } from '../device-command.ts';
import { usageError, withDeviceOptions } from '../device-options.ts';

interface DeriveOptions extends WaitingCommandOptions {
  readonly context: string;
  readonly app: string;
}

/** The app a context key is derived for when `--app` is not given. */
export const DEFAULT_APP = 'aura';

/** What `aura derive` prints with `--json`, and what a node answers to `{"op":"derive"}`. */
export interface DeriveResult {
  /** The context. */
  readonly context: string;
  /** The app. */
  readonly app: string;
  /** The context key's public half (hex). */
  readonly publicKey: string;
  /** The authority epoch it belongs to. */
  readonly epoch: number;
  /** The CID of its `dkd.context-key` fact. */
  readonly fact: string;
  /** The devices that took part (names). */
  readonly members: readonly string[];
}

/** The part of a {@link DeriveResult} an outcome gives, as the node answers it on its control socket. */
export function deriveResult(outcome: DeriveOutcome): Omit<DeriveResult, 'context' | 'app'> {
  return { publicKey: toHex(outcome.publicKey), epoch: outcome.epoch, fact: outcome.fact, members: outcome.members.map((m) => m.name) };
}

/** `name` as a context or app name. Error: `cli.usage` naming `option`. */
function contextName(name: string, option: string): string {
  if (name.length === 0 || name.length > MAX_CONTEXT_CHARS) throw usageError(`${option} takes 1 to ${MAX_CONTEXT_CHARS} characters, got ${name.length}`);
  return name;
}

/** Adds the `derive` command to `program`. */
export function registerDeriveCommand(program: Command): void {
  withDeviceOptions(
    withWaitOption(
      program
        .command('derive')
        .description('derive the key of a context together with the devices that are online (DKD) and record its public half in the journal')
        .requiredOption('--context <name>', 'the context the key is for')
        .option('--app <name>', 'the application the key is for', DEFAULT_APP),
    ),
  ).action((options: DeriveOptions) => runDerive(options));
}

function runDerive(options: DeriveOptions): Promise<void> {
  const context = contextName(options.context, '--context');
  const app = contextName(options.app, '--app');
  return runDeviceCommand(options, {
    remote: { op: 'derive', context, app },
    decode: (result) => ({ publicKey: String(result.publicKey), epoch: Number(result.epoch), fact: String(result.fact), members: (result.members as string[] | undefined) ?? [] }),
    local: async ({ agent }) => deriveResult(await agent.derive(context, app)),
    result: (outcome, ms): DeriveResult & { readonly ms: number } => ({ context, app, ...outcome, ms }),
    lines: (result) => [
      `context key ${result.publicKey}`,
      `context     ${JSON.stringify(context)} (app ${JSON.stringify(app)}, epoch ${result.epoch})`,
      `fact        ${result.fact} (dkd.context-key)`,
      `devices     ${result.members.join(', ')} (${result.ms} ms)`,
    ],
  });
}
