/**
 * `aura device add --dir DEVICE_DIR --new-dir NEW_DIR` and `aura device remove --dir DEVICE_DIR
 * --device ID|NAME`: changing the devices of an authority by resharing its group key
 * (`DeviceAgent.changeMembership`, `src/agent/membership-change.ts`). The group key stays; every
 * member that stays gets a new share, the members' configs list the new member set, and the
 * authority's tree records the change with an epoch bump, signed by the new group.
 *
 * `add` creates the new device in this process (`JoiningDevice`: its keys, a node on loopback,
 * its journal copied from the member, its directory written only once the change is confirmed)
 * and asks DEVICE_DIR's device to run the change: through its running node, or in this process.
 * `remove` asks DEVICE_DIR's device to reshare without the removed one; if that device is online
 * it learns the change from its journal and destroys its share.
 *
 * Source: issue 11 item 2 (`aura device add|remove`); the brief's items 1 and 2.
 *
 * @module
 */
import type { Command } from 'commander';
import { fromHex, toHex } from '../../core/bytes.ts';
import { permanentError } from '../../core/errors.ts';
import { parseIdentifier, type DeviceId } from '../../core/identifiers.ts';
import { DEFAULT_SCRYPT } from '../../crypto/key-store-format.ts';
import { NodeRandom } from '../../handlers/random.ts';
import { BackgroundClock } from '../../agent/background-clock.ts';
import { MEMBER_NAME, type NewMember } from '../../agent/agent-request.ts';
import type { DeviceConfig } from '../../agent/device-config.ts';
import type { ChangeResult } from '../../agent/device-agent.ts';
import { checkFreshDir, inspectDeviceDir } from '../../agent/device-dir.ts';
import { JoiningDevice, type JoinEvent } from '../../agent/joining-device.ts';
import type { MembershipChange } from '../../agent/membership-change.ts';
import { runOnDevice, type DeviceOperation } from '../device-access.ts';
import { runDeviceCommand, waitingRun, withWaitOption, type WaitingCommandOptions } from '../device-command.ts';
import { interruptSignal, openOptions, passphraseFor, positiveInteger, printResult, progressPrinter, TraceFile, usageError, withDeviceOptions } from '../device-options.ts';

interface ChangeOptions extends WaitingCommandOptions {
  readonly threshold?: string;
}

interface AddOptions extends ChangeOptions {
  readonly newDir: string;
  readonly name?: string;
  readonly kdfLogN?: string;
}

interface RemoveOptions extends ChangeOptions {
  readonly device: string;
}

/** What `aura device add|remove` prints with `--json`, and what a node answers to `device-add`/`device-remove`. */
export interface ChangeResultJson {
  /** The authority epoch after the change. */
  readonly epoch: number;
  /** The members after it (names). */
  readonly members: readonly string[];
  /** The threshold after it. */
  readonly threshold: number;
  /** The group key (hex): the same as before. */
  readonly groupKey: string;
  /** The members removed (names). */
  readonly removed: readonly string[];
}

/** The JSON form of a change's result. */
export function changeResultJson(result: ChangeResult): ChangeResultJson {
  return { epoch: result.epoch, members: result.members, threshold: result.threshold, groupKey: toHex(result.groupKey), removed: result.removed };
}

/** The JSON form of a new member, as a control request carries it. */
export function newMemberJson(member: NewMember): Record<string, string> {
  return { name: member.name, device: member.device, address: member.address, hpkePublicKey: toHex(member.hpkePublicKey), signingPublicKey: toHex(member.signingPublicKey) };
}

/**
 * The change a control request `{"op":"device-add","member":{…}}` or
 * `{"op":"device-remove","device":ID}` (with an optional `"threshold"`) asks for. Error:
 * `agent.bad-control` naming what is malformed.
 */
export function changeOfControl(request: Readonly<Record<string, unknown>>): MembershipChange {
  const threshold = request.threshold === undefined ? {} : { threshold: Number(request.threshold) };
  try {
    if (request.op === 'device-remove') return { remove: [parseIdentifier('device', String(request.device))], ...threshold };
    const member: unknown = request.member;
    if (typeof member !== 'object' || member === null) throw new Error('device-add needs {"member":{name,device,address,hpkePublicKey,signingPublicKey}}');
    const fields = member as Readonly<Record<string, unknown>>;
    const text = (field: string): string => {
      const value = fields[field];
      if (typeof value !== 'string') throw new Error(`member.${field} must be text`);
      return value;
    };
    return { add: [{ name: text('name'), device: parseIdentifier('device', text('device')), address: text('address'), hpkePublicKey: fromHex(text('hpkePublicKey')), signingPublicKey: fromHex(text('signingPublicKey')) }], ...threshold };
  } catch (error) {
    throw permanentError('agent.bad-control', `${String(request.op)}: ${(error as Error).message}`);
  }
}

/** The first name `device-K` no member has. */
export function nextDeviceName(config: DeviceConfig): string {
  const taken = new Set(config.members.map((m) => m.name));
  let k = config.members.length + 1;
  while (taken.has(`device-${k}`)) k++;
  return `device-${k}`;
}

/** The member of `config` named `ref` (a name or a device id). Error: `cli.usage`. */
function memberRef(config: DeviceConfig, ref: string): DeviceId {
  const member = config.members.find((m) => m.name === ref || m.device === ref);
  if (member === undefined) throw usageError(`--device ${ref}: no member of authority ${config.authority} has that name or id (members: ${config.members.map((m) => m.name).join(', ')})`);
  return member.device;
}

