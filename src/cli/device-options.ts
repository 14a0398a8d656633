/**
 * What the device commands (`init`, `node --dir`, `status`, `sign`, `journal`, …) share: their
 * common options (`--dir`, `--passphrase-file`, `--authority`, `--json`, `--trace FILE`), usage
 * errors, output as text or JSON, progress lines on a terminal, the protocol trace file, and
 * Ctrl-C as an abort signal.
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { permanentError, type AuraError } from '../core/errors.ts';
import { parseIdentifier } from '../core/identifiers.ts';
import { Trace } from '../runtime/trace.ts';
import type { OpenOptions } from '../agent/device-dir.ts';
import { readPassphrase } from '../agent/passphrase.ts';

/** Options every device command takes. */
export interface DeviceCommandOptions {
  /** The device directory. */
  readonly dir: string;
  /** Passphrase file. */
  readonly passphraseFile?: string;
  /** Refuse the directory unless it belongs to this authority. */
  readonly authority?: string;
  /** JSON output. */
  readonly json?: boolean;
  /** Where to write the protocol trace. */
  readonly trace?: string;
}

/** Adds `--json` and `--trace FILE` to `command`. */
export function withOutputOptions(command: Command): Command {
  return command.option('--json', 'print JSON (one object) instead of text').option('--trace <file>', 'write the protocol trace (one JSON object per role event) to FILE');
}

/** Adds the options of a command on one device directory. */
export function withDeviceOptions(command: Command): Command {
  return withOutputOptions(
    command
      .requiredOption('--dir <dir>', 'the device directory')
      .option('--passphrase-file <file>', 'read the key store passphrase from FILE (else $AURA_PASSPHRASE, else a prompt)')
      .option('--authority <id>', 'refuse the directory unless it belongs to this authority'),
  );
}

/** A usage error (exit code 2). */
export function usageError(message: string): AuraError {
  return permanentError('cli.usage', message);
}

/** `text` as a positive whole number. Error: `cli.usage` naming `option`. */
export function positiveInteger(text: string, option: string, unit = ''): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value <= 0) throw usageError(`${option} takes a positive whole number${unit === '' ? '' : ` of ${unit}`}, got "${text}"`);
  return value;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `text` as a duration in ms: a whole number and a unit (`500ms`, `2s`, `10m`, `24h`, `7d`). Error: `cli.usage` naming `option`. */
export function duration(text: string, option: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  const ms = match === null ? NaN : Number(match[1]) * DURATION_UNITS[match[2]!]!; // both groups are in the pattern
  if (!Number.isSafeInteger(ms)) throw usageError(`${option} takes a duration such as 500ms, 2s, 10m, 24h or 7d, got "${text}"`);
  return ms;
}

/** The open options of `options` (`--authority`). Error: `cli.usage` for a malformed id. */
export function openOptions(options: DeviceCommandOptions): OpenOptions {
  if (options.authority === undefined) return {};
  try {
    return { authority: parseIdentifier('authority', options.authority) };
  } catch (error) {
    throw usageError(`--authority: ${(error as Error).message}`);
  }
}

/** The passphrase of the device in `dir`, from the command's sources. */
export function passphraseFor(options: { readonly passphraseFile?: string }, what: string): Promise<string> {
  return readPassphrase({ ...(options.passphraseFile === undefined ? {} : { file: options.passphraseFile }), prompt: `passphrase for ${what}: ` });
}

/** Prints `value` as JSON, or `lines` as text. */
export function printResult(json: boolean | undefined, value: unknown, lines: () => readonly string[]): void {
  if (json === true) console.log(JSON.stringify(value, null, 2));
  else for (const line of lines()) console.log(line);
}

/** A progress printer: lines go to stderr on a terminal (never with `--json`), else nowhere. */
export function progressPrinter(json: boolean | undefined): (line: string) => void {
  return json !== true && process.stderr.isTTY ? (line) => void process.stderr.write(`  ${line}\n`) : () => undefined;
}

/** A trace recorded while a command runs, written to its file at the end. */
export class TraceFile {
  /** The observer to hand to the protocols. */
  readonly trace = new Trace();

  constructor(private readonly path: string | undefined) {}

  /** The observer, or `undefined` when no `--trace` was asked. */
  get observer(): Trace | undefined {
    return this.path === undefined ? undefined : this.trace;
  }

  /** Writes the records (JSON lines), if a file was asked. */
  write(): void {
    if (this.path !== undefined) writeFileSync(this.path, this.trace.records.map((record) => JSON.stringify(record)).join('\n') + '\n');
  }
}

/** An abort signal raised by the first SIGINT or SIGTERM; `dispose` stops listening. */
export function interruptSignal(): { readonly signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = (): void => {
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** Resolves at the first SIGINT or SIGTERM. */
export function untilInterrupted(): Promise<void> {
  const interrupt = interruptSignal();
  return new Promise((resolve) => {
    interrupt.signal.addEventListener('abort', () => {
      interrupt.dispose();
      resolve();
    });
  });
}
