/**
 * `aura sync --dir DEVICE_DIR [--once]`: anti-entropy of the device's authority journal with the
 * other devices of the authority that are online (the sync service of
 * `src/protocols/sync-service.ts`, through `DeviceAgent.syncNow`). Prints, per device, the
 * outcome and the facts sent and received.
 *
 * With `--once`, one round and exit. Without it, when this command runs the device itself it
 * keeps syncing every `--interval-ms` until Ctrl-C; when the device's node runs (which syncs
 * periodically by itself), it asks the node for one round and exits.
 *
 * Source: issue 11 item 2 (`aura sync --dir … [--once]`).
 *
 * @module
 */
import type { Command } from 'commander';
import { toAuraError } from '../../core/errors.ts';
import type { SyncResult } from '../../agent/device-agent.ts';
import { runOnDevice } from '../device-access.ts';
import { waitingRun, withWaitOption, type WaitingCommandOptions } from '../device-command.ts';
import { interruptSignal, positiveInteger, printResult, progressPrinter, TraceFile, withDeviceOptions } from '../device-options.ts';

interface SyncOptions extends WaitingCommandOptions {
  readonly once?: boolean;
  readonly intervalMs: string;
}

/** Adds the `sync` command to `program`. */
export function registerSyncCommand(program: Command): void {
  withDeviceOptions(
    withWaitOption(
      program
        .command('sync')
        .description("sync the device's journal with the other devices that are online (anti-entropy)")
        .option('--once', 'one round, then exit'),
    ).option('--interval-ms <ms>', 'without --once: time between rounds', '10000'),
  ).action((options: SyncOptions) => runSync(options));
}

/** The lines of one round's results. */
function roundLines(results: readonly SyncResult[], ms: number): string[] {
  const lines = results.map((r) => `${r.name.padEnd(10)} ${r.outcome.padEnd(9)} sent ${r.sent}, received ${r.added}${r.rejected > 0 ? `, refused ${r.rejected}` : ''}${r.error === undefined ? '' : `  ${r.error}`}`);
  const sent = results.reduce((n, r) => n + r.sent, 0);
  const added = results.reduce((n, r) => n + r.added, 0);
  return [...lines, `facts sent ${sent}, received ${added} (${ms} ms)`];
}

/** Waits `ms`; resolves `true` then, or `false` at once when `signal` aborts (Ctrl-C). */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((done) => {
    const timer = setTimeout(() => { done(true); }, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); done(false); }, { once: true });
  });
}

async function runSync(options: SyncOptions): Promise<void> {
  const progress = progressPrinter(options.json);
  const trace = new TraceFile(options.trace);
  const run = waitingRun(options, progress, trace);
  const intervalMs = positiveInteger(options.intervalMs, '--interval-ms', 'milliseconds');
  const interrupt = interruptSignal();
  const print = (results: readonly SyncResult[], started: number): void => {
    const ms = Math.round(performance.now() - started);
    printResult(options.json, { results, sent: results.reduce((n, r) => n + r.sent, 0), received: results.reduce((n, r) => n + r.added, 0), ms }, () => roundLines(results, ms));
  };
  try {
    const started = performance.now();
    const first = await runOnDevice(options, {
      remote: { op: 'sync' },
      decode: (result) => (result.results as SyncResult[] | undefined) ?? [],
      local: async ({ agent }) => {
        const results = await agent.syncNow();
        if (options.once === true) return results;
        print(results, started);
        while (await pause(intervalMs, interrupt.signal)) {
          const round = performance.now();
          try {
            print(await agent.syncNow(), round);
          } catch (error) {
            // Nobody online this round is not the end of a long-running sync: the next round tries again.
            const failure = toAuraError(error);
            progress(`error[${failure.code}]: ${failure.message}`);
          }
        }
        return undefined;
      },
      ...run,
    });
    if (first !== undefined) print(first, started);
  } finally {
    interrupt.dispose();
    trace.write();
  }
}
