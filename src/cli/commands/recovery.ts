/**
 * `aura recovery start|approve|dispute|status`: recovering an authority into a new device through
 * its guardians (`src/agent/recover-device.ts`, `src/agent/guardian-desk.ts`, the `Recovery`
 * choreography of `src/protocols/recovery.ts`).
 *
 * - `start --dir NEW_DIR --authority ID --guardian ADDR|--guardian-dir G`: the new device signs its
 *   request, submits it to the guardians, prints the request id, waits for enough approvals, runs
 *   the recovery (cooldown included) and writes `NEW_DIR` with its share of the unchanged group key;
 * - `approve --dir GUARDIAN_DIR --request ID`: the guardian approves (signs with its authority's key);
 * - `dispute --dir OWNER_DEVICE_DIR --request ID`: an owner's device cancels the request: its
 *   signed dispute is delivered to the guardians, who report it after the cooldown;
 * - `status --dir DIR [--request ID]`: each request known there: requested, approved, cooldown
 *   (time left), completed or disputed.
 *
 * Source: issue 11 item 2 (`aura recovery …`).
 *
 * @module
 */
import type { Command } from 'commander';
import { isAuraError, permanentError } from '../../core/errors.ts';
import { parseIdentifier, type AuthorityId } from '../../core/identifiers.ts';
import { DEFAULT_SCRYPT } from '../../crypto/key-store-format.ts';
import { BackgroundClock } from '../../agent/background-clock.ts';
import { NodeRandom } from '../../handlers/random.ts';
import { Ed25519CryptoEffects } from '../../handlers/ed25519-crypto.ts';
import { callControl } from '../../agent/control-socket.ts';
import { APPROVAL_POLICIES, type ApprovalPolicy } from '../../agent/device-config.ts';
import { withDeviceJournal } from '../../agent/device-dir.ts';
import { requestStatuses, type DisputeDelivery, type RequestStatus } from '../../agent/guardian-desk.ts';
import { readGuardianships } from '../../agent/guardianship.ts';
import { recoverDevice, type RecoveryEvent } from '../../agent/recover-device.ts';
import { RecoveryStore } from '../../agent/recovery-store.ts';
import { formatAgentEvent, runOnDevice } from '../device-access.ts';
import { interruptSignal, openOptions, passphraseFor, positiveInteger, printResult, progressPrinter, TraceFile, usageError, withDeviceOptions, withOutputOptions, type DeviceCommandOptions } from '../device-options.ts';
import { guardianContactOf } from './guardian.ts';

interface StartOptions {
  readonly dir: string;
  readonly authority: string;
  readonly guardian?: string;
  readonly guardianDir?: string;
  readonly policy: string;
  readonly passphraseFile?: string;
  readonly kdfLogN?: string;
  readonly pollMs: string;
  readonly json?: boolean;
  readonly trace?: string;
}

interface RequestOptions extends DeviceCommandOptions {
  readonly request?: string;
}

/** Adds the `recovery` commands to `program`. */
export function registerRecoveryCommands(program: Command): void {
  const recovery = program.command('recovery').description('recover an authority into a new device with the approval of its guardians');
  withOutputOptions(
    recovery
      .command('start')
      .description('ask the guardians to recover an authority into a new device; waits for their approvals and the cooldown, then writes the device directory')
      .requiredOption('--dir <dir>', 'the new device directory (new or empty)')
      .requiredOption('--authority <id>', 'the authority to recover')
      .option('--guardian <addr>', "a guardian's node address (multiaddr ending in /p2p/PEER_ID); it tells the rest")
      .option('--guardian-dir <dir>', "a guardian's device directory on this machine (its address is read from its aura.json)")
      .option('--policy <policy>', `approval policy of the new device: ${APPROVAL_POLICIES.join(' or ')}`, 'auto')
      .option('--passphrase-file <file>', 'passphrase of the new key store (else $AURA_PASSPHRASE, else a prompt)')
      .option('--kdf-log-n <n>', `scrypt cost log2(N) of the key store (default ${DEFAULT_SCRYPT.logN}; lower only for tests)`)
      .option('--poll-ms <ms>', 'how often to ask the guardians whether they approved', '500'),
  ).action((options: StartOptions) => runStart(options));
  withDeviceOptions(recovery.command('approve').description("approve a recovery request as a guardian (signed with the guardian's authority key)").requiredOption('--request <id>', 'the request id (or a unique prefix of at least 8 hex digits)')).action(
    (options: RequestOptions) => runApprove(options),
  );
  withDeviceOptions(recovery.command('dispute').description("cancel a recovery of this device's authority: the dispute reaches the guardians before the cooldown ends").requiredOption('--request <id>', 'the request id (64 hex digits)')).action(
    (options: RequestOptions) => runDispute(options),
  );
  withDeviceOptions(recovery.command('status').description('show the recovery requests known to a device: requested, approved, cooldown, completed, disputed').option('--request <id>', 'only this request')).action(
    (options: RequestOptions) => runStatus(options),
  );
}

