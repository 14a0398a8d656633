/**
 * `aura sign --dir DEVICE_DIR --message TEXT|--message-file F`: FROST signing with the first t
 * devices of the authority that answer among those online (`DeviceAgent.sign`: quorum signing of
 * a `signature.issued` fact, then the message), through the device's running node or in this
 * process. Prints the signature, the group key it verifies under, who signed and the fact. Too
 * few devices online is `agent.too-few-online`, naming who is missing.
 *
 * Source: issue 11 item 2.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { fromHex, toHex, utf8 } from '../../core/bytes.ts';
import { permanentError } from '../../core/errors.ts';
import { runDeviceCommand, withWaitOption, type WaitingCommandOptions } from '../device-command.ts';
import { usageError, withDeviceOptions } from '../device-options.ts';

interface SignOptions extends WaitingCommandOptions {
  readonly message?: string;
  readonly messageFile?: string;
}

/** The bytes of `--message TEXT` (UTF-8) or `--message-file F`; exactly one must be given. */
export function messageOf(options: { readonly message?: string; readonly messageFile?: string }): Uint8Array {
  if ((options.message === undefined) === (options.messageFile === undefined)) throw usageError('give exactly one of --message TEXT and --message-file FILE');
  if (options.message !== undefined) return utf8(options.message);
  try {
    return new Uint8Array(readFileSync(options.messageFile!)); // one of the two is given, checked above
  } catch (error) {
    throw permanentError('cli.unreadable-file', `cannot read --message-file ${options.messageFile}: ${(error as Error).message}`, { cause: error });
  }
}

/** Adds the `sign` command to `program`. */
export function registerSignCommand(program: Command): void {
  withDeviceOptions(
    withWaitOption(
      program
        .command('sign')
        .description('sign a message with the group key, together with the devices that are online (FROST)')
        .option('--message <text>', 'the message (UTF-8 text)')
        .option('--message-file <file>', 'the message (the bytes of a file)'),
    ),
  ).action((options: SignOptions) => runSign(options));
}

function runSign(options: SignOptions): Promise<void> {
  const message = messageOf(options);
  return runDeviceCommand(options, {
    remote: { op: 'sign', message: toHex(message) },
    decode: (result) => ({ signature: fromHex(String(result.signature)), signers: (result.signers as string[] | undefined) ?? [], groupKey: String(result.groupKey), fact: String(result.fact) }),
    local: async ({ agent, device }) => {
      const signed = await agent.sign(message);
      return { signature: signed.signature, signers: signed.signers.map((m) => m.name), groupKey: toHex(device.config.groupKey), fact: signed.fact };
    },
    result: (outcome, ms) => ({ signature: toHex(outcome.signature), groupKey: outcome.groupKey, signers: outcome.signers, fact: outcome.fact, ms }),
    lines: (result) => [`signature ${result.signature}`, `group key ${result.groupKey}`, `signers   ${result.signers.join(', ')} (${result.ms} ms)`, `fact      ${result.fact} (signature.issued)`],
  });
}