/** Adds the `device` command group to `program`. */
export function registerDeviceCommands(program: Command): void {
  const device = program.command('device').description('change the devices of an authority by resharing its group key (the key stays the same)');
  const common = (command: Command): Command => withWaitOption(withDeviceOptions(command).option('--threshold <t>', 'the threshold after the change (default: the current one, lowered to the devices left)'));
  common(
    device
      .command('add')
      .description('add a new device: create its directory and reshare the group key onto every member and it (every member must be online)')
      .requiredOption('--new-dir <dir>', 'the new device directory (must not exist or be empty)')
      .option('--name <name>', 'the new device name (default: the next free device-K)')
      .option('--kdf-log-n <n>', `scrypt cost log2(N) of the new key store (default ${DEFAULT_SCRYPT.logN}; lower only for tests)`),
  ).action((options: AddOptions) => runAdd(options));
  common(
    device
      .command('remove')
      .description('remove a device: reshare the group key among the others (all must be online); the removed share becomes useless')
      .requiredOption('--device <id|name>', 'the device to remove (its id or name)'),
  ).action((options: RemoveOptions) => runRemove(options));
}

function thresholdOf(options: ChangeOptions): { readonly threshold?: number } {
  return options.threshold === undefined ? {} : { threshold: positiveInteger(options.threshold, '--threshold') };
}

async function runAdd(options: AddOptions): Promise<void> {
  const progress = progressPrinter(options.json);
  const trace = new TraceFile(options.trace);
  const run = waitingRun(options, progress, trace);
  const logN = options.kdfLogN === undefined ? DEFAULT_SCRYPT.logN : positiveInteger(options.kdfLogN, '--kdf-log-n');
  const config = await inspectDeviceDir(options.dir, openOptions(options));
  checkFreshDir(options.newDir);
  const name = options.name ?? nextDeviceName(config);
  if (!MEMBER_NAME.test(name)) throw usageError(`--name ${JSON.stringify(name)}: a device name is 1 to 64 letters, digits, "-", "_" or "."`);
  const passphrase = await passphraseFor(options, options.newDir);
  const random = new NodeRandom();
  const started = performance.now();
  const joining = await JoiningDevice.start({
    invitedBy: config,
    dir: options.newDir,
    name,
    passphrase,
    scrypt: { ...DEFAULT_SCRYPT, logN },
    random,
    time: new BackgroundClock(),
    events: (event) => {
      progress(formatJoinEvent(event));
    },
    ...(trace.observer === undefined ? {} : { observer: trace.observer }),
  });
  // Ctrl-C stops the new device: the change fails at every member before anything is written.
  const interrupt = interruptSignal();
  interrupt.signal.addEventListener('abort', () => void joining.stop());
  try {
    const change: MembershipChange = { add: [joining.member], ...thresholdOf(options) };
    // The new device serves its part as the messages come; the change ends after its part did.
    const result = await runOnDevice(options, {
      ...deviceChange({ op: 'device-add', member: newMemberJson(joining.member), ...thresholdOf(options) }, change),
      ...run,
    });
    const joined = await joining.joined;
    const ms = Math.round(performance.now() - started);
    printResult(options.json, { ...result, added: { name, device: joining.member.device, dir: joined.dir, address: joining.member.address }, ms }, () => [
      `added     ${name} (${joining.member.device}) in ${joined.dir}`,
      `group key ${result.groupKey} (unchanged)`,
      `members   ${result.members.join(', ')}; threshold ${result.threshold}; epoch ${result.epoch} (${ms} ms)`,
    ]);
  } finally {
    interrupt.dispose();
    await joining.stop();
    trace.write();
  }
}

async function runRemove(options: RemoveOptions): Promise<void> {
  const config = await inspectDeviceDir(options.dir, openOptions(options));
  const removed = memberRef(config, options.device);
  const change: MembershipChange = { remove: [removed], ...thresholdOf(options) };
  await runDeviceCommand(options, {
    ...deviceChange({ op: 'device-remove', device: removed, ...thresholdOf(options) }, change),
    result: (result, ms) => ({ ...result, ms }),
    lines: (result) => [
      `removed   ${result.removed.join(', ')} (${removed})`,
      `group key ${result.groupKey} (unchanged)`,
      `members   ${result.members.join(', ')}; threshold ${result.threshold}; epoch ${result.epoch} (${result.ms} ms)`,
    ],
  });
}

/** The operation of `change` on a device: through its node (`remote`), else in this process. */
function deviceChange(remote: Readonly<Record<string, unknown>> & { readonly op: string }, change: MembershipChange): Pick<DeviceOperation<ChangeResultJson>, 'remote' | 'decode' | 'local'> {
  return {
    remote,
    decode: (result) => result as unknown as ChangeResultJson,
    local: async ({ agent }) => changeResultJson(await agent.changeMembership(change)),
  };
}

/** One line of text for a joining device's event. */
function formatJoinEvent(event: JoinEvent): string {
  switch (event.event) {
    case 'join-listening':
      return `new device ${event.name} (${event.device}) listening at ${event.address}`;
    case 'journal-copied':
      return `copied the journal from ${event.from}: ${event.facts} facts`;
    case 'join-round':
      return `new device: round ${event.label}: ${event.from} answered`;
    case 'join-declined':
      return `new device declined a request from ${event.from}: ${event.reason}`;
    case 'joined':
      return `${event.name} joined in epoch ${event.epoch}: ${event.dir}`;
  }
}