/** The guardian address of `--guardian` or `--guardian-dir`; exactly one. */
async function guardianAddress(options: StartOptions): Promise<string> {
  if ((options.guardian === undefined) === (options.guardianDir === undefined)) throw usageError('give exactly one of --guardian ADDR and --guardian-dir DIR');
  return options.guardian ?? (await guardianContactOf(options.guardianDir!)).address; // one of the two is given, checked above
}

function authorityOption(text: string): AuthorityId {
  try {
    return parseIdentifier('authority', text);
  } catch (error) {
    throw usageError(`--authority: ${(error as Error).message}`);
  }
}

function formatRecoveryEvent(event: RecoveryEvent): string {
  switch (event.event) {
    case 'requested':
      return `request ${event.request}: new device ${event.newDevice}; ${event.needed} of the guardians ${event.guardians.join(', ')} must approve ("aura recovery approve --request ${event.request}"), then ${event.cooldownMs} ms of cooldown`;
    case 'approvals':
      return `approved by ${event.approvedBy.length === 0 ? 'no guardian yet' : event.approvedBy.join(', ')} (${event.needed} needed)`;
    case 'survivors':
      return `surviving devices taking part: ${event.devices.length === 0 ? 'none' : event.devices.join(', ')}`;
    case 'cooldown':
      return `recovery session started: the cooldown ends at ${event.endsAt}; the owner can still dispute`;
    case 'tree-unchanged':
      return `the shares moved, but the tree change was not signed (the journal's tree and epoch stay as they were): error[${event.code}]: ${event.message}`;
  }
}

async function runStart(options: StartOptions): Promise<void> {
  const authority = authorityOption(options.authority);
  const guardian = await guardianAddress(options);
  if (!(APPROVAL_POLICIES as readonly string[]).includes(options.policy)) throw usageError(`--policy must be one of ${APPROVAL_POLICIES.join(', ')}, got "${options.policy}"`);
  const logN = options.kdfLogN === undefined ? DEFAULT_SCRYPT.logN : positiveInteger(options.kdfLogN, '--kdf-log-n');
  const pollMs = positiveInteger(options.pollMs, '--poll-ms', 'milliseconds');
  const passphrase = await passphraseFor(options, `the new device ${options.dir}`);
  const trace = new TraceFile(options.trace);
  const interrupt = interruptSignal();
  const started = performance.now();
  // The request id must be seen while the command waits: events are printed as they happen.
  const print = (line: Readonly<Record<string, unknown>>, text: string): void => {
    if (options.json === true) process.stdout.write(JSON.stringify(line) + '\n');
    else console.log(text);
  };
  try {
    const recovered = await recoverDevice({
      dir: options.dir,
      authority,
      guardian,
      passphrase,
      policy: options.policy as ApprovalPolicy,
      scrypt: { ...DEFAULT_SCRYPT, logN },
      random: new NodeRandom(),
      time: new BackgroundClock(),
      pollMs,
      events: (event) => {
        print(event, formatRecoveryEvent(event));
      },
      signal: interrupt.signal,
      ...(trace.observer === undefined ? {} : { observer: trace.observer }),
    });
    const ms = Math.round(performance.now() - started);
    print({ event: 'recovered', ...recovered, ms }, [
      `recovered authority ${recovered.authority} into ${recovered.dir}`,
      `device    ${recovered.device}`,
      `group key ${recovered.groupKey} (unchanged)`,
      `approvers ${recovered.approvers.join(', ')}`,
      `devices   ${recovered.members.join(', ')} (${ms} ms)`,
    ].join('\n'));
  } catch (error) {
    if (interrupt.signal.aborted && !isAuraError(error, 'agent.interrupted')) throw permanentError('agent.interrupted', `interrupted (${(error as Error).message}): no device directory was written`, { cause: error });
    throw error;
  } finally {
    interrupt.dispose();
    trace.write();
  }
}

