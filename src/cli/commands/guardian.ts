/**
 * `aura guardian add --dir DEVICE_DIR --guardian-dir G [--guardian-dir G2 …] [--cooldown 24h]`:
 * makes other authorities (each a one-device authority made by `aura init --devices 1
 * --threshold 1`, its node running: `aura node --dir G`) guardians of this device's authority.
 * The command reads each guardian's public config (`G/aura.json`: its authority, key, device,
 * HPKE key and address; no passphrase), then runs guardian setup (`setUpGuardians`) among every
 * device of the authority (all must be online) and the guardians: each guardian receives an
 * HPKE-sealed recovery share of the unchanged group key, and every device and guardian records
 * the guardianship in its `recovery.json`.
 *
 * Source: issue 11 item 2 (`aura guardian add`).
 *
 * @module
 */
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { toHex } from '../../core/bytes.ts';
import { permanentError } from '../../core/errors.ts';
import type { GuardiansOutcome } from '../../agent/device-agent.ts';
import { inspectDeviceDir } from '../../agent/device-dir.ts';
import { guardianContactSchema, type GuardianContact } from '../../agent/guardianship.ts';
import { list } from '../../journal/schema.ts';
import { runDeviceCommand, withWaitOption, type WaitingCommandOptions } from '../device-command.ts';
import { duration, usageError, withDeviceOptions } from '../device-options.ts';
import { collect } from './choreo.ts';

interface GuardianAddOptions extends WaitingCommandOptions {
  readonly guardianDir: string[];
  readonly cooldown: string;
}

/** The recovery cooldown when `--cooldown` is not given: a day, for the owner to notice and dispute. */
export const DEFAULT_COOLDOWN = '24h';

/** What `aura guardian add --json` prints, and what a node answers to `{"op":"guardian-add"}`. */
export interface GuardianAddResult {
  /** The authority. */
  readonly authority: string;
  /** The guardians (names). */
  readonly guardians: readonly string[];
  /** The devices that took part (names). */
  readonly devices: readonly string[];
  /** The recovery cooldown, ms. */
  readonly cooldownMs: number;
  /** The group key, unchanged (hex). */
  readonly groupKey: string;
}

/** The guardian contact of the device directory `dir` (its public config only). Error: `agent.not-a-guardian`. */
export async function guardianContactOf(dir: string): Promise<GuardianContact> {
  const config = await inspectDeviceDir(dir);
  const own = config.members.find((m) => m.device === config.device);
  if (config.members.length !== 1 || config.threshold !== 1 || own === undefined) {
    throw permanentError('agent.not-a-guardian', `${dir} is a device of a ${config.threshold}-of-${config.members.length} authority; a guardian is a one-device authority ("aura init --devices 1 --threshold 1")`, { context: { dir } });
  }
  return { name: basename(resolve(dir)), authority: config.authority, device: config.device, signingKey: toHex(config.groupKey), hpkeKey: toHex(own.hpkePublicKey), address: own.address };
}

/** The guardian contacts of a control request. Error: `agent.bad-control`. */
export function guardianContactsOf(value: unknown): GuardianContact[] {
  const reason = list(guardianContactSchema, 16)(value, 'guardians');
  if (reason !== undefined) throw permanentError('agent.bad-control', `guardian-add: ${reason}`);
  return [...(value as GuardianContact[])];
}

/** Adds the `guardian` commands to `program`. */
export function registerGuardianCommands(program: Command): void {
  const guardian = program.command('guardian').description("set up the guardians who can recover an authority's account");
  withDeviceOptions(
    withWaitOption(
      guardian
        .command('add')
        .description('make other one-device authorities (their nodes running) guardians of this authority: every device must be online')
        .option('--guardian-dir <dir>', "a guardian's device directory (its aura.json is read; repeatable)", collect, [])
        .option('--cooldown <duration>', 'how long a recovery waits for the owner to dispute it (500ms, 2s, 10m, 24h, 7d)', DEFAULT_COOLDOWN),
    ),
  ).action((options: GuardianAddOptions) => runGuardianAdd(options));
}

async function runGuardianAdd(options: GuardianAddOptions): Promise<void> {
  if (options.guardianDir.length === 0) throw usageError('give at least one --guardian-dir');
  const cooldownMs = duration(options.cooldown, '--cooldown');
  const guardians = await Promise.all(options.guardianDir.map(guardianContactOf));
  if (new Set(guardians.map((g) => g.authority)).size !== guardians.length) throw usageError('the --guardian-dir directories must be of different authorities');
  await runDeviceCommand(options, {
    remote: { op: 'guardian-add', guardians, cooldownMs },
    decode: (answer) => answer as unknown as GuardianAddResult,
    local: async ({ agent }) => guardianAddResult(await agent.addGuardians(guardians, cooldownMs)),
    result: (result, ms) => ({ ...result, ms }),
    lines: (result) => [
      `authority ${result.authority}`,
      `group key ${result.groupKey} (unchanged)`,
      `guardians ${result.guardians.join(', ')} (a recovery needs the threshold's number of approvals, then waits ${options.cooldown})`,
      `devices   ${result.devices.join(', ')} hold new shares (${result.ms} ms)`,
    ],
  });
}

/** The result of a guardian setup's outcome. */
export function guardianAddResult(outcome: GuardiansOutcome): GuardianAddResult {
  const g = outcome.guardianship;
  return { authority: g.authority, guardians: g.guardians.map((x) => x.name), devices: g.owners.map((o) => o.name), cooldownMs: g.cooldownMs, groupKey: toHex(outcome.publicKeyPackage.groupPublicKey) };
}
