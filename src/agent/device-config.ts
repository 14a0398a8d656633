/**
 * The configuration file of a device data directory, `aura.json`: which authority the device
 * belongs to, its own device id, the group's public key and threshold, the other members (with
 * the loopback or network address each listens on) and the approval policy. It holds nothing
 * secret (the secrets are in the encrypted key store), so `aura status` can show it and a person
 * can read it.
 *
 * The file is written once, atomically (temporary file, `fsync`, rename), and read strictly: any
 * field missing or of the wrong shape is `agent.config-corrupt` naming the field, a file of
 * another format or version is `agent.config-unsupported`.
 *
 * Source: issue 11 item 1 ("Device data directories").
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromHex, toHex } from '../core/bytes.ts';
import { permanentError, systemError } from '../core/errors.ts';
import { parseIdentifier, type AuthorityId, type DeviceId } from '../core/identifiers.ts';
import { writeFileAtomically } from './atomic-file.ts';

/** The config file's name inside a device directory. */
export const CONFIG_FILE = 'aura.json';
/** The value of the `format` field. */
export const CONFIG_FORMAT = 'aura.device';
/** The version of the config layout. */
export const CONFIG_VERSION = 1;

/** How a device answers requests from its authority's other devices. */
export type ApprovalPolicy = 'auto' | 'prompt';

/** The approval policies, for validation and help text. */
export const APPROVAL_POLICIES: readonly ApprovalPolicy[] = ['auto', 'prompt'];

/** One member of the authority as this device knows it. */
export interface MemberConfig {
  /** A name for people (`device-1`). */
  readonly name: string;
  /** Its device id. */
  readonly device: DeviceId;
  /** Where it listens: a multiaddr ending in `/p2p/<peer id>`. */
  readonly address: string;
  /** Its X25519 HPKE public key, for protocols that seal shares to it. */
  readonly hpkePublicKey: Uint8Array;
}

/** The parsed config of one device directory. */
export interface DeviceConfig {
  /** The authority this device belongs to. */
  readonly authority: AuthorityId;
  /** This device. */
  readonly device: DeviceId;
  /** The group public key (32 bytes, a plain Ed25519 key). */
  readonly groupKey: Uint8Array;
  /** Signers needed. */
  readonly threshold: number;
  /** Every member, this device included. */
  readonly members: readonly MemberConfig[];
  /** How requests from the other members are approved. */
  readonly policy: ApprovalPolicy;
}

/** The path of the config file of `dir`. */
export function configPath(dir: string): string {
  return join(dir, CONFIG_FILE);
}

/** The config as the JSON text written to disk. */
export function encodeConfig(config: DeviceConfig): string {
  const json = {
    format: CONFIG_FORMAT,
    version: CONFIG_VERSION,
    authority: config.authority,
    device: config.device,
    groupKey: toHex(config.groupKey),
    threshold: config.threshold,
    policy: config.policy,
    members: config.members.map((m) => ({ name: m.name, device: m.device, address: m.address, hpkePublicKey: toHex(m.hpkePublicKey) })),
  };
  return JSON.stringify(json, null, 2) + '\n';
}

/**
 * Parses config text. Errors: `agent.config-corrupt` (not JSON, or a field missing or malformed,
 * named), `agent.config-unsupported` (another format or version).
 */
export function decodeConfig(text: string, path: string): DeviceConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corrupt(path, 'it is not JSON', error);
  }
  const json = asRecord(value, path, 'the file');
  if (json.format !== CONFIG_FORMAT || json.version !== CONFIG_VERSION) {
    throw permanentError('agent.config-unsupported', `${path} is not an Aura device config of version ${CONFIG_VERSION} (format ${JSON.stringify(json.format)}, version ${JSON.stringify(json.version)})`, { context: { path } });
  }
  const field = <T>(name: string, parse: (v: unknown) => T): T => {
    try {
      return parse(json[name]);
    } catch (error) {
      throw corrupt(path, `field "${name}" is missing or malformed`, error);
    }
  };
  const members = field('members', (v) => {
    if (!Array.isArray(v) || v.length === 0) throw new Error('not a list');
    return v.map((item, index) => parseMember(asRecord(item, path, `members[${index}]`)));
  });
  const config: DeviceConfig = {
    authority: field('authority', (v) => parseIdentifier('authority', String(v))),
    device: field('device', (v) => parseIdentifier('device', String(v))),
    groupKey: field('groupKey', (v) => hexOfLength(v, 32)),
    threshold: field('threshold', (v) => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > members.length) throw new Error('not in [1, members]');
      return v;
    }),
    members,
    policy: field('policy', (v) => {
      if (!(APPROVAL_POLICIES as readonly unknown[]).includes(v)) throw new Error(`not one of ${APPROVAL_POLICIES.join(', ')}`);
      return v as ApprovalPolicy;
    }),
  };
  if (!members.some((m) => m.device === config.device)) throw corrupt(path, `the device ${config.device} is not among its members`);
  return config;
}

/** Reads the config of `dir`. Errors: `agent.not-a-device-dir` (no config) and {@link decodeConfig}'s. */
export async function readConfig(dir: string): Promise<DeviceConfig> {
  const path = configPath(dir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw permanentError('agent.not-a-device-dir', `${dir} is not an Aura device directory: it has no ${CONFIG_FILE} (create one with "aura init")`, { context: { dir }, cause: error });
    throw systemError('agent.io', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return decodeConfig(text, path);
}

/** Writes the config of `dir` durably (`atomic-file.ts`: temporary file, flush, rename, flush of the directory). Error: `agent.io`. */
export async function writeConfig(dir: string, config: DeviceConfig): Promise<void> {
  await writeFileAtomically(configPath(dir), encodeConfig(config));
}

function parseMember(json: Record<string, unknown>): MemberConfig {
  if (typeof json.name !== 'string' || typeof json.address !== 'string') throw new Error('a member has a name and an address');
  return { name: json.name, device: parseIdentifier('device', String(json.device)), address: json.address, hpkePublicKey: hexOfLength(json.hpkePublicKey, 32) };
}

function hexOfLength(value: unknown, length: number): Uint8Array {
  if (typeof value !== 'string') throw new Error('not hex text');
  const bytes = fromHex(value);
  if (bytes.length !== length) throw new Error(`${bytes.length} bytes, expected ${length}`);
  return bytes;
}

function asRecord(value: unknown, path: string, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw corrupt(path, `${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function corrupt(path: string, reason: string, cause?: unknown): Error {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return permanentError('agent.config-corrupt', `${path} is corrupted: ${reason}${detail}`, { context: { path }, ...(cause === undefined ? {} : { cause }) });
}
