/**
 * Creating an authority: N new devices, each started as a libp2p node on loopback, establish the
 * authority among themselves over real connections (`establishAuthority` of
 * `src/protocols/authority.ts`: the DKG, then the genesis facts signed by the new group), and each
 * gets its device directory: config, encrypted key store with its share, and the journal.
 *
 * Every device runs in its own session group, which maps every DKG attempt an exclusion can
 * reach ({@link dkgSessions}), so a retry among the members left finds its renumbered `P[k]`. A
 * device excluded is one of this command's own, so the creation fails with its error; the genesis
 * facts the others would then sign (in sessions named by the group key) are not mapped.
 *
 * Nothing is written until both protocols finished, and the directories are built under a
 * staging directory and renamed into place at the end, so an interrupted creation (Ctrl-C, a
 * failed protocol) leaves no half-made device directory behind.
 *
 * Source: issue 11 item 2 (`aura init`).
 *
 * @module
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { PhysicalTimeEffects, RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { randomIdentifier, type AuthorityId, type DeviceId, type SessionId } from '../core/identifiers.ts';
import type { RoleName } from '../choreo/local-type.ts';
import { hpkeKeyPairFromSeed } from '../crypto/hpke.ts';
import type { ScryptParams } from '../crypto/key-store-format.ts';
import { ed25519PublicKey } from '../crypto/signature.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { introduce, startNetworkDevice, type NetworkDevice } from '../handlers/network/network-device.ts';
import type { RoleObserver } from '../runtime/role-event.ts';
import { establishAuthority, type EstablishedAuthority } from '../protocols/authority.ts';
import type { DkgSetup } from '../protocols/dkg.ts';
import { epochSession, GENESIS_EPOCH } from '../protocols/epoch.ts';
import type { ApprovalPolicy, DeviceConfig, MemberConfig } from './device-config.ts';
import { checkFreshDir, createDeviceDir } from './device-dir.ts';
import { exclusionSessions, familyRoles, SessionGroups } from './session-groups.ts';

/** Most devices `aura init` creates at once. */
export const MAX_INIT_DEVICES = 16;

/** What to create. */
export interface CreateAuthority {
  /** The directory that will hold `device-1` … `device-N`. */
  readonly dir: string;
  /** N. */
  readonly devices: number;
  /** t. */
  readonly threshold: number;
  /** The passphrase of every device's key store. */
  readonly passphrase: string;
  /** The approval policy written into every config. */
  readonly policy: ApprovalPolicy;
  /** scrypt cost of the key stores. */
  readonly scrypt?: ScryptParams;
  /** Randomness. */
  readonly random: RandomEffects;
  /** Time. */
  readonly time: PhysicalTimeEffects;
  /** Progress, one line each. */
  readonly progress?: (line: string) => void;
  /** Watches every role (for `--trace`). */
  readonly observer?: RoleObserver;
  /** Stops the creation when aborted (before anything is written). */
  readonly signal?: AbortSignal;
}

/** A created authority. */
export interface CreatedAuthority {
  /** Its id. */
  readonly authority: AuthorityId;
  /** The group public key. */
  readonly groupKey: Uint8Array;
  /** The devices, with their directories. */
  readonly devices: readonly { readonly name: string; readonly device: DeviceId; readonly dir: string; readonly address: string }[];
  /** Facts in each journal. */
  readonly facts: number;
}

interface LocalDevice {
  readonly name: string;
  readonly deviceKey: Uint8Array;
  readonly hpkeSeed: Uint8Array;
  readonly hpke: { readonly secretKey: Uint8Array; readonly publicKey: Uint8Array };
  readonly network: NetworkDevice;
  readonly sessions: SessionGroups;
}

/** Checks N and t. Error: `agent.bad-group`. */
export function checkGroupSize(devices: number, threshold: number): void {
  if (!Number.isSafeInteger(devices) || devices < 1 || devices > MAX_INIT_DEVICES) throw permanentError('agent.bad-group', `--devices must be between 1 and ${MAX_INIT_DEVICES}, got ${devices}`);
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > devices) throw permanentError('agent.bad-group', `--threshold must be between 1 and the number of devices (${devices}), got ${threshold}`);
}

/** Creates the authority and its device directories (see the module comment). */
export async function createAuthority(spec: CreateAuthority): Promise<CreatedAuthority> {
  checkGroupSize(spec.devices, spec.threshold);
  checkFreshDir(spec.dir);
  const say = spec.progress ?? (() => undefined);
  const devices = await startDevices(spec);
  // An abort stops the nodes: the protocols under way then fail at once (peer gone), and nothing was written yet.
  const abort = (): void => void stopAll(devices);
  spec.signal?.addEventListener('abort', abort);
  try {
    say(`started ${devices.length} device nodes on loopback: ${devices.map((d) => `${d.name} ${String(d.network.addresses()[0])}`).join(', ')}`);
    const established = await establish(spec, devices, say);
    checkNotAborted(spec.signal);
    const first = established[0]!; // at least one device
    const groupKey = first.publicKeyPackage.groupPublicKey;
    say(`authority ${first.authority}: group key ${Buffer.from(groupKey).toString('hex')}, ${first.facts.length} genesis facts signed by the group`);
    const members: MemberConfig[] = devices.map((d) => ({ name: d.name, device: d.network.device, address: String(d.network.addresses()[0]), hpkePublicKey: d.hpke.publicKey }));
    await stopAll(devices);
    await writeDirs(spec, devices, established, members);
    return { authority: first.authority, groupKey, devices: members.map((m) => ({ name: m.name, device: m.device, dir: join(spec.dir, m.name), address: m.address })), facts: first.facts.length };
  } finally {
    spec.signal?.removeEventListener('abort', abort);
    await stopAll(devices);
  }
}

