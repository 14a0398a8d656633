/**
 * `aura journal --dir DEVICE_DIR [--type T] [--limit N]`: lists the facts of the device's
 * authority journal in the order its commitment tree applied them: CID, type, attestation, and a
 * one-line summary.
 *
 * Source: issue 11 item 2.
 *
 * @module
 */
import type { Command } from 'commander';
import { callControl } from '../../agent/control-socket.ts';
import { withDeviceJournal } from '../../agent/device-dir.ts';
import { journalEntries, type JournalEntry, type JournalFilter } from '../../agent/device-report.ts';
import { openOptions, positiveInteger, printResult, withDeviceOptions, type DeviceCommandOptions } from '../device-options.ts';

interface JournalOptions extends DeviceCommandOptions {
  readonly type?: string;
  readonly limit?: string;
}

/** Adds the `journal` command to `program`. */
export function registerJournalCommand(program: Command): void {
  withDeviceOptions(
    program
      .command('journal')
      .description("list the facts of a device's authority journal")
      .option('--type <type>', 'only facts of this type (e.g. tree.op)')
      .option('--limit <n>', 'at most N facts'),
  ).action((options: JournalOptions) => runJournal(options));
}

async function runJournal(options: JournalOptions): Promise<void> {
  const filter: JournalFilter = { ...(options.type === undefined ? {} : { type: options.type }), ...(options.limit === undefined ? {} : { limit: positiveInteger(options.limit, '--limit') }) };
  const remote = await callControl(options.dir, { op: 'journal', ...filter });
  const entries = remote !== undefined ? (remote.entries as JournalEntry[]) : await withDeviceJournal(options.dir, openOptions(options), (config, journal) => journalEntries(config, journal, filter));
  printResult(options.json, entries, () => (entries.length === 0 ? ['no facts'] : entries.map((e) => `${e.cid}  ${e.type}  ${e.summary}  [${e.attestation.split(' ')[0] ?? ''}]`)));
}
