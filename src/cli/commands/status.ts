/**
 * `aura status --dir DEVICE_DIR`: the authority, group key, members and policy, epoch, which
 * members are online (when the device's node runs), journal size and last sync. Reads no secret,
 * so it needs no passphrase.
 *
 * Source: issue 11 item 2.
 *
 * @module
 */
import type { Command } from 'commander';
import { callControl } from '../../agent/control-socket.ts';
import { withDeviceJournal } from '../../agent/device-dir.ts';
import { deviceStatus, type DeviceStatus } from '../../agent/device-report.ts';
import { openOptions, printResult, withDeviceOptions, type DeviceCommandOptions } from '../device-options.ts';

/** Adds the `status` command to `program`. */
export function registerStatusCommand(program: Command): void {
  withDeviceOptions(program.command('status').description("show a device's authority, members, policy, epoch, peers online and journal")).action((options: DeviceCommandOptions) => runStatus(options));
}

async function runStatus(options: DeviceCommandOptions): Promise<void> {
  const remote = await callControl(options.dir, { op: 'status' });
  const status = remote !== undefined ? (remote as unknown as DeviceStatus) : await withDeviceJournal(options.dir, openOptions(options), (config, journal) => deviceStatus(config, journal));
  printResult(options.json, status, () => [
    `authority ${status.authority}`,
    `device    ${status.name} ${status.device}`,
    `group key ${status.groupKey}`,
    `policy    threshold ${status.threshold ?? '?'} of ${status.members.length}, approval ${status.policy}`,
    `epoch     ${status.epoch}`,
    `node      ${status.nodeRunning ? 'running' : 'not running'}`,
    'members',
    ...status.members.map((m) => `  ${m.name.padEnd(9)} ${m.device}  ${m.online === null ? 'online: unknown (no node running)' : m.online ? 'online' : 'offline'}${m.inTree ? '' : '  (not in the journal tree)'}`),
    ...(status.guardians.length === 0 ? [] : ['guardians (authorities in the journal tree)', ...status.guardians.map((g) => `  ${g}`)]),
    `journal   ${status.journalFacts} facts`,
    `last sync ${status.lastSync ?? 'never'}`,
  ]);
}
