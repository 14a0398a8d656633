/**
 * The skeleton of a command that runs one operation on a device with the other devices online
 * (`sign`, `derive`, `guardian add`, `device remove`): it reaches the device's running node or
 * starts the device in this process (`device-access.ts`), waits `--wait-ms` for the other devices,
 * shows their progress on a terminal, writes `--trace FILE`, and prints the outcome with the time
 * it took, as text or JSON. A command states only what differs: its request, how it runs in this
 * process, and what it prints.
 *
 * @module
 */
import type { Command } from 'commander';
import { formatAgentEvent, runOnDevice, type DeviceOperation } from './device-access.ts';
import { positiveInteger, printResult, progressPrinter, TraceFile, type DeviceCommandOptions } from './device-options.ts';

/** Options of a command that waits for the other devices. */
export interface WaitingCommandOptions extends DeviceCommandOptions {
  /** How long to wait for the other devices to connect (`--wait-ms`, unparsed). */
  readonly waitMs: string;
}

/** What a device command states: its operation, and how its outcome `T` prints as `R`. */
export interface DeviceCommand<T, R> extends Pick<DeviceOperation<T>, 'remote' | 'decode' | 'local'> {
  /** What the command prints (as JSON with `--json`), from the outcome and the milliseconds it took. */
  readonly result: (outcome: T, ms: number) => R;
  /** The printed result as lines of text. */
  readonly lines: (result: R) => readonly string[];
}

/** Adds `--wait-ms` to `command`. */
export function withWaitOption(command: Command): Command {
  return command.option('--wait-ms <ms>', 'how long to wait for the other devices to connect', '3000');
}

/**
 * The part of a device operation every waiting command states alike: `--wait-ms` for the other
 * devices, the agent's events shown through `progress`, and `trace`'s observer when `--trace` is
 * given. Error: `cli.usage` for a bad `--wait-ms`.
 */
export function waitingRun(options: WaitingCommandOptions, progress: (line: string) => void, trace: TraceFile): Pick<DeviceOperation<never>, 'connectMs' | 'events' | 'observer'> {
  return {
    connectMs: positiveInteger(options.waitMs, '--wait-ms', 'milliseconds'),
    events: (event) => {
      progress(formatAgentEvent(event));
    },
    ...(trace.observer === undefined ? {} : { observer: trace.observer }),
  };
}

/** Runs `command` on the device of `options.dir` and prints its result (see the module comment). Error: `cli.usage` for a bad `--wait-ms`. */
export async function runDeviceCommand<T, R>(options: WaitingCommandOptions, command: DeviceCommand<T, R>): Promise<void> {
  const progress = progressPrinter(options.json);
  const trace = new TraceFile(options.trace);
  const run = waitingRun(options, progress, trace);
  const started = performance.now();
  try {
    const outcome = await runOnDevice(options, { remote: command.remote, decode: command.decode, local: command.local, ...run });
    const result = command.result(outcome, Math.round(performance.now() - started));
    printResult(options.json, result, () => command.lines(result));
  } finally {
    trace.write();
  }
}