function requestOf(options: RequestOptions): string {
  const id = options.request ?? '';
  if (!/^[0-9a-fA-F]{8,64}$/.test(id)) throw usageError(`--request takes a request id (8 to 64 hex digits), got "${id}"`);
  return id.toLowerCase();
}

function statusLines(statuses: readonly RequestStatus[]): string[] {
  if (statuses.length === 0) return ['no recovery requests known here'];
  return statuses.flatMap((s) => [
    `request   ${s.request}`,
    `  authority ${s.authority}, new device ${s.newDevice}`,
    `  phase     ${s.phase}${s.cooldownLeftMs === undefined ? '' : ` (${Math.ceil(s.cooldownLeftMs / 1000)} s of cooldown left)`}${s.error === undefined ? '' : `: ${s.error}`}`,
    `  approved  by ${s.approvedBy.length === 0 ? 'no guardian (known here)' : s.approvedBy.join(', ')}; ${s.needed} needed${s.disputed ? '; DISPUTED by the owner' : ''}`,
  ]);
}

/** Statuses as a node answers them. */
function decodeStatuses(result: Readonly<Record<string, unknown>>): RequestStatus[] {
  return (result.requests as RequestStatus[] | undefined) ?? [];
}

async function runApprove(options: RequestOptions): Promise<void> {
  const request = requestOf(options);
  const statuses = await runOnDevice(options, {
    remote: { op: 'recovery-approve', request },
    decode: decodeStatuses,
    local: async ({ agent }) => [await agent.desk.approve(request)],
    connectMs: 1,
  });
  printResult(options.json, statuses[0], () => ['approved', ...statusLines(statuses)]);
}

async function runDispute(options: RequestOptions): Promise<void> {
  const request = requestOf(options);
  const progress = progressPrinter(options.json);
  const deliveries = await runOnDevice<DisputeDelivery[]>(options, {
    remote: { op: 'recovery-dispute', request },
    decode: (result) => (result.deliveries as DisputeDelivery[] | undefined) ?? [],
    local: ({ agent }) => agent.desk.dispute(request),
    connectMs: 1,
    events: (event) => {
      progress(formatAgentEvent(event));
    },
  });
  printResult(options.json, { request, deliveries }, () => [
    `disputed request ${request}: the recovery is cancelled when its cooldown ends`,
    ...deliveries.map((d) => `  ${d.guardian.padEnd(12)} ${d.delivered ? 'stored the dispute' : `not reached: ${d.error ?? ''}`}`),
  ]);
}

async function runStatus(options: RequestOptions): Promise<void> {
  const request = options.request === undefined ? undefined : requestOf(options);
  const remote = await callControl(options.dir, { op: 'recovery-status', ...(request === undefined ? {} : { request }) });
  const statuses =
    remote !== undefined
      ? decodeStatuses(remote)
      : await withDeviceJournal(options.dir, openOptions(options), async (config) => {
          const store = RecoveryStore.open(options.dir, new Ed25519CryptoEffects(new NodeRandom()));
          try {
            return await requestStatuses(await readGuardianships(options.dir), store, config.authority, request === undefined ? {} : { id: request });
          } finally {
            await store.close();
          }
        });
  printResult(options.json, statuses, () => statusLines(statuses));
}
