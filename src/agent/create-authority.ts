/**
 * Creating an authority: N new devices, each started as a libp2p node on loopback, run the DKG
 * among themselves (`runDkgDevice` of `src/protocols/dkg.ts`, over real connections), then sign
 * the genesis facts of the authority's journal with the new group key (one FROST signing session
 * each, `runSigningDevice`), and each gets its device directory: config, encrypted key store with
 * its share, and the journal.
 *
 * Nothing is written until both protocols finished, and the directories are built under a
 * staging directory and renamed into place at the end, so an interrupted creation (Ctrl-C, a
 * failed protocol) leaves no half-made device directory behind. The authority id is derived from
 * the group key (`deriveIdentifier("authority", { groupKey })`).
 *
 * Source: issue 11 item 2 (`aura init`).
 *
 * @module
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { PhysicalTimeEffects, RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { deriveIdentifier, randomIdentifier, type AuthorityId, type DeviceId, type SessionId } from '../core/identifiers.ts';
import { hpkeKeyPairFromSeed } from '../crypto/hpke.ts';
import type { KeyShare } from '../crypto/key-share.ts';
import type { ScryptParams } from '../crypto/key-store-format.ts';
import { ed25519PublicKey } from '../crypto/signature.ts';
import type { FactRecord } from '../journal/fact.ts';
import { introduce, startNetworkDevice, type NetworkDevice } from '../handlers/network/network-device.ts';
import { ChannelTransport } from '../runtime/channel-transport.ts';
import type { RoleObserver } from '../runtime/role-event.ts';
import { runDkgDevice } from '../protocols/dkg.ts';
import { familyRole } from '../protocols/protocol-source.ts';
import { runSigningDevice } from '../protocols/sign.ts';
import { attestedFact, chainedDrafts, genesisOps, thresholdTranscript } from './authority-journal.ts';
import type { ApprovalPolicy, DeviceConfig, MemberConfig } from './device-config.ts';
import { checkFreshDir, createDeviceDir } from './device-dir.ts';

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
  readonly transport: ChannelTransport;
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
    const shares = await runDkg(spec, devices, say);
    const groupKey = shares[0]!.publicKeyPackage.groupPublicKey; // at least one device
    const authority = deriveIdentifier('authority', { groupKey });
    say(`DKG done: group key ${Buffer.from(groupKey).toString('hex')}`);
    const facts = await signGenesis(spec, devices, shares, authority, say);
    checkNotAborted(spec.signal);
    const members: MemberConfig[] = devices.map((d) => ({ name: d.name, device: d.network.device, address: String(d.network.addresses()[0]), hpkePublicKey: d.hpke.publicKey }));
    await stopAll(devices);
    await writeDirs(spec, devices, shares, members, { authority, groupKey, facts });
    return { authority, groupKey, devices: members.map((m) => ({ name: m.name, device: m.device, dir: join(spec.dir, m.name), address: m.address })), facts: facts.length };
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
      devices.push({ name: `device-${k}`, deviceKey, hpkeSeed, hpke: await hpkeKeyPairFromSeed(hpkeSeed), network, transport: new ChannelTransport(network.transport) });
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

async function runDkg(spec: CreateAuthority, devices: readonly LocalDevice[], say: (line: string) => void): Promise<KeyShare[]> {
  const session = randomIdentifier('session', spec.random);
  const setup = { members: devices.map((d) => ({ device: d.network.device, hpkePublicKey: d.hpke.publicKey })), threshold: spec.threshold, session };
  say(`DKG ${spec.threshold}-of-${devices.length}: session ${session}`);
  const results = await inSession(devices, session, 'P', () =>
    Promise.all(devices.map((d) => runDkgDevice(setup, { device: d.network.device, hpkeSecretKey: d.hpke.secretKey, random: spec.random }, d.transport, runOptions(spec, d, say)))),
  );
  return results.map((r) => r.result.keyShare);
}

async function signGenesis(spec: CreateAuthority, devices: readonly LocalDevice[], shares: readonly KeyShare[], authority: AuthorityId, say: (line: string) => void): Promise<FactRecord[]> {
  const ops = genesisOps(devices.map((d) => ({ device: d.network.device, publicKey: ed25519PublicKey(d.deviceKey) })), spec.threshold);
  const drafts = chainedDrafts(authority, ops, spec.random);
  const publicKeyPackage = shares[0]!.publicKeyPackage; // at least one device
  const facts: FactRecord[] = [];
  for (const draft of drafts) {
    checkNotAborted(spec.signal);
    const session = randomIdentifier('session', spec.random);
    const message = thresholdTranscript(authority, draft);
    const signers = devices.map((d) => d.network.device);
    const results = await inSession(devices, session, 'S', () =>
      Promise.all(devices.map((d, k) => runSigningDevice({ signers, publicKeyPackage, session }, { device: d.network.device, keyShare: shares[k]!, message, random: spec.random }, d.transport, runOptions(spec, d, () => undefined)))), // shares are in device order
    );
    facts.push(attestedFact(authority, draft, results[0]!.signature));
  }
  say(`genesis: ${facts.length} tree operations signed by the group (${devices.length} leaves, threshold ${spec.threshold})`);
  return facts;
}

/** Runs `body` with `session` registered on every device (role `FAMILY[k]` on device k). */
async function inSession<T>(devices: readonly LocalDevice[], session: SessionId, family: string, body: () => Promise<T>): Promise<T> {
  const roles = new Map(devices.map((d, k) => [familyRole(family, k), d.network.device]));
  for (const d of devices) d.transport.addSession(session, roles);
  try {
    return await body();
  } finally {
    for (const d of devices) d.transport.endSession(session);
  }
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

async function writeDirs(spec: CreateAuthority, devices: readonly LocalDevice[], shares: readonly KeyShare[], members: readonly MemberConfig[], genesis: { authority: AuthorityId; groupKey: Uint8Array; facts: readonly FactRecord[] }): Promise<void> {
  const staging = join(spec.dir, `.init-${Buffer.from(spec.random.randomBytes(6)).toString('hex')}`);
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  try {
    for (const [k, device] of devices.entries()) {
      const config: DeviceConfig = { authority: genesis.authority, device: device.network.device, groupKey: genesis.groupKey, threshold: spec.threshold, members, policy: spec.policy };
      await createDeviceDir(join(staging, device.name), {
        config,
        secrets: { deviceKey: device.deviceKey, hpkeSeed: device.hpkeSeed, keyShare: shares[k]! }, // shares are in device order
        facts: genesis.facts,
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
    d.transport.close();
    await d.network.stop().catch(() => undefined); // stopping twice (finally after success) is harmless
  }));
}
