/**
 * `aura init --devices N --threshold T --dir DIR`: creates an authority of N devices, t of which
 * sign together, by running the DKG among N device nodes over libp2p on loopback, and writes one
 * device directory per device (`DIR/device-1` …). Prints the authority id and the group key.
 *
 * Source: issue 11 item 2.
 *
 * @module
 */
import type { Command } from 'commander';
import { toHex } from '../../core/bytes.ts';
import { isAuraError, permanentError } from '../../core/errors.ts';
import { DEFAULT_SCRYPT } from '../../crypto/key-store-format.ts';
import { BackgroundClock } from '../../agent/background-clock.ts';
import { NodeRandom } from '../../handlers/random.ts';
import { APPROVAL_POLICIES, type ApprovalPolicy } from '../../agent/device-config.ts';
import { createAuthority } from '../../agent/create-authority.ts';
import { interruptSignal, passphraseFor, positiveInteger, printResult, progressPrinter, TraceFile, usageError, withOutputOptions } from '../device-options.ts';

interface InitOptions {
  readonly devices: string;
  readonly threshold: string;
  readonly dir: string;
  readonly policy: string;
  readonly passphraseFile?: string;
  readonly kdfLogN?: string;
  readonly json?: boolean;
  readonly trace?: string;
}

/** Adds the `init` command to `program`. */
export function registerInitCommand(program: Command): void {
  withOutputOptions(
    program
      .command('init')
      .description('create an authority: N device directories and a t-of-N group key by DKG over libp2p on loopback')
      .requiredOption('--devices <n>', 'how many devices (N)')
      .requiredOption('--threshold <t>', 'how many devices must sign together (t)')
      .requiredOption('--dir <dir>', 'a new or empty directory; gets device-1 … device-N')
      .option('--policy <policy>', `approval policy of every device: ${APPROVAL_POLICIES.join(' or ')}`, 'auto')
      .option('--passphrase-file <file>', 'passphrase of the key stores (else $AURA_PASSPHRASE, else a prompt)')
      .option('--kdf-log-n <n>', `scrypt cost log2(N) of the key stores (default ${DEFAULT_SCRYPT.logN}; lower only for tests)`),
  ).action((options: InitOptions) => runInit(options));
}

async function runInit(options: InitOptions): Promise<void> {
  const devices = positiveInteger(options.devices, '--devices');
  const threshold = positiveInteger(options.threshold, '--threshold');
  if (threshold > devices) throw usageError(`--threshold ${threshold} is more than --devices ${devices}`);
  if (!(APPROVAL_POLICIES as readonly string[]).includes(options.policy)) throw usageError(`--policy must be one of ${APPROVAL_POLICIES.join(', ')}, got "${options.policy}"`);
  const logN = options.kdfLogN === undefined ? DEFAULT_SCRYPT.logN : positiveInteger(options.kdfLogN, '--kdf-log-n');
  const passphrase = await passphraseFor(options, `the new devices of ${options.dir}`);
  const trace = new TraceFile(options.trace);
  const interrupt = interruptSignal();
  const started = performance.now();
  try {
    const created = await createAuthority({
      dir: options.dir,
      devices,
      threshold,
      passphrase,
      policy: options.policy as ApprovalPolicy,
      scrypt: { ...DEFAULT_SCRYPT, logN },
      random: new NodeRandom(),
      time: new BackgroundClock(),
      progress: progressPrinter(options.json),
      signal: interrupt.signal,
      ...(trace.observer === undefined ? {} : { observer: trace.observer }),
    });
    const ms = Math.round(performance.now() - started);
    printResult(options.json, { authority: created.authority, groupKey: toHex(created.groupKey), threshold, devices: created.devices, facts: created.facts, ms }, () => [
      `authority ${created.authority}`,
      `group key ${toHex(created.groupKey)}`,
      `threshold ${threshold} of ${devices}`,
      ...created.devices.map((d) => `${d.name.padEnd(9)} ${d.dir}  ${d.device}`),
      `journal   ${created.facts} genesis facts in every device's journal (${ms} ms)`,
    ]);
  } catch (error) {
    if (interrupt.signal.aborted && !isAuraError(error, 'agent.interrupted')) {
      throw permanentError('agent.interrupted', `interrupted during the protocols (${(error as Error).message}): nothing was written`, { cause: error });
    }
    throw error;
  } finally {
    interrupt.dispose();
    trace.write();
  }
}