async function startDevices(spec: CreateAuthority): Promise<LocalDevice[]> {
  const devices: LocalDevice[] = [];
  try {
    for (let k = 1; k <= spec.devices; k++) {
      const deviceKey = spec.random.randomBytes(32);
      const hpkeSeed = spec.random.randomBytes(32);
      const network = await startNetworkDevice({ deviceKey, time: spec.time, random: spec.random });
      devices.push({ name: `device-${k}`, deviceKey, hpkeSeed, hpke: await hpkeKeyPairFromSeed(hpkeSeed), network, sessions: new SessionGroups(network.transport) });
    }
  } catch (error) {
    await stopAll(devices);
    throw error;
  }
  for (const device of devices) {
    introduce(device.network, ...devices.filter((d) => d !== device).map((d) => d.network));
  }
  return devices;
}

/** Runs `establishAuthority` at every device, each over its own node, in one session group. */
async function establish(spec: CreateAuthority, devices: readonly LocalDevice[], say: (line: string) => void): Promise<EstablishedAuthority[]> {
  const session = randomIdentifier('session', spec.random);
  const members = devices.map((d) => ({ device: d.network.device, hpkePublicKey: d.hpke.publicKey, signingPublicKey: ed25519PublicKey(d.deviceKey) }));
  const setup = { members, threshold: spec.threshold, session };
  const roles = familyRoles(['P', 'S'], members.map((m) => m.device));
  say(`DKG ${spec.threshold}-of-${devices.length}, then the genesis facts: session ${session}`);
  const crypto = new Ed25519CryptoEffects(spec.random);
  return Promise.all(
    devices.map(async (d) => {
      const group = d.sessions.group(roles, dkgSessions(setup));
      try {
        return await establishAuthority(setup, { device: d.network.device, hpkeSecretKey: d.hpke.secretKey, random: spec.random, crypto }, group.transport, runOptions(spec, d, say));
      } finally {
        group.end();
      }
    }),
  );
}

/**
 * The role maps of every DKG attempt of `setup` (`runDkgDevice`) an exclusion can reach: a retry
 * among the members left renumbers them `P[0]`, `P[1]`… in a session of its own.
 */
export function dkgSessions(setup: Pick<DkgSetup, 'members' | 'threshold' | 'session' | 'epoch'>): Map<SessionId, Map<RoleName, DeviceId>> {
  return exclusionSessions(epochSession(setup.session, setup.epoch ?? GENESIS_EPOCH), setup.members.map((m) => m.device), setup.threshold, ['P']);
}

function runOptions(spec: CreateAuthority, device: LocalDevice, say: (line: string) => void) {
  const first = device.name === 'device-1';
  const observer: RoleObserver = {
    onEvent: (event) => {
      if (first && event.type === 'send' && event.peer === 'P[1]') say(`  ${device.name}: round ${event.label}`);
      spec.observer?.onEvent(event);
    },
  };
  return { time: spec.time, receiveTimeoutMs: 15_000, observer };
}

async function writeDirs(spec: CreateAuthority, devices: readonly LocalDevice[], established: readonly EstablishedAuthority[], members: readonly MemberConfig[]): Promise<void> {
  const staging = join(spec.dir, `.init-${Buffer.from(spec.random.randomBytes(6)).toString('hex')}`);
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  try {
    for (const [k, device] of devices.entries()) {
      const outcome = established[k]!; // one outcome per device, in device order
      const config: DeviceConfig = { authority: outcome.authority, device: device.network.device, groupKey: outcome.publicKeyPackage.groupPublicKey, threshold: spec.threshold, members, policy: spec.policy };
      await createDeviceDir(join(staging, device.name), {
        config,
        secrets: { deviceKey: device.deviceKey, hpkeSeed: device.hpkeSeed, keyShare: outcome.keyShare },
        facts: outcome.facts,
        passphrase: spec.passphrase,
        random: spec.random,
        ...(spec.scrypt === undefined ? {} : { scrypt: spec.scrypt }),
      });
    }
    for (const device of devices) renameSync(join(staging, device.name), join(spec.dir, device.name));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function checkNotAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw permanentError('agent.interrupted', 'interrupted before the device directories were written: nothing was created');
}

async function stopAll(devices: readonly LocalDevice[]): Promise<void> {
  await Promise.all(devices.map(async (d) => {
    d.sessions.close();
    await d.network.stop().catch(() => undefined); // stopping twice (finally after success) is harmless
  }));
}
